"""Motions decided exactly, percentages rounded once, and postal batch gaps."""

from __future__ import annotations

from fractions import Fraction

import pytest

from tellers.domain.contest import MajorityBasis, MotionRule
from tellers.domain.postal import find_gaps
from tellers.domain.result import decide_motion, percent


@pytest.mark.parametrize(
    ("part", "whole", "printed"),
    [
        (216, 229, "94.3"),  # S1 turnout (the press printed 95)
        (172, 212, "81.1"),  # S1 yes of valid
        (172, 216, "79.6"),  # S1 yes of cast
        (251_417, 422_664, "59.5"),  # S4 Corbyn
        (422_871, 553_954, "76.3"),  # S4 turnout
        (506_438 + 1_042, 654_006, "77.6"),  # S5 turnout, spoilt included (not 77.4)
        (13_006, 13_626, "95.4"),  # 2020: 95.4499...% rounded once (the party printed 95.5)
    ],
)
def test_percentages_are_rounded_once_half_up(part: int, whole: int, printed: str) -> None:
    assert percent(part, whole) == printed


def test_percent_of_nothing_is_a_dash() -> None:
    assert percent(0, 0) == "-"


def test_the_plp_motion_is_carried_by_132_as_an_advisory_motion() -> None:
    outcome = decide_motion(
        MotionRule(binding=False), yes=172, no=40, abstained=0, spoilt=4, eligible=229
    )
    assert outcome.carried
    assert outcome.margin == 132
    assert not outcome.binding
    (majority,) = outcome.checks
    assert majority.share == Fraction(172, 212)


def test_an_industrial_action_ballot_fails_the_turnout_threshold() -> None:
    # README S11 (PCS 2018): entitled 142,438, Yes 50,726, No 8,528: 41.6% < 50%.
    rule = MotionRule(turnout_threshold=Fraction(1, 2))
    outcome = decide_motion(rule, yes=50_726, no=8_528, abstained=0, spoilt=0, eligible=142_438)
    assert not outcome.carried
    majority, turnout = outcome.checks
    assert majority.met
    assert not turnout.met
    assert percent(turnout.numerator, turnout.denominator) == "41.6"
    assert percent(50_726, 50_726 + 8_528) == "85.6"


def test_a_tie_is_not_a_majority_but_meets_an_at_least_rule() -> None:
    simple = decide_motion(MotionRule(), yes=10, no=10, abstained=0, spoilt=0, eligible=20)
    at_least = decide_motion(
        MotionRule(at_least=True), yes=10, no=10, abstained=0, spoilt=0, eligible=20
    )
    assert not simple.carried
    assert at_least.carried


def test_a_majority_of_votes_cast_counts_abstentions_and_spoilt_papers() -> None:
    rule = MotionRule(basis=MajorityBasis.VOTES_CAST)
    outcome = decide_motion(rule, yes=10, no=5, abstained=3, spoilt=3, eligible=30)
    assert not outcome.carried  # 10 of 21 returned


def test_gaps_in_a_run_of_paper_numbers_are_flagged() -> None:
    assert find_gaps([1001, 1002, 1005, 1003, 1009]) == ((1004, 1004), (1006, 1008))
    assert find_gaps([]) == ()
