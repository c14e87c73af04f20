"""Axioms the Condorcet rules claim, checked on random profiles (hypothesis).

- Condorcet consistency: a candidate who beats every other head to head wins, under
  Schulze, Ranked Pairs, Copeland (all variants) and Minimax (winning votes, margins).
- Smith criterion: the winner is always in the Smith set (Schulze, Ranked Pairs,
  Copeland).
- Anonymity: the order in which ballots are cast changes nothing, lots included.
- Neutrality: renaming/reordering the candidates renames the winner (when no lot).
- The vectorised pairwise matrix equals a direct count over the ballots as cast.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from tellers.counting.methods import CountParams, count
from tellers.counting.pairwise import condorcet_winner, pairwise_matrix, smith_set
from tellers.counting.profile import Mark, Profile

Ballot = tuple[tuple[Mark, ...], int]
NAMES = ("Ada", "Bo", "Cy", "Di", "Ed")

CONSISTENT: list[tuple[str, dict[str, object]]] = [
    ("schulze", {}),
    ("schulze", {"strength": "margins"}),
    ("ranked-pairs", {}),
    ("ranked-pairs", {"strength": "margins"}),
    ("copeland", {}),
    ("copeland", {"variant": "llull"}),
    ("copeland", {"variant": "wins-only"}),
    ("minimax", {}),
    ("minimax", {"measure": "margins"}),
]
SMITH: list[tuple[str, dict[str, object]]] = [
    ("schulze", {}),
    ("ranked-pairs", {}),
    ("copeland", {}),
]


@st.composite
def ballots(draw: st.DrawFn, n: int) -> tuple[Mark, ...]:
    """A ballot as cast: some candidates in order, maybe equal-ranked groups or blanks."""
    chosen = draw(st.permutations(range(n)))
    length = draw(st.integers(0, n))
    marks: list[Mark] = []
    i = 0
    while i < length:
        size = draw(st.integers(1, 2)) if i + 1 < length else 1
        group = chosen[i : i + size]
        marks.append(group[0] if size == 1 else frozenset(group))
        i += size
        if draw(st.integers(0, 9)) == 0:
            marks.append(None)
    return tuple(marks)


@st.composite
def profiles(draw: st.DrawFn, max_candidates: int = 5) -> tuple[tuple[str, ...], list[Ballot]]:
    n = draw(st.integers(2, max_candidates))
    rows = draw(st.lists(st.tuples(ballots(n), st.integers(1, 4)), min_size=1, max_size=12))
    return NAMES[:n], rows


def _direct_pairwise(names: tuple[str, ...], rows: list[Ballot]) -> list[list[int]]:
    n = len(names)
    d = [[0] * n for _ in range(n)]
    for marks, weight in rows:
        level: dict[int, int] = {}
        for r, mark in enumerate(marks):
            cells = [] if mark is None else [mark] if isinstance(mark, int) else sorted(mark)
            for c in cells:
                level.setdefault(c, r)
        for a in range(n):
            for b in range(n):
                la, lb = level.get(a, 10**6), level.get(b, 10**6)
                if la < lb:
                    d[a][b] += weight
    return d


@settings(max_examples=150, deadline=None)
@given(profiles())
def test_pairwise_matrix_equals_a_direct_count_of_the_ballots(
    data: tuple[tuple[str, ...], list[Ballot]],
) -> None:
    names, rows = data
    profile = Profile.from_ballots(names, rows)
    assert pairwise_matrix(profile).tolist() == _direct_pairwise(names, rows)


@settings(max_examples=150, deadline=None)
@given(profiles())
def test_condorcet_winner_wins_under_every_condorcet_method(
    data: tuple[tuple[str, ...], list[Ballot]],
) -> None:
    names, rows = data
    profile = Profile.from_ballots(names, rows)
    winner = condorcet_winner(pairwise_matrix(profile))
    for method, options in CONSISTENT:
        result = count(profile, method, CountParams(seed=11, options=options))
        if winner is not None:
            assert result.winners == (names[winner],), (method, options)
            assert result.tie_breaks == () or method == "ranked-pairs"


@settings(max_examples=150, deadline=None)
@given(profiles())
def test_winner_is_in_the_smith_set(data: tuple[tuple[str, ...], list[Ballot]]) -> None:
    names, rows = data
    profile = Profile.from_ballots(names, rows)
    smith = {names[i] for i in smith_set(pairwise_matrix(profile))}
    for method, options in SMITH:
        result = count(profile, method, CountParams(seed=5, options=options))
        assert result.winners[0] in smith, method


@settings(max_examples=100, deadline=None)
@given(profiles(), st.randoms(use_true_random=False))
def test_the_order_of_ballots_changes_nothing(
    data: tuple[tuple[str, ...], list[Ballot]], shuffler: random.Random
) -> None:
    names, rows = data
    singles = [marks for marks, weight in rows for _ in range(weight)]
    shuffled = list(singles)
    shuffler.shuffle(shuffled)
    one = Profile.from_ballots(names, [(m, 1) for m in singles])
    two = Profile.from_ballots(names, [(m, 1) for m in shuffled])
    for method in ("schulze", "ranked-pairs", "copeland", "minimax"):
        first = count(one, method, CountParams(seed=42))
        second = count(two, method, CountParams(seed=42))
        assert first.winners == second.winners, method
        assert first.details == second.details, method


@settings(max_examples=100, deadline=None)
@given(profiles(), st.randoms(use_true_random=False))
def test_relabelling_candidates_relabels_the_winner(
    data: tuple[tuple[str, ...], list[Ballot]], shuffler: random.Random
) -> None:
    names, rows = data
    n = len(names)
    perm = list(range(n))
    shuffler.shuffle(perm)  # old index i becomes new index perm[i]
    new_names = [""] * n
    for i in range(n):
        new_names[perm[i]] = names[i].upper()

    def move(mark: Mark) -> Mark:
        if mark is None:
            return None
        if isinstance(mark, int):
            return perm[mark]
        return frozenset(perm[c] for c in mark)

    relabelled = [(tuple(move(m) for m in marks), w) for marks, w in rows]
    one = Profile.from_ballots(names, rows)
    two = Profile.from_ballots(tuple(new_names), relabelled)
    for method in ("schulze", "ranked-pairs", "copeland", "minimax"):
        first = count(one, method, CountParams(seed=9))
        if first.tie_breaks:
            continue  # a lot is not neutral by design; it is reproducible instead
        second = count(two, method, CountParams(seed=9))
        assert second.winners == (first.winners[0].upper(),), method
