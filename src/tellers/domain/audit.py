"""Audit log entries: every officer action, hash-chained.

Each :class:`AuditEntry` records who did what, with which parameters, when, and the
hash chaining it to the entry before (:mod:`tellers.crypto.hashing` defines the
canonical encoding and the hash). Parameters hold counts, ids, rule versions and
rulings: **never** a credential, a ballot's content or anything linking a voter to a
ballot. Casting a ballot is not an officer action and is not logged at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tellers.crypto.hashing import GENESIS, chain_hash, format_instant
from tellers.domain.ids import OfficerId

__all__ = ["AuditEntry"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One link of the audit chain."""

    sequence: int
    officer: OfficerId
    action: str
    parameters: Mapping[str, Any]
    time: str
    """The instant, as hashed: :func:`tellers.crypto.hashing.format_instant`."""
    previous: str
    hash: str

    @classmethod
    def after(
        cls,
        head: AuditEntry | None,
        *,
        officer: OfficerId,
        action: str,
        parameters: Mapping[str, Any],
        at: datetime,
    ) -> AuditEntry:
        """The entry that follows ``head`` (or starts the log when ``head`` is None)."""
        previous = head.hash if head is not None else GENESIS
        sequence = head.sequence + 1 if head is not None else 1
        time = format_instant(at)
        params = dict(parameters)
        digest = chain_hash(
            previous=previous,
            sequence=sequence,
            officer=officer,
            action=action,
            parameters=params,
            time=time,
        )
        return cls(
            sequence=sequence,
            officer=officer,
            action=action,
            parameters=params,
            time=time,
            previous=previous,
            hash=digest,
        )
