"""The background WAL checkpointer and the per-transaction page cache of SQLite."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from tellers.storage.sql import SqlUnitOfWork, connect, migrate
from tellers.storage.sql.engine import SQLITE_BULK_CACHE_KIB, SQLITE_CACHE_KIB


def _in_database_file(path: Path) -> int:
    """Organisations in the database file itself, ignoring the log (``immutable=1``)."""
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM organisations").fetchone()[0])
    finally:
        conn.close()


def test_the_background_thread_copies_the_log_while_commits_go_on(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    database = connect(f"sqlite:///{path}")
    migrate(database)
    database.checkpoint_in_background()
    checkpointer = database.background[0]
    uow = SqlUnitOfWork(database)
    try:
        for i in range(300):
            with uow:
                uow.execute(
                    "INSERT INTO organisations (id, name) VALUES (?, ?)", (f"o{i}", "x" * 500)
                )
                uow.commit()
        deadline = time.monotonic() + 10
        while checkpointer.checkpoints < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert checkpointer.checkpoints >= 3
        # every committed page reaches the database file without a writer checkpointing
        deadline = time.monotonic() + 10
        while _in_database_file(path) < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _in_database_file(path) == 300
        with uow:
            assert uow.one("SELECT COUNT(*) FROM organisations")[0] == 300
    finally:
        uow.close()
        database.dispose()
    assert database.background == []
    assert not any(t.name == "tellers-wal-checkpoint" for t in threading.enumerate())


def test_no_checkpointer_for_memory_databases() -> None:
    database = connect("sqlite:///:memory:")
    database.checkpoint_in_background()
    assert database.background == []
    database.dispose()


def test_bulk_transactions_get_the_big_cache_and_give_it_back(tmp_path: Path) -> None:
    database = connect(f"sqlite:///{tmp_path / 'c.db'}")
    migrate(database)
    uow = SqlUnitOfWork(database)

    def cache() -> int:
        return int(uow.one("PRAGMA cache_size")[0])

    try:
        with uow:
            assert cache() == -SQLITE_CACHE_KIB
            uow.many("INSERT INTO organisations (id, name) VALUES (?, ?)", [("a", "A")])
            assert cache() == -SQLITE_BULK_CACHE_KIB
            uow.commit()
        with uow:
            assert cache() == -SQLITE_CACHE_KIB
            rows = list(uow.stream("SELECT id FROM organisations"))
            assert rows == [("a",)]
            assert cache() == -SQLITE_BULK_CACHE_KIB
        # a rollback gives it back as well
        with uow:
            assert cache() == -SQLITE_CACHE_KIB
    finally:
        uow.close()
        database.dispose()
