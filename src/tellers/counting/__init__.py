"""tellers.counting."""

__all__: list[str] = []
