"""tellers.crypto."""
