"""An engine for transactions that only read, which on SQLite never wait for the writer.

Every transaction on a :class:`~tellers.storage.sql.engine.Database`'s engine begins
with ``BEGIN IMMEDIATE`` on SQLite: it takes the database's one write lock before its
first read, so that two writers never deadlock. A transaction that only reads does not
need it, and must not wait for it: while a roll import holds the lock for its single
transaction, an officer's page (their session, the import's progress) still has to be
answered. Under WAL a **deferred** transaction reads the last committed state without
waiting, so :func:`reader` gives, for a SQLite file, a second engine on the same file
whose transactions begin ``DEFERRED`` (with the same pragmas); for PostgreSQL (where
readers never wait for writers) and an in-memory SQLite database, the database's own
engine. The reader is disposed with the database's engine.

Write through the reader and SQLite takes the lock only at the first write, which can
fail with "database is locked" instead of waiting: use the database's engine to write.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event

from tellers.storage.sql.engine import SQLITE_PRAGMAS, Database

__all__ = ["reader"]

_readers: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
"""The reader of each database engine (forgotten with the engine)."""
_lock = threading.Lock()


def _connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # tellers issues BEGIN itself
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")  # deferred: a reader never waits for the writer


def reader(database: Database) -> Engine:
    """The engine for read-only transactions on ``database`` (see the module docstring)."""
    url = database.engine.url
    if not database.is_sqlite or url.database in (None, "", ":memory:"):
        return database.engine
    with _lock:
        found = _readers.get(database.engine)
        if found is None:
            found = create_engine(url)
            event.listen(found, "connect", _connect)
            event.listen(found, "begin", _begin)
            _readers[database.engine] = found
            event.listen(database.engine, "engine_disposed", _drop)
    return found


def _drop(engine: Engine) -> None:
    """Dispose of the reader with its database's engine."""
    with _lock:
        found = _readers.pop(engine, None)
    if found is not None:
        found.dispose()
