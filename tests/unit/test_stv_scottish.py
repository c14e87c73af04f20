"""Scottish STV (SSI 2007/42 rules 45-52): worked examples computed by hand from the rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tellers.counting.methods import CountParams, count
from tellers.counting.profile import Profile
from tellers.errors import CountError, InvalidCountOptions


def _profile(candidates, groups) -> Profile:
    return Profile.from_ballots(
        candidates, [([candidates.index(c) for c in ranking], n) for ranking, n in groups]
    )


def test_wikipedia_food_example_elects_chocolate_orange_strawberry() -> None:
    # Wikipedia, "Single transferable vote", example: 20 voters, 3 seats, quota 6.
    p = _profile(
        ["Orange", "Pear", "Chocolate", "Strawberry", "Bonbon"],
        [
            (["Orange"], 4),
            (["Pear", "Orange"], 2),
            (["Chocolate", "Strawberry"], 8),
            (["Chocolate", "Bonbon"], 4),
            (["Strawberry"], 1),
            (["Bonbon"], 1),
        ],
    )
    result = count(p, "stv-scottish", CountParams(seats=3))
    assert result.quota == 6
    assert result.winners == ("Chocolate", "Orange", "Strawberry")
    first = result.rounds[0]
    assert first.elected == ("Chocolate",)
    # rule 48(3): 6 x 1 / 12 = 0.5 a paper; 8 papers to Strawberry, 4 to Bonbon
    (surplus,) = first.transfers
    assert surplus.source == "Chocolate"
    assert dict(surplus.to) == {"Strawberry": Decimal("4.00000"), "Bonbon": Decimal("2.00000")}


def test_transfer_value_is_truncated_to_five_places_and_decides_the_last_seat() -> None:
    # 10 papers, 2 seats: quota 10 // 3 + 1 = 4. A's surplus 3 over 7 papers:
    # 3/7 = 0.428571... truncated to 0.42857, so B gets 7 x 0.42857 = 2.99999 < C's 3.
    p = _profile(["A", "B", "C"], [(["A", "B"], 7), (["C"], 3)])
    result = count(p, "stv-scottish", CountParams(seats=2))
    assert result.quota == 4
    assert result.rounds[1].tallies["B"] == Decimal("2.99999")
    assert result.rounds[1].eliminated == ("B",)
    assert result.winners == ("A", "C")
    assert result.rounds[-1].loss == Decimal("0.00001")


def test_equal_lowest_excluded_by_an_earlier_stage() -> None:
    # Rule 51(2)(a): B and C tie at 3 after stage 1; at stage 1 B had 2, C 3, so B goes.
    p = _profile(["A", "B", "C", "D", "E"],
                 [(["A", "B"], 1), (["B"], 2), (["C"], 3), (["D"], 4), (["E"], 5)])  # fmt: skip
    result = count(p, "stv-scottish", CountParams(seats=2))
    assert [r.eliminated for r in result.rounds[:3]] == [("A",), ("B",), ("C",)]
    (tie,) = result.tie_breaks
    assert (tie.tied, tie.chosen, tie.how) == (("B", "C"), "B", "previous rounds")


def test_a_tie_at_every_stage_needs_a_lot() -> None:
    p = _profile(["A", "B", "C"], [(["A"], 3), (["B"], 2), (["C"], 2)])
    with pytest.raises(CountError, match="by lot"):
        count(p, "stv-scottish", CountParams(seats=1))
    result = count(p, "stv-scottish", CountParams(seats=1, seed=12345))
    (tie,) = result.tie_breaks
    assert tie.how == "lot"
    assert result.seed == 12345
    ordered = count(p, "stv-scottish", CountParams(seats=1, options={"tie_order": ["C", "B", "A"]}))
    assert ordered.tie_breaks[0].chosen == "C"


def test_withdrawn_candidates_are_struck_out_and_their_only_votes_are_not_valid() -> None:
    p = _profile(["A", "B", "C"], [(["B"], 2), (["B", "A"], 3), (["C"], 3), (["A"], 1)])
    result = count(p, "stv-scottish", CountParams(seats=1, options={"withdrawn": ["B"]}))
    assert result.valid == 7
    assert result.rounds[0].tallies == {"A": Decimal("4.00000"), "C": Decimal("3.00000")}
    assert result.winners == ("A",)


def test_unknown_options_are_refused() -> None:
    p = _profile(["A", "B"], [(["A"], 1)])
    with pytest.raises(InvalidCountOptions):
        count(p, "stv-scottish", CountParams(seats=1, options={"quota": "hare"}))
    with pytest.raises(InvalidCountOptions):
        count(p, "stv-scottish", CountParams(seats=1, options={"withdrawn": ["Z"]}))


def test_blank_rank_ends_a_paper_and_repeats_are_ignored() -> None:
    # A's surplus papers: "A A B" (the repeat of A is skipped, so B gets it) and
    # "A, blank, C" (the blank ends the paper, so C gets nothing from it).
    p = Profile.from_ballots(
        ["A", "B", "C", "D"],
        [([0, 0, 1], 4), ([0, None, 2], 4), ([3], 3), ([2], 2), ([1], 2)],
    )
    result = count(p, "stv-scottish", CountParams(seats=2))
    assert result.quota == 6
    (surplus,) = result.rounds[0].transfers
    # surplus 2 over 8 papers: 0.25 each; 4 papers to B, 4 non-transferable
    assert dict(surplus.to) == {"B": Decimal("1.00000")}
    assert surplus.exhausted == Decimal("1.00000")
