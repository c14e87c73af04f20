"""Fixtures for the storage and service tests on both backends.

``database`` is parametrized: ``sqlite`` (a fresh file per test) and ``postgresql`` (a
fresh, uniquely named schema per test on the server named by ``TELLERS_TEST_POSTGRES_URL``,
dropped afterwards, so parallel runs never collide). Without that variable the
PostgreSQL cases are skipped, saying why; CI sets it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tellers.storage.sql import Database, SqlUnitOfWork, connect, migrate

POSTGRES_ENV = "TELLERS_TEST_POSTGRES_URL"


def _postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        db = connect(f"sqlite:///{tmp_path / 'tellers.db'}")
        migrate(db)
        yield db
        db.dispose()
        return
    url = _postgres_url()
    if url is None:
        pytest.skip(
            f"{POSTGRES_ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = connect(url, schema=schema)
    try:
        migrate(db)
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def uow(database: Database) -> Iterator[SqlUnitOfWork]:
    """A unit of work on the test database (closed afterwards)."""
    unit = SqlUnitOfWork(database)
    yield unit
    unit.close()
