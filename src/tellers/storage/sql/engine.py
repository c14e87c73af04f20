"""Connecting to the database and migrating it.

A :class:`Database` is an SQLAlchemy engine plus what the unit of work needs to know
about the backend. **SQLite** (the default, a file) is opened in WAL mode with
``synchronous=NORMAL`` (durable at each checkpoint, never corrupted; SQLite docs, "WAL
mode"), foreign keys on, a busy timeout, and the driver's own transaction handling
turned off so that every write transaction starts with ``BEGIN IMMEDIATE``: the write
lock is taken before the first read, so two writers never both read and then fail to
upgrade. **PostgreSQL** is reached through psycopg 3; a ``schema`` (used by the tests)
is put first on the ``search_path`` of every connection.

:func:`migrate` runs the Alembic migrations shipped in ``tellers.storage.sql.migrations``
up to the newest revision, so an installed ``tellers init`` needs no ``alembic.ini``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url

from tellers.storage.sql.checkpoint import WalCheckpointer

__all__ = ["Database", "alembic_config", "connect", "migrate", "schema_revision"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

SQLITE_CACHE_KIB = 16 * 1024
"""The page cache of a SQLite connection for short transactions (see SQLITE_PRAGMAS)."""

SQLITE_BULK_CACHE_KIB = 512 * 1024
"""The page cache for a transaction that loads or streams a whole roll."""

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    f"PRAGMA cache_size={-SQLITE_CACHE_KIB}",
    "PRAGMA mmap_size=1073741824",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA wal_autocheckpoint=10000",
)
"""Applied to every SQLite connection: a page cache of 16 MiB (cache_size in KiB when
negative) and reads through a memory map of up to 1 GiB, so a roll of a million voters is
read without a system call per page; a checkpoint every 10,000 WAL pages (40 MiB) rather
than 1,000, so the fsync of a checkpoint is paid once per few thousand short
transactions, not once per few hundred.

The cache is small on purpose: the cost of a commit in WAL mode grows with the size of
the page cache (measured on SQLite 3.40 with 300,000 one-transaction casts: 23 us per
commit with the default 2 MiB, 35 us with 16 MiB, 107 us with 64 MiB, 274 us with
512 MiB), and short voter transactions are the hot path. Bulk work (a roll import, a
freeze, issuing credentials, a count) raises it to :data:`SQLITE_BULK_CACHE_KIB` for its
own transaction only (:meth:`tellers.storage.sql.uow.SqlUnitOfWork.bulk`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Database:
    """An engine and the backend facts the adapters need."""

    engine: Engine
    url: str
    schema: str | None = None
    background: list[WalCheckpointer] = field(default_factory=list, compare=False)
    """Background checkpointers started by :meth:`checkpoint_in_background`."""

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        """Whether the backend is SQLite."""
        return self.backend == "sqlite"

    def checkpoint_in_background(self) -> None:
        """SQLite file: checkpoint the WAL from a background thread until :meth:`dispose`.

        For processes that write many short transactions (serving voters, a replay):
        see :mod:`tellers.storage.sql.checkpoint`. Nothing happens on PostgreSQL, on an
        in-memory SQLite database, or when already started.
        """
        path = make_url(self.url).database
        if not self.is_sqlite or self.background or path in (None, "", ":memory:"):
            return
        checkpointer = WalCheckpointer(str(path))
        checkpointer.start()
        self.background.append(checkpointer)

    def dispose(self) -> None:
        """Stop background work and close every pooled connection."""
        while self.background:
            self.background.pop().stop()
        self.engine.dispose()


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let tellers issue BEGIN IMMEDIATE itself (the pysqlite driver would BEGIN DEFERRED).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def connect(url: str, *, schema: str | None = None) -> Database:
    """Open (lazily) the database at ``url``.

    Args:
        url: an SQLAlchemy URL: ``sqlite:///tellers.db`` or
            ``postgresql+psycopg://user@host:5432/name``.
        schema: PostgreSQL only: the schema to use (first on the search path).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        connect_args: dict[str, Any] = {}
        if schema is not None:
            connect_args["options"] = f"-csearch_path={schema}"
        engine = create_engine(parsed, connect_args=connect_args)
    return Database(engine=engine, url=url, schema=schema)


def alembic_config() -> Config:
    """The Alembic configuration of the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(database: Database, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (the newest by default); idempotent."""
    config = alembic_config()
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def schema_revision(database: Database) -> str | None:
    """The Alembic revision the database is at, or None for an empty database."""
    with database.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return None if row is None else str(row[0])
