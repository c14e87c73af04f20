"""Properties of the instant-runoff count (the RCTab engine behind ``irv``).

- Anonymity: the order of the ballots, and how identical ballots are split into rows,
  change nothing.
- Invariance under merging identical ballots: one row per ballot or one row per distinct
  ranking give the same count.
- Neutrality: renaming the candidates renames the result (when no lot is drawn).
- Conservation: in every round, votes of the candidates plus inactive ballots equal the
  ballots cast.
- Majority criterion: a candidate ranked first on more than half of the ballots wins in
  round 1.
- Multi-seat (stv-rctab): votes, inactive ballots and the residual surplus lost to
  truncation add up to the ballots cast in every round.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tellers.counting.methods import CountParams, count
from tellers.counting.profile import OVERVOTE, SKIP, Profile
from tellers.counting.rounds import CountResult
from tellers.counting.rules import stv_rctab

NAMES = ("Ada", "Bo", "Cy", "Di", "Ed")
PARAMS = CountParams(seed=11, options={"engine": "reference"})

Ballot = tuple[int, ...]


@st.composite
def elections(draw: st.DrawFn) -> tuple[int, list[tuple[Ballot, int]]]:
    """A number of candidates and ballots as rank cells (SKIP/OVERVOTE allowed), with counts."""
    n = draw(st.integers(min_value=2, max_value=5))
    cell = st.one_of(
        st.integers(min_value=0, max_value=n - 1),
        st.sampled_from([SKIP, OVERVOTE]),
    )
    ballot = st.lists(cell, min_size=0, max_size=n + 1).map(tuple)
    rows = draw(
        st.lists(st.tuples(ballot, st.integers(min_value=1, max_value=6)), min_size=1, max_size=12)
    )
    return n, rows


def _profile(names: Sequence[str], rows: Sequence[tuple[Ballot, int]]) -> Profile:
    """A profile with exactly these rows (duplicates kept as separate rows)."""
    depth = max((len(b) for b, _ in rows), default=0)
    ranks = np.full((len(rows), depth), SKIP, dtype=np.int32)
    for i, (ballot, _) in enumerate(rows):
        ranks[i, : len(ballot)] = ballot
    counts = np.array([c for _, c in rows], dtype=np.int64)
    return Profile(candidates=tuple(names), ranks=ranks, counts=counts)


def _summary(result: CountResult) -> object:
    return (
        result.winners,
        [
            (
                dict(r.tallies),
                r.elected,
                tuple(sorted(r.eliminated)),
                dict(r.inactive),
                r.threshold,
            )
            for r in result.rounds
        ],
    )


@settings(max_examples=150, deadline=None)
@given(elections(), st.randoms(use_true_random=False))
def test_ballot_order_and_row_splitting_change_nothing(
    election: tuple[int, list[tuple[Ballot, int]]], rnd: random.Random
) -> None:
    n, rows = election
    names = NAMES[:n]
    base = count(_profile(names, rows), "irv", PARAMS)
    split: list[tuple[Ballot, int]] = []
    for ballot, c in rows:
        if c > 1:
            k = rnd.randint(1, c - 1)
            split += [(ballot, k), (ballot, c - k)]
        else:
            split.append((ballot, c))
    rnd.shuffle(split)
    assert _summary(count(_profile(names, split), "irv", PARAMS)) == _summary(base)


@settings(max_examples=150, deadline=None)
@given(elections())
def test_merging_identical_ballots_changes_nothing(
    election: tuple[int, list[tuple[Ballot, int]]],
) -> None:
    n, rows = election
    names = NAMES[:n]
    one_per_ballot = [(ballot, 1) for ballot, c in rows for _ in range(c)]
    merged: dict[Ballot, int] = {}
    for ballot, c in rows:
        merged[ballot] = merged.get(ballot, 0) + c
    expected = _summary(count(_profile(names, one_per_ballot), "irv", PARAMS))
    assert _summary(count(_profile(names, list(merged.items())), "irv", PARAMS)) == expected


@settings(max_examples=150, deadline=None)
@given(elections(), st.permutations(range(5)))
def test_renaming_candidates_renames_the_result(
    election: tuple[int, list[tuple[Ballot, int]]], perm: list[int]
) -> None:
    n, rows = election
    names = NAMES[:n]
    base = count(_profile(names, rows), "irv", PARAMS)
    assume(all("lot" not in t.how for t in base.tie_breaks))
    order = [p for p in perm if p < n]
    renamed = {names[i]: f"X{order[i]}" for i in range(n)}
    new_names = [f"X{i}" for i in range(n)]
    relabel = {i: new_names.index(renamed[names[i]]) for i in range(n)}
    moved = [(tuple(relabel.get(c, c) for c in ballot), k) for ballot, k in rows]
    other = count(_profile(new_names, moved), "irv", PARAMS)
    assume(all("lot" not in t.how for t in other.tie_breaks))
    assert other.winners == tuple(renamed[w] for w in base.winners)
    for a, b in zip(base.rounds, other.rounds, strict=True):
        assert dict(b.tallies) == {renamed[k]: v for k, v in a.tallies.items()}
        assert set(b.eliminated) == {renamed[e] for e in a.eliminated}


@settings(max_examples=200, deadline=None)
@given(elections())
def test_every_round_accounts_for_every_ballot(
    election: tuple[int, list[tuple[Ballot, int]]],
) -> None:
    n, rows = election
    profile = _profile(NAMES[:n], rows)
    result = count(profile, "irv", PARAMS)
    for rnd in result.rounds:
        votes = sum(Fraction(v) for v in rnd.tallies.values())
        inactive = sum(Fraction(v) for v in rnd.inactive.values())
        assert votes + inactive == profile.total


@settings(max_examples=200, deadline=None)
@given(elections())
def test_a_majority_of_first_preferences_wins_in_round_one(
    election: tuple[int, list[tuple[Ballot, int]]],
) -> None:
    n, rows = election
    total = sum(c for _, c in rows)
    firsts: dict[int, int] = {}
    for ballot, c in rows:
        if ballot and ballot[0] >= 0:
            firsts[ballot[0]] = firsts.get(ballot[0], 0) + c
    leader = max(firsts, key=lambda k: firsts[k], default=None)
    assume(leader is not None and 2 * firsts[leader] > total)
    assert leader is not None
    result = count(_profile(NAMES[:n], rows), "irv", PARAMS)
    assert result.winners == (NAMES[leader],)
    assert result.rounds[0].elected == (NAMES[leader],)


@settings(max_examples=150, deadline=None)
@given(elections(), st.integers(min_value=2, max_value=3))
def test_multi_seat_rounds_account_for_every_ballot_and_the_residual(
    election: tuple[int, list[tuple[Ballot, int]]], seats: int
) -> None:
    # RCTab's multi-seat count truncates surplus transfers; what is lost is the
    # residual surplus (Round.loss), so votes + inactive + residual = ballots cast.
    n, rows = election
    assume(n > seats)
    profile = _profile(NAMES[:n], rows)
    result = stv_rctab.count(profile, CountParams(seats=seats, seed=11))
    for rnd in result.rounds:
        votes = sum(Fraction(v) for v in rnd.tallies.values())
        inactive = sum(Fraction(v) for v in rnd.inactive.values())
        assert votes + inactive + Fraction(rnd.loss) == profile.total
