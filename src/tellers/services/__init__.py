"""tellers.services."""

__all__: list[str] = []
