"""The SQL unit of work on SQLite and PostgreSQL: transactions, secrecy, concurrency.

Every test runs on both backends (``database`` fixture in ``conftest.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from tellers.domain.ballot import Channel
from tellers.domain.contest import Contest
from tellers.domain.errors import AlreadyExists, AlreadyVoted, NotFound, StaleWrite
from tellers.domain.ids import ContestId, OfficerId, OrganisationId
from tellers.domain.membership import MembershipKind
from tellers.domain.organisation import Organisation
from tellers.domain.postal import PaperEntry
from tellers.domain.result import result_json, tabulate, tabulate_groups
from tellers.domain.spec import contest_from_spec
from tellers.services import contests, credentials, organisations, people, voting
from tellers.services.people import MembershipRow, PersonRow
from tellers.services.ports import UnitOfWork
from tellers.storage.memory import FixedClock
from tellers.storage.sql import Database, SqlUnitOfWork
from tellers.storage.sql.codec import dumps, loads
from tellers.storage.sql.engine import alembic_config, schema_revision
from tellers.storage.sql.tables import metadata

RO = OfficerId("returning-officer")
CLOCK = FixedClock(datetime(2016, 6, 28, 9, 0, tzinfo=UTC))

MOTION = {
    "kind": "motion",
    "title": "Confidence",
    "question": "That this group has no confidence in its leader.",
    "motion": {"binding": False},
    "electorate": {
        "version": "test-1",
        "sections": [
            {"name": "mps", "kind": "seat", "bodies": ["grp"], "channels": ["online", "post"]}
        ],
    },
}


def _world(uow: SqlUnitOfWork, voters: int = 5) -> tuple[str, list[str]]:
    organisations.create_organisation(
        uow=uow, clock=CLOCK, officer=RO, organisation_id="org", name="Org"
    )
    organisations.add_body(
        uow=uow, clock=CLOCK, officer=RO, organisation_id="org", body_id="grp", name="Group"
    )
    rows = [
        PersonRow(
            id=f"p{i}",
            name=f"Person {i}",
            memberships=(
                MembershipRow(kind=MembershipKind.SEAT, start=date(2015, 5, 7), body_id="grp"),
            ),
        )
        for i in range(voters)
    ]
    people.import_people(uow=uow, clock=CLOCK, officer=RO, organisation_id="org", rows=rows)
    contests.create_contest(
        uow=uow, clock=CLOCK, officer=RO, organisation_id="org", contest_id="m", spec=MOTION
    )
    contests.open_voting(uow=uow, clock=CLOCK, officer=RO, contest_id="m")
    issued = credentials.issue_credentials(uow=uow, clock=CLOCK, officer=RO, contest_id="m")
    return "m", [c.code for c in issued]


def test_the_sql_unit_of_work_satisfies_the_port(uow: SqlUnitOfWork) -> None:
    port: UnitOfWork = uow
    assert port is uow


def _about_other_tables(diff: object) -> bool:
    """Diffs on tables other adapters' migrations add (e.g. the web tables)."""
    if isinstance(diff, tuple) and diff and diff[0] in ("remove_table", "remove_index"):
        obj = diff[1]
        table = getattr(obj, "table", obj)
        return getattr(table, "name", "") not in metadata.tables
    return False


def test_migrations_build_exactly_the_declared_schema(database: Database) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert schema_revision(database) == head
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if not _about_other_tables(d)] == []


def test_ballots_table_has_no_voter_key_time_or_insertion_order(database: Database) -> None:
    with database.engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("ballots")}
        assert columns == {
            "id",
            "contest_id",
            "section",
            "channel",
            "ranking",
            "rejection",
            "tracking_code",
        }
        pk = inspect(conn).get_pk_constraint("ballots")["constrained_columns"]
        assert pk == ["id"]
        if database.is_sqlite:
            ddl = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'ballots'")
            ).scalar_one()
            assert "WITHOUT ROWID" in ddl.upper()
            assert "AUTOINCREMENT" not in ddl.upper()
        else:
            default = conn.execute(
                text(
                    "SELECT column_default FROM information_schema.columns "
                    "WHERE table_name = 'ballots' AND column_name = 'id' "
                    "AND table_schema = current_schema()"
                )
            ).scalar_one()
            assert default is None


def test_ballots_are_listed_in_random_id_order_not_casting_order(uow: SqlUnitOfWork) -> None:
    cid, codes = _world(uow, voters=40)
    receipts = [
        voting.cast_ballot(uow=uow, contest_id=cid, credential=code, ranking=["yes"])
        for code in codes
    ]
    with uow:
        listed = list(uow.ballots.iter(ContestId(cid)))
    assert [b.id for b in listed] == sorted(b.id for b in listed)
    cast_order = [r.tracking_code for r in receipts]
    assert [b.tracking_code for b in listed] != cast_order
    assert sorted(b.tracking_code for b in listed) == sorted(cast_order)


def test_a_contest_round_trips_exactly_through_its_json_column(uow: SqlUnitOfWork) -> None:
    spec = {
        "kind": "leadership",
        "title": "Leader",
        "method": "irv",
        "seed": 7,
        "reissue_cutoff": "2016-09-19T17:00:00+01:00",
        "nominations": {
            "bodies": ["grp"],
            "threshold": "20%",
            "snapshot_at": "2016-07-11T12:00:00+01:00",
            "incumbent": "p0",
            "incumbent_on_ballot": True,
            "ruling": "NEC 18-14, 12 Jul 2016",
        },
        "electorate": {
            "version": "2016",
            "sections": [
                {
                    "name": "members",
                    "kind": "member",
                    "joined_on_or_before": "2016-01-12",
                    "channels": ["online", "post"],
                },
                {
                    "name": "registered supporters",
                    "kind": "registered supporter",
                    "fee_window": {
                        "opens": "2016-07-18T17:00:00+01:00",
                        "closes": "2016-07-20T17:00:00+01:00",
                    },
                    "min_fee_pence": 2500,
                },
            ],
        },
    }
    contest = contest_from_spec(
        spec, contest_id=ContestId("c"), organisation_id=OrganisationId("o")
    )
    opened = contest.open_nominations(denominator=251)
    assert loads(Contest, dumps(opened)) == opened
    with uow:
        uow.organisations.add(Organisation(id=OrganisationId("o"), name="O"))
        uow.contests.add(contest)
        uow.contests.save(opened)
        uow.commit()
    with uow:
        assert uow.contests.get(ContestId("c")) == opened


def test_saving_a_stale_contest_version_is_refused(database: Database) -> None:
    first, second = SqlUnitOfWork(database), SqlUnitOfWork(database)
    try:
        _world(first, voters=2)
        with first:
            a = first.contests.get(ContestId("m"))
        with second:
            b = second.contests.get(ContestId("m"))
            second.contests.save(b.close_voting())
            second.commit()
        with first, pytest.raises(StaleWrite):
            first.contests.save(a.close_voting())
    finally:
        first.close()
        second.close()


def test_repeated_ids_and_missing_rows_raise_domain_errors(uow: SqlUnitOfWork) -> None:
    _world(uow, voters=2)
    with pytest.raises(AlreadyExists):
        organisations.create_organisation(
            uow=uow, clock=CLOCK, officer=RO, organisation_id="org", name="Again"
        )
    with pytest.raises(AlreadyExists):
        people.import_people(
            uow=uow,
            clock=CLOCK,
            officer=RO,
            organisation_id="org",
            rows=[PersonRow(id="p1", name="Twice")],
        )
    with pytest.raises(NotFound):
        people.import_people(
            uow=uow,
            clock=CLOCK,
            officer=RO,
            organisation_id="org",
            rows=[
                PersonRow(
                    id="new",
                    name="New",
                    memberships=(
                        MembershipRow(
                            kind=MembershipKind.SEAT, start=date(2016, 1, 1), body_id="nope"
                        ),
                    ),
                )
            ],
        )
    with uow:
        assert uow.people.find("new") is None  # type: ignore[arg-type]


class Boom(RuntimeError):
    """The injected failure."""


def test_a_failure_mid_import_leaves_nothing_written(uow: SqlUnitOfWork) -> None:
    organisations.create_organisation(
        uow=uow, clock=CLOCK, officer=RO, organisation_id="org", name="Org"
    )
    with uow:
        head_before = uow.audit.head()

    def failing_append(entry: object) -> None:
        raise Boom

    original = uow.audit.append
    uow.audit.append = failing_append  # type: ignore[method-assign]
    try:
        with pytest.raises(Boom):
            people.import_people(
                uow=uow,
                clock=CLOCK,
                officer=RO,
                organisation_id="org",
                rows=[
                    PersonRow(
                        id=f"x{i}",
                        name="X",
                        memberships=(
                            MembershipRow(kind=MembershipKind.MEMBER, start=date(2010, 1, 1)),
                        ),
                    )
                    for i in range(100)
                ],
            )
    finally:
        uow.audit.append = original  # type: ignore[method-assign]
    with uow:
        count = uow.execute("SELECT COUNT(*) FROM people").fetchone()[0]
        memberships = uow.execute("SELECT COUNT(*) FROM memberships").fetchone()[0]
        assert (count, memberships) == (0, 0)
        assert uow.audit.head() == head_before


def test_a_failure_mid_cast_leaves_the_credential_unused_and_the_box_empty(
    uow: SqlUnitOfWork,
) -> None:
    cid, codes = _world(uow, voters=3)
    original = uow.ballots.add

    def failing_add(ballot: object) -> None:
        raise Boom

    uow.ballots.add = failing_add  # type: ignore[method-assign]
    try:
        with pytest.raises(Boom):
            voting.cast_ballot(uow=uow, contest_id=cid, credential=codes[0], ranking=["yes"])
    finally:
        uow.ballots.add = original  # type: ignore[method-assign]
    with uow:
        assert uow.ballots.count(ContestId(cid)) == 0
        assert uow.roll.voted_count(ContestId(cid)) == 0
        assert dict(uow.credentials.count(ContestId(cid))) == {"active": 3}
    receipt = voting.cast_ballot(uow=uow, contest_id=cid, credential=codes[0], ranking=["yes"])
    assert voting.was_counted(uow=uow, contest_id=cid, tracking_code=receipt.tracking_code)


def test_a_failure_mid_group_of_casts_rolls_back_every_ballot_of_the_group(
    uow: SqlUnitOfWork,
) -> None:
    cid, codes = _world(uow, voters=3)
    original = uow.ballots.add
    calls = []

    def failing_third(ballot: object) -> None:
        calls.append(ballot)
        if len(calls) == 3:
            raise Boom
        original(ballot)  # type: ignore[arg-type]

    uow.ballots.add = failing_third  # type: ignore[method-assign]
    try:
        with pytest.raises(Boom):
            voting.cast_ballots(uow=uow, contest_id=cid, casts=[(c, ["yes"]) for c in codes])
    finally:
        uow.ballots.add = original  # type: ignore[method-assign]
    with uow:
        assert uow.ballots.count(ContestId(cid)) == 0
        assert uow.roll.voted_count(ContestId(cid)) == 0
        assert dict(uow.credentials.count(ContestId(cid))) == {"active": 3}
    outcomes = voting.cast_ballots(uow=uow, contest_id=cid, casts=[(c, ["no"]) for c in codes])
    assert all(isinstance(o, voting.Receipt) for o in outcomes)
    with uow:
        assert uow.ballots.count(ContestId(cid)) == 3


def test_the_grouped_box_counts_as_every_paper_does(uow: SqlUnitOfWork) -> None:
    cid, codes = _world(uow, voters=9)
    marks = [["yes"], ["no"], ["yes"], [], ["yes"], ["no"], ["yes"]]
    voting.cast_ballots(uow=uow, contest_id=cid, casts=list(zip(codes, marks, strict=False)))
    contests.close_voting(uow=uow, clock=CLOCK, officer=RO, contest_id=cid)
    with uow:
        contest = uow.contests.get(ContestId(cid))
        groups = list(uow.ballots.groups(ContestId(cid)))
        every = list(uow.ballots.iter(ContestId(cid)))
        eligible = uow.roll.eligible_by_section(ContestId(cid))
    assert sorted((b.ranking, n) for b, n in groups) == [((), 1), (("no",), 2), (("yes",), 4)]
    assert all(b.id == "" and b.tracking_code == "" for b, _ in groups)
    assert result_json(tabulate_groups(contest, groups, eligible)) == result_json(
        tabulate(contest, every, eligible)
    )


def test_a_failure_mid_postal_batch_rolls_back_every_paper(uow: SqlUnitOfWork) -> None:
    cid, _ = _world(uow, voters=4)
    original = uow.postal.add

    def failing_add(batch: object) -> None:
        raise Boom

    uow.postal.add = failing_add  # type: ignore[method-assign]
    try:
        with pytest.raises(Boom):
            voting.enter_postal_batch(
                uow=uow,
                clock=CLOCK,
                officer=RO,
                contest_id=cid,
                papers=[PaperEntry(paper_number=n, ranking=("no",)) for n in (1, 2, 3)],
            )
    finally:
        uow.postal.add = original  # type: ignore[method-assign]
    with uow:
        assert uow.ballots.count(ContestId(cid)) == 0
        assert uow.roll.voted_count(ContestId(cid)) == 0
        assert uow.postal.for_contest(ContestId(cid)) == ()


def test_one_credential_votes_once_across_channels(uow: SqlUnitOfWork) -> None:
    cid, codes = _world(uow, voters=2)
    voting.cast_ballot(uow=uow, contest_id=cid, credential=codes[0], ranking=["no"])
    with pytest.raises(AlreadyVoted):
        voting.cast_ballot(uow=uow, contest_id=cid, credential=codes[0], ranking=["yes"])
    batch = voting.enter_postal_batch(
        uow=uow,
        clock=CLOCK,
        officer=RO,
        contest_id=cid,
        papers=[
            PaperEntry(paper_number=1, ranking=("yes",)),
            PaperEntry(paper_number=2, ranking=("yes",)),
        ],
    )
    assert batch.counted == 1
    assert [o.value for _, o in batch.refused] == ["duplicate return"]
    with uow:
        entries = list(uow.roll.iter(ContestId(cid)))
    assert sorted(e.voted_channel.value for e in entries if e.voted_channel) == ["online", "post"]
    assert all(e.voted for e in entries)
    assert Channel.POST in {e.voted_channel for e in entries}


def test_closing_the_poll_forgets_the_order_of_casting(
    uow: SqlUnitOfWork, database: Database
) -> None:
    cid, codes = _world(uow, voters=12)
    for code in codes:
        voting.cast_ballot(uow=uow, contest_id=cid, credential=code, ranking=["yes"])
    if database.is_sqlite:
        wal = Path(str(database.engine.url.database) + "-wal")
        assert wal.stat().st_size > 0
    contests.close_voting(uow=uow, clock=CLOCK, officer=RO, contest_id=cid)
    if database.is_sqlite:
        assert wal.stat().st_size == 0
        return
    with uow:
        stamps = {
            table: uow.execute(
                f"SELECT COUNT(DISTINCT xmin::text) FROM {table} WHERE contest_id = ?",  # noqa: S608
                (cid,),
            ).fetchone()[0]
            for table in ("ballots", "roll", "credentials")
        }
    assert stamps == {"ballots": 1, "roll": 1, "credentials": 1}
