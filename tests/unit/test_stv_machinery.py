"""The shared STV machinery (tellers.counting.stv): arithmetic, ballots, ties, sums."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from tellers.counting.profile import SKIP, Profile
from tellers.counting.stv import (
    Fixed,
    Guarded,
    Rational,
    TieResolver,
    arithmetic_from_options,
    prepare_ballots,
    rows_at,
    sum_by,
    withdrawn_indices,
)
from tellers.errors import CountError, InvalidCountOptions


def test_fixed_point_truncates_or_rounds_up_as_asked() -> None:
    f = Fixed(5)
    third = f.div(f.one, f.from_int(3))
    assert f.to_amount(third) == Decimal("0.33333")
    assert f.to_amount(f.div(f.one, f.from_int(3), up=True)) == Decimal("0.33334")
    assert f.to_amount(f.mul(third, f.from_int(3))) == Decimal("0.99999")
    assert f.to_amount(f.muldiv(f.from_int(2), f.one, f.from_int(3), up=True)) == Decimal("0.66667")
    arr = np.array([third, f.one], dtype=np.int64)
    # 0.33333 x 0.33333 = 0.1111088889: up to 0.11111, down to 0.11110
    assert f.mul_array(arr, third, up=True).tolist() == [11111, 33333]
    assert f.mul_array(arr, third).tolist() == [11110, 33333]


def test_guarded_values_within_half_a_guard_unit_are_equal() -> None:
    g = Guarded(3, 2)  # 3 + 2 places; values 0.005 apart or more differ
    a = g.from_int(1)
    assert g.eq(a, a + 49)
    assert g.lt(a, a + 50)
    assert g.first_max([a, a + 10, a - 10]) == a
    # rounding up is ignored once there are guard digits (Droop's guarded arithmetic)
    assert g.div(g.one, g.from_int(3), up=True) == g.div(g.one, g.from_int(3))
    assert g.to_amount(g.div(g.one, g.from_int(3))) == Decimal("0.33333")


def test_rational_is_exact() -> None:
    r = Rational()
    assert r.muldiv(r.one, r.from_int(2), r.from_int(3)) == Fraction(2, 3)
    assert r.to_amount(r.div(r.one, r.from_int(7))) == Fraction(1, 7)


def test_arithmetic_options() -> None:
    assert isinstance(arithmetic_from_options({}, default="fixed", default_precision=4), Fixed)
    g = arithmetic_from_options({"arithmetic": "guarded"}, default="fixed", default_precision=4)
    assert isinstance(g, Guarded)
    assert (g.significant, g.guard) == (18, 9)
    for bad in ({"arithmetic": "float"}, {"precision": "x"}, {"precision": True}):
        with pytest.raises(InvalidCountOptions):
            arithmetic_from_options(bad, default="fixed", default_precision=4)
    with pytest.raises(InvalidCountOptions):
        Fixed(-1)


def test_withdrawn_candidates_are_struck_from_equal_rankings_too() -> None:
    p = Profile.from_ballots(
        ["A", "B", "C", "D"],
        [
            ([frozenset({1, 3}), 2], 1),  # B withdrawn: {B, D} is just D
            ([frozenset({1}), 0], 1),  # nothing left at rank 1: A moves up
            ([3, 1, frozenset({0, 2})], 2),  # B struck, the equal pair moves up a rank
            ([1], 4),  # only B: not a valid vote once B is withdrawn
        ],
    )
    wd = withdrawn_indices(p, {"withdrawn": ["B"]})
    prep = prepare_ballots(p, wd, equal_ranks=True)
    assert prep.valid == 4
    assert prep.invalid == 4
    rows = {
        tuple(r[r != SKIP].tolist()): int(n) for r, n in zip(prep.ranks, prep.counts, strict=True)
    }
    assert rows == {(3, 2): 1, (0,): 1}
    assert prep.equal == ((((3,), (0, 2)), 2),)
    wigm = prepare_ballots(p, wd, equal_ranks=False)
    rows = {
        tuple(r[r != SKIP].tolist()): int(n) for r, n in zip(wigm.ranks, wigm.counts, strict=True)
    }
    assert rows == {(3, 2): 1, (0,): 1, (3,): 2}
    with pytest.raises(InvalidCountOptions):
        withdrawn_indices(p, {"withdrawn": "B"})


def test_ties_by_published_order_or_lot_are_recorded() -> None:
    names = ["A", "B", "C"]
    ordered = TieResolver(names, {"tie_order": ["C", "A", "B"]}, None)
    assert ordered.lot([0, 1, 2], purpose="elimination", round_number=3) == 2
    assert ordered.records[0].how == "tie order"
    drawn = TieResolver(names, {}, 99)
    again = TieResolver(names, {}, 99)
    first = drawn.lot([0, 1, 2], purpose="elimination", round_number=1)
    assert first == again.lot([0, 1, 2], purpose="elimination", round_number=1)
    with pytest.raises(CountError, match="no seed"):
        TieResolver(names, {}, None).lot([0, 1], purpose="election", round_number=1)
    for bad in ({"tie_order": "ABC"}, {"tie_order": ["A", "B"]}):
        with pytest.raises(InvalidCountOptions):
            TieResolver(names, bad, None)


def test_sums_are_exact_whatever_the_size() -> None:
    keys = np.array([0, 1, 0, 2])
    big = np.array([2**60, 1, 2**60, 5], dtype=np.int64)
    assert sum_by(keys, big, 3, 0) == [2**61, 1, 5]
    objects = np.array([Fraction(1, 3), 1, Fraction(2, 3), 0], dtype=object)
    assert sum_by(keys, objects, 3, Fraction(0)) == [1, 1, 0]
    top = np.array([2, -1, 0, 2], dtype=np.int32)
    assert rows_at(top, [2], 3).tolist() == [0, 3]
    assert rows_at(top, [0, 2], 3).tolist() == [0, 2, 3]
