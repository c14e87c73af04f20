"""tellers.storage."""
