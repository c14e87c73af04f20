"""tellers.formats."""

__all__: list[str] = []
