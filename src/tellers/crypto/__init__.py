"""tellers.crypto."""

__all__: list[str] = []
