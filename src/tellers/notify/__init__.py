"""tellers.notify."""
