"""Producing the next chunk of a bulk load while the database server takes the last one.

A bulk load on PostgreSQL alternates two kinds of work: this process turns the incoming
rows (a roll file being read, credentials being made) into a chunk of tuples, then the
server takes the chunk by ``COPY``. Done one after the other, each side idles while the
other works, and on two cores the load takes the sum of both. :func:`prefetched` runs the
producing side in a thread, a couple of chunks ahead: while the calling thread waits on
the server's socket (without holding the GIL), the thread makes the next chunk, so the
load takes about the longer of the two. While a prefetch runs, the interpreter hands the
GIL between threads more often (:data:`SWITCH_INTERVAL`).

It is not used on SQLite: there the database work runs in this process, and a
``sqlite3`` statement gives up the GIL around each row's step, so a busy producer thread
would make every row wait for the interpreter's switch interval.

The producer must not run statements of its own: the chunks come from plain Python
(files, lists, generators that compute, or a database stream opened beforehand by the
calling thread, whose fetches psycopg orders with the ``COPY``: the connection's lock is
held for a whole ``COPY`` block); the unit of work refuses statements from the producing
thread (:meth:`~tellers.storage.sql.uow.SqlUnitOfWork.cursor`), so a producer that tries
fails loudly rather than interleaving with a ``COPY``. An exception raised while producing
is raised again in the calling thread, as itself, at the point it would have been seen
without the thread (after the chunks made before it).
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

__all__ = ["prefetched"]

T = TypeVar("T")

SWITCH_INTERVAL = 0.0005
"""Seconds the interpreter lets a thread run before handing the GIL on, while any
prefetch runs (the default is 0.005). The consumer wakes whenever the server's socket has
room again; with the default it then waits up to 5 ms for the busy producer to hand the
GIL over, and the server idles meanwhile (300k voters into PostgreSQL: the import took
6.5 s with the default and 4.3 s with 0.5 ms, the same CPU either way)."""

_switch_lock = threading.Lock()
_switch_users = 0
_switch_before = 0.0


def _shorten_switch_interval() -> None:
    global _switch_users, _switch_before  # noqa: PLW0603 -- one interpreter-wide setting
    with _switch_lock:
        if _switch_users == 0:
            _switch_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch_before, SWITCH_INTERVAL))
        _switch_users += 1


def _restore_switch_interval() -> None:
    global _switch_users  # noqa: PLW0603
    with _switch_lock:
        _switch_users -= 1
        if _switch_users == 0:
            sys.setswitchinterval(_switch_before)


_DONE = object()
_POLL = 0.1
"""Seconds between checks, by a producer waiting to hand over, that it is still wanted."""


@contextmanager
def prefetched(
    items: Iterable[T], *, ahead: int = 2, producer: list[int] | None = None
) -> Iterator[Iterator[T]]:
    """``items``, produced by a thread up to ``ahead`` items ahead of the consumer.

    ``producer``, if given, holds the producing thread's identifier while it runs (so
    the caller can refuse that thread's statements). Leaving the ``with`` block early (an
    exception in the consumer, a ``break``) stops the producer at its next item and waits
    for it, so nothing runs on after the block. Either way the items' iterator is closed
    before the block is left, in the calling thread: a generator reading a database
    stream then closes its cursor inside the transaction it belongs to, not later, when
    the garbage collector gets to it, on a connection that may serve another
    transaction by then.
    """
    handover: queue.Queue[object] = queue.Queue(maxsize=ahead)
    stop = threading.Event()
    failure: list[BaseException] = []
    it = iter(items)

    def give(item: object) -> bool:
        while not stop.is_set():
            try:
                handover.put(item, timeout=_POLL)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        if producer is not None:
            producer.append(threading.get_ident())
        try:
            for item in it:
                if not give(item):
                    return
        except BaseException as err:  # noqa: BLE001 -- handed to the consumer, raised there
            failure.append(err)
        give(_DONE)

    def consume() -> Iterator[T]:
        while True:
            item = handover.get()
            if item is _DONE:
                if failure:
                    # popped, not just raised: the list is in the producer's frame, which
                    # the error's traceback holds, and a cycle would keep the producer's
                    # generators (and their open cursors) alive until a garbage collection
                    raise failure.pop()
                return
            yield item  # type: ignore[misc]

    thread = threading.Thread(target=produce, name="tellers-prefetch", daemon=True)
    _shorten_switch_interval()
    try:
        thread.start()
        yield consume()
    finally:
        stop.set()
        while thread.is_alive():
            # empty the handover so a producer waiting to put returns at once
            with contextlib.suppress(queue.Empty):
                while True:
                    handover.get_nowait()
            thread.join(0.01)
        _restore_switch_interval()
        if producer is not None and thread.ident in producer:
            producer.remove(thread.ident)
        close = getattr(it, "close", None)
        if close is not None:
            # a failed transaction may refuse the cursor's CLOSE; the error being
            # raised (if any) is the one that matters
            with contextlib.suppress(Exception):
                close()
