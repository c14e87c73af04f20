"""tellers.counting."""
