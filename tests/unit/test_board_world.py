"""A small election run through the real services, for the board and verification tests.

An organisation with 40 members in two sections (members vote online, new members by
post), a 4-candidate IRV election with a published seed, a motion, 30 online ballots,
two postal batches (with a spoilt and a refused paper), the close, the count and the
declaration; then the board, signed with a fresh election key, and the audit export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tellers.domain.ballot import RejectionReason
from tellers.domain.ids import OfficerId
from tellers.domain.membership import MembershipKind
from tellers.domain.postal import PaperEntry
from tellers.services import contests, credentials, organisations, people, results, voting
from tellers.services.board import (
    MemoryElectionKeys,
    PublishedBoard,
    export_audit_log,
    publish_board,
)
from tellers.services.people import MembershipRow, PersonRow
from tellers.services.ports import UnitOfWork
from tellers.storage.memory import FixedClock, MemoryUnitOfWork

RO = OfficerId("returning-officer")
TELLER = OfficerId("teller-1")

ELECTION_SPEC = {
    "kind": "election",
    "title": "Branch secretary",
    "rule_version": "rules-2024",
    "method": "irv",
    "seats": 1,
    "seed": 20240601,
    "candidates": [
        {"id": "ada", "name": "Ada"},
        {"id": "bo", "name": "Bo"},
        {"id": "cy", "name": "Cy"},
        {"id": "di", "name": "Di"},
    ],
    "electorate": {
        "version": "electorate-1",
        "sections": [
            {
                "name": "members",
                "kind": "member",
                "channels": ["online"],
                "joined_on_or_before": "2019-12-31",
            },
            {"name": "new members", "kind": "member", "channels": ["post"]},
        ],
    },
}

MOTION_SPEC = {
    "kind": "motion",
    "title": "Rule change 7",
    "question": "That rule 7 be amended.",
    "rule_version": "rules-2024",
    "motion": {"basis": "valid votes", "share": "2/3", "at_least": True},
    "electorate": ELECTION_SPEC["electorate"],
}

# Online rankings (30 ballots) chosen so that IRV needs three rounds.
ONLINE = (
    [("ada", "bo")] * 9
    + [("bo", "ada", "cy")] * 8
    + [("cy", "bo")] * 6
    + [("di", "cy", "ada")] * 4
    + [("di",)] * 2
    + [("cy",)]
)


@dataclass
class Election:
    """The finished election and what it published."""

    uow: MemoryUnitOfWork
    clock: FixedClock
    keys: MemoryElectionKeys
    board: PublishedBoard
    motion_board: PublishedBoard
    audit: bytes
    receipts: list[str]


def _people() -> list[PersonRow]:
    rows = []
    for i in range(40):
        new = i >= 32
        rows.append(
            PersonRow(
                id=f"m{i:03d}",
                name=f"Member {i}",
                memberships=(
                    MembershipRow(
                        kind=MembershipKind.MEMBER,
                        start=date(2021, 1, 1) if new else date(2019, 1, 1),
                    ),
                ),
            )
        )
    return rows


def run_lifecycle(uow: UnitOfWork, clock: FixedClock, *, count: bool = True) -> list[str]:
    """Run both contests from creation to declaration; returns the election's receipts.

    With ``count=False`` it stops when voting has closed and the last papers are in.
    """
    organisations.create_organisation(
        uow=uow, clock=clock, officer=RO, organisation_id="branch", name="A branch"
    )
    people.import_people(uow=uow, clock=clock, officer=RO, organisation_id="branch", rows=_people())
    for cid, spec in (("sec-2024", ELECTION_SPEC), ("rule-7", MOTION_SPEC)):
        contests.create_contest(
            uow=uow, clock=clock, officer=RO, organisation_id="branch", contest_id=cid, spec=spec
        )
        contests.open_voting(uow=uow, clock=clock, officer=RO, contest_id=cid)
    clock.advance(timedelta(hours=1))
    issued = credentials.issue_credentials(uow=uow, clock=clock, officer=RO, contest_id="sec-2024")
    motion_issued = credentials.issue_credentials(
        uow=uow, clock=clock, officer=RO, contest_id="rule-7"
    )
    online = [c for c in issued if c.paper_number is None]
    papers = [c for c in issued if c.paper_number is not None]
    receipts: list[str] = []
    for cred, ranking in zip(online, ONLINE, strict=False):
        r = voting.cast_ballot(
            uow=uow, contest_id="sec-2024", credential=cred.code, ranking=ranking
        )
        receipts.append(r.tracking_code)
    for cred, choice in zip(
        [c for c in motion_issued if c.paper_number is None],
        ["yes"] * 14 + ["no"] * 6 + [""] * 2,
        strict=False,
    ):
        voting.cast_ballot(
            uow=uow, contest_id="rule-7", credential=cred.code, ranking=[choice] if choice else []
        )
    clock.advance(timedelta(days=1))
    assert papers[0].paper_number is not None
    voting.enter_postal_batch(
        uow=uow,
        clock=clock,
        officer=TELLER,
        contest_id="sec-2024",
        papers=[
            PaperEntry(paper_number=papers[0].paper_number, ranking=("bo", "ada")),
            PaperEntry(paper_number=papers[1].paper_number or 0, ranking=("di", "bo")),
            PaperEntry(
                paper_number=papers[2].paper_number or 0, rejection=RejectionReason.UNMARKED
            ),
            PaperEntry(paper_number=9999, ranking=("ada",)),
        ],
    )
    for cid in ("sec-2024", "rule-7"):
        contests.close_voting(uow=uow, clock=clock, officer=RO, contest_id=cid)
    clock.advance(timedelta(hours=1))
    voting.enter_postal_batch(
        uow=uow,
        clock=clock,
        officer=TELLER,
        contest_id="sec-2024",
        papers=[PaperEntry(paper_number=papers[3].paper_number or 0, ranking=("cy", "di"))],
    )
    if not count:
        return receipts
    for cid in ("sec-2024", "rule-7"):
        results.count(uow=uow, clock=clock, officer=RO, contest_id=cid)
        results.declare(uow=uow, clock=clock, officer=RO, contest_id=cid)
    return receipts


def run_election() -> Election:
    """Run the whole election in memory and publish both boards."""
    uow = MemoryUnitOfWork()
    clock = FixedClock(datetime(2024, 6, 1, 9, 0, tzinfo=UTC))
    keys = MemoryElectionKeys()
    receipts = run_lifecycle(uow, clock)
    clock.advance(timedelta(minutes=5))
    board = publish_board(uow=uow, clock=clock, officer=RO, keys=keys, contest_id="sec-2024")
    motion_board = publish_board(uow=uow, clock=clock, officer=RO, keys=keys, contest_id="rule-7")
    audit = b"".join(export_audit_log(uow=uow))
    return Election(
        uow=uow,
        clock=clock,
        keys=keys,
        board=board,
        motion_board=motion_board,
        audit=audit,
        receipts=receipts,
    )


def test_the_scenario_runs_and_elects_someone() -> None:
    election = run_election()
    assert election.board.ballots == 34
    assert election.motion_board.ballots == 22
    assert len(election.receipts) == 30


def test_a_board_published_at_the_close_verifies_and_says_what_the_recount_gives() -> None:
    from tellers.services.verification import verify_board

    uow = MemoryUnitOfWork()
    clock = FixedClock(datetime(2024, 6, 1, 9, 0, tzinfo=UTC))
    keys = MemoryElectionKeys()
    run_lifecycle(uow, clock, count=False)
    board = publish_board(uow=uow, clock=clock, officer=RO, keys=keys, contest_id="sec-2024")
    audit = b"".join(export_audit_log(uow=uow))
    report = verify_board(board.data, audit=audit)
    assert report.ok, report.discrepancies
    details = {f.check: f.detail for f in report.findings}
    assert details["recount"] == "no result published yet; the recount elects Bo"
    assert "voting closed" in details["form"]
