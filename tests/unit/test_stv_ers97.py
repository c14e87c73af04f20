"""ERS97 STV: worked examples computed by hand from the rules (sections 5.1-5.5)."""

from __future__ import annotations

from decimal import Decimal

from tellers.counting.methods import CountParams, count
from tellers.counting.profile import Profile


def test_quota_is_rounded_up_to_the_next_hundredth_unless_exact() -> None:
    # 5.1.6: 10 / 3 = 3.33 remainder ignored + 0.01 = 3.34; 9 / 3 = 3.00 exactly.
    ten = Profile.from_ballots(["A", "B", "C"], [([0], 5), ([1], 3), ([2], 2)])
    nine = Profile.from_ballots(["A", "B", "C"], [([0], 5), ([1], 2), ([2], 2)])
    assert count(ten, "stv-ers97", CountParams(seats=2)).quota == Decimal("3.34")
    assert count(nine, "stv-ers97", CountParams(seats=2, seed=1)).quota == Decimal("3.00")


def test_surplus_transfer_value_and_non_transferable_difference() -> None:
    # 12 votes, 2 seats, quota 4.00. A's surplus 3.00 over 7 transferable papers:
    # 3 / 7 = 0.42 (5.3.7), B credited 7 x 0.42 = 2.94, difference 0.06 non-transferable
    # (5.3.9). Then D (2) is excluded, then B (2.94 < 3) and C fills the last place.
    p = Profile.from_ballots(["A", "B", "C", "D"], [([0, 1], 7), ([2], 3), ([3], 2)])
    result = count(p, "stv-ers97", CountParams(seats=2))
    (surplus,) = result.rounds[0].transfers
    assert dict(surplus.to) == {"B": Decimal("2.94")}
    assert surplus.exhausted == Decimal("0.06")
    assert result.rounds[1].tallies["B"] == Decimal("2.94")
    assert result.winners == ("A", "C")
    assert result.rounds[-1].exhausted == Decimal("2.06")


def test_equal_votes_for_the_last_place_go_by_the_first_stage_where_they_differed() -> None:
    # 22 votes, 2 seats, quota 7.34. D (8) is elected; its surplus 0.66 is deferred
    # (5.2.2(a): not more than C 5 - A 2) and A is excluded alone (5.2.5(b): A + C + 0.66
    # exceeds B's 7), giving C 7, level with B. D's surplus then goes (non-transferable),
    # the total active vote is 14.00, so 7.00 now elects (5.3.13(b)) - but there is one
    # place for two: by 5.6.2 B, who led C at the first stage (7 to 5), is elected.
    p = Profile.from_ballots(["A", "B", "C", "D"], [([0, 2], 2), ([2], 5), ([1], 7), ([3], 8)])
    result = count(p, "stv-ers97", CountParams(seats=2))
    assert result.quota == Decimal("7.34")
    assert result.rounds[0].eliminated == ("A",)
    assert result.rounds[1].tallies["C"] == result.rounds[1].tallies["B"] == Decimal("7.00")
    assert result.winners == ("D", "B")
    (tie,) = result.tie_breaks
    assert (set(tie.tied), tie.chosen, tie.how) == ({"B", "C"}, "B", "earlier stages")


def test_unknown_options_and_no_seats_are_refused() -> None:
    import pytest

    from tellers.errors import InvalidCountOptions

    p = Profile.from_ballots(["A", "B"], [([0], 1)])
    with pytest.raises(InvalidCountOptions):
        count(p, "stv-ers97", CountParams(seats=1, options={"quota": "hare"}))
    with pytest.raises(InvalidCountOptions):
        count(p, "stv-ers97", CountParams(seats=0))
