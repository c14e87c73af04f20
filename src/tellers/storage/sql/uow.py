"""The SQL unit of work and its repositories (SQLite and PostgreSQL).

:class:`SqlUnitOfWork` implements :class:`tellers.services.ports.UnitOfWork`
structurally. It keeps **one connection** for its whole life (``close()`` returns it to
the pool), and each ``with uow:`` block is one database transaction, begun lazily at
the first statement -- with ``BEGIN IMMEDIATE`` on SQLite -- and rolled back on leaving
the block unless ``commit()`` was called. A failure anywhere in a service therefore
leaves nothing written.

Statements are plain SQL text run on the driver's cursor, which both drivers prepare
once and reuse (sqlite3's statement cache; psycopg's prepared statements after a few
runs), so a cast costs a handful of index lookups and three writes. Bulk writes (people,
memberships, the roll, credentials) go by ``executemany`` in chunks on SQLite and by
``COPY ... FROM STDIN`` on PostgreSQL, never one ORM object at a time.

On PostgreSQL the rows a voter's action decides on (the credential, the roll entry) are
read ``FOR UPDATE``, so two concurrent casts with one credential cannot both see it
unused; contests are saved with ``UPDATE ... WHERE version = v - 1`` (optimistic
concurrency, :class:`~tellers.domain.errors.StaleWrite`); the audit log's primary key on
``sequence`` makes a second writer of the same link fail as ``StaleWrite``.

The ballot box: see :mod:`tellers.storage.sql.tables` for what it never stores. Every
cast is one transaction, so the database's own bookkeeping remembers the order of casting
until told to forget it: PostgreSQL stamps each row version with its transaction id
(``xmin``, shared by the ballot and the voter's roll row) and keeps the heap in insertion
order; SQLite's write-ahead log keeps each commit's pages in order until a checkpoint.
So when a contest is saved as *voting closed* or *counted*, the commit rewrites that
contest's ballots, roll and credentials in key order in the same transaction
(PostgreSQL) and then runs ``VACUUM FULL`` (PostgreSQL) or a ``TRUNCATE`` checkpoint
(SQLite) -- the remedy measured at chance in ``tests/integration/test_secrecy.py``.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import date, datetime
from itertools import islice
from types import TracebackType
from typing import Any, Self, TypeVar

from tellers.domain.audit import AuditEntry
from tellers.domain.ballot import Ballot, Channel, RejectionReason
from tellers.domain.contest import Contest
from tellers.domain.errors import AlreadyExists, NotFound, StaleWrite
from tellers.domain.ids import (
    AffiliateId,
    BallotId,
    BodyId,
    CandidateId,
    ContestId,
    CredentialId,
    MembershipId,
    OfficerId,
    OrganisationId,
    PersonId,
    PostalBatchId,
    SectionName,
    TrackingCode,
)
from tellers.domain.lifecycle import Phase
from tellers.domain.mail import OutboxMessage
from tellers.domain.membership import Membership, MembershipKind, Standing
from tellers.domain.nomination import Nomination
from tellers.domain.officer import Officer
from tellers.domain.organisation import Affiliate, AffiliateKind, Body, Organisation, Person
from tellers.domain.postal import PaperOutcome, PostalBatch
from tellers.domain.roll import Credential, CredentialStatus, RollEntry
from tellers.storage.sql import codec
from tellers.storage.sql.engine import SQLITE_BULK_CACHE_KIB, SQLITE_CACHE_KIB, Database
from tellers.storage.sql.prefetch import prefetched
from tellers.storage.sql.web import SqlOfficers, SqlOutbox

__all__ = ["SqlUnitOfWork"]

T = TypeVar("T")

CHUNK = 20_000
"""Rows per ``executemany`` batch in bulk loads."""

_ITER_BATCH = 20_000

_STREAM_NUMBERS = itertools.count(1)
"""Numbers for the names of PostgreSQL stream cursors, unique in the process."""


def _chunks(rows: Iterable[tuple[Any, ...]], size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


class _Errors:
    """Turns driver integrity errors into domain errors."""

    def __init__(self, dbapi: Any) -> None:
        self.integrity = dbapi.IntegrityError

    @staticmethod
    def is_foreign_key(err: BaseException) -> bool:
        text = str(err).lower()
        return "foreign key" in text or type(err).__name__ == "ForeignKeyViolation"


class SqlUnitOfWork:
    """A unit of work on a :class:`Database` (see module docstring).

    One instance runs many transactions one after another on the same connection
    (connection reuse keeps a cast to a handful of statements and one commit);
    ``close()`` gives the connection back to the pool.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self.sqlite = database.is_sqlite
        self._conn: Any = None
        self._driver: Any = None
        self._cursor: Any = None
        self._active = False
        self._in_tx = False
        self._sql_cache: dict[str, str] = {}
        self._errors: _Errors | None = None
        # caches valid across transactions (only committed values enter them)
        self.keys_committed: dict[ContestId, bytes] = {}
        self.keys_pending: dict[ContestId, bytes] = {}
        self.contest_cache: dict[ContestId, tuple[int, Contest]] = {}
        self.contests_written: set[ContestId] = set()
        self.commits = 0
        self._organisations = _Organisations(self)
        self._people = _People(self)
        self._contests = _Contests(self)
        self._roll = _Roll(self)
        self._credentials = _Credentials(self)
        self._ballots = _Ballots(self)
        self._postal = _Postal(self)
        self._results = _Results(self)
        self._audit = _Audit(self)
        self._outbox = _Outbox(self)
        self._officers = _Officers(self)
        self._tx_hooks: list[Callable[[], None]] = []
        self._big_cache = False
        self.reseal: set[ContestId] = set()
        self._producers: list[int] = []
        """Threads making rows for a bulk load (prefetch.py), which may not run statements."""

    # -- connection and transaction ------------------------------------------------

    def _connection(self) -> Any:
        if self._conn is None:
            self._conn = self.database.engine.raw_connection()
            self._driver = self._conn.driver_connection
            self._cursor = self._driver.cursor()
            self._errors = _Errors(self.database.engine.dialect.dbapi)
        return self._driver

    @property
    def errors(self) -> _Errors:
        """The driver's error classes."""
        self._connection()
        assert self._errors is not None
        return self._errors

    def sql(self, text: str) -> str:
        """``text`` with ``?`` placeholders in the driver's style."""
        if self.sqlite:
            return text
        found = self._sql_cache.get(text)
        if found is None:
            found = self._sql_cache[text] = text.replace("?", "%s")
        return found

    def cursor(self) -> Any:
        """The transaction's cursor (beginning the transaction if needed)."""
        if not self._active:
            msg = "the repositories are used outside a unit of work (use `with uow:`)"
            raise RuntimeError(msg)
        if self._producers and threading.get_ident() in self._producers:
            msg = "rows for a bulk load are being made by a thread that may not run statements"
            raise RuntimeError(msg)
        driver = self._connection()
        if not self._in_tx:
            if self.sqlite:
                self._cursor.execute("BEGIN IMMEDIATE")
            self._in_tx = True
        del driver
        return self._cursor

    def execute(self, text: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement; return its cursor."""
        cur = self.cursor()
        cur.execute(self.sql(text), params)
        return cur

    def one(self, text: str, params: Sequence[Any] = ()) -> Any:
        """The first row of a query, or None."""
        return self.execute(text, params).fetchone()

    def _bulk_cache(self) -> None:
        """SQLite: a big page cache for the rest of this transaction (see SQLITE_PRAGMAS).

        The small everyday cache keeps voters' commits cheap; a transaction that loads or
        streams a whole roll gets the big one, and gives it back when it ends.
        """
        if not self.sqlite or self._big_cache:
            return
        self._cursor.execute(f"PRAGMA cache_size={-SQLITE_BULK_CACHE_KIB}")
        self._big_cache = True

        def shrink() -> None:
            self._big_cache = False
            if self._cursor is not None:
                self._cursor.execute(f"PRAGMA cache_size={-SQLITE_CACHE_KIB}")

        self.on_end(shrink)

    def many(self, text: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one statement for many rows, in chunks; return how many."""
        n = 0
        cur = self.cursor()
        self._bulk_cache()
        sql = self.sql(text)
        for chunk in _chunks(tuple(r) for r in rows):
            cur.executemany(sql, chunk)
            n += len(chunk)
        return n

    def bulk(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        check: Callable[[list[tuple[Any, ...]]], None] | None = None,
    ) -> int:
        """Insert many rows: COPY on PostgreSQL, chunked executemany on SQLite.

        ``check`` is called with each chunk, in this thread, before the chunk is written
        (it may run statements; making the rows may not, see :meth:`produced`).
        """
        n = 0
        with self.produced(_chunks(tuple(r) for r in rows)) as chunks:
            for chunk in chunks:
                if check is not None:
                    check(chunk)
                n += self.insert_chunk(table, columns, chunk)
        return n

    def produced(self, items: Iterable[T]) -> AbstractContextManager[Iterator[T]]:
        """``items`` for a bulk load, made ahead by a thread on PostgreSQL (prefetch.py).

        On PostgreSQL the next chunk is made while the server takes this one; making the
        items must not run statements, which :meth:`cursor` enforces. On SQLite the items
        are made in this thread, as they are needed.
        """
        if self.sqlite:
            return nullcontext(iter(items))
        return prefetched(items, producer=self._producers)

    def insert_chunk(
        self, table: str, columns: Sequence[str], chunk: Sequence[tuple[Any, ...]]
    ) -> int:
        """Insert one chunk of rows (COPY on PostgreSQL, executemany on SQLite)."""
        cur = self.cursor()
        if self.sqlite:
            self._bulk_cache()
            marks = ", ".join("?" for _ in columns)
            cur.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                chunk,
            )
            return len(chunk)
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in chunk:
                copy.write_row(row)
        return len(chunk)

    def stream(self, text: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """Rows of a big query without holding them all (server-side cursor on PostgreSQL).

        The query is run when this is called, in the calling thread; the rows may then be
        read from another thread (a bulk load's row maker, see :meth:`produced`). The
        stream has its own cursor, so other statements may run while it is read. On
        PostgreSQL a thread fetches the next batch while the reader uses this one.
        """
        self.cursor()
        self._bulk_cache()
        if self.sqlite:
            local = self._driver.cursor()
            local.execute(text, params)
            return self._sqlite_rows(local)
        # a name no other stream of this process has had: a cursor closed late (after its
        # transaction) can then never close another unit of work's on a pooled connection
        named = self._driver.cursor(name=f"tellers_stream_{next(_STREAM_NUMBERS)}")
        named.itersize = _ITER_BATCH
        named.execute(self.sql(text), params)
        return self._postgresql_rows(named)

    @staticmethod
    def _sqlite_rows(local: Any) -> Iterator[Any]:
        try:
            while rows := local.fetchmany(_ITER_BATCH):
                yield from rows
        finally:
            local.close()

    @staticmethod
    def _postgresql_rows(named: Any) -> Iterator[Any]:
        def batches() -> Iterator[list[Any]]:
            while rows := named.fetchmany(_ITER_BATCH):
                yield rows

        # the next batch is fetched by a thread while this one is used (its own cursor;
        # psycopg's connection lock orders its fetches with other statements)
        with named, prefetched(batches()) as fetched:
            for rows in fetched:
                yield from rows

    @property
    def for_update(self) -> str:
        """`` FOR UPDATE`` on PostgreSQL (row locks for voters' actions), else nothing."""
        return "" if self.sqlite else " FOR UPDATE"

    @property
    def for_share(self) -> str:
        """`` FOR SHARE`` on PostgreSQL (the contest row while a phase is relied on)."""
        return "" if self.sqlite else " FOR SHARE"

    def on_end(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` when the transaction ends (commit or rollback)."""
        self._tx_hooks.append(hook)

    def _end(self) -> None:
        hooks, self._tx_hooks = self._tx_hooks, []
        for hook in hooks:
            hook()

    def __enter__(self) -> Self:
        self._active = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self._active = False

    def commit(self) -> None:
        """Commit the transaction (the unit of work stays usable, as a session does).

        Raises:
            StaleWrite: a concurrent transaction made this one impossible.
        """
        if not self._active:
            msg = "commit outside a unit of work"
            raise RuntimeError(msg)
        resealed = bool(self.reseal)
        if self._in_tx:
            if not self.sqlite:
                for contest_id in sorted(self.reseal):
                    self._rewrite_in_key_order(contest_id)
            try:
                self._driver.commit()
            except self.errors.integrity as err:
                self._in_tx = False
                self.rollback()
                msg = f"a concurrent change won; retry ({err})"
                raise StaleWrite(msg) from err
            self._in_tx = False
        self.keys_committed.update(self.keys_pending)
        self.keys_pending.clear()
        self.reseal.clear()
        self.contests_written.clear()
        self._end()
        self.commits += 1
        if resealed:
            self._forget_write_order()

    def rollback(self) -> None:
        """Drop whatever this transaction wrote and has not committed."""
        if self._in_tx:
            self._driver.rollback()
            self._in_tx = False
        self.keys_pending.clear()
        self.reseal.clear()
        for contest_id in self.contests_written:
            self.contest_cache.pop(contest_id, None)
        self.contests_written.clear()
        self._end()

    # -- forgetting the order of casting ------------------------------------------------

    _RESEAL = (("ballots", "id"), ("roll", "person_id"), ("credentials", "id"))
    """Tables a cast writes, and the key each is rewritten in."""

    def _rewrite_in_key_order(self, contest_id: ContestId) -> None:
        """PostgreSQL: re-insert the contest's cast-touched rows in key order, in this tx.

        Each cast is one transaction, so on PostgreSQL the new row versions it leaves
        carry its transaction id (``xmin``) and sit in heap order (``ctid``): the ballot and
        the voter's roll row share an ``xmin``. Rewriting the rows in one transaction gives
        them all the same ``xmin`` and a heap order that follows their random keys.
        """
        cur = self.cursor()
        for table, key in self._RESEAL:
            cur.execute(
                f"CREATE TEMP TABLE tellers_reseal ON COMMIT DROP AS "  # noqa: S608
                f"SELECT * FROM {table} WHERE contest_id = %s",
                (contest_id,),
            )
            cur.execute(f"DELETE FROM {table} WHERE contest_id = %s", (contest_id,))  # noqa: S608
            cur.execute(f"INSERT INTO {table} SELECT * FROM tellers_reseal ORDER BY {key}")  # noqa: S608
            cur.execute("DROP TABLE tellers_reseal")

    def _forget_write_order(self) -> None:
        """After voting closes (or the count): drop the traces of the order of writing.

        PostgreSQL: ``VACUUM FULL`` of the rewritten tables removes the dead row versions,
        which still carry each cast's ``xmin``. SQLite: a ``TRUNCATE`` checkpoint empties the
        write-ahead log, whose frames hold each cast's pages in commit order. (The
        database server's own logs -- PostgreSQL's WAL archive, backups -- are outside
        tellers; see ``docs/architecture-lifecycle.md``.)
        """
        driver = self._connection()
        tables = ", ".join(t for t, _ in self._RESEAL)
        if self.sqlite:
            self._cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._cursor.fetchall()
            return
        driver.autocommit = True
        try:
            driver.execute(f"VACUUM FULL {tables}")
        finally:
            driver.autocommit = False

    def close(self) -> None:
        """Roll back anything open and give the connection back to the pool."""
        self.rollback()
        if self._conn is not None:
            if not self.sqlite:
                self._driver.rollback()
            self._conn.close()
            self._conn = self._driver = self._cursor = None

    # -- repositories ----------------------------------------------------------------

    @property
    def organisations(self) -> _Organisations:
        return self._organisations

    @property
    def people(self) -> _People:
        return self._people

    @property
    def contests(self) -> _Contests:
        return self._contests

    @property
    def roll(self) -> _Roll:
        return self._roll

    @property
    def credentials(self) -> _Credentials:
        return self._credentials

    @property
    def ballots(self) -> _Ballots:
        return self._ballots

    @property
    def postal(self) -> _Postal:
        return self._postal

    @property
    def results(self) -> _Results:
        return self._results

    @property
    def audit(self) -> _Audit:
        return self._audit

    @property
    def outbox(self) -> _Outbox:
        return self._outbox

    @property
    def officers(self) -> _Officers:
        return self._officers


def _missing(key: object, kind: str) -> NotFound:
    return NotFound(f"no {kind} {key!r}")


def _taken(key: object, kind: str) -> AlreadyExists:
    return AlreadyExists(f"{kind} {key!r} already exists")


class _Repo:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self.uow = uow

    def _insert(self, text: str, params: Sequence[Any], key: object, kind: str) -> None:
        try:
            self.uow.execute(text, params)
        except self.uow.errors.integrity as err:
            if _Errors.is_foreign_key(err):
                msg = f"{kind} {key!r} refers to something that does not exist"
                raise NotFound(msg) from err
            raise _taken(key, kind) from err

    def _bulk(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        kind: str,
        check: Callable[[list[tuple[Any, ...]]], None] | None = None,
    ) -> int:
        with self._bulk_errors(kind):
            return self.uow.bulk(table, columns, rows, check=check)

    @contextmanager
    def _bulk_errors(self, kind: str) -> Iterator[None]:
        """Integrity errors of a bulk load as NotFound / AlreadyExists naming ``kind``."""
        try:
            yield
        except self.uow.errors.integrity as err:
            detail = str(err).strip().splitlines()[0]
            if _Errors.is_foreign_key(err):
                msg = f"a {kind} refers to something that does not exist ({detail})"
                raise NotFound(msg) from err
            msg = f"a {kind} already exists ({detail})"
            raise AlreadyExists(msg) from err


class _Organisations(_Repo):
    def add(self, organisation: Organisation) -> None:
        self._insert(
            "INSERT INTO organisations (id, name) VALUES (?, ?)",
            (organisation.id, organisation.name),
            organisation.id,
            "organisation",
        )

    def get(self, organisation_id: OrganisationId) -> Organisation:
        row = self.uow.one("SELECT id, name FROM organisations WHERE id = ?", (organisation_id,))
        if row is None:
            raise _missing(organisation_id, "organisation")
        return Organisation(id=OrganisationId(row[0]), name=row[1])

    def add_body(self, body: Body) -> None:
        self.get(body.organisation_id)
        self._insert(
            "INSERT INTO bodies (id, organisation_id, name, kind) VALUES (?, ?, ?, ?)",
            (body.id, body.organisation_id, body.name, body.kind),
            body.id,
            "body",
        )

    @staticmethod
    def _body(row: Any) -> Body:
        return Body(
            id=BodyId(row[0]), organisation_id=OrganisationId(row[1]), name=row[2], kind=row[3]
        )

    def get_body(self, body_id: BodyId) -> Body:
        row = self.uow.one(
            "SELECT id, organisation_id, name, kind FROM bodies WHERE id = ?", (body_id,)
        )
        if row is None:
            raise _missing(body_id, "body")
        return self._body(row)

    def bodies(self, organisation_id: OrganisationId) -> tuple[Body, ...]:
        cur = self.uow.execute(
            "SELECT id, organisation_id, name, kind FROM bodies WHERE organisation_id = ? "
            "ORDER BY id",
            (organisation_id,),
        )
        return tuple(self._body(r) for r in cur.fetchall())

    def add_affiliate(self, affiliate: Affiliate) -> None:
        self.get(affiliate.organisation_id)
        self._insert(
            "INSERT INTO affiliates (id, organisation_id, name, kind, affiliated_membership) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                affiliate.id,
                affiliate.organisation_id,
                affiliate.name,
                affiliate.kind.value,
                affiliate.affiliated_membership,
            ),
            affiliate.id,
            "affiliate",
        )

    @staticmethod
    def _affiliate(row: Any) -> Affiliate:
        return Affiliate(
            id=AffiliateId(row[0]),
            organisation_id=OrganisationId(row[1]),
            name=row[2],
            kind=AffiliateKind(row[3]),
            affiliated_membership=row[4],
        )

    def get_affiliate(self, affiliate_id: AffiliateId) -> Affiliate:
        row = self.uow.one(
            "SELECT id, organisation_id, name, kind, affiliated_membership FROM affiliates "
            "WHERE id = ?",
            (affiliate_id,),
        )
        if row is None:
            raise _missing(affiliate_id, "affiliate")
        return self._affiliate(row)

    def affiliates(self, organisation_id: OrganisationId) -> tuple[Affiliate, ...]:
        cur = self.uow.execute(
            "SELECT id, organisation_id, name, kind, affiliated_membership FROM affiliates "
            "WHERE organisation_id = ? ORDER BY id",
            (organisation_id,),
        )
        return tuple(self._affiliate(r) for r in cur.fetchall())


_MEMBERSHIP_COLUMNS = (
    "id",
    "person_id",
    "kind",
    "start_on",
    "end_on",
    "standing",
    "body_id",
    "affiliate_id",
    "fee_paid_at",
    "fee_pence",
)

_PERSON_COLUMNS = ("id", "organisation_id", "name", "email", "address")

_KINDS = {k.value: k for k in MembershipKind}
_STANDINGS = {s.value: s for s in Standing}


def _membership_row(m: Membership) -> tuple[Any, ...]:
    return (
        m.id,
        m.person_id,
        m.kind.value,
        m.start.isoformat(),
        _day(m.end),
        m.standing.value,
        m.body_id,
        m.affiliate_id,
        None if m.fee_paid_at is None else m.fee_paid_at.isoformat(),
        m.fee_pence,
    )


def _membership(row: Sequence[Any]) -> Membership:
    return Membership(
        id=MembershipId(row[0]),
        person_id=PersonId(row[1]),
        kind=_KINDS[row[2]],
        start=date.fromisoformat(row[3]),
        end=_parse_day(row[4]),
        standing=_STANDINGS[row[5]],
        body_id=None if row[6] is None else BodyId(row[6]),
        affiliate_id=None if row[7] is None else AffiliateId(row[7]),
        fee_paid_at=None if row[8] is None else datetime.fromisoformat(row[8]),
        fee_pence=row[9],
    )


def _person_row(p: Person) -> tuple[Any, ...]:
    return (p.id, p.organisation_id, p.name, p.email, p.address)


class _People(_Repo):
    def _organisations_check(self) -> Callable[[list[tuple[Any, ...]]], None]:
        """A check of a chunk of person rows: each organisation they name is looked up
        once, so a missing one is NotFound by name rather than a foreign-key failure."""
        checked: set[str] = set()
        orgs = self.uow.organisations

        def check(chunk: list[tuple[Any, ...]]) -> None:
            for org in {row[1] for row in chunk} - checked:
                orgs.get(OrganisationId(org))
                checked.add(org)

        return check

    def add_many(self, people: Iterable[Person]) -> int:
        return self._bulk(
            "people",
            _PERSON_COLUMNS,
            (_person_row(p) for p in people),
            "person",
            self._organisations_check(),
        )

    def add_with_memberships(
        self, people: Iterable[tuple[Person, Sequence[Membership]]]
    ) -> tuple[int, int]:
        # A chunk of people, then their memberships: on PostgreSQL the server takes each
        # pair of chunks while the next is made (the memberships' foreign key needs their
        # people first, so the two tables cannot be loaded one after the other in
        # parallel with the reading).
        # (each person becomes rows at once: holding a chunk of domain objects alive
        # makes the garbage collector's older generations fill and sweep far more often)
        def chunks() -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
            person_rows: list[tuple[Any, ...]] = []
            membership_rows: list[tuple[Any, ...]] = []
            for p, ms in people:
                person_rows.append(_person_row(p))
                membership_rows.extend(_membership_row(m) for m in ms)
                if len(person_rows) == CHUNK:
                    yield person_rows, membership_rows
                    person_rows, membership_rows = [], []
            if person_rows:
                yield person_rows, membership_rows

        check = self._organisations_check()
        added = added_m = 0
        uow = self.uow
        with uow.produced(chunks()) as made:
            for person_rows, membership_rows in made:
                check(person_rows)
                with self._bulk_errors("person"):
                    added += uow.insert_chunk("people", _PERSON_COLUMNS, person_rows)
                with self._bulk_errors("membership"):
                    added_m += uow.insert_chunk("memberships", _MEMBERSHIP_COLUMNS, membership_rows)
        return added, added_m

    def add_memberships(self, memberships: Iterable[Membership]) -> int:
        return self._bulk(
            "memberships",
            _MEMBERSHIP_COLUMNS,
            (_membership_row(m) for m in memberships),
            "membership",
        )

    def find(self, person_id: PersonId) -> Person | None:
        row = self.uow.one(
            "SELECT id, organisation_id, name, email, address FROM people WHERE id = ?",
            (person_id,),
        )
        if row is None:
            return None
        return Person(
            id=PersonId(row[0]),
            organisation_id=OrganisationId(row[1]),
            name=row[2],
            email=row[3],
            address=row[4],
        )

    def get(self, person_id: PersonId) -> Person:
        found = self.find(person_id)
        if found is None:
            raise _missing(person_id, "person")
        return found

    def memberships_of(self, person_id: PersonId) -> tuple[Membership, ...]:
        cur = self.uow.execute(
            f"SELECT {', '.join(_MEMBERSHIP_COLUMNS)} FROM memberships "  # noqa: S608
            "WHERE person_id = ? ORDER BY id",
            (person_id,),
        )
        return tuple(_membership(r) for r in cur.fetchall())

    def all(self, organisation_id: OrganisationId) -> Iterator[Person]:
        for row in self.uow.stream(
            "SELECT id, name, email, address FROM people WHERE organisation_id = ? ORDER BY id",
            (organisation_id,),
        ):
            yield Person(
                id=PersonId(row[0]),
                organisation_id=organisation_id,
                name=row[1],
                email=row[2],
                address=row[3],
            )

    def iter_with_memberships(
        self, organisation_id: OrganisationId
    ) -> Iterator[tuple[Person, tuple[Membership, ...]]]:
        # the query runs now, in the caller's thread (the rows may be read from another)
        cols = ", ".join(f"m.{c}" for c in _MEMBERSHIP_COLUMNS)
        rows = self.uow.stream(
            f"SELECT p.id, p.name, p.email, p.address, {cols} FROM people p "  # noqa: S608
            "LEFT JOIN memberships m ON m.person_id = p.id "
            "WHERE p.organisation_id = ? ORDER BY p.id, m.id",
            (organisation_id,),
        )
        return self._grouped(rows, organisation_id)

    @staticmethod
    def _grouped(
        rows: Iterator[Any], organisation_id: OrganisationId
    ) -> Iterator[tuple[Person, tuple[Membership, ...]]]:
        current: Person | None = None
        ms: list[Membership] = []
        try:
            for row in rows:
                if current is None or row[0] != current.id:
                    if current is not None:
                        yield current, tuple(ms)
                    current = Person(
                        id=PersonId(row[0]),
                        organisation_id=organisation_id,
                        name=row[1],
                        email=row[2],
                        address=row[3],
                    )
                    ms = []
                if row[4] is not None:
                    ms.append(_membership(row[4:]))
            if current is not None:
                yield current, tuple(ms)
        finally:
            # closing this closes the stream (its cursor) at once, in this transaction
            close = getattr(rows, "close", None)
            if close is not None:
                close()

    def seat_holders(self, body_ids: Iterable[BodyId], on: date) -> frozenset[PersonId]:
        bodies = sorted(set(body_ids))
        if not bodies:
            return frozenset()
        marks = ", ".join("?" for _ in bodies)
        day = on.isoformat()
        cur = self.uow.execute(
            "SELECT DISTINCT person_id FROM memberships WHERE kind = ? "  # noqa: S608
            f"AND body_id IN ({marks}) AND start_on <= ? AND (end_on IS NULL OR end_on >= ?)",
            (MembershipKind.SEAT.value, *bodies, day, day),
        )
        return frozenset(PersonId(r[0]) for r in cur.fetchall())


_SEALING_PHASES = frozenset({Phase.VOTING_CLOSED, Phase.COUNTED})
"""Saving a contest into these phases forgets the order of casting at commit."""


class _Contests(_Repo):
    def add(self, contest: Contest) -> None:
        self.uow.contests_written.add(contest.id)
        self._insert(
            "INSERT INTO contests (id, organisation_id, version, phase, data) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                contest.id,
                contest.organisation_id,
                contest.version,
                contest.phase.value,
                codec.dumps(contest),
            ),
            contest.id,
            "contest",
        )

    def get(self, contest_id: ContestId) -> Contest:
        # FOR SHARE on PostgreSQL: a cast keeps the contest row share-locked until it
        # commits, so a phase change (an UPDATE of the row) waits for every cast that read
        # the old phase, and a cast that starts later waits for it and reads the new phase.
        # No ballot is accepted after a close has committed (tests/integration/
        # test_concurrency.py). SQLite's BEGIN IMMEDIATE already serialises them.
        # A committed (id, version) names exactly one document (saves are optimistic), so
        # the decoded contest is cached by version; what this transaction wrote itself is
        # dropped from the cache if it rolls back.
        row = self.uow.one(
            f"SELECT version FROM contests WHERE id = ?{self.uow.for_share}",  # noqa: S608
            (contest_id,),
        )
        if row is None:
            raise _missing(contest_id, "contest")
        version = int(row[0])
        cached = self.uow.contest_cache.get(contest_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        data = self.uow.one("SELECT data FROM contests WHERE id = ?", (contest_id,))[0]
        contest = codec.loads(Contest, data)
        self.uow.contest_cache[contest_id] = (version, contest)
        return contest

    def save(self, contest: Contest) -> None:
        try:
            cur = self.uow.execute(
                "UPDATE contests SET version = ?, phase = ?, data = ? WHERE id = ? AND version = ?",
                (
                    contest.version,
                    contest.phase.value,
                    codec.dumps(contest),
                    contest.id,
                    contest.version - 1,
                ),
            )
        except Exception as err:
            # Two officers' transactions that both read (share-locked) the contest and
            # both update it: PostgreSQL breaks the deadlock by failing one (40P01).
            if getattr(err, "sqlstate", None) != "40P01":
                raise
            msg = f"contest {contest.id} was changed concurrently; retry"
            raise StaleWrite(msg) from err
        self.uow.contests_written.add(contest.id)
        if contest.phase in _SEALING_PHASES:
            self.uow.reseal.add(contest.id)
        if cur.rowcount != 1:
            row = self.uow.one("SELECT version FROM contests WHERE id = ?", (contest.id,))
            if row is None:
                raise _missing(contest.id, "contest")
            msg = (
                f"contest {contest.id} was changed concurrently: stored version "
                f"{row[0]}, saving {contest.version}"
            )
            raise StaleWrite(msg)

    def add_nomination(self, nomination: Nomination) -> None:
        self.get(nomination.contest_id)
        row = self.uow.one(
            "SELECT COALESCE(MAX(position), 0) FROM nominations WHERE contest_id = ?",
            (nomination.contest_id,),
        )
        self._insert(
            "INSERT INTO nominations (contest_id, position, nominator, candidate, at) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                nomination.contest_id,
                int(row[0]) + 1,
                nomination.nominator,
                nomination.candidate,
                nomination.at.isoformat(),
            ),
            (nomination.contest_id, nomination.nominator),
            "nomination",
        )

    def nominations(self, contest_id: ContestId) -> tuple[Nomination, ...]:
        cur = self.uow.execute(
            "SELECT nominator, candidate, at FROM nominations WHERE contest_id = ? "
            "ORDER BY position",
            (contest_id,),
        )
        return tuple(
            Nomination(
                contest_id=contest_id,
                nominator=PersonId(r[0]),
                candidate=CandidateId(r[1]),
                at=datetime.fromisoformat(r[2]),
            )
            for r in cur.fetchall()
        )


_CHANNELS = {c.value: c for c in Channel}
_ROLL_COLUMNS = (
    "contest_id",
    "person_id",
    "section",
    "rule_version",
    "reason",
    "voted",
    "voted_channel",
)


def _roll_entry(row: Sequence[Any]) -> RollEntry:
    return RollEntry(
        contest_id=ContestId(row[0]),
        person_id=PersonId(row[1]),
        section=None if row[2] is None else SectionName(row[2]),
        rule_version=row[3],
        reason=row[4],
        voted=bool(row[5]),
        voted_channel=None if row[6] is None else _CHANNELS[row[6]],
    )


class _Roll(_Repo):
    _SELECT = f"SELECT {', '.join(_ROLL_COLUMNS)} FROM roll"  # noqa: S608

    def add_many(self, entries: Iterable[RollEntry]) -> int:
        rows = (
            (
                e.contest_id,
                e.person_id,
                e.section,
                e.rule_version,
                e.reason,
                e.voted,
                None if e.voted_channel is None else e.voted_channel.value,
            )
            for e in entries
        )
        return self._bulk("roll", _ROLL_COLUMNS, rows, "roll entry")

    def find(self, contest_id: ContestId, person_id: PersonId) -> RollEntry | None:
        row = self.uow.one(
            f"{self._SELECT} WHERE contest_id = ? AND person_id = ?{self.uow.for_update}",
            (contest_id, person_id),
        )
        return None if row is None else _roll_entry(row)

    def get(self, contest_id: ContestId, person_id: PersonId) -> RollEntry:
        found = self.find(contest_id, person_id)
        if found is None:
            raise _missing((contest_id, person_id), "roll entry")
        return found

    def save(self, entry: RollEntry) -> None:
        cur = self.uow.execute(
            "UPDATE roll SET section = ?, rule_version = ?, reason = ?, voted = ?, "
            "voted_channel = ? WHERE contest_id = ? AND person_id = ?",
            (
                entry.section,
                entry.rule_version,
                entry.reason,
                entry.voted,
                None if entry.voted_channel is None else entry.voted_channel.value,
                entry.contest_id,
                entry.person_id,
            ),
        )
        if cur.rowcount != 1:
            raise _missing((entry.contest_id, entry.person_id), "roll entry")

    def iter(self, contest_id: ContestId) -> Iterator[RollEntry]:
        for row in self.uow.stream(
            f"{self._SELECT} WHERE contest_id = ? ORDER BY person_id", (contest_id,)
        ):
            yield _roll_entry(row)

    def eligible(self, contest_id: ContestId) -> Iterator[tuple[PersonId, SectionName]]:
        for person_id, section in self.uow.stream(
            "SELECT person_id, section FROM roll WHERE contest_id = ? AND section IS NOT NULL "
            "ORDER BY person_id",
            (contest_id,),
        ):
            yield PersonId(person_id), SectionName(section)

    def eligible_by_section(self, contest_id: ContestId) -> Mapping[str, int]:
        cur = self.uow.execute(
            "SELECT section, COUNT(*) FROM roll WHERE contest_id = ? AND section IS NOT NULL "
            "GROUP BY section ORDER BY section",
            (contest_id,),
        )
        return {str(r[0]): int(r[1]) for r in cur.fetchall()}

    def voted_count(self, contest_id: ContestId) -> int:
        row = self.uow.one(
            "SELECT COUNT(*) FROM roll WHERE contest_id = ? AND voted = ?", (contest_id, True)
        )
        return int(row[0])


_STATUSES = {s.value: s for s in CredentialStatus}
_CREDENTIAL_COLUMNS = (
    "id",
    "contest_id",
    "person_id",
    "code_hash",
    "paper_number",
    "status",
    "issue",
)


def _credential(row: Sequence[Any]) -> Credential:
    return Credential(
        id=CredentialId(row[0]),
        contest_id=ContestId(row[1]),
        person_id=PersonId(row[2]),
        code_hash=row[3],
        paper_number=row[4],
        status=_STATUSES[row[5]],
        issue=row[6],
    )


class _Credentials(_Repo):
    _SELECT = f"SELECT {', '.join(_CREDENTIAL_COLUMNS)} FROM credentials"  # noqa: S608

    _BULK_AFTER = 64
    """After this many per-person lookups in one transaction, load who holds any at once."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        super().__init__(uow)
        self._holders: dict[ContestId, set[PersonId]] = {}
        self._lookups: dict[ContestId, int] = {}

    def _reset(self) -> None:
        self._holders.clear()
        self._lookups.clear()

    def set_key(self, contest_id: ContestId, key: bytes) -> None:
        self._insert(
            "INSERT INTO credential_keys (contest_id, key) VALUES (?, ?)",
            (contest_id, key),
            contest_id,
            "credential key of contest",
        )

    def key(self, contest_id: ContestId) -> bytes:
        found = self.uow.keys_committed.get(contest_id) or self.uow.keys_pending.get(contest_id)
        if found is not None:
            return found
        row = self.uow.one("SELECT key FROM credential_keys WHERE contest_id = ?", (contest_id,))
        if row is None:
            raise _missing(contest_id, "credential key of contest")
        key = bytes(row[0])
        self.uow.keys_pending[contest_id] = key
        return key

    def add_many(self, credentials: Iterable[Credential]) -> int:
        added: list[tuple[ContestId, PersonId]] = []

        def rows() -> Iterator[tuple[Any, ...]]:
            for c in credentials:
                added.append((c.contest_id, c.person_id))
                yield (
                    c.id,
                    c.contest_id,
                    c.person_id,
                    c.code_hash,
                    c.paper_number,
                    c.status.value,
                    c.issue,
                )

        n = self._bulk("credentials", _CREDENTIAL_COLUMNS, rows(), "credential")
        for contest_id, person_id in added:
            holders = self._holders.get(contest_id)
            if holders is not None:
                holders.add(person_id)
        return n

    def save(self, credential: Credential) -> None:
        cur = self.uow.execute(
            "UPDATE credentials SET status = ?, paper_number = ?, issue = ? WHERE id = ?",
            (
                credential.status.value,
                credential.paper_number,
                credential.issue,
                credential.id,
            ),
        )
        if cur.rowcount != 1:
            raise _missing(credential.id, "credential")

    def find_by_hash(self, contest_id: ContestId, code_hash: str) -> Credential | None:
        row = self.uow.one(
            f"{self._SELECT} WHERE contest_id = ? AND code_hash = ?{self.uow.for_update}",
            (contest_id, code_hash),
        )
        return None if row is None else _credential(row)

    def find_by_paper(self, contest_id: ContestId, paper_number: int) -> Credential | None:
        row = self.uow.one(
            f"{self._SELECT} WHERE contest_id = ? AND paper_number = ?{self.uow.for_update}",
            (contest_id, paper_number),
        )
        return None if row is None else _credential(row)

    def for_person(self, contest_id: ContestId, person_id: PersonId) -> tuple[Credential, ...]:
        holders = self._holders.get(contest_id)
        if holders is None:
            n = self._lookups.get(contest_id, 0) + 1
            self._lookups[contest_id] = n
            if n >= self._BULK_AFTER:
                if not self._lookups.get(ContestId("")):
                    self.uow.on_end(self._reset)
                    self._lookups[ContestId("")] = 1
                holders = self._holders[contest_id] = {
                    PersonId(r[0])
                    for r in self.uow.stream(
                        "SELECT DISTINCT person_id FROM credentials WHERE contest_id = ?",
                        (contest_id,),
                    )
                }
        if holders is not None and person_id not in holders:
            return ()
        cur = self.uow.execute(
            f"{self._SELECT} WHERE contest_id = ? AND person_id = ? ORDER BY issue"
            f"{self.uow.for_update}",
            (contest_id, person_id),
        )
        return tuple(_credential(r) for r in cur.fetchall())

    def next_paper_number(self, contest_id: ContestId) -> int:
        row = self.uow.one(
            "SELECT COALESCE(MAX(paper_number), 0) FROM credentials WHERE contest_id = ?",
            (contest_id,),
        )
        return int(row[0]) + 1

    def count(self, contest_id: ContestId) -> Mapping[str, int]:
        cur = self.uow.execute(
            "SELECT status, COUNT(*) FROM credentials WHERE contest_id = ? GROUP BY status "
            "ORDER BY status",
            (contest_id,),
        )
        return {str(r[0]): int(r[1]) for r in cur.fetchall()}


_REJECTIONS = {r.value: r for r in RejectionReason}
_RANKING_JSON = json.JSONEncoder(separators=(",", ":")).encode
"""A ranking as compact JSON (one encoder for all: json.dumps with options builds one
per call, which showed on the casting path)."""
_BALLOT_COLUMNS = (
    "id",
    "contest_id",
    "section",
    "channel",
    "ranking",
    "rejection",
    "tracking_code",
)


def _ballot(row: Sequence[Any]) -> Ballot:
    return Ballot(
        id=BallotId(row[0]),
        contest_id=ContestId(row[1]),
        section=SectionName(row[2]),
        channel=_CHANNELS[row[3]],
        ranking=tuple(json.loads(row[4])),
        rejection=None if row[5] is None else _REJECTIONS[row[5]],
        tracking_code=TrackingCode(row[6]),
    )


class _Ballots(_Repo):
    _SELECT = f"SELECT {', '.join(_BALLOT_COLUMNS)} FROM ballots"  # noqa: S608
    _INSERT = f"INSERT INTO ballots ({', '.join(_BALLOT_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)"  # noqa: S608

    def add(self, ballot: Ballot) -> None:
        self._insert(
            self._INSERT,
            (
                ballot.id,
                ballot.contest_id,
                ballot.section,
                ballot.channel.value,
                _RANKING_JSON(list(ballot.ranking)),
                None if ballot.rejection is None else ballot.rejection.value,
                ballot.tracking_code,
            ),
            ballot.id,
            "ballot",
        )

    def iter(self, contest_id: ContestId) -> Iterator[Ballot]:
        for row in self.uow.stream(
            f"{self._SELECT} WHERE contest_id = ? ORDER BY id", (contest_id,)
        ):
            yield _ballot(row)

    def count(self, contest_id: ContestId) -> int:
        row = self.uow.one("SELECT COUNT(*) FROM ballots WHERE contest_id = ?", (contest_id,))
        return int(row[0])

    def groups(self, contest_id: ContestId) -> Iterator[tuple[Ballot, int]]:
        cur = self.uow.execute(
            "SELECT section, channel, ranking, rejection, COUNT(*) FROM ballots "
            "WHERE contest_id = ? GROUP BY section, channel, ranking, rejection "
            "ORDER BY section, channel, ranking, rejection",
            (contest_id,),
        )
        for row in cur.fetchall():
            yield (
                Ballot(
                    id=BallotId(""),
                    contest_id=contest_id,
                    section=SectionName(row[0]),
                    channel=_CHANNELS[row[1]],
                    ranking=tuple(json.loads(row[2])),
                    rejection=None if row[3] is None else _REJECTIONS[row[3]],
                    tracking_code=TrackingCode(""),
                ),
                int(row[4]),
            )

    def find_by_tracking_code(
        self, contest_id: ContestId, tracking_code: TrackingCode
    ) -> Ballot | None:
        row = self.uow.one(
            f"{self._SELECT} WHERE contest_id = ? AND tracking_code = ?",
            (contest_id, tracking_code),
        )
        return None if row is None else _ballot(row)


_OUTCOMES = {o.value: o for o in PaperOutcome}


class _Postal(_Repo):
    _COLUMNS = (
        "id",
        "contest_id",
        "sequence",
        "entered_by",
        "paper_numbers",
        "gaps",
        "counted",
        "spoilt",
        "refused",
    )

    def add(self, batch: PostalBatch) -> None:
        dumps = json.dumps
        self._insert(
            f"INSERT INTO postal_batches ({', '.join(self._COLUMNS)}) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                batch.id,
                batch.contest_id,
                batch.sequence,
                batch.entered_by,
                dumps(list(batch.paper_numbers)),
                dumps([list(g) for g in batch.gaps]),
                batch.counted,
                dumps(dict(batch.spoilt), sort_keys=True),
                dumps([[n, o.value] for n, o in batch.refused]),
            ),
            batch.id,
            "postal batch",
        )

    def for_contest(self, contest_id: ContestId) -> tuple[PostalBatch, ...]:
        cur = self.uow.execute(
            f"SELECT {', '.join(self._COLUMNS)} FROM postal_batches "  # noqa: S608
            "WHERE contest_id = ? ORDER BY sequence",
            (contest_id,),
        )
        return tuple(
            PostalBatch(
                id=PostalBatchId(r[0]),
                contest_id=ContestId(r[1]),
                sequence=r[2],
                entered_by=OfficerId(r[3]),
                paper_numbers=tuple(json.loads(r[4])),
                gaps=tuple((a, b) for a, b in json.loads(r[5])),
                counted=r[6],
                spoilt=json.loads(r[7]),
                refused=tuple((n, _OUTCOMES[o]) for n, o in json.loads(r[8])),
            )
            for r in cur.fetchall()
        )

    def entered_papers(self, contest_id: ContestId) -> frozenset[int]:
        cur = self.uow.execute(
            "SELECT paper_numbers FROM postal_batches WHERE contest_id = ?", (contest_id,)
        )
        return frozenset(n for (text,) in cur.fetchall() for n in json.loads(text))


class _Results(_Repo):
    def add_count(self, contest_id: ContestId, number: int, result_json: str) -> None:
        self._insert(
            "INSERT INTO counts (contest_id, number, result_json) VALUES (?, ?, ?)",
            (contest_id, number, result_json),
            (contest_id, number),
            "count",
        )

    def counts(self, contest_id: ContestId) -> tuple[tuple[int, str], ...]:
        cur = self.uow.execute(
            "SELECT number, result_json FROM counts WHERE contest_id = ? ORDER BY number",
            (contest_id,),
        )
        return tuple((int(r[0]), str(r[1])) for r in cur.fetchall())

    def set_declaration(self, contest_id: ContestId, text: str, json_text: str) -> None:
        self._insert(
            "INSERT INTO declarations (contest_id, text, json) VALUES (?, ?, ?)",
            (contest_id, text, json_text),
            contest_id,
            "declaration",
        )

    def declaration(self, contest_id: ContestId) -> tuple[str, str] | None:
        row = self.uow.one(
            "SELECT text, json FROM declarations WHERE contest_id = ?", (contest_id,)
        )
        return None if row is None else (str(row[0]), str(row[1]))


class _Audit(_Repo):
    _SELECT = "SELECT sequence, officer, action, parameters, time, previous, hash FROM audit"

    @staticmethod
    def _entry(row: Sequence[Any]) -> AuditEntry:
        return AuditEntry(
            sequence=int(row[0]),
            officer=OfficerId(row[1]),
            action=row[2],
            parameters=json.loads(row[3]),
            time=row[4],
            previous=row[5],
            hash=row[6],
        )

    def head(self) -> AuditEntry | None:
        row = self.uow.one(f"{self._SELECT} ORDER BY sequence DESC LIMIT 1")
        return None if row is None else self._entry(row)

    def append(self, entry: AuditEntry) -> None:
        head = self.head()
        expected = head.sequence + 1 if head is not None else 1
        if entry.sequence != expected or (head is not None and entry.previous != head.hash):
            msg = f"audit entry {entry.sequence} does not follow the head ({expected - 1})"
            raise StaleWrite(msg)
        try:
            self.uow.execute(
                "INSERT INTO audit (sequence, officer, action, parameters, time, previous, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.sequence,
                    entry.officer,
                    entry.action,
                    json.dumps(entry.parameters, sort_keys=True, ensure_ascii=False),
                    entry.time,
                    entry.previous,
                    entry.hash,
                ),
            )
        except self.uow.errors.integrity as err:
            msg = f"the audit log moved on during this transaction; retry ({err})"
            raise StaleWrite(msg) from err

    def iter(self) -> Iterator[AuditEntry]:
        for row in self.uow.stream(f"{self._SELECT} ORDER BY sequence"):
            yield self._entry(row)


_OUTBOX_COLUMNS = (
    "id",
    "kind",
    "contest_id",
    "recipient",
    "subject",
    "body",
    "created_at",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "sent_at",
    "server_reply",
)


class _Outbox(_Repo):
    """Queueing into ``web_outbox`` (the table :class:`SqlOutbox` delivers from), in this
    transaction: an invitation's code and its credential commit or vanish together."""

    _INSERT = (
        f"INSERT INTO web_outbox ({', '.join(_OUTBOX_COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join('?' for _ in _OUTBOX_COLUMNS)})"
    )

    def add_many(self, messages: Iterable[OutboxMessage]) -> int:
        rows = (
            tuple(row[c] for c in _OUTBOX_COLUMNS) for row in (SqlOutbox.row(m) for m in messages)
        )
        try:
            return self.uow.many(self._INSERT, rows)
        except self.uow.errors.integrity as err:
            detail = str(err).strip().splitlines()[0]
            if "unique" not in detail.lower() and "duplicate" not in detail.lower():
                raise
            msg = f"a message is already queued ({detail})"
            raise AlreadyExists(msg) from err


_OFFICER_COLUMNS = ("id", "name", "role", "password_hash", "failed_logins", "locked_until")


class _Officers(_Repo):
    """Officers in ``web_officers`` (the table :class:`SqlOfficers` reads at log-in), in
    this transaction: an appointment or a lock-out commits with its audit entry."""

    _SELECT = f"SELECT {', '.join(_OFFICER_COLUMNS)} FROM web_officers"  # noqa: S608

    @staticmethod
    def _values(officer: Officer) -> tuple[Any, ...]:
        row = SqlOfficers.row(officer)
        return tuple(row[c] for c in _OFFICER_COLUMNS)

    def add(self, officer: Officer) -> None:
        self._insert(
            f"INSERT INTO web_officers ({', '.join(_OFFICER_COLUMNS)}) "  # noqa: S608
            f"VALUES ({', '.join('?' for _ in _OFFICER_COLUMNS)})",
            self._values(officer),
            officer.id,
            "officer",
        )

    def find(self, officer_id: OfficerId) -> Officer | None:
        row = self.uow.one(f"{self._SELECT} WHERE id = ?{self.uow.for_update}", (officer_id,))
        return (
            None
            if row is None
            else SqlOfficers.officer(dict(zip(_OFFICER_COLUMNS, row, strict=True)))
        )

    def save(self, officer: Officer) -> None:
        values = self._values(officer)
        cur = self.uow.execute(
            "UPDATE web_officers SET name = ?, role = ?, password_hash = ?, failed_logins = ?, "
            "locked_until = ? WHERE id = ?",
            (*values[1:], values[0]),
        )
        if cur.rowcount != 1:
            raise _missing(officer.id, "officer")
