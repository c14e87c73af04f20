"""tellers: secret ballots, nominations and exact counts for membership organisations."""

__all__: list[str] = []
__version__ = "0.1.0"
