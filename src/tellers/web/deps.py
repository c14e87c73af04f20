"""What every request handler is given: units of work, the web stores, the clock, the
settings, and the logged-in officer or the voter's session.

The web layer is thin (DESIGN.md): a handler reads its form or JSON, calls **one**
service with a unit of work from :meth:`WebContext.uow`, and renders the answer. Units
of work are pooled (a SQL unit of work keeps its connection; the in-memory one is
serialised by a lock, since its store is not thread-safe). Voters' casts go through
:attr:`WebContext.casts`, which commits the casts of concurrent requests together.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from fastapi import Request

from tellers.domain.mail import RetryPolicy
from tellers.domain.officer import LockoutPolicy, Officer
from tellers.errors import TellersError
from tellers.notify.outbox import Sender
from tellers.services.board import BoardStore, ElectionKeyStore
from tellers.services.ports import Clock, UnitOfWork
from tellers.services.web_ports import WebStores
from tellers.web.batcher import CastBatcher

__all__ = ["WebContext", "WebSettings", "context_of"]


@dataclass(frozen=True, slots=True, kw_only=True)
class WebSettings:
    """Settings of the web app (from ``tellers serve`` or a test)."""

    secret_key: str
    """Signs session cookies; at least 32 random characters in production."""
    base_url: str = "http://127.0.0.1:8000"
    """Used in links sent by e-mail."""
    secure_cookies: bool = True
    """Send the session cookie only over HTTPS (turn off only for plain-HTTP loopback)."""
    officer_session: timedelta = timedelta(hours=8)
    voter_session: timedelta = timedelta(minutes=30)
    lockout: LockoutPolicy = field(default_factory=LockoutPolicy)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    organisation_name: str = "Tellers"
    sealing_key: bytes | None = None


class WebContext:
    """The adapters a request works with (built once per app)."""

    def __init__(
        self,
        *,
        uow_factory: Callable[[], UnitOfWork],
        stores: WebStores,
        clock: Clock,
        settings: WebSettings,
        sender: Sender | None = None,
        keys: ElectionKeyStore | None = None,
        boards: BoardStore | None = None,
        serialise: bool = False,
        pool_size: int = 12,
        cast_writers: int = 1,
        cast_group: int = 64,
    ) -> None:
        self.uow_factory = uow_factory
        self.stores = stores
        self.clock = clock
        self.settings = settings
        self.sender = sender
        if keys is None:
            from tellers.services.board import MemoryElectionKeys

            keys = MemoryElectionKeys()
        self.keys = keys
        if boards is None:
            from tellers.services.board import MemoryBoards

            boards = MemoryBoards()
        self.boards = boards
        self._idle: queue.LifoQueue[UnitOfWork] = queue.LifoQueue(maxsize=pool_size)
        # a SQL unit of work holds a connection: never more at once than the pool has
        self._slots = threading.BoundedSemaphore(pool_size)
        self._lock = threading.Lock() if serialise else None
        self._on_close: list[Callable[[], None]] = []
        self.casts = CastBatcher(self.uow, max_group=cast_group, writers=cast_writers)
        """Voters' casts, committed in groups (:mod:`tellers.web.batcher`)."""

    def on_close(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` when the context is closed (e.g. to close a connection pool)."""
        self._on_close.append(hook)

    @contextlib.contextmanager
    def uow(self) -> Iterator[UnitOfWork]:
        """A unit of work for one request (reused from a pool; waits for a free one)."""
        with self._slots:
            yield from self._checked_out()

    def _checked_out(self) -> Iterator[UnitOfWork]:
        try:
            uow = self._idle.get_nowait()
        except queue.Empty:
            uow = self.uow_factory()
        try:
            if self._lock is not None:
                with self._lock:
                    yield uow
            else:
                yield uow
        except TellersError:
            self._give_back(uow)
            raise
        except BaseException:
            _close(uow)
            raise
        self._give_back(uow)

    def _give_back(self, uow: UnitOfWork) -> None:
        try:
            self._idle.put_nowait(uow)
        except queue.Full:
            _close(uow)

    def close(self) -> None:
        """Finish the pending casts, close every pooled unit of work, then run the
        ``on_close`` hooks."""
        self.casts.close()
        while True:
            try:
                _close(self._idle.get_nowait())
            except queue.Empty:
                break
        hooks, self._on_close = self._on_close, []
        for hook in reversed(hooks):
            hook()


def _close(uow: UnitOfWork) -> None:
    closer = getattr(uow, "close", None)
    if callable(closer):
        closer()


def context_of(request: Request) -> WebContext:
    """The app's :class:`WebContext`."""
    ctx: WebContext = request.app.state.ctx
    return ctx


def officer_of(request: Request) -> Officer | None:
    """The logged-in officer, if any (set by :func:`tellers.web.security.current_officer`)."""
    found: Officer | None = getattr(request.state, "officer", None)
    return found
