"""tellers.services."""
