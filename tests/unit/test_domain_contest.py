"""Contests: specs, the lifecycle state machine and pre-flight problems."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from tellers.domain.contest import ContestKind, MajorityBasis
from tellers.domain.errors import (
    InvalidSpec,
    NoCandidates,
    NominationsNotOpen,
    NotACandidate,
    NotReadyToOpen,
    WrongPhase,
)
from tellers.domain.ids import CandidateId, ContestId, OrganisationId
from tellers.domain.lifecycle import Phase
from tellers.domain.nomination import CandidateStanding, RegisterRow
from tellers.domain.spec import contest_from_spec, parse_share

ELECTORATE = {"version": "v1", "sections": [{"name": "members", "kind": "member"}]}


def make(spec: dict[str, Any]) -> Any:
    return contest_from_spec(spec, contest_id=ContestId("c"), organisation_id=OrganisationId("o"))


def election(**extra: Any) -> Any:
    return make(
        {
            "kind": "election",
            "title": "Chair",
            "method": "irv",
            "candidates": ["Ann", "Bob"],
            "electorate": ELECTORATE,
            **extra,
        }
    )


LEADERSHIP: dict[str, Any] = {
    "kind": "leadership",
    "title": "Leader",
    "method": "irv",
    "electorate": ELECTORATE,
    "nominations": {
        "bodies": ["plp"],
        "threshold": "20%",
        "snapshot_at": "2016-07-12T09:00:00+01:00",
        "incumbent": "corbyn",
        "incumbent_on_ballot": True,
    },
}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1/5", Fraction(1, 5)),
        ("20%", Fraction(1, 5)),
        ("0.2", Fraction(1, 5)),
        (1, Fraction(1)),
        ("2/3", Fraction(2, 3)),
    ],
)
def test_shares_are_read_exactly(text: object, value: Fraction) -> None:
    assert parse_share(text) == value


def test_a_float_share_is_refused() -> None:
    with pytest.raises(InvalidSpec, match="exactly"):
        parse_share(0.2)


def test_a_motion_spec_defaults_to_a_binding_simple_majority() -> None:
    motion = make({"kind": "motion", "title": "M", "question": "That...", "electorate": ELECTORATE})
    assert motion.kind is ContestKind.MOTION
    assert motion.motion is not None
    assert motion.motion.basis is MajorityBasis.VALID_VOTES
    assert motion.motion.binding
    assert motion.options() == ("yes", "no")


def test_an_instant_without_a_time_zone_is_refused() -> None:
    spec = {
        **LEADERSHIP,
        "nominations": {**LEADERSHIP["nominations"], "snapshot_at": "2016-07-12T09:00"},
    }
    with pytest.raises(InvalidSpec, match="time-zone"):
        make(spec)


def test_a_leadership_contest_needs_a_nomination_rule() -> None:
    with pytest.raises(InvalidSpec, match="nomination rule"):
        make({k: v for k, v in LEADERSHIP.items() if k != "nominations"})


def test_an_unknown_section_kind_names_the_key() -> None:
    bad = {"version": "v", "sections": [{"name": "x", "kind": "friend"}]}
    with pytest.raises(InvalidSpec, match=r"electorate.sections\[0\].kind"):
        election(electorate=bad)


def test_every_problem_is_listed_before_voting_opens() -> None:
    contest = election(
        method="no-such-rule", candidates=["Ann"], electorate={"version": "", "sections": []}
    )
    problems = contest.problems_before_opening(Phase.VOTING_OPEN, roll_size=0)
    codes = [p.code for p in problems]
    assert codes.count("electorate") == 2
    assert {"empty-roll", "unknown-method", "too-few-candidates"} <= set(codes)
    with pytest.raises(NotReadyToOpen) as caught:
        contest.open_voting(roll_size=0)
    assert caught.value.problems == problems
    assert str(len(problems)) in str(caught.value)


def test_an_election_moves_through_its_phases_and_no_further() -> None:
    contest = election()
    opened = contest.open_voting(roll_size=10)
    assert opened.phase is Phase.VOTING_OPEN
    assert opened.ballot == ("Ann", "Bob")
    assert opened.version == contest.version + 1
    closed = opened.close_voting()
    counted = closed.mark_counted()
    declared = counted.declare()
    assert declared.phase is Phase.DECLARED
    with pytest.raises(WrongPhase):
        declared.close_voting()
    with pytest.raises(WrongPhase):
        contest.close_voting()


def test_an_opposed_contest_cannot_be_declared_before_its_count() -> None:
    with pytest.raises(WrongPhase, match="not nominations closed or counted"):
        election().open_voting(roll_size=3).close_voting().declare()
    opposed = leadership_after_close(
        [row("smith", CandidateStanding.QUALIFIED), row("corbyn", CandidateStanding.INCUMBENT)]
    )
    assert opposed.ballot == ("smith", "corbyn")
    with pytest.raises(WrongPhase, match="count first"):
        opposed.declare()


def leadership_after_close(rows: list[RegisterRow]) -> Any:
    contest = make(LEADERSHIP).open_nominations(denominator=251)
    return contest.close_nominations(tuple(rows))


def row(cid: str, standing: CandidateStanding) -> RegisterRow:
    return RegisterRow(
        candidate=CandidateId(cid), name=cid, nominations=0, required=51, standing=standing
    )


def test_one_qualified_candidate_is_elected_unopposed_without_a_ballot() -> None:
    closed = leadership_after_close(
        [
            row("smith", CandidateStanding.QUALIFIED),
            row("eagle", CandidateStanding.WITHDRAWN_QUALIFIED),
        ]
    )
    assert closed.unopposed == "smith"
    with pytest.raises(NotReadyToOpen, match="unopposed"):
        closed.open_voting(roll_size=100)
    assert closed.declare().phase is Phase.DECLARED


def test_nobody_qualified_stops_the_contest() -> None:
    with pytest.raises(NoCandidates):
        leadership_after_close([row("x", CandidateStanding.NOT_QUALIFIED)])


def test_nominations_snapshot_the_denominator_and_round_up() -> None:
    contest = make(LEADERSHIP).open_nominations(denominator=251)
    assert contest.gate is not None
    assert contest.gate.required == 51
    assert contest.phase is Phase.NOMINATIONS_OPEN


def test_nominations_cannot_open_with_empty_bodies_or_on_a_motion() -> None:
    with pytest.raises(NotReadyToOpen, match="no seats"):
        make(LEADERSHIP).open_nominations(denominator=0)
    motion = make({"kind": "motion", "title": "M", "question": "Q", "electorate": ELECTORATE})
    with pytest.raises(NotReadyToOpen, match="no nomination phase"):
        motion.open_nominations(denominator=5)


def test_withdrawal_needs_open_nominations_and_a_standing_candidate() -> None:
    contest = make(LEADERSHIP)
    with pytest.raises(NominationsNotOpen):
        contest.withdraw(CandidateId("corbyn"))
    opened = contest.open_nominations(denominator=251)
    with pytest.raises(NotACandidate):
        opened.withdraw(CandidateId("nobody"))


def test_a_leadership_contest_cannot_skip_nominations() -> None:
    with pytest.raises(NotReadyToOpen, match="nominations first"):
        make(LEADERSHIP).open_voting(roll_size=10)
