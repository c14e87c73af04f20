"""A roll import running in the background, as its progress indicator sees it.

An officer uploads a roll file; the server checks every line, then imports the people in
one transaction (all or nothing), and the officer's page shows how far it has got. The
job's state is kept in the store, not in the memory of the process that runs it, so that
any worker of the app (``uvicorn --workers 2``) can show it, and it survives a restart
of the one that does not run it.

A job whose process died (a restart, a crash) never reports again: its import rolled
back with its transaction, and :meth:`RollImportJob.is_stalled` tells the page to say so
once nothing has been heard for a while.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = ["ImportProblem", "ImportStage", "RollImportJob"]


class ImportStage(StrEnum):
    """Where an import is: queued -> reading -> importing -> done (or refused / failed)."""

    QUEUED = "queued"
    READING = "reading"
    IMPORTING = "importing"
    DONE = "done"
    REFUSED = "refused"
    FAILED = "failed"

    @property
    def is_running(self) -> bool:
        """Whether the import has not finished (one way or another) yet."""
        return self in (ImportStage.QUEUED, ImportStage.READING, ImportStage.IMPORTING)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportProblem:
    """One line of the file that cannot be imported, and why."""

    line: int
    column: str
    problem: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RollImportJob:
    """One upload's import and its progress."""

    id: str
    organisation_id: str
    officer_id: str
    stage: ImportStage
    total: int
    """Lines in the file (its size, for the bar while it is read)."""
    started_at: datetime
    updated_at: datetime
    """When the process running the import last reported (its heartbeat)."""
    read: int = 0
    imported: int = 0
    people: int = 0
    memberships: int = 0
    problems: tuple[ImportProblem, ...] = ()
    error: str = ""

    def is_stalled(self, now: datetime, after: timedelta) -> bool:
        """Whether a running import has not reported for longer than ``after``.

        The process running it has most likely stopped (its transaction, and so the
        import, rolled back); it may also be only slow, so a stalled job that reports
        again is running again.
        """
        return self.stage.is_running and now - self.updated_at > after
