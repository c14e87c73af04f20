"""Block vote (multiple non-transferable vote): N seats, each voter up to N votes.

Source: the multi-member plurality count of the UK local elections rules (e.g. the Local
Elections (Principal Areas) (England and Wales) Rules 2006, Sch. 2): each voter may vote
for as many candidates as there are seats, a paper that votes for **more** candidates
than there are seats is void, and the candidates with most votes fill the seats; the
same count is the usual "block vote" of party and union standing orders and of the
Electoral Reform Society's handbook for multi-seat plurality elections.

How a ballot is read from the :class:`~tellers.counting.profile.Profile`: as for
approval (:mod:`tellers.counting.rules.approval`), every distinct candidate marked
anywhere on the paper gets **one** vote from it, whatever the rank; the order means
nothing and a candidate marked twice gets one vote. A paper marking **more than
``seats``** distinct candidates is an overvote and void (``options["overvote"] =
"void"``, the default), or, with ``options["overvote"] = "first"``, counts for its
first ``seats`` candidates in rank order (some organisations' rules; an overvote cell
that straddles the cut then voids the paper). Fewer marks than seats is fine (a
"plumper"). Blank papers and papers with an unreadable overvote cell are invalid. All
invalid papers are reported in ``exhausted``, ``inactive`` and ``details["invalid"]``.

Ties for the last seat are broken by lot from the published seed.

Options:
    overvote: ``"void"`` (default) or ``"first"``, as above.
"""

from __future__ import annotations

from itertools import accumulate

import numpy as np

from tellers.counting.amounts import Amount
from tellers.counting.methods import CountParams
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult, Round
from tellers.counting.rules.approval import marked_candidates
from tellers.counting.rules.plurality import check_options, check_seats, elect_highest
from tellers.errors import InvalidCountOptions

__all__ = ["count"]


def _first_marks(profile: Profile, row: int, seats: int) -> list[int] | None:
    """The first ``seats`` distinct candidates in rank order, or ``None`` if a cell of
    equal marks straddles the cut. (Rows with an unreadable cell are void already.)"""
    seen: set[int] = set()
    groups: list[list[int]] = []
    for mark in profile.marks(row):
        members = [] if mark is None else [mark] if isinstance(mark, int) else sorted(mark)
        fresh = [c for c in members if c not in seen]
        seen.update(fresh)
        groups.append(fresh)
    totals = list(accumulate(len(g) for g in groups))
    if seats not in totals:
        return None
    cut = totals.index(seats) + 1
    return [c for g in groups[:cut] for c in g]


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count by block vote; see the module docstring.

    Raises:
        InvalidCountOptions: unknown options, a bad ``overvote`` value or an
            impossible number of seats.
        CountError: a tie for the last seat and no seed.
    """
    check_options("block", params, ("overvote",))
    check_seats("block", params, len(profile.candidates), single=False)
    policy = params.options.get("overvote", "void")
    if policy not in ("void", "first"):
        msg = f"block: option overvote must be 'void' or 'first', got {policy!r}"
        raise InvalidCountOptions(msg)
    seats = params.seats
    marked, unreadable = marked_candidates(profile)
    n_marked = marked.sum(axis=1)
    blank = (n_marked == 0) & ~unreadable
    too_many = (n_marked > seats) & ~unreadable
    counts = profile.counts
    if policy == "first":
        for row in np.flatnonzero(too_many).tolist():
            first = _first_marks(profile, row, seats)
            if first is not None:
                marked[row, :] = False
                marked[row, first] = True
                too_many[row] = False
    valid_rows = ~blank & ~unreadable & ~too_many
    votes = counts[valid_rows] @ marked[valid_rows].astype(np.int64)
    tallies: dict[str, Amount] = {name: int(votes[i]) for i, name in enumerate(profile.candidates)}
    winners, tie_breaks = elect_highest(tallies, seats, params.seed)
    invalid: dict[str, Amount] = {
        "blank": int(counts[blank].sum()),
        "overvote": int(counts[too_many].sum()),
        "unreadable": int(counts[unreadable].sum()),
    }
    n_invalid = sum(int(v) for v in invalid.values())
    return CountResult(
        method="block",
        seats=seats,
        candidates=profile.candidates,
        winners=winners,
        rounds=(
            Round(
                number=1,
                tallies=tallies,
                exhausted=n_invalid,
                inactive=invalid,
                elected=winners,
            ),
        ),
        valid=profile.total - n_invalid,
        tie_breaks=tie_breaks,
        seed=params.seed,
        details={"invalid": invalid, "ballots": profile.total, "overvote_rule": policy},
    )
