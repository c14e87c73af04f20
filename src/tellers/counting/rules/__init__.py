"""tellers.counting.rules."""
