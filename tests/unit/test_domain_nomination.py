"""Nomination thresholds (rounded up in integers) and the nomination register."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest

from tellers.domain.ids import BodyId, CandidateId, ContestId, PersonId
from tellers.domain.nomination import (
    CandidateStanding,
    Nomination,
    NominationGate,
    NominationRule,
    nomination_register,
    required_nominations,
)


@pytest.mark.parametrize(
    ("share", "denominator", "required"),
    [
        # README S2, and Conventions and traps 2: ceil(20% of 251) = 51.
        (Fraction(1, 5), 251, 51),
        # Traps 2: ceil 10% of 216 = 22; 5% of 648 = 33; 1922 letters 15% of 359 = 54.
        (Fraction(1, 10), 216, 22),
        (Fraction(1, 20), 648, 33),
        (Fraction(15, 100), 359, 54),
        # README 2.1: May 2018, 48 letters = 15% of 315 (47.25 rounded up).
        (Fraction(15, 100), 315, 48),
        # Traps 2: 0.2 x 249 is 49.800000000000004 in floats; exactly 50 needed.
        (Fraction(1, 5), 249, 50),
        (Fraction(1, 5), 250, 50),
    ],
)
def test_thresholds_round_up_exactly(share: Fraction, denominator: int, required: int) -> None:
    assert required_nominations(share, denominator) == required


def test_a_threshold_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="share"):
        required_nominations(Fraction(0), 10)


AT = datetime(2016, 7, 12, 9, tzinfo=UTC)
GATE = NominationGate(threshold=Fraction(1, 5), denominator=251, snapshot_at=AT)
C = ContestId("c")


def nominations(candidate: str, n: int) -> list[Nomination]:
    return [
        Nomination(
            contest_id=C,
            nominator=PersonId(f"{candidate}-{i}"),
            candidate=CandidateId(candidate),
            at=AT,
        )
        for i in range(n)
    ]


def register(incumbent_on_ballot: bool) -> dict[str, CandidateStanding]:
    rule = NominationRule(
        bodies=(BodyId("plp"), BodyId("eplp")),
        threshold=Fraction(1, 5),
        snapshot_at=AT,
        incumbent=PersonId("corbyn"),
        incumbent_on_ballot=incumbent_on_ballot,
    )
    rows = nomination_register(
        gate=GATE,
        rule=rule,
        candidates=[
            (CandidateId("corbyn"), "Jeremy Corbyn", False),
            (CandidateId("smith"), "Owen Smith", False),
            (CandidateId("eagle"), "Angela Eagle", True),
            (CandidateId("x"), "Someone", False),
        ],
        nominations=[*nominations("smith", 90), *nominations("eagle", 72), *nominations("x", 50)],
    )
    return {row.candidate: row.standing for row in rows}


def test_the_register_shows_qualified_withdrawn_and_incumbent_standings() -> None:
    standings = register(incumbent_on_ballot=True)
    assert standings == {
        "corbyn": CandidateStanding.INCUMBENT,
        "smith": CandidateStanding.QUALIFIED,
        "eagle": CandidateStanding.WITHDRAWN_QUALIFIED,
        "x": CandidateStanding.NOT_QUALIFIED,
    }
    assert CandidateStanding.WITHDRAWN_QUALIFIED.value == "withdrawn (qualified)"


def test_without_the_incumbent_rule_the_incumbent_needs_nominations() -> None:
    assert register(incumbent_on_ballot=False)["corbyn"] is CandidateStanding.NOT_QUALIFIED


def test_register_rows_export_as_plain_values() -> None:
    rule = NominationRule(bodies=(BodyId("plp"),), threshold=Fraction(1, 5), snapshot_at=AT)
    (row,) = nomination_register(
        gate=GATE,
        rule=rule,
        candidates=[(CandidateId("smith"), "Owen Smith", False)],
        nominations=nominations("smith", 51),
    )
    assert row.as_dict() == {
        "candidate": "smith",
        "name": "Owen Smith",
        "nominations": 51,
        "required": 51,
        "standing": "qualified",
        "on_ballot": True,
    }
