"""Checkpointing SQLite's write-ahead log in the background, off the voters' path.

In WAL mode a commit appends pages to the log; a *checkpoint* copies them back into the
database file and syncs it. By default the connection that happens to commit when the
log passes its threshold does the checkpoint, so every few thousand casts one voter's
commit also pays for writing tens of megabytes of random pages and two fsyncs: on the
2-core test machine, with a roll of 654,000, half the time of a cast went into commit.

SQLite's documentation suggests the alternative used here ("Write-Ahead Logging",
section 6, "Automatic Checkpoint": "an application may ... run checkpoints in a separate
thread or process"): a daemon thread with its own connection runs a ``PASSIVE``
checkpoint every :data:`INTERVAL` seconds. A passive checkpoint never blocks readers or
writers and never waits for them; the sqlite3 module releases the GIL while it runs, so
the copying and syncing overlap the casting. The per-connection automatic checkpoint
(``wal_autocheckpoint`` in :data:`tellers.storage.sql.engine.SQLITE_PRAGMAS`) stays as
the backstop: it finds the log already copied and only has to restart it.

Durability is unchanged: a commit is in the log (``synchronous=NORMAL``) whichever
thread later copies it.
"""

from __future__ import annotations

import sqlite3
import threading

__all__ = ["INTERVAL", "WalCheckpointer"]

INTERVAL = 0.1
"""Seconds between background checkpoints."""


class WalCheckpointer:
    """A background thread that checkpoints the WAL of one SQLite file.

    Use :meth:`start` and :meth:`stop` (or the object as a context manager). A
    checkpoint that finds the database busy is simply tried again at the next tick.
    """

    def __init__(self, path: str, *, interval: float = INTERVAL) -> None:
        self.path = path
        self.interval = interval
        self.checkpoints = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name="tellers-wal-checkpoint", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for it (its last checkpoint finishes first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> WalCheckpointer:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop.wait(self.interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.OperationalError:
                    continue  # busy or locked: the next tick tries again
                self.checkpoints += 1
        finally:
            conn.close()
