"""tellers.web."""

__all__: list[str] = []
