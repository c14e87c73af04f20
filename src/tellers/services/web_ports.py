"""Ports of the web-facing services: officers, the mail outbox, ballot presentation, and
the roll imports' progress.

These stores sit beside the lifecycle's :class:`~tellers.services.ports.UnitOfWork`
rather than inside it. Each method is its own short transaction (an officer's log-in, a
delivery record, a voter's receipt). What must commit with an audit entry or with
credentials -- queueing invitations, reminders and result notices, appointing an
officer, locking an account -- goes instead through the unit of work's ``outbox`` and
``officers`` repositories, which write the same rows in the action's transaction.
Adapters: :mod:`tellers.storage.web_memory` (tests) and
:mod:`tellers.storage.sql.web` (SQLite, PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol

from tellers.domain.ids import OfficerId
from tellers.domain.mail import OutboxMessage
from tellers.domain.officer import Officer
from tellers.domain.presentation import Presentation
from tellers.domain.roll_import import RollImportJob

__all__ = ["ImportJobStore", "OfficerStore", "OutboxStore", "PresentationStore", "WebStores"]


class OfficerStore(Protocol):
    """Officers and their password hashes and lock-out state."""

    def add(self, officer: Officer) -> None:
        """Add an officer; AlreadyExists on a repeated id."""
        ...

    def find(self, officer_id: OfficerId) -> Officer | None: ...
    def save(self, officer: Officer) -> None: ...
    def all(self) -> tuple[Officer, ...]: ...


class OutboxStore(Protocol):
    """Queued messages and their delivery record."""

    def add_many(self, messages: Iterable[OutboxMessage]) -> int: ...

    def due(self, now: datetime, limit: int) -> tuple[OutboxMessage, ...]:
        """Pending messages whose next attempt is due, oldest first."""
        ...

    def save(self, message: OutboxMessage) -> None: ...

    def recent(
        self, *, contest_id: str | None = None, limit: int = 200
    ) -> tuple[OutboxMessage, ...]:
        """The newest messages (of a contest, if given), newest first."""
        ...

    def counts(self, *, contest_id: str | None = None) -> Mapping[str, int]:
        """Messages by status value."""
        ...


class PresentationStore(Protocol):
    """Ballot-paper settings per contest."""

    def get(self, contest_id: str) -> Presentation | None: ...
    def set(self, presentation: Presentation) -> None: ...


class ImportJobStore(Protocol):
    """Roll imports and their progress, readable by every worker of the app."""

    def add(self, job: RollImportJob) -> None:
        """Record a new job; AlreadyExists on a repeated id."""
        ...

    def save(self, job: RollImportJob) -> None:
        """Replace a job's state (its progress); NotFound for an unknown id."""
        ...

    def find(self, job_id: str) -> RollImportJob | None: ...


class WebStores(Protocol):
    """The web app's stores together, as the web app is given them."""

    @property
    def officers(self) -> OfficerStore: ...
    @property
    def outbox(self) -> OutboxStore: ...
    @property
    def presentation(self) -> PresentationStore: ...
    @property
    def jobs(self) -> ImportJobStore: ...
