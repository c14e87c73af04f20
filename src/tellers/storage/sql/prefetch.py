"""Producing the next chunk of a bulk load while the database server takes the last one.

A bulk load on PostgreSQL alternates two kinds of work: this process turns the incoming
rows (a roll file being read, credentials being made) into a chunk of tuples, then the
server takes the chunk by ``COPY``. Done one after the other, each side idles while the
other works, and on two cores the load takes the sum of both. :func:`prefetched` runs the
producing side in a thread, a couple of chunks ahead: while the calling thread waits on
the server's socket (without holding the GIL), the thread makes the next chunk, so the
load takes about the longer of the two.

It is not used on SQLite: there the database work runs in this process, and a
``sqlite3`` statement gives up the GIL around each row's step, so a busy producer thread
would make every row wait for the interpreter's switch interval.

The producer must not touch the connection: the chunks come from plain Python (files,
lists, generators that compute); the unit of work refuses statements from the producing
thread (:meth:`~tellers.storage.sql.uow.SqlUnitOfWork.cursor`), so a producer that tries
fails loudly rather than interleaving with a ``COPY``. An exception raised while producing
is raised again in the calling thread, as itself, at the point it would have been seen
without the thread (after the chunks made before it).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

__all__ = ["prefetched"]

T = TypeVar("T")

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
    for it, so nothing runs on after the block.
    """
    handover: queue.Queue[object] = queue.Queue(maxsize=ahead)
    stop = threading.Event()
    failure: list[BaseException] = []

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
            for item in items:
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
                    raise failure[0]
                return
            yield item  # type: ignore[misc]

    thread = threading.Thread(target=produce, name="tellers-prefetch", daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        stop.set()
        thread.join()
        if producer is not None and thread.ident is not None:
            producer.remove(thread.ident)
