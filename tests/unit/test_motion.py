"""Motions against published results (see /work/shared/scenarios/README.md, §1.2, §2.1,
§2.3 and scenarios S1, S9, S11) and the statutory TULRCA thresholds."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import pytest

from tellers.counting.methods import CountParams, count
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult
from tellers.errors import CountError, InvalidCountOptions


def _motion(
    yes: int,
    no: int,
    *,
    abstain: int | None = None,
    opts: Mapping[str, object] | None = None,
    **options: object,
) -> CountResult:
    options = {**(opts or {}), **options}
    names = ("Yes", "No") if abstain is None else ("Yes", "No", "Abstain")
    ballots = [([0], yes), ([1], no)] + ([] if abstain is None else [([2], abstain)])
    profile = Profile.from_ballots(names, [(m, n) for m, n in ballots if n])
    return count(profile, "motion", CountParams(options=options))


def _test(result: CountResult, name: str) -> Mapping[str, object]:
    tests = result.details["tests"]
    assert isinstance(tests, tuple)
    (found,) = [t for t in tests if t["test"] == name]
    assert isinstance(found, dict)
    return found


def _share(result: CountResult, key: str) -> Mapping[str, object]:
    shares = result.details["shares"]
    assert isinstance(shares, dict)
    value = shares[key]
    assert isinstance(value, dict)
    return value


def test_plp_2016_no_confidence_motion_is_carried_with_published_figures() -> None:
    # 172 for, 40 against, 4 spoilt; 216 votes out of 229 MPs; 13 did not vote.
    result = _motion(172, 40, eligible=229, spoilt=4)
    assert result.winners == ("Yes",)
    assert result.details["carried"] is True
    assert result.details["margin"] == 132
    assert result.details["voted"] == 216
    assert result.details["did_not_vote"] == 13
    assert _share(result, "turnout") == {
        "fraction": "216/229",
        "decimal": "0.943231",
        "percent": "94.3",
    }
    assert _share(result, "yes_of_valid")["fraction"] == "172/212"
    assert _share(result, "yes_of_valid")["percent"] == "81.1"
    assert _share(result, "yes_of_voted")["fraction"] == "172/216"
    assert _share(result, "yes_of_voted")["percent"] == "79.6"
    majority = _test(result, "majority")
    assert majority["base_number"] == 212
    assert majority["met"] is True


@pytest.mark.parametrize(
    ("yes", "no", "needed", "percent"),
    [
        (200, 117, 159, "63.1"),  # May, 12 Dec 2018: 317 voting, 159 needed to remove
        (211, 148, 180, "58.8"),  # Johnson, 6 Jun 2022: 359 voting, 180 needed to remove
    ],
)
def test_conservative_confidence_votes_are_won_by_the_leader(
    yes: int, no: int, needed: int, percent: str
) -> None:
    result = _motion(yes, no)
    assert result.winners == ("Yes",)
    majority = _test(result, "majority")
    assert majority["required"] == needed
    assert majority["actual"] == yes
    assert no < needed  # the published "needed to remove" is the same majority
    assert _share(result, "yes_of_valid")["percent"] == percent


def test_pcs_2018_industrial_action_ballot_fails_the_50_percent_turnout() -> None:
    # S11: entitled about 142,438; Yes 50,726; No 8,528; turnout 41.6%, 85.6% Yes.
    tua_2016: dict[str, object] = {"eligible": 142438, "turnout_threshold": "1/2"}
    result = _motion(50726, 8528, opts=tua_2016)
    assert result.winners == ("No",)
    turnout = _test(result, "turnout")
    assert turnout["required"] == 71219
    assert turnout["actual"] == 59254
    assert turnout["met"] is False
    assert _test(result, "majority")["met"] is True
    assert _share(result, "turnout")["percent"] == "41.6"
    assert _share(result, "yes_of_valid")["percent"] == "85.6"
    assert result.rounds[0].note == "not carried: turnout not met"
    # The same ballots with the turnout threshold repealed (ERA 2025): a mandate.
    assert _motion(50726, 8528, eligible=142438).winners == ("Yes",)


def test_rcn_2023_important_public_services_ballot_fails_both_thresholds() -> None:
    # S11 variant: entitled about 280,000, returned about 122,000, Yes about 100,000.
    result = _motion(
        100000, 22000, eligible=280000, turnout_threshold="50%", support_threshold="2/5"
    )
    assert result.winners == ("No",)
    assert _test(result, "turnout")["met"] is False
    support = _test(result, "support")
    assert support["required"] == 112000
    assert support["met"] is False
    assert _share(result, "turnout")["percent"] == "43.6"
    assert _share(result, "yes_of_eligible")["percent"] == "35.7"


def test_statutory_thresholds_are_at_least_the_fraction_rounded_up() -> None:
    # "at least 50 per cent" of 101 entitled is 51 voters; "at least 40 per cent" is 41 Yes.
    options: dict[str, object] = {
        "eligible": 101,
        "turnout_threshold": "1/2",
        "support_threshold": "2/5",
    }
    just = _motion(41, 10, opts=options)
    assert just.winners == ("Yes",)
    assert _test(just, "turnout")["required"] == 51
    assert _test(just, "support")["required"] == 41
    assert _motion(40, 10, abstain=1, opts=options).winners == ("No",)  # support 40 < 41
    assert _motion(41, 9, opts=options).winners == ("No",)  # turnout 50 < 51
    # Spoilt papers count toward turnout (TULRCA s. 297A) but not toward shares.
    spoilt = _motion(41, 9, spoilt=1, opts=options)
    assert spoilt.winners == ("Yes",)
    assert _share(spoilt, "yes_of_valid")["fraction"] == "41/50"


def test_an_equality_of_votes_does_not_carry_a_simple_majority_motion() -> None:
    assert _motion(50, 50).winners == ("No",)
    assert _motion(51, 50).winners == ("Yes",)


def test_two_thirds_majority_needs_the_ceiling_of_two_thirds_of_valid_votes() -> None:
    # 100 valid votes: two thirds is 66.67, so 67 Yes are needed.
    assert _test(_motion(67, 33, majority="2/3"), "majority")["required"] == 67
    assert _motion(67, 33, majority="2/3").winners == ("Yes",)
    assert _motion(66, 34, majority="2/3").winners == ("No",)
    assert _motion(66, 34, majority=Fraction(2, 3), rounding="down").winners == ("Yes",)


def test_absolute_majority_is_of_those_eligible_and_abstentions_count_against_it() -> None:
    result = _motion(60, 20, abstain=40, eligible=130, majority="eligible")
    assert _test(result, "majority")["required"] == 66
    assert result.winners == ("No",)
    assert result.details["voted"] == 120
    assert _share(result, "yes_of_valid")["fraction"] == "60/80"


def test_papers_with_several_or_no_marks_are_spoilt() -> None:
    profile = Profile.from_ballots(
        ("Yes", "No"), [([0], 5), ([1], 3), ([frozenset({0, 1})], 2), ([0, 1], 1), ([], 1)]
    )
    result = count(profile, "motion", CountParams(options={"spoilt": 2}))
    assert result.details["spoilt_in_ballots"] == 4
    assert result.details["spoilt"] == 6
    assert result.details["yes"] == 5


@pytest.mark.parametrize(
    "options",
    [
        {"majority": "eligible"},
        {"turnout_threshold": "1/2"},
        {"eligible": 10, "turnout_threshold": 0.5},
        {"eligible": 10, "support_threshold": "3/2"},
        {"eligible": -1},
        {"quorum": 3},
        {"rounding": "nearest"},
    ],
)
def test_options_that_cannot_be_applied_exactly_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(InvalidCountOptions):
        _motion(1, 1, opts=options)


def test_a_profile_that_is_not_yes_no_is_refused() -> None:
    profile = Profile.from_rankings(("Yes", "Maybe"), [["Yes"]])
    with pytest.raises(CountError, match="'Yes' and 'No'"):
        count(profile, "motion")


@pytest.mark.parametrize("value", [["2/3"], "two thirds", "1/0", True])
def test_fractions_that_cannot_be_read_are_refused(value: object) -> None:
    with pytest.raises(InvalidCountOptions, match="majority"):
        _motion(2, 1, majority=value)


def test_a_motion_has_one_outcome() -> None:
    profile = Profile.from_rankings(("Yes", "No"), [["Yes"]])
    with pytest.raises(InvalidCountOptions, match="one outcome"):
        count(profile, "motion", CountParams(seats=2))


def test_a_motion_with_no_valid_votes_reports_undefined_shares_and_fails() -> None:
    profile = Profile.from_ballots(("Yes", "No", "Abstain"), [([2], 4)])
    result = count(profile, "motion")
    assert result.winners == ("No",)
    assert _share(result, "yes_of_valid") == {"fraction": "0/0", "decimal": None, "percent": None}
