"""A published bulletin board file, as kept after its publication.

The board file is signed and its SHA-256 goes into the audit log when it is published
(:mod:`tellers.services.board`); the file itself is kept byte for byte, with the
sequence of the audit entry meant to log it, so that the file served to the public is
exactly the one the log certifies.
"""

from __future__ import annotations

from dataclasses import dataclass

from tellers.domain.ids import ContestId

__all__ = ["StoredBoard"]


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredBoard:
    """A board file kept as it was published, with the audit entry meant to log it."""

    contest_id: ContestId
    sha256: str
    """SHA-256 of ``data``, lower-case hex (as logged in ``publish_board``)."""
    audit_sequence: int
    """The sequence of the ``publish_board`` entry that logs the publication."""
    published_at: str
    """The board's ``published_at`` instant (the log entry's time)."""
    ballots: int
    data: bytes = b""
    """The file, byte for byte (empty in listings)."""
