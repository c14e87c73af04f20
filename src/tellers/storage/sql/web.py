"""SQL adapters of the web stores: officers, the mail outbox, ballot presentation, and
the roll imports' progress.

Tables of their own (``web_officers``, ``web_outbox``, ``web_presentation``, created by
the migration ``w001_web_tables``; ``web_import_jobs``, by ``w004_import_jobs``),
described here as SQLAlchemy Core metadata. Each method is one short transaction on the
shared :class:`Database` (officer actions and queued mail that must commit with an audit
entry are written by the unit of work instead, in the same tables, through
:meth:`SqlOfficers.row` and :meth:`SqlOutbox.row`); reads go through
:func:`~tellers.storage.sql.reader.reader`, so on SQLite they never wait for a long
write such as a roll import. Instants are stored as ISO 8601 text in UTC, as in the
lifecycle's tables, so SQLite and PostgreSQL hold the same values and text order is
time order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from tellers.domain.errors import AlreadyExists, NotFound
from tellers.domain.ids import OfficerId
from tellers.domain.mail import MailKind, MailStatus, OutboxMessage
from tellers.domain.officer import Officer, OfficerRole
from tellers.domain.presentation import BallotOrder, Presentation
from tellers.domain.roll_import import ImportProblem, ImportStage, RollImportJob
from tellers.storage.sql.engine import Database, connect
from tellers.storage.sql.reader import reader

__all__ = ["SqlWebStores", "web_metadata"]

web_metadata = MetaData()

officers_table = Table(
    "web_officers",
    web_metadata,
    Column("id", String(200), primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", String(40), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", String(40), nullable=True),
)

outbox_table = Table(
    "web_outbox",
    web_metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("contest_id", String(200), nullable=False),
    Column("recipient", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", String(40), nullable=True),
    Column("last_error", Text, nullable=False),
    Column("sent_at", String(40), nullable=True),
    Column("server_reply", Text, nullable=False),
    Index("web_outbox_due", "status", "next_attempt_at"),
    Index("web_outbox_contest", "contest_id"),
)

import_jobs_table = Table(
    "web_import_jobs",
    web_metadata,
    Column("id", String(64), primary_key=True),
    Column("organisation_id", String(200), nullable=False),
    Column("officer_id", String(200), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("total", Integer, nullable=False),
    Column("read_rows", Integer, nullable=False),
    Column("imported", Integer, nullable=False),
    Column("people", Integer, nullable=False),
    Column("memberships", Integer, nullable=False),
    Column("problems", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

presentation_table = Table(
    "web_presentation",
    web_metadata,
    Column("contest_id", String(200), primary_key=True),
    Column("ballot_order", String(40), nullable=False),
    Column("instructions", Text, nullable=False),
)


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class SqlOfficers:
    """Officers in ``web_officers``."""

    def __init__(self, database: Database) -> None:
        self._db = database

    @staticmethod
    def row(o: Officer) -> dict[str, Any]:
        """The table row of an officer (the unit of work writes the same rows)."""
        return {
            "id": o.id,
            "name": o.name,
            "role": o.role.value,
            "password_hash": o.password_hash,
            "failed_logins": o.failed_logins,
            "locked_until": _instant(o.locked_until),
        }

    @staticmethod
    def officer(r: Mapping[Any, Any]) -> Officer:
        """The officer of a table row (by column name)."""
        return Officer(
            id=OfficerId(r["id"]),
            name=r["name"],
            role=OfficerRole(r["role"]),
            password_hash=r["password_hash"],
            failed_logins=r["failed_logins"],
            locked_until=_parse(r["locked_until"]),
        )

    def add(self, officer: Officer) -> None:
        try:
            with self._db.engine.begin() as conn:
                conn.execute(insert(officers_table).values(**self.row(officer)))
        except IntegrityError as err:
            msg = f"officer {officer.id!r} already exists"
            raise AlreadyExists(msg) from err

    def find(self, officer_id: OfficerId) -> Officer | None:
        with reader(self._db).connect() as conn:
            r = conn.execute(
                select(officers_table).where(officers_table.c.id == officer_id)
            ).first()
        return None if r is None else self.officer(r._mapping)

    def save(self, officer: Officer) -> None:
        with self._db.engine.begin() as conn:
            done = conn.execute(
                update(officers_table)
                .where(officers_table.c.id == officer.id)
                .values(**self.row(officer))
            )
            if done.rowcount != 1:
                msg = f"no officer {officer.id!r}"
                raise NotFound(msg)

    def all(self) -> tuple[Officer, ...]:
        with reader(self._db).connect() as conn:
            rows = conn.execute(select(officers_table).order_by(officers_table.c.id)).all()
        return tuple(self.officer(r._mapping) for r in rows)


class SqlOutbox:
    """Messages in ``web_outbox``."""

    def __init__(self, database: Database) -> None:
        self._db = database

    @staticmethod
    def row(m: OutboxMessage) -> dict[str, Any]:
        """The table row of a message (the unit of work queues the same rows)."""
        return {
            "id": m.id,
            "kind": m.kind.value,
            "contest_id": m.contest_id,
            "recipient": m.to,
            "subject": m.subject,
            "body": m.body,
            "created_at": _instant(m.created_at),
            "status": m.status.value,
            "attempts": m.attempts,
            "next_attempt_at": _instant(m.next_attempt_at),
            "last_error": m.last_error,
            "sent_at": _instant(m.sent_at),
            "server_reply": m.server_reply,
        }

    @staticmethod
    def _message(r: Any) -> OutboxMessage:
        created = _parse(r.created_at)
        assert created is not None
        return OutboxMessage(
            id=r.id,
            kind=MailKind(r.kind),
            contest_id=r.contest_id,
            to=r.recipient,
            subject=r.subject,
            body=r.body,
            created_at=created,
            status=MailStatus(r.status),
            attempts=r.attempts,
            next_attempt_at=_parse(r.next_attempt_at),
            last_error=r.last_error,
            sent_at=_parse(r.sent_at),
            server_reply=r.server_reply,
        )

    def add_many(self, messages: Iterable[OutboxMessage]) -> int:
        rows = [self.row(m) for m in messages]
        if not rows:
            return 0
        try:
            with self._db.engine.begin() as conn:
                conn.execute(insert(outbox_table), rows)
        except IntegrityError as err:
            msg = "a message id is already queued"
            raise AlreadyExists(msg) from err
        return len(rows)

    def due(self, now: datetime, limit: int) -> tuple[OutboxMessage, ...]:
        t = outbox_table
        with reader(self._db).connect() as conn:
            rows = conn.execute(
                select(t)
                .where(t.c.status == MailStatus.PENDING.value)
                .where((t.c.next_attempt_at.is_(None)) | (t.c.next_attempt_at <= _instant(now)))
                .order_by(t.c.created_at, t.c.id)
                .limit(limit)
            ).all()
        return tuple(self._message(r) for r in rows)

    def save(self, message: OutboxMessage) -> None:
        with self._db.engine.begin() as conn:
            conn.execute(
                update(outbox_table)
                .where(outbox_table.c.id == message.id)
                .values(**self.row(message))
            )

    def recent(
        self, *, contest_id: str | None = None, limit: int = 200
    ) -> tuple[OutboxMessage, ...]:
        t = outbox_table
        query = select(t).order_by(t.c.created_at.desc(), t.c.id).limit(limit)
        if contest_id is not None:
            query = query.where(t.c.contest_id == contest_id)
        with reader(self._db).connect() as conn:
            rows = conn.execute(query).all()
        return tuple(self._message(r) for r in rows)

    def counts(self, *, contest_id: str | None = None) -> Mapping[str, int]:
        t = outbox_table
        query = select(t.c.status, func.count()).group_by(t.c.status)
        if contest_id is not None:
            query = query.where(t.c.contest_id == contest_id)
        with reader(self._db).connect() as conn:
            return {str(s): int(n) for s, n in conn.execute(query).all()}


class SqlPresentation:
    """Ballot-paper settings in ``web_presentation``."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def get(self, contest_id: str) -> Presentation | None:
        t = presentation_table
        with reader(self._db).connect() as conn:
            r = conn.execute(select(t).where(t.c.contest_id == contest_id)).first()
        if r is None:
            return None
        return Presentation(
            contest_id=r.contest_id, order=BallotOrder(r.ballot_order), instructions=r.instructions
        )

    def set(self, presentation: Presentation) -> None:
        t = presentation_table
        values = {
            "ballot_order": presentation.order.value,
            "instructions": presentation.instructions,
        }
        with self._db.engine.begin() as conn:
            done = conn.execute(
                update(t).where(t.c.contest_id == presentation.contest_id).values(**values)
            )
            if done.rowcount == 0:
                conn.execute(insert(t).values(contest_id=presentation.contest_id, **values))


class SqlImportJobs:
    """Roll-import jobs in ``web_import_jobs``: every worker of the app reads the same row.

    The problems of a refused file are kept as one JSON array (they are written once,
    when the file has been read, and read back whole by the report).

    **On a SQLite file the jobs live in a file of their own beside it** (``tellers.db``:
    ``tellers.db-jobs``). An import is one transaction, and SQLite has one writer: progress
    written to the database being imported into would wait for the import's commit, so
    the officer's bar would stand still and then jump to the end. The side file has its
    own write lock, so the progress moves while the import runs, and every worker of the
    app still reads the same row. Job progress is working state, not a record (the audit
    log holds the import itself), so the side file needs no backup. On PostgreSQL, where
    one transaction's writes never wait for another's unless they touch the same rows,
    and on an in-memory SQLite database, the jobs stay in the database's own table.
    """

    def __init__(self, database: Database) -> None:
        self._db = _jobs_database(database)

    @staticmethod
    def _row(job: RollImportJob) -> dict[str, Any]:
        return {
            "id": job.id,
            "organisation_id": job.organisation_id,
            "officer_id": job.officer_id,
            "stage": job.stage.value,
            "total": job.total,
            "read_rows": job.read,
            "imported": job.imported,
            "people": job.people,
            "memberships": job.memberships,
            "problems": json.dumps(
                [[p.line, p.column, p.problem] for p in job.problems], ensure_ascii=False
            ),
            "error": job.error,
            "started_at": _instant(job.started_at),
            "updated_at": _instant(job.updated_at),
        }

    @staticmethod
    def _job(r: Any) -> RollImportJob:
        started, updated = _parse(r.started_at), _parse(r.updated_at)
        assert started is not None
        assert updated is not None
        return RollImportJob(
            id=r.id,
            organisation_id=r.organisation_id,
            officer_id=r.officer_id,
            stage=ImportStage(r.stage),
            total=r.total,
            read=r.read_rows,
            imported=r.imported,
            people=r.people,
            memberships=r.memberships,
            problems=tuple(
                ImportProblem(line=int(line), column=str(column), problem=str(problem))
                for line, column, problem in json.loads(r.problems)
            ),
            error=r.error,
            started_at=started,
            updated_at=updated,
        )

    def add(self, job: RollImportJob) -> None:
        try:
            with self._db.engine.begin() as conn:
                conn.execute(insert(import_jobs_table).values(**self._row(job)))
        except IntegrityError as err:
            msg = f"import job {job.id!r} already exists"
            raise AlreadyExists(msg) from err

    def save(self, job: RollImportJob) -> None:
        t = import_jobs_table
        with self._db.engine.begin() as conn:
            done = conn.execute(update(t).where(t.c.id == job.id).values(**self._row(job)))
            if done.rowcount != 1:
                msg = f"no import job {job.id!r}"
                raise NotFound(msg)

    def find(self, job_id: str) -> RollImportJob | None:
        t = import_jobs_table
        with reader(self._db).connect() as conn:
            r = conn.execute(select(t).where(t.c.id == job_id)).first()
        return None if r is None else self._job(r)


def _jobs_database(database: Database) -> Database:
    """Where a database's import jobs are kept (see :class:`SqlImportJobs`)."""
    path = database.engine.url.database
    if not database.is_sqlite or path in (None, "", ":memory:"):
        return database
    side = connect(f"sqlite:///{path}-jobs")
    import_jobs_table.create(side.engine, checkfirst=True)
    # gone with the database it serves
    event.listen(database.engine, "engine_disposed", lambda _engine: side.dispose())
    return side


class SqlWebStores:
    """The SQL web stores on one database."""

    def __init__(self, database: Database) -> None:
        self._officers = SqlOfficers(database)
        self._outbox = SqlOutbox(database)
        self._presentation = SqlPresentation(database)
        self._jobs = SqlImportJobs(database)

    @property
    def officers(self) -> SqlOfficers:
        return self._officers

    @property
    def outbox(self) -> SqlOutbox:
        return self._outbox

    @property
    def presentation(self) -> SqlPresentation:
        return self._presentation

    @property
    def jobs(self) -> SqlImportJobs:
        return self._jobs
