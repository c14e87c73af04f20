"""The numpy IRV kernel gives exactly the reference IRV count, round by round.

The reference is :func:`tellers.counting.rules.irv.count` with ``engine="reference"``
(RCTab's rules as re-implemented in :mod:`tellers.counting.rctab_engine`). Profiles are
drawn with everything the reference treats specially: blank ranks, overvotes (with and
without the candidates named), candidates repeated at later ranks, ballots with no mark,
many ties (small counts over few candidates), with and without a seed for lots.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tellers.counting.kernels import irv_numpy
from tellers.counting.methods import CountParams
from tellers.counting.profile import Mark, Profile
from tellers.counting.rounds import CountResult
from tellers.errors import CountError
from tellers.formats.results_json import dump_result

NAMES = ("Ash", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Ömer", "alder")


def _reference() -> Callable[[Profile, CountParams], CountResult]:
    try:
        irv: Any = importlib.import_module("tellers.counting.rules.irv")
    except ModuleNotFoundError:
        engine: Any = importlib.import_module("tellers.counting.rctab_engine")

        def by_engine(profile: Profile, params: CountParams) -> CountResult:
            rules = engine.rules_from_options(
                {}, seats=1, seed=params.seed, mode="singleWinnerMajority"
            )
            result: CountResult = engine.tabulate(profile, rules, method="irv")
            return result

        return by_engine

    def by_rule(profile: Profile, params: CountParams) -> CountResult:
        forced = CountParams(
            seats=params.seats, seed=params.seed, options={**params.options, "engine": "reference"}
        )
        result: CountResult = irv.count(profile, forced)
        return result

    return by_rule


def _mark(n: int) -> st.SearchStrategy[Mark]:
    candidate = st.integers(0, n - 1)
    return st.one_of(
        candidate,
        candidate,
        candidate,
        st.none(),
        st.frozensets(candidate, min_size=min(2, n), max_size=3),
        st.just(frozenset()),
    )


@st.composite
def profiles(draw: st.DrawFn) -> Profile:
    n = draw(st.integers(1, len(NAMES)))
    names = draw(st.permutations(NAMES))[:n]
    ballots = draw(
        st.lists(
            st.tuples(st.lists(_mark(n), max_size=n + 2), st.integers(1, 4)),
            max_size=30,
        )
    )
    return Profile.from_ballots(names, ballots)


@st.composite
def plain_profiles(draw: st.DrawFn) -> Profile:
    """Short rankings over 3 to 5 candidates: ties that earlier rounds break are common."""
    n = draw(st.integers(3, 5))
    names = NAMES[:n]
    ranking = st.lists(st.integers(0, n - 1), min_size=1, max_size=2, unique=True)
    ballots = draw(st.lists(st.tuples(ranking, st.integers(1, 3)), min_size=3, max_size=10))
    return Profile.from_ballots(names, ballots)


def _outcome(
    fn: Callable[[Profile, CountParams], CountResult], p: Profile, seed: int | None
) -> CountResult | tuple[type[CountError], str]:
    try:
        return fn(p, CountParams(seed=seed))
    except CountError as err:
        return type(err), str(err)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    profile=st.one_of(profiles(), plain_profiles()),
    seed=st.one_of(st.none(), st.integers(0, 2**31)),
)
def test_kernel_equals_reference_round_by_round(profile: Profile, seed: int | None) -> None:
    assert irv_numpy.is_applicable(profile, {})
    expected = _outcome(_reference(), profile, seed)
    got = _outcome(irv_numpy.count, profile, seed)
    if isinstance(expected, CountResult):
        for tie in expected.tie_breaks:
            event(f"tie-break: {tie.purpose}, {tie.how}")
        assert isinstance(got, CountResult)
        for mine, theirs in zip(got.rounds, expected.rounds, strict=True):
            assert mine == theirs
        assert got == expected
        assert dump_result(got) == dump_result(expected)
    else:
        event("no seed for a lot")
        assert got == expected


def test_kernel_equals_reference_on_a_large_random_profile() -> None:
    rng = np.random.default_rng(7)
    n, ballots = 12, 20_000
    order = np.argsort(rng.random((ballots, n)), axis=1)
    length = rng.integers(0, n + 1, ballots)
    ranks = np.where(np.arange(n)[None, :] < length[:, None], order, -1)
    ranks[rng.random((ballots, n)) < 0.03] = -2
    names = [f"Candidate {i:02d}" for i in range(n)]
    profile = Profile.from_ballots(
        names,
        (
            ([None if c == -1 else frozenset() if c == -2 else int(c) for c in row], 1)
            for row in ranks.tolist()
        ),
    )
    expected = _reference()(profile, CountParams(seed=11))
    got = irv_numpy.count(profile, CountParams(seed=11))
    assert got == expected
    assert dump_result(got) == dump_result(expected)
    # The CSV reader builds profiles rank by rank in memory (Fortran order).
    by_rank = Profile(
        candidates=profile.candidates,
        ranks=np.asfortranarray(profile.ranks),
        counts=profile.counts,
        overvotes=profile.overvotes,
    )
    assert irv_numpy.count(by_rank, CountParams(seed=11)) == expected


@pytest.mark.parametrize(
    ("options", "applicable"),
    [
        ({}, True),
        ({"engine": "auto"}, True),
        ({"engine": "reference"}, False),
        ({"batch_elimination": True}, False),
        ({"overvote_rule": "alwaysSkipToNextRank"}, False),
    ],
)
def test_kernel_applies_only_to_the_default_rules(
    options: dict[str, object], applicable: bool
) -> None:
    profile = Profile.from_rankings(["A", "B"], [["A"], ["B", "A"]])
    assert irv_numpy.is_applicable(profile, options) is applicable


def test_kernel_declines_write_ins_zero_counts_and_one_name_overvotes() -> None:
    with_write_in = Profile.from_ballots(["A", "W"], [([0], 1), ([1], 2)], write_ins=[1])
    zero = Profile.from_ballots(["A", "B"], [([0], 0), ([1], 2)])
    one_name_overvote = Profile(
        candidates=("A", "B"),
        ranks=np.array([[-2], [1]], dtype=np.int32),
        counts=np.array([1, 2], dtype=np.int64),
        overvotes={(0, 0): frozenset({0})},
    )
    assert not irv_numpy.is_applicable(with_write_in, {})
    assert not irv_numpy.is_applicable(zero, {})
    assert not irv_numpy.is_applicable(one_name_overvote, {})
