"""Weighted sections (electoral college) and exhaustive ballots of a body.

Published figures used here (sources cited where they are used):

- ALP leadership, October 2013 (australianpolitics.com/2013/10/13/shorten-elected-alp-leader
  and pollbludger.net 2013/10/13): caucus Shorten 55, Albanese 31 (63.95%); members
  Shorten 12,196, Albanese 18,230 (40.08%); each section 50%; Shorten 52.02%, Albanese
  47.98%.
- Conservative MPs' ballots, July 2022 (independent.co.uk, 13 and 14 July 2022;
  inews.co.uk): R1 Sunak 88, Mordaunt 67, Truss 50, Badenoch 40, Tugendhat 37,
  Braverman 32, Zahawi 25, Hunt 18 (floor 30: Zahawi and Hunt out); R2 Sunak 101,
  Mordaunt 83, Truss 64, Badenoch 49, Tugendhat 32, Braverman 27 (Braverman out); R5
  Sunak 137, Truss 113 (111 in one source: README trap 5), Mordaunt 105.
- Conservative MPs' ballots, July 2016 (politicsresources.net/area/uk/leaders/Cons-2016.htm;
  BBC): R1 May 165, Leadsom 66, Gove 48, Crabb 34, Fox 16 (Fox out, Crabb withdrew);
  R2 May 199, Leadsom 84, Gove 46 (Gove out); Leadsom withdrew on 11 July and May was
  declared leader without a members' ballot.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from tellers.domain.college import CollegeMode, CollegeRule, CollegeSection, count_college
from tellers.domain.exhaustive import ExhaustiveRule, after_withdrawals, decide_round
from tellers.domain.statute import percent_text


def pct(x: Fraction, places: int = 2) -> str:
    return percent_text(x.numerator, x.denominator, places)


def test_alp_2013_fifty_fifty_college_elects_shorten_with_52_02_percent() -> None:
    rule = CollegeRule(
        sections=(
            CollegeSection(name="caucus", weight=Fraction(1, 2)),
            CollegeSection(name="members", weight=Fraction(1, 2)),
        ),
        mode=CollegeMode.FIRST_PREFERENCES,
    )
    ballots = {
        "caucus": [(("shorten",), 55), (("albanese",), 31)],
        "members": [(("shorten",), 12_196), (("albanese",), 18_230)],
    }
    result = count_college(rule, ballots, ["shorten", "albanese"])
    assert result.winner == "shorten"
    (only,) = result.rounds
    caucus, members = only.sections
    assert (pct(caucus.shares["shorten"]), pct(caucus.shares["albanese"])) == ("63.95", "36.05")
    assert (pct(members.shares["shorten"]), pct(members.shares["albanese"])) == ("40.08", "59.92")
    assert pct(only.combined["shorten"]) == "52.02"
    assert pct(only.combined["albanese"]) == "47.98"
    # The arithmetic is exact: 1/2 x 55/86 + 1/2 x 12,196/30,426.
    assert only.combined["shorten"] == Fraction(55, 172) + Fraction(12_196, 60_852)
    data = result.as_dict()
    assert data["rounds"][0]["combined"]["shorten"]["percent"] == "52.02"
    assert data["weights"] == {"caucus": "1/2", "members": "1/2"}
    # A candidate can win with fewer votes in all: Albanese had 18,261 to Shorten's 12,251.
    assert 31 + 18_230 > 55 + 12_196


def test_combined_elimination_counts_each_section_and_eliminates_on_the_combined_share() -> None:
    thirds = CollegeRule(
        sections=tuple(
            CollegeSection(name=n, weight=Fraction(1, 3)) for n in ("mps", "members", "unions")
        )
    )
    ballots = {
        "mps": [(("a",), 5), (("b",), 3), (("c", "b"), 2)],
        "members": [(("a",), 40), (("b",), 35), (("c", "b"), 25)],
        "unions": [(("a",), 300), (("b",), 450), (("c", "a"), 250)],
    }
    result = count_college(thirds, ballots, ["a", "b", "c"])
    first, second = result.rounds
    # Round 1: a = (5/10 + 40/100 + 300/1000) / 3 = 2/5; c = (2/10 + 25/100 + 250/1000) / 3.
    assert first.combined["a"] == Fraction(2, 5)
    assert first.combined["c"] == Fraction(7, 30)
    assert first.eliminated == "c"
    # Round 2: c's ballots move on within each section; b has 5/10, 60/100, 450/1000.
    assert second.combined["b"] == (Fraction(5, 10) + Fraction(60, 100) + Fraction(45, 100)) / 3
    assert second.elected == "b"
    for r in result.rounds:
        assert sum(r.combined.values()) == 1


def test_a_college_rule_whose_weights_do_not_sum_to_one_is_refused() -> None:
    bad = CollegeRule(sections=(CollegeSection(name="x", weight=Fraction(1, 3)),))
    with pytest.raises(ValueError, match="sum to 1/3"):
        count_college(bad, {"x": []}, ["a"])


TORY_2022 = ExhaustiveRule(remain=2, first_round_floor=30)


def test_2022_first_ballot_eliminates_everyone_below_the_floor_of_30() -> None:
    r1 = {
        "Sunak": 88,
        "Mordaunt": 67,
        "Truss": 50,
        "Badenoch": 40,
        "Tugendhat": 37,
        "Braverman": 32,
        "Zahawi": 25,
        "Hunt": 18,
    }
    decision = decide_round(TORY_2022, round_number=1, tallies=r1)
    assert decision.eliminated == ("Hunt", "Zahawi")
    assert decision.continuing == (
        "Sunak",
        "Mordaunt",
        "Truss",
        "Badenoch",
        "Tugendhat",
        "Braverman",
    )
    assert not decision.finished
    r2 = {
        "Sunak": 101,
        "Mordaunt": 83,
        "Truss": 64,
        "Badenoch": 49,
        "Tugendhat": 32,
        "Braverman": 27,
    }
    second = decide_round(TORY_2022, round_number=2, tallies=r2)
    assert second.eliminated == ("Braverman",)
    assert "lowest (27)" in second.reason


@pytest.mark.parametrize("truss", [113, 111])
def test_2022_fifth_ballot_sends_sunak_and_truss_to_the_members(truss: int) -> None:
    decision = decide_round(
        TORY_2022, round_number=5, tallies={"Sunak": 137, "Truss": truss, "Mordaunt": 105}
    )
    assert decision.eliminated == ("Mordaunt",)
    assert decision.finished
    assert decision.continuing == ("Sunak", "Truss")
    assert decision.declared is None


def test_2016_withdrawals_leave_may_declared_without_a_members_ballot() -> None:
    rule = ExhaustiveRule(remain=2)
    r1 = {"May": 165, "Leadsom": 66, "Gove": 48, "Crabb": 34, "Fox": 16}
    first = decide_round(rule, round_number=1, tallies=r1, withdrawn=frozenset({"Crabb"}))
    assert set(first.eliminated) == {"Crabb", "Fox"}
    assert first.continuing == ("May", "Leadsom", "Gove")
    second = decide_round(rule, round_number=2, tallies={"May": 199, "Leadsom": 84, "Gove": 46})
    assert second.eliminated == ("Gove",)
    assert second.finished
    assert second.declared is None
    left, declared = after_withdrawals(second.continuing, frozenset({"Leadsom"}))
    assert (left, declared) == (("May",), "May")
    # The same, decided in one step: the ballot eliminates Gove, then Leadsom withdraws.
    at_once = decide_round(
        rule,
        round_number=2,
        tallies={"May": 199, "Leadsom": 84, "Gove": 46},
        withdrawn=frozenset({"Leadsom"}),
    )
    assert at_once.eliminated == ("Gove", "Leadsom")
    assert at_once.declared == "May"


def test_a_tie_for_last_place_eliminates_nobody_and_is_reported() -> None:
    decision = decide_round(
        ExhaustiveRule(remain=2), round_number=3, tallies={"a": 50, "b": 20, "c": 20}
    )
    assert decision.eliminated == ()
    assert decision.tie == ("b", "c")
    assert not decision.finished


def test_the_floor_never_eliminates_below_the_number_that_must_remain() -> None:
    decision = decide_round(
        ExhaustiveRule(remain=2, first_round_floor=30),
        round_number=1,
        tallies={"a": 40, "b": 20, "c": 10},
    )
    assert decision.eliminated == ("c",)
    assert decision.continuing == ("a", "b")
    assert decision.finished


def test_june_2019_floors_of_17_then_33() -> None:
    """Conservative MPs, June 2019 (economicvoice.com, 13 June 2019: 313 votes, floor 17;
    cityam.com, 18 June 2019: 33 needed in the second ballot). R1 Johnson 114, Hunt 43,
    Gove 37, Raab 27, Javid 23, Hancock 20, Stewart 19, Leadsom 11, Harper 10, McVey 9;
    Hancock withdrew after it. R2 Johnson 126, Hunt 46, Gove 41, Stewart 37, Javid 33,
    Raab 30 (Raab out, below 33)."""
    rule = ExhaustiveRule(remain=2, floors=(17, 33))
    r1 = {"Johnson": 114, "Hunt": 43, "Gove": 37, "Raab": 27, "Javid": 23, "Hancock": 20,
          "Stewart": 19, "Leadsom": 11, "Harper": 10, "McVey": 9}  # fmt: skip
    first = decide_round(rule, round_number=1, tallies=r1, withdrawn=frozenset({"Hancock"}))
    assert first.eliminated == ("Harper", "Leadsom", "McVey", "Hancock")
    assert sum(r1.values()) == 313
    r2 = {"Johnson": 126, "Hunt": 46, "Gove": 41, "Stewart": 37, "Javid": 33, "Raab": 30}
    second = decide_round(rule, round_number=2, tallies=r2)
    assert second.eliminated == ("Raab",)  # Javid's 33 meets the floor
    assert "below the floor of 33" in second.reason
    third = decide_round(
        rule,
        round_number=3,
        tallies={"Johnson": 143, "Hunt": 54, "Gove": 51, "Javid": 38, "Stewart": 27},
    )
    assert third.eliminated == ("Stewart",)
    assert rule.floor_for(3) is None
