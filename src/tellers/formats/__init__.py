"""tellers.formats."""
