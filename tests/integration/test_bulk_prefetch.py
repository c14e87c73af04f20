"""Bulk loads whose rows are made ahead by a thread (PostgreSQL) or in line (SQLite).

What must hold either way: every row lands once and in order, a failure while making
rows (after chunks were already written) leaves nothing stored, and a row maker that
tries to run a statement is refused rather than interleaved with a COPY.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from tellers.domain.ids import OfficerId
from tellers.domain.membership import MembershipKind
from tellers.services import organisations, people
from tellers.services.people import MembershipRow, PersonRow
from tellers.storage.memory import FixedClock
from tellers.storage.sql import SqlUnitOfWork
from tellers.storage.sql.prefetch import prefetched
from tellers.storage.sql.uow import CHUNK

RO = OfficerId("returning-officer")
CLOCK = FixedClock(datetime(2016, 6, 28, 9, 0, tzinfo=UTC))


def test_prefetched_gives_every_item_in_order_and_raises_the_producers_error_after_them() -> None:
    def items() -> Iterator[int]:
        yield from range(50)
        raise KeyError("row 50")

    seen: list[int] = []
    with pytest.raises(KeyError, match="row 50"), prefetched(items(), ahead=3) as made:
        seen.extend(made)
    assert seen == list(range(50))


def test_leaving_early_stops_the_producer_and_waits_for_it() -> None:
    made_so_far: list[int] = []

    def items() -> Iterator[int]:
        for i in range(10_000):
            made_so_far.append(i)
            yield i

    before = threading.active_count()
    with prefetched(items(), ahead=2) as made:
        for item in made:
            if item == 3:
                break
    assert threading.active_count() == before
    # the producer got at most a few items ahead of the consumer, then stopped
    count = len(made_so_far)
    assert count < 10
    time.sleep(0.2)
    assert len(made_so_far) == count


def _org(uow: SqlUnitOfWork) -> None:
    organisations.create_organisation(
        uow=uow, clock=CLOCK, officer=RO, organisation_id="org", name="Org"
    )


def _people_count(uow: SqlUnitOfWork) -> int:
    with uow:
        return int(uow.one("SELECT COUNT(*) FROM people")[0])


def _members(n: int, bad_at: int | None = None) -> Iterator[PersonRow]:
    for i in range(n):
        # a seat without a body is refused by the domain when the membership is made
        kind = MembershipKind.SEAT if i == bad_at else MembershipKind.MEMBER
        yield PersonRow(
            id=f"p{i:07d}",
            name=f"Person {i}",
            memberships=(MembershipRow(kind=kind, start=date(2015, 5, 7)),),
        )


def test_an_import_of_several_chunks_stores_every_person_and_membership(
    uow: SqlUnitOfWork,
) -> None:
    _org(uow)
    n = 2 * CHUNK + 17
    summary = people.import_people(
        uow=uow, clock=CLOCK, officer=RO, organisation_id="org", rows=_members(n)
    )
    assert (summary.people, summary.memberships) == (n, n)
    with uow:
        ids = [r[0] for r in uow.execute("SELECT person_id FROM memberships ORDER BY id")]
    assert ids == [f"p{i:07d}" for i in range(n)]


def test_a_bad_row_after_chunks_were_written_leaves_nothing_stored(uow: SqlUnitOfWork) -> None:
    _org(uow)
    with pytest.raises(ValueError, match="a seat needs a body"):
        people.import_people(
            uow=uow,
            clock=CLOCK,
            officer=RO,
            organisation_id="org",
            rows=_members(2 * CHUNK + 17, bad_at=CHUNK + 5),
        )
    assert _people_count(uow) == 0
    # and the unit of work is usable afterwards, with no row maker left behind
    summary = people.import_people(
        uow=uow, clock=CLOCK, officer=RO, organisation_id="org", rows=_members(3)
    )
    assert summary.people == 3


def test_a_row_maker_that_runs_a_statement_is_refused_on_postgresql(uow: SqlUnitOfWork) -> None:
    _org(uow)

    def rows() -> Iterator[tuple[str, str, str, str, str]]:
        for i in range(CHUNK + 1):
            if i == CHUNK:
                uow.one("SELECT 1")  # a query while a COPY may be in progress
            yield (f"q{i}", "org", "Q", "", "")

    with uow:
        if uow.sqlite:
            # rows are made in line on SQLite, where a statement between chunks is fine
            n = uow.bulk("people", ("id", "organisation_id", "name", "email", "address"), rows())
            assert n == CHUNK + 1
            return
        with pytest.raises(RuntimeError, match="may not run statements"):
            uow.bulk("people", ("id", "organisation_id", "name", "email", "address"), rows())
    assert _people_count(uow) == 0


def test_the_switch_interval_is_short_while_any_prefetch_runs_and_restored_after() -> None:
    import sys

    from tellers.storage.sql.prefetch import SWITCH_INTERVAL

    before = sys.getswitchinterval()
    assert before > SWITCH_INTERVAL
    with prefetched(iter(range(3))) as outer:
        assert sys.getswitchinterval() == SWITCH_INTERVAL
        with prefetched(iter(range(3))) as inner:
            assert list(inner) == [0, 1, 2]
        # the inner one ended; the outer one still runs
        assert sys.getswitchinterval() == SWITCH_INTERVAL
        assert list(outer) == [0, 1, 2]
    assert sys.getswitchinterval() == before


def test_opening_voting_that_fails_part_way_leaves_no_cursor_thread_or_setting_behind(
    uow: SqlUnitOfWork,
) -> None:
    """The roll is written as it is decided, from a stream of the people; the database
    refuses a roll row after the first chunk (a real trigger). Nothing is stored, the
    stream's cursor is closed in its own transaction (not later by the garbage collector,
    when it could close another transaction's cursor on the pooled connection), no thread
    runs on and the switch interval is back."""
    import gc
    import sys

    from tellers.domain.ids import OrganisationId
    from tellers.services import contests

    _org(uow)
    n = 6 * CHUNK  # more than the row maker and the stream read ahead
    people.import_people(uow=uow, clock=CLOCK, officer=RO, organisation_id="org", rows=_members(n))
    spec = {
        "kind": "motion",
        "title": "Confidence",
        "question": "That this party has confidence in its leader.",
        "motion": {"binding": False},
        "electorate": {"version": "t-1", "sections": [{"name": "members", "kind": "member"}]},
    }
    contests.create_contest(
        uow=uow, clock=CLOCK, officer=RO, organisation_id="org", contest_id="c", spec=spec
    )
    refused = f"p{CHUNK + 5:07d}"
    with uow:
        cur = uow.cursor()
        if uow.sqlite:
            cur.execute(
                "CREATE TRIGGER refuse_roll BEFORE INSERT ON roll "
                f"WHEN NEW.person_id = '{refused}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            cur.execute(
                "CREATE FUNCTION refuse_roll() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
            )
            cur.execute(
                "CREATE TRIGGER refuse_roll BEFORE INSERT ON roll FOR EACH ROW "
                f"WHEN (NEW.person_id = '{refused}') EXECUTE FUNCTION refuse_roll()"
            )
        uow.commit()
    before_threads = threading.active_count()
    switch = sys.getswitchinterval()

    with pytest.raises(Exception, match="refused") as raised:
        contests.open_voting(uow=uow, clock=CLOCK, officer=RO, contest_id="c")
    assert threading.active_count() == before_threads
    assert sys.getswitchinterval() == switch
    with uow:
        assert int(uow.one("SELECT COUNT(*) FROM roll")[0]) == 0
        assert uow.one("SELECT phase FROM contests WHERE id = 'c'")[0] != "voting open"
    # the connection goes back to the pool (as the web does after an error) while the
    # error -- and whatever its traceback holds -- is still alive; another unit of work
    # takes it and streams the same people while a collection runs in the middle
    uow.close()
    second = SqlUnitOfWork(uow.database)
    try:
        with second:
            seen = 0
            for _ in second.people.all(OrganisationId("org")):
                seen += 1
                if seen == 1:
                    gc.collect()
        assert seen == n
    finally:
        second.close()
    del raised
