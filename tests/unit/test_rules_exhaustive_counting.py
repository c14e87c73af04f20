"""The counting rule for one ballot of an exhaustive ballot (``exhaustive_ballot``).

Published figures: Conservative MPs' ballots of 13-14 July 2022 (independent.co.uk;
inews.co.uk) and 5 July 2016 (politicsresources.net; BBC); see
``test_rules_college_exhaustive.py`` for the full citations.
"""

from __future__ import annotations

import pytest

from tellers.counting.methods import CountParams
from tellers.counting.profile import Profile, ProfileBuilder
from tellers.counting.rules import exhaustive_ballot
from tellers.errors import InvalidCountOptions


def profile(tallies: dict[str, int], invalid: int = 0) -> Profile:
    names = list(tallies)
    builder = ProfileBuilder(names)
    for i, (_, n) in enumerate(tallies.items()):
        builder.add([i], n)
    if invalid:
        builder.add([], invalid)
    return builder.build()


def test_2022_first_ballot_with_a_floor_of_30() -> None:
    r1 = {"Sunak": 88, "Mordaunt": 67, "Truss": 50, "Badenoch": 40, "Tugendhat": 37,
          "Braverman": 32, "Zahawi": 25, "Hunt": 18}  # fmt: skip
    result = exhaustive_ballot.count(
        profile(r1, invalid=1), CountParams(options={"round": 1, "floor": 30, "remain": 2})
    )
    (only,) = result.rounds
    assert only.eliminated == ("Hunt", "Zahawi")
    assert only.tallies == r1
    assert only.exhausted == 1
    assert result.winners == ()
    continuing = result.details["continuing"]
    assert isinstance(continuing, tuple)
    assert continuing[:2] == ("Sunak", "Mordaunt")


def test_2016_second_ballot_leaves_two_for_the_members() -> None:
    result = exhaustive_ballot.count(
        profile({"May": 199, "Leadsom": 84, "Gove": 46}), CountParams(options={"round": 2})
    )
    assert result.rounds[0].eliminated == ("Gove",)
    assert result.winners == ("May", "Leadsom")
    assert result.details["finished"] is True


def test_a_tie_for_last_and_a_floor_that_would_empty_the_field() -> None:
    tied = exhaustive_ballot.count(profile({"a": 5, "b": 2, "c": 2}), CountParams())
    assert tied.rounds[0].eliminated == ()
    assert tied.details["tie"] == ("b", "c")
    guarded = exhaustive_ballot.count(
        profile({"a": 5, "b": 2, "c": 1}), CountParams(options={"floor": 30})
    )
    assert guarded.rounds[0].eliminated == ("c",)


def test_two_candidates_for_two_places_need_no_ballot_decision() -> None:
    result = exhaustive_ballot.count(profile({"a": 1, "b": 3}), CountParams())
    assert result.rounds[0].eliminated == ()
    assert result.winners == ("b", "a")


@pytest.mark.parametrize("options", [{"floor": -1}, {"round": "2"}, {"remain": True}, {"x": 1}])
def test_bad_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(InvalidCountOptions):
        exhaustive_ballot.count(profile({"a": 1, "b": 1}), CountParams(options=options))
