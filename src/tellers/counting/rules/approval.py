"""Approval voting: each voter marks any number of candidates; most marks win.

Source: Brams & Fishburn, "Approval Voting", *American Political Science Review* 72(3),
1978, pp. 831-847 (each voter votes for as many candidates as they wish; the candidate
with most votes wins), and, for several seats, the same count electing the ``seats``
candidates with most approvals (as used e.g. by the Mathematical Association of America
and IEEE for their officers).

How a ballot is read from the :class:`~tellers.counting.profile.Profile`: an approval
ballot is written as **its approved candidates in any order**, so every candidate marked
**anywhere** on the ballot (any rank, including every candidate of an overvote cell)
receives one approval; a candidate marked twice still receives one. The order of the
marks means nothing. A ballot with no mark at all is **blank**, and one with a cell the
source recorded as "several marks" without saying which (an overvote cell with no
candidates in the side-table) is **unreadable**; both are invalid, not counted, and
reported in ``exhausted``, ``inactive`` and ``details["invalid"]``.

Ties for the last seat are broken by lot from the published seed (see
:func:`tellers.counting.rules.plurality.elect_highest`).

Options: none.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tellers.counting.amounts import Amount
from tellers.counting.methods import CountParams
from tellers.counting.profile import OVERVOTE, Profile
from tellers.counting.rounds import CountResult, Round
from tellers.counting.rules.plurality import check_options, check_seats, elect_highest

__all__ = ["count", "marked_candidates"]


def marked_candidates(profile: Profile) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Which candidates each distinct ballot marks anywhere.

    Returns:
        ``(marked, unreadable)``: a boolean ``(rows, candidates)`` matrix, and a boolean
        vector of rows holding an overvote cell whose candidates are unknown.
    """
    rows = len(profile)
    n = len(profile.candidates)
    marked = np.zeros((rows, n), dtype=np.bool_)
    unreadable = np.zeros(rows, dtype=np.bool_)
    row_index = np.arange(rows)
    for r in range(profile.depth):
        column = profile.ranks[:, r]
        hit = column >= 0
        marked[row_index[hit], column[hit]] = True
        for row in np.flatnonzero(column == OVERVOTE).tolist():
            cands = profile.overvotes.get((row, r), frozenset())
            if not cands:
                unreadable[row] = True
            for cand in cands:
                marked[row, cand] = True
    return marked, unreadable


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count by approval; see the module docstring.

    Raises:
        InvalidCountOptions: unknown options or an impossible number of seats.
        CountError: a tie for the last seat and no seed.
    """
    check_options("approval", params, ())
    check_seats("approval", params, len(profile.candidates), single=False)
    marked, unreadable = marked_candidates(profile)
    blank = ~marked.any(axis=1) & ~unreadable
    valid_rows = ~blank & ~unreadable
    counts = profile.counts
    approvals = counts[valid_rows] @ marked[valid_rows].astype(np.int64)
    tallies: dict[str, Amount] = {
        name: int(approvals[i]) for i, name in enumerate(profile.candidates)
    }
    winners, tie_breaks = elect_highest(tallies, params.seats, params.seed)
    n_blank = int(counts[blank].sum())
    n_unreadable = int(counts[unreadable].sum())
    invalid: dict[str, Amount] = {"blank": n_blank, "unreadable": n_unreadable}
    return CountResult(
        method="approval",
        seats=params.seats,
        candidates=profile.candidates,
        winners=winners,
        rounds=(
            Round(
                number=1,
                tallies=tallies,
                exhausted=n_blank + n_unreadable,
                inactive=invalid,
                elected=winners,
            ),
        ),
        valid=profile.total - n_blank - n_unreadable,
        tie_breaks=tie_breaks,
        seed=params.seed,
        details={"invalid": invalid, "ballots": profile.total},
    )
