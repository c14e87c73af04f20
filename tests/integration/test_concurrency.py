"""Racing voters and officers on the SQL store (SQLite and PostgreSQL).

- 100 threads cast with one credential at the same moment: exactly one ballot is
  stored and one receipt issued; every other caller is told the credential has already
  been used (``AlreadyVoted``), never a raw database error.
- Closing while casting: a cast that read "voting open" and commits after the close
  committed must be refused. The cast is held between its reads and its commit until
  the close has had every chance to commit; then no ballot may be in the box that was not
  there when the close committed.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tellers.domain.errors import AlreadyVoted, PollNotOpen
from tellers.domain.ids import ContestId, OfficerId
from tellers.domain.membership import MembershipKind
from tellers.errors import TellersError
from tellers.services import contests, credentials, organisations, people, voting
from tellers.services.people import MembershipRow, PersonRow
from tellers.storage.memory import FixedClock
from tellers.storage.sql import Database, SqlUnitOfWork

RO = OfficerId("returning-officer")
CLOCK = FixedClock(datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
MOTION = {
    "kind": "motion",
    "title": "Industrial action",
    "question": "Are you prepared to take part in a strike?",
    "electorate": {
        "version": "t1",
        "sections": [{"name": "members", "kind": "member", "channels": ["online", "post"]}],
    },
}


def election(database: Database, voters: int) -> list[str]:
    """A motion with ``voters`` members, voting open, credentials issued; the codes."""
    uow = SqlUnitOfWork(database)
    try:
        organisations.create_organisation(
            uow=uow, clock=CLOCK, officer=RO, organisation_id="org", name="Union"
        )
        rows = [
            PersonRow(
                id=f"p{i}",
                name=f"Member {i}",
                memberships=(MembershipRow(kind=MembershipKind.MEMBER, start=date(2020, 1, 1)),),
            )
            for i in range(voters)
        ]
        people.import_people(uow=uow, clock=CLOCK, officer=RO, organisation_id="org", rows=rows)
        contests.create_contest(
            uow=uow, clock=CLOCK, officer=RO, organisation_id="org", contest_id="m", spec=MOTION
        )
        contests.open_voting(uow=uow, clock=CLOCK, officer=RO, contest_id="m")
        issued = credentials.issue_credentials(uow=uow, clock=CLOCK, officer=RO, contest_id="m")
        return [c.code for c in issued]
    finally:
        uow.close()


def _ballots(database: Database) -> int:
    uow = SqlUnitOfWork(database)
    try:
        with uow:
            return uow.ballots.count(ContestId("m"))
    finally:
        uow.close()


def test_a_hundred_simultaneous_casts_with_one_credential_store_exactly_one_ballot(
    database: Database,
) -> None:
    (code,) = election(database, 1)
    start = threading.Barrier(100)

    def cast(_: int) -> Any:
        uow = SqlUnitOfWork(database)
        try:
            start.wait()
            return voting.cast_ballot(uow=uow, contest_id="m", credential=code, ranking=["yes"])
        except TellersError as err:
            return err
        finally:
            uow.close()

    with ThreadPoolExecutor(max_workers=100) as pool:
        outcomes = list(pool.map(cast, range(100)))
    receipts = [o for o in outcomes if not isinstance(o, Exception)]
    refused = Counter(type(o).__name__ for o in outcomes if isinstance(o, Exception))
    assert len(receipts) == 1, refused
    assert refused == {"AlreadyVoted": 99}, refused
    messages = {str(o) for o in outcomes if isinstance(o, AlreadyVoted)}
    assert all("already" in m for m in messages), messages
    assert _ballots(database) == 1


def test_no_ballot_is_accepted_after_the_close_is_committed(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = election(database, 40)
    closed_at: list[float] = []
    commits: list[tuple[float, str]] = []  # (when the cast's commit began, outcome)
    real_commit = SqlUnitOfWork.commit
    casting = threading.local()

    def slow_commit(self: SqlUnitOfWork) -> None:
        if getattr(casting, "on", False):
            time.sleep(0.05)  # hold the cast between its reads and its commit
            began = time.monotonic()
            real_commit(self)
            commits.append((began, "committed"))
            return
        real_commit(self)

    monkeypatch.setattr(SqlUnitOfWork, "commit", slow_commit)

    def cast(code: str) -> str:
        casting.on = True
        uow = SqlUnitOfWork(database)
        try:
            voting.cast_ballot(uow=uow, contest_id="m", credential=code, ranking=["no"])
            return "receipt"
        except PollNotOpen:
            return "closed"
        except TellersError as err:
            return type(err).__name__
        finally:
            uow.close()

    def close() -> None:
        time.sleep(0.02)
        uow = SqlUnitOfWork(database)
        try:
            contests.close_voting(uow=uow, clock=CLOCK, officer=RO, contest_id="m")
            closed_at.append(time.monotonic())
        finally:
            uow.close()

    with ThreadPoolExecutor(max_workers=41) as pool:
        closing = pool.submit(close)
        outcomes = Counter(pool.map(cast, codes))
        closing.result()
    (closed,) = closed_at
    late = [began for began, _ in commits if began > closed]
    assert not late, f"{len(late)} cast(s) committed after the close had committed"
    stored = _ballots(database)
    assert stored == outcomes["receipt"], (stored, outcomes)
    assert set(outcomes) <= {"receipt", "closed"}, outcomes
    # and after the close, nothing more gets in
    uow = SqlUnitOfWork(database)
    try:
        with pytest.raises(PollNotOpen):
            voting.cast_ballot(uow=uow, contest_id="m", credential=codes[0], ranking=["yes"])
    finally:
        uow.close()
