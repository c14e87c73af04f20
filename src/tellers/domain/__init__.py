"""tellers.domain."""
