"""Pairwise (head-to-head) counts from a profile, and the facts Condorcet rules build on.

``pairwise_matrix(profile)[i, j]`` is the number of ballots that prefer candidate ``i`` to
candidate ``j``. How a ballot *as cast* (see :mod:`tellers.counting.profile`) expresses a
preference, in the usual convention of Condorcet counts (Schulze 2011, section 2;
Tideman 1987; the Debian constitution, appendix A.6):

- a candidate marked at a better (lower-numbered) rank is preferred to one marked at a
  worse rank; blank ranks in between change nothing (``A, -, B`` is ``A > B``);
- **every ranked candidate is preferred to every unranked one**, and unranked candidates
  are equal to each other (no preference between them);
- **candidates marked at the same rank** (an overvote cell, or a PrefLib ``{a,b}`` group)
  are equal: the ballot expresses no preference between them, and they stand where the
  cell stands against everyone else. An overvote cell whose candidates the source did not
  record contributes nothing;
- a candidate marked at several ranks stands at the best of them.

The matrix is computed over *distinct* ballots with numpy and weighted by their counts,
so the work grows with the number of distinct rankings, not of voters.

This module also holds the shared vocabulary of the Condorcet rules: the Condorcet winner,
the Smith set, and the tie-breaking ranking of the candidates (TBRC) drawn from a seed by
the random-ballot procedure of Zavist & Tideman (1989), also proposed by Schulze (2011) for ties.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from tellers.counting.profile import Profile

__all__ = [
    "IntMatrix",
    "condorcet_winner",
    "matrix_as_dict",
    "pairwise_matrix",
    "pairwise_summary",
    "preference_levels",
    "smith_set",
    "tie_breaking_ranking",
]

IntMatrix = npt.NDArray[np.int64]

_CHUNK_CELLS = 1 << 22
"""Rows are processed in chunks so that the boolean cube stays below ~4M cells."""


def preference_levels(profile: Profile) -> npt.NDArray[np.int64]:
    """The position of each candidate on each distinct ballot (smaller = preferred).

    Returns:
        An ``(distinct ballots, candidates)`` array: the (0-based) rank at which the
        candidate is marked, its best rank if it is marked more than once, and
        ``profile.depth`` (below every rank) when it is unranked.
    """
    rows = len(profile)
    n = len(profile.candidates)
    depth = profile.depth
    levels = np.full((rows, n), depth, dtype=np.int64)
    if rows == 0 or depth == 0:
        return levels
    ranks = profile.ranks
    # Walk the ranks from worst to best so that the best occurrence wins.
    row_index = np.arange(rows)
    for r in range(depth - 1, -1, -1):
        column = ranks[:, r]
        marked = column >= 0  # SKIP and OVERVOTE cells are negative
        levels[row_index[marked], column[marked]] = r
    for (row, r), cands in profile.overvotes.items():
        for cand in cands:
            if levels[row, cand] > r:
                levels[row, cand] = r
    # An overvote cell without a side-table entry marks nobody: nothing to do.
    return levels


def pairwise_matrix(profile: Profile) -> IntMatrix:
    """Count, for each ordered pair of candidates, the ballots preferring the first.

    Args:
        profile: the ballots; see the module docstring for how marks are read.

    Returns:
        An ``int64`` matrix ``d`` with ``d[i, j]`` = ballots preferring ``i`` to ``j``
        (the diagonal is zero).
    """
    n = len(profile.candidates)
    result = np.zeros((n, n), dtype=np.int64)
    if n == 0 or len(profile) == 0:
        return result
    levels = preference_levels(profile)
    counts = profile.counts.astype(np.int64)
    step = max(1, _CHUNK_CELLS // max(1, n * n))
    for start in range(0, len(profile), step):
        block = levels[start : start + step]
        prefers = block[:, :, None] < block[:, None, :]
        result += np.tensordot(counts[start : start + step], prefers.astype(np.int64), axes=1)
    return result


def matrix_as_dict(candidates: Sequence[str], matrix: IntMatrix) -> dict[str, dict[str, int]]:
    """The matrix as ``{row candidate: {column candidate: int}}`` (for ``details``)."""
    values = matrix.tolist()
    return {
        a: {b: int(values[i][j]) for j, b in enumerate(candidates) if j != i}
        for i, a in enumerate(candidates)
    }


def condorcet_winner(matrix: IntMatrix) -> int | None:
    """The candidate who beats every other head to head, if there is one."""
    n = matrix.shape[0]
    for i in range(n):
        if all(matrix[i, j] > matrix[j, i] for j in range(n) if j != i):
            return i
    return None


def smith_set(matrix: IntMatrix) -> frozenset[int]:
    """The smallest non-empty set of candidates each of whom beats everyone outside it.

    Computed as the top strongly connected component of the "beats or ties" relation:
    the candidates from whom every other candidate is reachable by that relation.
    """
    n = matrix.shape[0]
    if n == 0:
        return frozenset()
    at_least = (matrix >= matrix.T).astype(bool)
    reach = at_least.copy()
    np.fill_diagonal(reach, True)
    for k in range(n):
        reach |= reach[:, k : k + 1] & reach[k : k + 1, :]
    return frozenset(i for i in range(n) if bool(reach[i].all()))


def tie_breaking_ranking(
    profile: Profile, seed: int, candidates: Sequence[int] | None = None
) -> tuple[int, ...]:
    """A tie-breaking ranking of the candidates (TBRC) by random ballot, from a seed.

    Zavist & Tideman (1989), "Complete independence of clones in the ranked pairs rule",
    Social Choice and Welfare 6:167-173; Schulze (2011) proposes the same procedure:
    pick a ballot at random and order the candidates as it does; keep picking ballots at
    random, without replacement, and use each to order candidates that are still equal;
    when the ballots run out, order whoever is still equal at random. Equal marks and
    unranked candidates leave candidates equal (see :func:`preference_levels`). Ballots
    are drawn from a canonical order of the distinct ballots (sorted by the preferences
    they express), so the ranking depends only on the seed and on the ballots as a
    multiset: storing or casting them in another order changes nothing.

    Args:
        profile: the ballots.
        seed: the published seed; the same seed always gives the same ranking.
        candidates: restrict to these candidate indices (default: all).

    Returns:
        Candidate indices, first = ranked highest.
    """
    rng = random.Random(seed)
    chosen = list(range(len(profile.candidates))) if candidates is None else list(candidates)
    groups: list[list[int]] = [sorted(chosen)] if chosen else []
    # Put the distinct ballots in a canonical order (by what they say, not by the order
    # they were cast or stored), so the draw depends only on the seed and the ballots.
    raw = preference_levels(profile)
    canonical = sorted(range(len(profile)), key=lambda row: raw[row].tolist())
    levels = raw[canonical] if canonical else raw
    counts = profile.counts.tolist()
    remaining = [int(counts[row]) for row in canonical]
    left = sum(remaining)
    while left > 0 and any(len(g) > 1 for g in groups):
        pick = rng.randrange(left)
        row = 0
        while pick >= remaining[row]:
            pick -= remaining[row]
            row += 1
        remaining[row] -= 1
        left -= 1
        refined: list[list[int]] = []
        for group in groups:
            if len(group) == 1:
                refined.append(group)
                continue
            by_level: dict[int, list[int]] = {}
            for cand in group:
                by_level.setdefault(int(levels[row, cand]), []).append(cand)
            refined.extend(by_level[level] for level in sorted(by_level))
        groups = refined
    ranking: list[int] = []
    for group in groups:
        if len(group) > 1:
            rng.shuffle(group)
        ranking.extend(group)
    return tuple(ranking)


def pairwise_summary(candidates: Sequence[str], matrix: IntMatrix) -> Mapping[str, object]:
    """The pairwise facts every Condorcet rule reports in ``details``.

    Keys: ``pairwise`` (matrix as nested dict), ``condorcet_winner`` (name or ``None``),
    ``smith_set`` (names, in candidate order; when there is no Condorcet winner this is
    the top cycle).
    """
    winner = condorcet_winner(matrix)
    smith = smith_set(matrix)
    return {
        "pairwise": matrix_as_dict(candidates, matrix),
        "condorcet_winner": None if winner is None else candidates[winner],
        "smith_set": tuple(candidates[i] for i in sorted(smith)),
    }
