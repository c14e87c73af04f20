"""In-memory adapters of the web stores (officers, outbox, presentation, roll-import
jobs), for tests.

Each method is atomic under one lock, as each is one transaction in the SQL adapter.
Officers and the outbox are also written by the lifecycle's unit of work (an
appointment with its audit entry, invitations with their credentials): given a
:class:`~tellers.storage.memory.MemoryStore`, these stores read and write that store's
tables, as the SQL stores share the database with the SQL unit of work.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import cast

from tellers.domain.errors import AlreadyExists, NotFound
from tellers.domain.ids import OfficerId
from tellers.domain.mail import MailStatus, OutboxMessage
from tellers.domain.officer import Officer
from tellers.domain.presentation import Presentation
from tellers.domain.roll_import import RollImportJob
from tellers.storage.memory import OFFICERS_TABLE, OUTBOX_TABLE, MemoryStore

__all__ = [
    "MemoryImportJobs",
    "MemoryOfficers",
    "MemoryOutbox",
    "MemoryPresentation",
    "MemoryWebStores",
]


class MemoryOfficers:
    """Officers in a dict (``rows``: a store's committed table, to share it)."""

    def __init__(self, rows: dict[OfficerId, Officer] | None = None) -> None:
        self._rows: dict[OfficerId, Officer] = rows if rows is not None else {}
        self._lock = threading.Lock()

    def add(self, officer: Officer) -> None:
        with self._lock:
            if officer.id in self._rows:
                msg = f"officer {officer.id!r} already exists"
                raise AlreadyExists(msg)
            self._rows[officer.id] = officer

    def find(self, officer_id: OfficerId) -> Officer | None:
        return self._rows.get(officer_id)

    def save(self, officer: Officer) -> None:
        with self._lock:
            if officer.id not in self._rows:
                msg = f"no officer {officer.id!r}"
                raise NotFound(msg)
            self._rows[officer.id] = officer

    def all(self) -> tuple[Officer, ...]:
        return tuple(sorted(self._rows.values(), key=lambda o: o.id))


class MemoryOutbox:
    """Messages in insertion order (``rows``: a store's committed table, to share it)."""

    def __init__(self, rows: dict[str, OutboxMessage] | None = None) -> None:
        self._rows: dict[str, OutboxMessage] = rows if rows is not None else {}
        self._lock = threading.Lock()

    def add_many(self, messages: Iterable[OutboxMessage]) -> int:
        with self._lock:
            n = 0
            for m in messages:
                if m.id in self._rows:
                    msg = f"message {m.id!r} already queued"
                    raise AlreadyExists(msg)
                self._rows[m.id] = m
                n += 1
            return n

    def due(self, now: datetime, limit: int) -> tuple[OutboxMessage, ...]:
        with self._lock:
            out = [
                m
                for m in self._rows.values()
                if m.status is MailStatus.PENDING
                and (m.next_attempt_at is None or m.next_attempt_at <= now)
            ]
        out.sort(key=lambda m: m.created_at)
        return tuple(out[:limit])

    def save(self, message: OutboxMessage) -> None:
        with self._lock:
            self._rows[message.id] = message

    def recent(
        self, *, contest_id: str | None = None, limit: int = 200
    ) -> tuple[OutboxMessage, ...]:
        rows = [m for m in self._rows.values() if contest_id is None or m.contest_id == contest_id]
        return tuple(reversed(rows))[:limit]

    def counts(self, *, contest_id: str | None = None) -> Mapping[str, int]:
        return dict(
            Counter(
                m.status.value
                for m in self._rows.values()
                if contest_id is None or m.contest_id == contest_id
            )
        )


class MemoryPresentation:
    """Presentation settings in a dict."""

    def __init__(self) -> None:
        self._rows: dict[str, Presentation] = {}

    def get(self, contest_id: str) -> Presentation | None:
        return self._rows.get(contest_id)

    def set(self, presentation: Presentation) -> None:
        self._rows[presentation.contest_id] = presentation


class MemoryImportJobs:
    """Roll-import jobs in a dict."""

    def __init__(self) -> None:
        self._rows: dict[str, RollImportJob] = {}
        self._lock = threading.Lock()

    def add(self, job: RollImportJob) -> None:
        with self._lock:
            if job.id in self._rows:
                msg = f"import job {job.id!r} already exists"
                raise AlreadyExists(msg)
            self._rows[job.id] = job

    def save(self, job: RollImportJob) -> None:
        with self._lock:
            if job.id not in self._rows:
                msg = f"no import job {job.id!r}"
                raise NotFound(msg)
            self._rows[job.id] = job

    def find(self, job_id: str) -> RollImportJob | None:
        return self._rows.get(job_id)


class MemoryWebStores:
    """The in-memory web stores; on ``store``'s officer and outbox tables if given."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        if store is None:
            store = MemoryStore()
        self._officers = MemoryOfficers(
            cast("dict[OfficerId, Officer]", store.table(OFFICERS_TABLE))
        )
        self._outbox = MemoryOutbox(cast("dict[str, OutboxMessage]", store.table(OUTBOX_TABLE)))
        self._presentation = MemoryPresentation()
        self._jobs = MemoryImportJobs()

    @property
    def officers(self) -> MemoryOfficers:
        return self._officers

    @property
    def outbox(self) -> MemoryOutbox:
        return self._outbox

    @property
    def presentation(self) -> MemoryPresentation:
        return self._presentation

    @property
    def jobs(self) -> MemoryImportJobs:
        return self._jobs
