"""tellers.cli."""
