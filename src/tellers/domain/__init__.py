"""tellers.domain."""

__all__: list[str] = []
