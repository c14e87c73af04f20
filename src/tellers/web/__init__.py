"""tellers.web."""
