"""WIGM STV variants: worked examples computed by hand from the rule texts."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from tellers.counting.methods import CountParams, count
from tellers.counting.profile import Profile
from tellers.errors import InvalidCountOptions

P = Profile.from_ballots(["A", "B", "C"], [([0, 1], 7), ([2], 3)])


def test_prf_reference_quota_and_four_place_truncation() -> None:
    # A.1: 10/3 = 3.3333 (truncated) + 0.0001 = 3.3334. B.3: 7 papers of weight 1 times
    # surplus 3.6666, truncated, then / 7 = 0.5238 (D.4); B gets 7 x 0.5238 = 3.6666.
    result = count(P, "stv-wigm", CountParams(seats=2, options={"variant": "prf"}))
    assert result.quota == Decimal("3.3334")
    assert result.rounds[1].tallies["B"] == Decimal("3.6666")
    assert result.winners == ("A", "B")


def test_rational_arithmetic_is_exact() -> None:
    result = count(P, "stv-wigm", CountParams(seats=2, options={"arithmetic": "rational"}))
    assert result.quota == Fraction(10, 3)
    assert result.rounds[1].tallies["B"] == Fraction(11, 3)
    assert result.rounds[1].loss == 0


@pytest.mark.parametrize(("quota", "expected"), [("droop", 4), ("hare", Decimal(5))])
def test_quota_variants(quota, expected) -> None:
    opts = {"arithmetic": "fixed", "precision": 4, "quota": quota}
    result = count(P, "stv-wigm", CountParams(seats=2, options=opts))
    assert result.quota == expected


def test_bad_options_are_refused() -> None:
    for opts in ({"variant": "x"}, {"quota": "imperiali"}, {"arithmetic": "float"}, {"x": 1}):
        with pytest.raises(InvalidCountOptions):
            count(P, "stv-wigm", CountParams(seats=2, options=opts))


def test_integer_quota_and_zero_batch_defeat() -> None:
    # Droop's options: integer_quota is floor(10/3) + 1 = 4; defeat_batch=zero defeats
    # every hopeful with no votes at once (here D and E, who nobody ranked).
    p = Profile.from_ballots(["A", "B", "C", "D", "E"], [([0, 1], 7), ([2], 3)])
    opts = {"integer_quota": True, "defeat_batch": "zero", "arithmetic": "rational"}
    result = count(p, "stv-wigm", CountParams(seats=2, seed=5, options=opts))
    assert result.quota == 4
    defeated_together = [r.eliminated for r in result.rounds if len(r.eliminated) == 2]
    assert defeated_together == [("D", "E")]
    with pytest.raises(InvalidCountOptions):
        count(p, "stv-wigm", CountParams(seats=2, options={"defeat_batch": "all"}))
