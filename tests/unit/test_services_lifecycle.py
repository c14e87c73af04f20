"""Service behaviour on the in-memory unit of work: transactions, credentials, casting,
postal batches, secrecy and the audit log."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta
from typing import Any

import pytest

from tellers.crypto.hashing import ChainBroken, verify_chain
from tellers.domain.ballot import Ballot, RejectionReason
from tellers.domain.errors import (
    AlreadyExists,
    AlreadyVoted,
    CredentialVoided,
    InvalidBallot,
    NotFound,
    NotInElectorate,
    NotReadyToOpen,
    PollNotOpen,
    ReissueClosed,
    StaleWrite,
    UnknownCredential,
    WrongChannel,
    WrongPhase,
)
from tellers.domain.ids import ContestId, OfficerId
from tellers.domain.lifecycle import Phase
from tellers.domain.membership import MembershipKind
from tellers.domain.postal import PaperEntry, PaperOutcome
from tellers.domain.roll import IssuedCredential
from tellers.services import contests, credentials, organisations, people, results, voting
from tellers.services.audit import verify_audit_log
from tellers.services.people import MembershipRow, PersonRow
from tellers.services.ports import UnitOfWork
from tellers.storage.memory import MemoryUnitOfWork
from tests.unit.lifecycle_support import RO, TELLER, World, at, new_world

C = "chair-2026"


def member(pid: str, joined: date = date(2020, 1, 1)) -> PersonRow:
    return PersonRow(
        id=pid,
        name=pid.title(),
        memberships=(MembershipRow(kind=MembershipKind.MEMBER, start=joined),),
    )


def supporter(pid: str) -> PersonRow:
    return PersonRow(
        id=pid,
        name=pid.title(),
        memberships=(
            MembershipRow(
                kind=MembershipKind.REGISTERED_SUPPORTER,
                start=date(2026, 1, 5),
                fee_paid_at=at("2026-01-05T10:00:00"),
                fee_pence=2500,
            ),
        ),
    )


SPEC: dict[str, Any] = {
    "kind": "election",
    "title": "Chair",
    "method": "irv",
    "candidates": [
        {"id": "ann", "name": "Ann"},
        {"id": "bob", "name": "Bob"},
        {"id": "cy", "name": "Cy"},
    ],
    "reissue_cutoff": "2026-02-10T17:00:00+00:00",
    "electorate": {
        "version": "rules 2026",
        "sections": [
            {
                "name": "members",
                "kind": "member",
                "joined_on_or_before": "2025-12-31",
                "channels": ["online", "post"],
            },
            {
                "name": "supporters",
                "kind": "registered supporter",
                "fee_window": {
                    "opens": "2026-01-01T00:00:00+00:00",
                    "closes": "2026-01-31T23:59:59+00:00",
                },
                "channels": ["online"],
            },
        ],
    },
}


def setup(
    world: World, spec: dict[str, Any] | None = None, extra: list[PersonRow] | None = None
) -> None:
    kw: dict[str, Any] = {"uow": world.uow, "clock": world.clock, "officer": RO}
    organisations.create_organisation(**kw, organisation_id="org", name="Org")
    rows = [member(f"m{i}") for i in range(1, 7)] + [
        supporter("s1"),
        supporter("s2"),
        member("late", date(2026, 1, 2)),
    ]
    people.import_people(**kw, organisation_id="org", rows=rows + (extra or []))
    contests.create_contest(**kw, organisation_id="org", contest_id=C, spec=spec or SPEC)


def opened(world: World) -> dict[str, IssuedCredential]:
    setup(world)
    world.clock.set(at("2026-02-01T09:00:00"))
    contests.open_voting(uow=world.uow, clock=world.clock, officer=RO, contest_id=C)
    issued = credentials.issue_credentials(
        uow=world.uow, clock=world.clock, officer=RO, contest_id=C
    )
    return {str(c.person_id): c for c in issued}


@pytest.fixture
def world() -> World:
    return new_world("2026-01-10T09:00:00")


def test_the_memory_unit_of_work_implements_the_port() -> None:
    uow: UnitOfWork = MemoryUnitOfWork()
    assert uow is not None


def test_opening_voting_records_every_decision_with_its_rule(world: World) -> None:
    opened(world)
    with world.uow as uow:
        roll = {str(e.person_id): e for e in uow.roll.iter(ContestId(C))}
        by_section = dict(uow.roll.eligible_by_section(ContestId(C)))
    assert by_section == {"members": 6, "supporters": 2}
    assert roll["late"].section is None
    assert "joined 2026-01-02 after 2025-12-31" in roll["late"].reason
    assert all(e.rule_version == "rules 2026" for e in roll.values())


def test_credentials_are_issued_once_with_papers_only_for_postal_sections(world: World) -> None:
    issued = opened(world)
    assert set(issued) == {"m1", "m2", "m3", "m4", "m5", "m6", "s1", "s2"}
    papers = sorted(c.paper_number for c in issued.values() if c.paper_number is not None)
    assert papers == [1, 2, 3, 4, 5, 6]
    assert issued["s1"].paper_number is None
    again = credentials.issue_credentials(
        uow=world.uow, clock=world.clock, officer=RO, contest_id=C
    )
    assert again == ()


def test_codes_are_never_stored_or_logged(world: World) -> None:
    issued = opened(world)
    store = repr(world.uow.store.tables) + repr(world.uow.store.audit)
    for cred in issued.values():
        assert cred.code not in store
        assert cred.code.replace("-", "") not in store


def test_a_failed_action_leaves_nothing_written(world: World) -> None:
    empty = {
        **SPEC,
        "electorate": {
            "version": "v",
            "sections": [{"name": "nobody", "kind": "seat", "bodies": ["x"]}],
        },
    }
    setup(world, spec=empty)
    before = len(world.uow.store.audit)
    with pytest.raises(NotReadyToOpen, match="nobody is eligible"):
        contests.open_voting(uow=world.uow, clock=world.clock, officer=RO, contest_id=C)
    with world.uow as uow:
        assert list(uow.roll.iter(ContestId(C))) == []
        assert uow.contests.get(ContestId(C)).phase is Phase.DRAFT
    assert len(world.uow.store.audit) == before


def test_an_import_with_a_bad_row_is_all_or_nothing(world: World) -> None:
    setup(world)
    rows = [member("new1"), member("m1")]  # m1 already exists
    with pytest.raises(AlreadyExists):
        people.import_people(
            uow=world.uow, clock=world.clock, officer=RO, organisation_id="org", rows=rows
        )
    with world.uow as uow:
        assert uow.people.find(people_id("new1")) is None


def people_id(text: str) -> Any:
    from tellers.domain.ids import PersonId

    return PersonId(text)


def cast(world: World, cred: IssuedCredential, *ranking: str) -> voting.Receipt:
    return voting.cast_ballot(
        uow=world.uow, contest_id=C, credential=cred.code, ranking=list(ranking)
    )


def test_a_ballot_is_stored_without_any_link_to_its_voter(world: World) -> None:
    issued = opened(world)
    receipt = cast(world, issued["m1"], "bob", "ann")
    with world.uow as uow:
        (ballot,) = list(uow.ballots.iter(ContestId(C)))
        entry = uow.roll.get(ContestId(C), people_id("m1"))
    assert {f.name for f in dataclasses.fields(Ballot)} == {
        "id",
        "contest_id",
        "section",
        "channel",
        "ranking",
        "rejection",
        "tracking_code",
    }
    assert ballot.ranking == ("bob", "ann")
    assert ballot.tracking_code == receipt.tracking_code
    assert "m1" not in repr(ballot)
    assert entry.voted
    assert entry.voted_channel is not None
    assert entry.voted_channel.value == "online"
    assert voting.was_counted(uow=world.uow, contest_id=C, tracking_code=receipt.tracking_code)


def test_the_ballot_box_order_does_not_follow_casting_order(world: World) -> None:
    issued = opened(world)
    codes = [cast(world, issued[f"m{i}"], "ann").tracking_code for i in range(1, 7)]
    with world.uow as uow:
        listed = [b.tracking_code for b in uow.ballots.iter(ContestId(C))]
        ids = [b.id for b in uow.ballots.iter(ContestId(C))]
    assert sorted(listed) == sorted(codes)
    assert ids == sorted(ids)


def test_a_credential_is_used_once(world: World) -> None:
    issued = opened(world)
    cast(world, issued["m1"], "ann")
    with pytest.raises(AlreadyVoted):
        cast(world, issued["m1"], "bob")
    with world.uow as uow:
        assert uow.ballots.count(ContestId(C)) == 1


def test_an_unknown_code_is_refused(world: World) -> None:
    opened(world)
    with pytest.raises(UnknownCredential):
        voting.cast_ballot(uow=world.uow, contest_id=C, credential="AAAA-BBBB", ranking=["ann"])


def test_invalid_marks_are_refused_and_change_nothing(world: World) -> None:
    issued = opened(world)
    for ranking in (["ann", "ann"], ["dave"], []):
        with pytest.raises(InvalidBallot):
            cast(world, issued["m1"], *ranking)
    cast(world, issued["m1"], "cy")


def test_a_group_of_casts_refuses_only_the_voters_own_mistakes(world: World) -> None:
    issued = opened(world)
    outcomes = voting.cast_ballots(
        uow=world.uow,
        contest_id=C,
        casts=[
            (issued["m1"].code, ["ann"]),
            ("AAAA-BBBB-CCCC", ["ann"]),
            (issued["m1"].code, ["bob"]),  # the same code again, in the same group
            (issued["m2"].code, ["dave"]),
            (issued["m3"].code, ["cy", "bob"]),
        ],
    )
    kinds = [type(o) for o in outcomes]
    assert kinds == [
        voting.Receipt,
        UnknownCredential,
        AlreadyVoted,
        InvalidBallot,
        voting.Receipt,
    ]
    receipts = [o for o in outcomes if isinstance(o, voting.Receipt)]
    with world.uow as uow:
        assert sorted(b.ranking for b in uow.ballots.iter(ContestId(C))) == [
            ("ann",),
            ("cy", "bob"),
        ]
        assert uow.roll.get(ContestId(C), people_id("m1")).voted
        assert not uow.roll.get(ContestId(C), people_id("m2")).voted
    for r in receipts:
        assert voting.was_counted(uow=world.uow, contest_id=C, tracking_code=r.tracking_code)
    # the voter whose marks were refused can still vote
    cast(world, issued["m2"], "ann")


def test_a_group_cast_after_the_close_is_refused_whole(world: World) -> None:
    issued = opened(world)
    contests.close_voting(uow=world.uow, clock=world.clock, officer=RO, contest_id=C)
    with pytest.raises(PollNotOpen):
        voting.cast_ballots(uow=world.uow, contest_id=C, casts=[(issued["m1"].code, ["ann"])])
    with world.uow as uow:
        assert uow.ballots.count(ContestId(C)) == 0


def test_casting_outside_voting_is_refused(world: World) -> None:
    issued = opened(world)
    contests.close_voting(uow=world.uow, clock=world.clock, officer=RO, contest_id=C)
    with pytest.raises(PollNotOpen):
        cast(world, issued["m1"], "ann")


def test_a_reissue_voids_the_old_credential_and_is_logged(world: World) -> None:
    issued = opened(world)
    new = credentials.reissue_credential(
        uow=world.uow, clock=world.clock, officer=RO, contest_id=C, person_id="s1"
    )
    assert new.issue == 2
    with pytest.raises(CredentialVoided):
        cast(world, issued["s1"], "ann")
    cast(world, new, "ann")
    with world.uow as uow:
        actions = [e.action for e in uow.audit.iter()]
    assert "reissue_credential" in actions


def test_reissues_stop_at_the_cut_off_and_after_voting(world: World) -> None:
    issued = opened(world)
    cast(world, issued["m2"], "ann")
    with pytest.raises(AlreadyVoted):
        credentials.reissue_credential(
            uow=world.uow, clock=world.clock, officer=RO, contest_id=C, person_id="m2"
        )
    with pytest.raises(NotInElectorate):
        credentials.reissue_credential(
            uow=world.uow, clock=world.clock, officer=RO, contest_id=C, person_id="late"
        )
    world.clock.set(at("2026-02-10T17:00:01"))
    with pytest.raises(ReissueClosed):
        credentials.reissue_credential(
            uow=world.uow, clock=world.clock, officer=RO, contest_id=C, person_id="m3"
        )


def test_a_reissued_paper_voids_the_old_paper(world: World) -> None:
    issued = opened(world)
    new = credentials.reissue_credential(
        uow=world.uow, clock=world.clock, officer=RO, contest_id=C, person_id="m4", paper=True
    )
    assert new.paper_number == 7
    old_paper = issued["m4"].paper_number
    assert old_paper is not None
    batch = voting.enter_postal_batch(
        uow=world.uow,
        clock=world.clock,
        officer=TELLER,
        contest_id=C,
        papers=[
            PaperEntry(paper_number=old_paper, ranking=("ann",)),
            PaperEntry(paper_number=7, ranking=("bob",)),
        ],
    )
    assert batch.counted == 1
    assert batch.refused == ((old_paper, PaperOutcome.VOIDED_PAPER),)


def test_supporters_cannot_vote_by_a_channel_their_section_lacks(world: World) -> None:
    spec = {**SPEC}
    spec["electorate"] = json.loads(json.dumps(SPEC["electorate"]))
    spec["electorate"]["sections"][1]["channels"] = ["post"]
    setup(world, spec=spec)
    contests.open_voting(uow=world.uow, clock=world.clock, officer=RO, contest_id=C)
    issued = {
        str(c.person_id): c
        for c in credentials.issue_credentials(
            uow=world.uow, clock=world.clock, officer=RO, contest_id=C
        )
    }
    with pytest.raises(WrongChannel):
        cast(world, issued["s1"], "ann")


def test_the_first_recorded_return_counts_whichever_channel_it_was(world: World) -> None:
    issued = opened(world)
    m1, m2 = issued["m1"], issued["m2"]
    assert m1.paper_number is not None
    assert m2.paper_number is not None
    # m1 votes online first, then the paper comes back: the paper is refused.
    cast(world, m1, "ann")
    # m2's paper is entered first, then m2 tries online: refused.
    batch = voting.enter_postal_batch(
        uow=world.uow,
        clock=world.clock,
        officer=TELLER,
        contest_id=C,
        papers=[
            PaperEntry(paper_number=m1.paper_number, ranking=("bob",)),
            PaperEntry(paper_number=m2.paper_number, ranking=("cy",)),
        ],
    )
    assert batch.counted == 1
    assert batch.refused == ((m1.paper_number, PaperOutcome.DUPLICATE_RETURN),)
    with pytest.raises(AlreadyVoted):
        cast(world, m2, "bob")
    with world.uow as uow:
        assert uow.ballots.count(ContestId(C)) == 2


def test_a_postal_batch_flags_gaps_repeats_unknown_papers_and_spoilt_reasons(world: World) -> None:
    issued = opened(world)
    numbers = sorted(c.paper_number for c in issued.values() if c.paper_number is not None)
    batch = voting.enter_postal_batch(
        uow=world.uow,
        clock=world.clock,
        officer=TELLER,
        contest_id=C,
        papers=[
            PaperEntry(paper_number=numbers[0], ranking=("ann", "bob")),
            PaperEntry(paper_number=numbers[0], ranking=("ann",)),
            PaperEntry(paper_number=numbers[3], rejection=RejectionReason.IDENTIFIES_VOTER),
            PaperEntry(paper_number=numbers[4]),
            PaperEntry(paper_number=numbers[5], ranking=("zed",)),
            PaperEntry(paper_number=999),
        ],
    )
    assert batch.counted == 1
    assert batch.spoilt == {"identifies-voter": 1, "unmarked": 1}
    assert dict(batch.refused) == {
        numbers[0]: PaperOutcome.REPEATED_PAPER,
        numbers[5]: PaperOutcome.INVALID_MARKS,
        999: PaperOutcome.UNKNOWN_PAPER,
    }
    assert batch.gaps == ((numbers[1], numbers[2]), (numbers[5] + 1, 998))
    # The keying error can be corrected in a later batch; the repeat cannot.
    again = voting.enter_postal_batch(
        uow=world.uow,
        clock=world.clock,
        officer=TELLER,
        contest_id=C,
        papers=[
            PaperEntry(paper_number=numbers[0], ranking=("cy",)),
            PaperEntry(paper_number=numbers[5], ranking=("bob",)),
        ],
    )
    assert again.refused == ((numbers[0], PaperOutcome.REPEATED_PAPER),)
    assert again.counted == 1
    assert again.sequence == 2


def test_count_recount_and_declaration_agree_and_the_log_verifies(world: World) -> None:
    issued = opened(world)
    for pid, ranking in [
        ("m1", ("ann",)),
        ("m2", ("bob", "ann")),
        ("m3", ("cy", "bob")),
        ("s1", ("ann",)),
        ("s2", ("bob",)),
    ]:
        cast(world, issued[pid], *ranking)
    kw: dict[str, Any] = {"uow": world.uow, "clock": world.clock, "officer": RO, "contest_id": C}
    with pytest.raises(WrongPhase):
        results.count(**kw)
    contests.close_voting(**kw)
    first = results.count(**kw)
    again = results.recount(**kw)
    assert again.matches_first
    assert again.number == 1
    assert again.result.count == first.count
    world.clock.advance(timedelta(hours=1))
    declaration = results.declare(**kw)
    data = json.loads(declaration.json)
    assert data["audit_head"] == declaration.audit_head
    assert data["turnout"] == {"numerator": 5, "denominator": 8, "percent": "62.5"}
    assert [s["section"] for s in data["sections"]] == ["members", "supporters"]
    assert declaration.audit_head in declaration.text
    head = verify_audit_log(uow=world.uow)
    with world.uow as uow:
        entries = list(uow.audit.iter())
    assert entries[-1].action == "declare"
    assert entries[-2].hash == declaration.audit_head
    assert head == entries[-1].hash
    # Every ballot's content stays out of the log.
    logged = json.dumps([e.parameters for e in entries])
    assert "ranking" not in logged
    # A tampered entry is caught.
    entries[3] = dataclasses.replace(entries[3], officer=OfficerId("someone else"))
    with pytest.raises(ChainBroken):
        verify_chain(entries)


def test_the_bulletin_board_opens_only_after_the_close(world: World) -> None:
    issued = opened(world)
    cast(world, issued["m1"], "ann")
    with pytest.raises(WrongPhase):
        voting.bulletin_board(uow=world.uow, contest_id=C)
    contests.close_voting(uow=world.uow, clock=world.clock, officer=RO, contest_id=C)
    (ballot,) = voting.bulletin_board(uow=world.uow, contest_id=C)
    assert ballot.ranking == ("ann",)


def test_a_stale_contest_write_is_refused(world: World) -> None:
    setup(world)
    with world.uow as uow:
        contest = uow.contests.get(ContestId(C))
        with pytest.raises(StaleWrite):
            uow.contests.save(dataclasses.replace(contest, version=contest.version + 2))


def test_concurrent_transactions_on_the_same_contest_conflict() -> None:
    world = new_world("2026-01-10T09:00:00")
    setup(world)
    other = MemoryUnitOfWork(world.uow.store)
    with world.uow as a, other as b:
        ca = a.contests.get(ContestId(C))
        cb = b.contests.get(ContestId(C))
        a.contests.save(dataclasses.replace(ca, title="A", version=ca.version + 1))
        b.contests.save(dataclasses.replace(cb, title="B", version=cb.version + 1))
        a.commit()
        with pytest.raises(StaleWrite):
            b.commit()
    with world.uow as uow:
        assert uow.contests.get(ContestId(C)).title == "A"


def test_missing_ids_raise_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        contests.open_voting(uow=world.uow, clock=world.clock, officer=RO, contest_id="nope")


def test_participation_lists_who_voted_never_how(world: World) -> None:
    issued = opened(world)
    cast(world, issued["m3"], "cy")
    assert contests.participation_list(
        uow=world.uow, clock=world.clock, officer=RO, contest_id=C
    ) == ("m3",)
    with world.uow:
        head = world.uow.audit.head()
    assert head is not None
    assert (head.officer, head.action) == (RO, "read_participation_list")
    assert dict(head.parameters) == {"contest": C, "names": 1}


def test_two_racing_casts_with_one_credential_commit_only_once(world: World) -> None:
    issued = opened(world)
    code = issued["m5"].code
    racer = MemoryUnitOfWork(world.uow.store)
    from tellers.crypto.credentials import credential_hash

    # The racer reads and uses the credential, but has not committed yet...
    with racer as r:
        cid = ContestId(C)
        cred = r.credentials.find_by_hash(cid, credential_hash(r.credentials.key(cid), code))
        assert cred is not None
        r.credentials.save(cred.used())
        # ...when the voter's own cast commits first.
        cast(world, issued["m5"], "ann")
        with pytest.raises(StaleWrite):
            r.commit()
    with world.uow as uow:
        assert uow.ballots.count(ContestId(C)) == 1
