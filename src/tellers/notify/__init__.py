"""tellers.notify."""

__all__: list[str] = []
