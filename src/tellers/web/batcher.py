"""Group commit for the web: the casts of one server process share transactions.

A durable cast costs one commit, and a commit costs a WAL flush (PostgreSQL
``synchronous_commit=on``, SQLite's write lock). Serving each cast request in a
transaction of its own spends most of a cast on that commit and on handing the request
to a thread. Instead, a request hands its cast to the process's :class:`CastBatcher` and
waits: a writer thread takes every cast pending at that moment (up to ``max_group``) and
runs them through :func:`tellers.services.voting.cast_ballots` -- the same checks and
writes as :func:`~tellers.services.voting.cast_ballot`, in arrival order -- in **one**
transaction, then wakes each request with its own outcome: its receipt, or the
:class:`~tellers.domain.errors.VotingError` that refused it (an unknown, voided or used
code, a wrong channel, bad marks), which the routes turn into the same JSON error code or
page message as before. No request is answered before its group has committed, so every
201 and every receipt page is as durable as a commit of the database: on PostgreSQL
(``synchronous_commit=on``) on disk; on SQLite (WAL, ``synchronous=NORMAL``, see
:mod:`tellers.storage.sql.engine`) safe from a crash of the process, and from a power
loss once the log has been synced at a checkpoint.

**A group that fails is retried one cast at a time.** If the group's transaction fails
for anything that is not one voter's own mistake (the poll closed, a storage error, a
lost connection, a deadlock or a concurrent write), it is rolled back -- no ballot, roll
mark or used credential of the group remains -- and every cast of the group is run again
alone with :func:`~tellers.services.voting.cast_ballot`, so each request gets exactly the
answer it would have had without grouping, and one request that trips a fault cannot fail
the others. (If a commit fails with its outcome unknown -- the connection dropped during
``COMMIT`` and the commit had in fact been made -- the retry finds the credentials used and
answers ``already-voted``: a ballot is never made twice.)

**Double submission.** Two submissions of one code in one group are two casts in one
transaction: the first marks the credential used, the second sees it used and gets
:class:`~tellers.domain.errors.AlreadyVoted`. In two groups (two writers or two
processes) the credential's row lock orders them the same way.

**Secrecy.** Grouping adds no link between voter and ballot: the ballots of a group are
written after all of its roll marks, in the order of their random ids
(:func:`~tellers.services.voting.cast_ballots`), and they share one transaction id.

The batcher works from both sides of the server: :meth:`CastBatcher.cast` is awaited by
an ``async`` route on the event loop (no thread-pool hop per request);
:meth:`CastBatcher.cast_blocking` is called by a synchronous route from its worker
thread. Writer threads start on the first cast and stop in :meth:`CastBatcher.close`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import queue
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from tellers.domain.errors import VotingError
from tellers.services.ports import UnitOfWork
from tellers.services.voting import Receipt, cast_ballot, cast_ballots

__all__ = ["CastBatcher"]

Outcome = Receipt | BaseException


@dataclass(slots=True)
class _Pending:
    """One cast waiting for its group: what to cast and whom to wake."""

    contest_id: str
    credential: str
    ranking: tuple[str, ...]
    loop: asyncio.AbstractEventLoop | None
    future: asyncio.Future[Receipt] | concurrent.futures.Future[Receipt]


_STOP = object()


def _settle(batch: list[tuple[asyncio.Future[Receipt], Outcome]]) -> None:
    """On the event loop: resolve the futures of one group (one wake-up per group)."""
    for future, outcome in batch:
        if future.done():  # the request was cancelled; its cast stands or fell anyway
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


class CastBatcher:
    """Casts of one process, committed in groups by writer threads (module docstring).

    Args:
        uow: hands out a unit of work for one transaction (``WebContext.uow``).
        max_group: the most casts committed in one transaction.
        writers: writer threads; more than one lets a group's statements run while the
            previous group waits for its commit to reach the disk (PostgreSQL). SQLite
            has one writer at a time anyway.
    """

    def __init__(
        self,
        uow: Callable[[], AbstractContextManager[UnitOfWork]],
        *,
        max_group: int = 64,
        writers: int = 1,
    ) -> None:
        if max_group < 1 or writers < 1:
            msg = "max_group and writers must be at least 1"
            raise ValueError(msg)
        self._uow = uow
        self.max_group = max_group
        self.writers = writers
        self._queue: queue.SimpleQueue[_Pending | object] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()
        self._closed = False
        self.groups = 0
        """Transactions committed or tried (for tests and benchmarks)."""
        self.retried = 0
        """Groups that failed and were retried one cast at a time."""

    # -- the requests' side ----------------------------------------------------------

    async def cast(self, contest_id: str, credential: str, ranking: Sequence[str]) -> Receipt:
        """Cast one ballot in the next group; wait (without a thread) until it committed.

        Raises:
            VotingError: this voter's cast was refused (as :func:`cast_ballot` would).
            TellersError: whatever :func:`cast_ballot` alone raised after a failed group.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Receipt] = loop.create_future()
        self._submit(_Pending(contest_id, credential, tuple(ranking), loop, future))
        return await future

    def cast_blocking(self, contest_id: str, credential: str, ranking: Sequence[str]) -> Receipt:
        """:meth:`cast` for synchronous code (a route running in a worker thread)."""
        future: concurrent.futures.Future[Receipt] = concurrent.futures.Future()
        self._submit(_Pending(contest_id, credential, tuple(ranking), None, future))
        return future.result()

    def _submit(self, pending: _Pending) -> None:
        # under the lock: a cast is either queued before close() puts the stop marks, so
        # a writer takes it, or refused (never left behind them, unanswered)
        with self._start_lock:
            if self._closed:
                msg = "the cast batcher is closed"
                raise RuntimeError(msg)
            while len(self._threads) < self.writers:
                thread = threading.Thread(
                    target=self._run, name=f"tellers-cast-writer-{len(self._threads)}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
            self._queue.put(pending)

    def close(self) -> None:
        """Finish the casts already handed in, then stop the writer threads."""
        with self._start_lock:
            self._closed = True
            threads, self._threads = self._threads, []
            for _ in threads:
                self._queue.put(_STOP)
        for thread in threads:
            thread.join()
        # anything a writer did not take (a writer that died) is answered, not left waiting
        left: list[_Pending] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, _Pending):
                left.append(item)
        if left:
            closed = RuntimeError("the cast batcher closed before this cast was attempted")
            self._wake(left, dict.fromkeys(range(len(left)), closed))

    # -- the writers' side ------------------------------------------------------------

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            assert isinstance(first, _Pending)
            group = [first]
            stop = False
            while len(group) < self.max_group:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop = True
                    break
                assert isinstance(more, _Pending)
                group.append(more)
            self._commit(group)
            if stop:
                return

    def _commit(self, group: list[_Pending]) -> None:
        """Cast a group, contest by contest, and wake every request with its outcome."""
        outcomes: dict[int, Outcome] = {}
        try:
            by_contest: dict[str, list[int]] = {}
            for i, pending in enumerate(group):
                by_contest.setdefault(pending.contest_id, []).append(i)
            for contest_id, members in by_contest.items():
                for i, outcome in zip(
                    members, self._cast_group(contest_id, group, members), strict=True
                ):
                    outcomes[i] = outcome
        except BaseException as err:  # noqa: BLE001 - every request must be answered
            for i in range(len(group)):
                outcomes.setdefault(i, err)
            if not isinstance(err, Exception):
                raise
        finally:
            self._wake(group, outcomes)

    def _cast_group(
        self, contest_id: str, group: list[_Pending], members: list[int]
    ) -> list[Outcome]:
        casts = [(group[i].credential, group[i].ranking) for i in members]
        self.groups += 1
        try:
            with self._uow() as uow:
                found: list[Receipt | VotingError] = cast_ballots(
                    uow=uow, contest_id=contest_id, casts=casts
                )
            return list(found)
        except Exception:  # noqa: BLE001 - rolled back; each cast is retried alone
            self.retried += 1
        return [self._alone(contest_id, credential, ranking) for credential, ranking in casts]

    def _alone(self, contest_id: str, credential: str, ranking: Sequence[str]) -> Outcome:
        try:
            with self._uow() as uow:
                return cast_ballot(
                    uow=uow, contest_id=contest_id, credential=credential, ranking=ranking
                )
        except Exception as err:  # noqa: BLE001 - the request's own answer
            return err

    @staticmethod
    def _wake(group: list[_Pending], outcomes: dict[int, Outcome]) -> None:
        on_loops: dict[
            asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Receipt], Outcome]]
        ] = {}
        for i, pending in enumerate(group):
            outcome = outcomes.get(i)
            if outcome is None:
                outcome = RuntimeError("the cast was not attempted")
            if pending.loop is None:
                future = pending.future
                assert isinstance(future, concurrent.futures.Future)
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
            else:
                assert isinstance(pending.future, asyncio.Future)
                on_loops.setdefault(pending.loop, []).append((pending.future, outcome))
        for loop, batch in on_loops.items():
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits
                loop.call_soon_threadsafe(_settle, batch)
