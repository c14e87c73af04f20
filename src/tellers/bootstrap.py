"""Wiring: the real adapters (SQL storage, the system clock) for the CLI and the web.

Entry points ask this module for a :class:`Tellers` -- a unit of work on the configured
database and a clock -- and pass them to the services; nothing above this module
constructs an adapter itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from tellers.config import Settings, load_settings
from tellers.domain.ids import OfficerId
from tellers.errors import ConfigError
from tellers.storage.sql import Database, SqlUnitOfWork, connect, migrate
from tellers.storage.sql.engine import schema_revision

__all__ = [
    "SystemClock",
    "Tellers",
    "database_revision",
    "initialise",
    "open_tellers",
    "unit_of_work",
]


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        """The current instant."""
        return datetime.now(UTC)


@dataclass
class Tellers:
    """The adapters one command or request works with."""

    database: Database
    uow: SqlUnitOfWork
    clock: SystemClock
    officer: OfficerId

    def close(self) -> None:
        """Give the connection back and close the pool."""
        self.uow.close()
        self.database.dispose()


def unit_of_work(database: Database) -> SqlUnitOfWork:
    """A unit of work on ``database`` (one connection, reused by its transactions)."""
    return SqlUnitOfWork(database)


def database_revision(database: Database) -> str | None:
    """The schema revision of ``database`` (None before ``tellers init``)."""
    return schema_revision(database)


def initialise(url: str | None = None, *, schema: str | None = None) -> Database:
    """Create or upgrade the database's schema (``tellers init``)."""
    settings = load_settings()
    database = connect(url or settings.database_url, schema=schema)
    migrate(database)
    return database


@contextmanager
def open_tellers(
    settings: Settings | None = None, *, officer: str | None = None, schema: str | None = None
) -> Iterator[Tellers]:
    """The adapters for one command, on an initialised database.

    Raises:
        ConfigError: the database has not been initialised (run ``tellers init``).
    """
    settings = settings or load_settings()
    url = make_url(settings.database_url)
    file = url.database if url.get_backend_name() == "sqlite" else None
    if file not in (None, "", ":memory:") and not Path(str(file)).exists():
        msg = f"no tellers database at {settings.database_url}: run `tellers init` first"
        raise ConfigError(msg)
    database = connect(settings.database_url, schema=schema)
    if schema_revision(database) is None:
        database.dispose()
        msg = f"no tellers database at {settings.database_url}: run `tellers init` first"
        raise ConfigError(msg)
    tellers = Tellers(
        database=database,
        uow=SqlUnitOfWork(database),
        clock=SystemClock(),
        officer=OfficerId(officer or settings.officer),
    )
    try:
        yield tellers
    finally:
        tellers.close()
