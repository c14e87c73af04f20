"""Roll imports in the background, their progress kept in the job store.

An upload is checked line by line and then imported in **one** transaction
(:func:`tellers.services.people.import_people`: all or nothing) by a thread of the worker
that received it. The progress the officer's page shows is written to the job store
(:class:`~tellers.services.web_ports.ImportJobStore`, a table on SQL), not kept in that
worker's memory, so every worker of the app can show it and it outlives a restart.

The import thread never waits for the store: it only updates a snapshot, which a
reporter thread writes every :data:`FLUSH_EVERY` seconds (and at least every
:data:`HEARTBEAT_EVERY`, so a page can tell a live import from one whose process died:
:data:`STALE_AFTER`). Stage changes are written at once, before the import's
transaction begins.

On **SQLite** the import's transaction holds the database's single write lock until it
commits, so while people are being written the reporter's writes wait (and retry): the
page shows the stage "importing" with the count as it was when the transaction began,
then "done". On PostgreSQL the count moves as rows are written.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from datetime import timedelta
from typing import Any

from tellers.crypto.random import random_hex
from tellers.domain.ids import OfficerId
from tellers.domain.roll_import import ImportProblem, ImportStage, RollImportJob
from tellers.errors import TellersError
from tellers.services.people import import_people
from tellers.services.ports import Clock
from tellers.services.web_ports import ImportJobStore
from tellers.web.deps import WebContext
from tellers.web.forms import counting, read_roll_csv

__all__ = [
    "FLUSH_EVERY",
    "HEARTBEAT_EVERY",
    "STALE_AFTER",
    "job_view",
    "start_roll_import",
]

log = logging.getLogger(__name__)

FLUSH_EVERY = 0.25
"""Seconds between writes of a changed progress snapshot."""

HEARTBEAT_EVERY = 5.0
"""Seconds between writes when nothing changed (the job's ``updated_at``)."""

STALE_AFTER = timedelta(minutes=2)
"""A running job not heard from for this long is shown as possibly interrupted."""

_FINAL_ATTEMPTS = 5


class _Reporter:
    """Writes a job's newest state to the store from a thread of its own."""

    def __init__(self, store: ImportJobStore, clock: Clock, job: RollImportJob) -> None:
        self._store = store
        self._clock = clock
        self._job = job
        self._lock = threading.Lock()  # guards the snapshot
        self._writing = threading.Lock()  # one write at a time, in snapshot order
        self._dirty = False
        self._stop = threading.Event()
        self._last = time.monotonic()
        self._thread = threading.Thread(
            target=self._run, name=f"roll-import-{job.id[:8]}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def update(self, **fields: Any) -> None:
        """Change the snapshot (cheap: called from the import's inner loop)."""
        with self._lock:
            self._job = dataclasses.replace(self._job, **fields)
            self._dirty = True

    def write_now(self, **fields: Any) -> None:
        """Change the snapshot and write it before returning (a stage change)."""
        self.update(**fields)
        self._write()

    def _write(self) -> None:
        with self._writing:
            with self._lock:
                job = dataclasses.replace(self._job, updated_at=self._clock.now())
                self._dirty = False
            try:
                self._store.save(job)
            except BaseException:
                with self._lock:
                    self._dirty = True
                raise
            self._last = time.monotonic()

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_EVERY):
            due = time.monotonic() - self._last >= HEARTBEAT_EVERY
            if not (self._dirty or due):
                continue
            try:
                self._write()
            except Exception as err:  # noqa: BLE001 - e.g. SQLite's write lock: retry next tick
                log.debug("roll import %s: progress not written yet (%s)", self._job.id, err)

    def finish(self, **fields: Any) -> None:
        """Stop the reporter and write the final state (retrying a busy store)."""
        self._stop.set()
        self._thread.join()
        self.update(**fields)
        for attempt in range(1, _FINAL_ATTEMPTS + 1):
            try:
                self._write()
                return
            except Exception:
                if attempt == _FINAL_ATTEMPTS:
                    log.exception("roll import %s: the final state was not written", self._job.id)
                    return
                time.sleep(attempt)


def _import(ctx: WebContext, reporter: _Reporter, job: RollImportJob, text: str) -> None:
    final: dict[str, Any]
    try:
        reporter.write_now(stage=ImportStage.READING)
        roll = read_roll_csv(text, lambda n: reporter.update(read=n))
        problems = tuple(
            ImportProblem(line=p.line, column=p.column, problem=p.problem) for p in roll.problems
        )
        reporter.update(read=roll.rows, people=len(roll.people), problems=problems)
        if problems:
            final = {"stage": ImportStage.REFUSED}
        else:
            reporter.write_now(stage=ImportStage.IMPORTING)
            with ctx.uow() as uow:
                summary = import_people(
                    uow=uow,
                    clock=ctx.clock,
                    officer=OfficerId(job.officer_id),
                    organisation_id=job.organisation_id,
                    rows=counting(roll.people, lambda n: reporter.update(imported=n)),
                )
            final = {
                "stage": ImportStage.DONE,
                "imported": summary.people,
                "memberships": summary.memberships,
            }
    except TellersError as err:
        final = {"stage": ImportStage.FAILED, "error": str(err)}
    except ValueError as err:
        final = {"stage": ImportStage.FAILED, "error": f"a membership was refused: {err}"}
    except Exception:
        log.exception("roll import %s failed", job.id)
        final = {"stage": ImportStage.FAILED, "error": "the import stopped on an internal error"}
    reporter.finish(**final)


def start_roll_import(
    ctx: WebContext, *, officer: OfficerId, organisation_id: str, text: str
) -> RollImportJob:
    """Record a new import job and run it in a background thread; returns the job.

    Args:
        ctx: the app's context (its job store, units of work, clock).
        officer: who imports (recorded in the audit log by the import).
        organisation_id: whose roll it is.
        text: the file's text (UTF-8 CSV).
    """
    now = ctx.clock.now()
    job = RollImportJob(
        id=random_hex(64),
        organisation_id=organisation_id,
        officer_id=officer,
        stage=ImportStage.QUEUED,
        total=max(text.count("\n") - 1, 0),
        started_at=now,
        updated_at=now,
    )
    ctx.stores.jobs.add(job)
    reporter = _Reporter(ctx.stores.jobs, ctx.clock, job)
    reporter.start()
    threading.Thread(
        target=_import, args=(ctx, reporter, job, text), name="roll-import", daemon=True
    ).start()
    return job


def job_view(job: RollImportJob, ctx: WebContext) -> dict[str, Any]:
    """The job as the page and its script show it (the JSON of ``/officer/jobs/{id}.json``)."""
    return {
        "id": job.id,
        "organisation": job.organisation_id,
        "stage": job.stage.value,
        "total": job.total,
        "read": job.read,
        "imported": job.imported,
        "people": job.people,
        "memberships": job.memberships,
        "problems": [
            {"line": p.line, "column": p.column, "problem": p.problem} for p in job.problems
        ],
        "error": job.error,
        "running": job.stage.is_running,
        "stalled": job.is_stalled(ctx.clock.now(), STALE_AFTER),
        "updated_at": job.updated_at.isoformat(),
    }
