"""tellers.counting.rules."""

__all__: list[str] = []
