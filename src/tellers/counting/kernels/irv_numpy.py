"""A numpy engine for tellers' default instant-runoff count (single seat).

It computes exactly what :mod:`tellers.counting.rules.irv` computes with its default
options, round by round, transfer by transfer and tie-break by tie-break; the rule
module calls it in its ``"auto"`` engine mode whenever :func:`is_applicable` says so,
and ``tests/property/test_irv_kernel_equivalence.py`` checks the two agree.

Source of the rule: the reference module's docstring (RCTab's single-winner majority
count, RCTab v1.3 "Tabulator.java", with ``overvoteRule = exhaustImmediately``,
``maxSkippedRanksAllowed = unlimited``, ``exhaustOnDuplicateCandidate = false``, no
batch elimination, ``tiebreakMode = previousRoundCountsThenRandom``). In short:

- a ballot counts for its highest-ranked continuing candidate; blank ranks and
  candidates already eliminated (including a candidate repeated at a later rank) are
  passed over; reaching an overvote exhausts the ballot at once;
- each round the threshold is ``floor(continuing votes / 2) + 1``; a candidate at or
  above it is elected; otherwise the candidate with fewest votes is eliminated, one a
  round; a tie for fewest is broken by the most recent earlier round in which the tied
  candidates' votes differ (the lowest there loses), then by lot from the published seed.

How it is fast: the profile is already merged into distinct rows with counts, so the
engine keeps one pointer per distinct row (the rank it currently counts for). Round 1
is one ``bincount`` over the rows weighted by their counts; after an elimination only
the rows that counted for the eliminated candidate move on, and their pointers advance
together, column by column, until each reaches a continuing candidate, an overvote or
the end of the ballot. Tallies are then updated by the moved rows alone, which is also
the transfer record. Vote totals are integers; ``bincount`` adds its weights in
``float64``, which is exact because :func:`is_applicable` requires fewer than 2**53
ballots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from tellers.counting.methods import CountParams
from tellers.counting.profile import OVERVOTE, SKIP, Profile
from tellers.counting.rounds import CountResult, Round, TieBreak, Transfer
from tellers.counting.ties import Lot
from tellers.errors import CountError

__all__ = ["is_applicable", "count"]

_EXACT_LIMIT = 2**53
"""Ballot totals below this are added exactly in float64 by ``np.bincount``."""

_EXHAUSTED_END = -1
"""Row state: no continuing candidate left on the ballot (RCTab's "exhaustedChoices")."""
_EXHAUSTED_OVERVOTE = -2
"""Row state: the ballot reached an overvote ("overvotes")."""
_UNDERVOTE = -3
"""Row state: the ballot has no mark at all ("undervotes")."""

_INACTIVE = (
    ("exhaustedChoices", _EXHAUSTED_END),
    ("overvotes", _EXHAUSTED_OVERVOTE),
    ("repeatedRankings", None),
    ("skippedRankings", None),
    ("finalRoundSurplus", None),
    ("undervotes", _UNDERVOTE),
)
"""The reference's inactive categories, in its order; ``None``: never used by default."""

_PASS = 0
_STOP = 1
_OVER = 2

_ARRIVAL_LIMIT = 2**62
"""Arrival numbers are renumbered densely before they could overflow."""

IntArray = npt.NDArray[np.int64]


def is_applicable(profile: Profile, options: Mapping[str, object]) -> bool:
    """Whether this engine computes the reference count for ``profile`` and ``options``.

    Args:
        profile: the ballots.
        options: the rule options given to :func:`tellers.counting.rules.irv.count`.

    Returns:
        True when no option is given but ``engine`` (``"auto"`` or ``"numpy"``), there
        are candidates and no write-ins, no overvote cell names a single candidate (the
        profile builder never makes one), every row's count is positive, and the total
        is small enough to add exactly. The caller also checks that one seat is asked.
    """
    for key, value in options.items():
        if key != "engine" or value not in ("auto", "numpy"):
            return False
    if profile.write_ins or not profile.candidates:
        return False
    if any(len(marked) == 1 for marked in profile.overvotes.values()):
        return False  # a one-name "overvote" is a plain mark to the reference
    if len(profile) and int(profile.counts.min()) < 1:
        return False
    return profile.total < _EXACT_LIMIT


class _Rows:
    """Per distinct row: the rank it counts at and its state (candidate or exhausted)."""

    def __init__(self, profile: Profile) -> None:
        ranks = profile.ranks.astype(np.int32, copy=False)
        n_rows, depth = ranks.shape
        self.depth = depth
        if ranks.flags.f_contiguous and not ranks.flags.c_contiguous:
            # Rank by rank (as tellers' CSV reader builds it): read it in place.
            self.flat = ranks.T.ravel()
            self.row_step, self.rank_step = 1, n_rows
        else:
            self.flat = np.ascontiguousarray(ranks).ravel()
            self.row_step, self.rank_step = depth, 1
        self.counts = profile.counts.astype(np.float64)
        self.pos = np.zeros(n_rows, dtype=np.int64)
        self.state = np.empty(n_rows, dtype=np.int64)
        # action[cell + 2]: what reaching a cell means (pass over, count it, overvote).
        self.action = np.full(len(profile.candidates) + 2, _STOP, dtype=np.int8)
        self.action[SKIP + 2] = _PASS
        self.action[OVERVOTE + 2] = _OVER
        self._advance(np.arange(n_rows, dtype=np.int64))
        # Before any elimination only a ballot with no mark at all reads to its end.
        self.state[self.state == _EXHAUSTED_END] = _UNDERVOTE

    def eliminate(self, candidate: int) -> None:
        self.action[candidate + 2] = _PASS

    def _advance(self, rows: IntArray) -> None:
        """Move each row in ``rows`` from its pointer to the next cell that decides it."""
        pending = rows
        pos = self.pos[pending]
        while pending.size:
            end = pos >= self.depth
            if end.any():
                self.state[pending[end]] = _EXHAUSTED_END
                self.pos[pending[end]] = self.depth
                keep = ~end
                pending = pending[keep]
                pos = pos[keep]
            cells = self.flat[pending * self.row_step + pos * self.rank_step]
            act = self.action[cells + 2]
            stop = act == _STOP
            if stop.any():
                self.state[pending[stop]] = cells[stop]
                self.pos[pending[stop]] = pos[stop]
            over = act == _OVER
            if over.any():
                self.state[pending[over]] = _EXHAUSTED_OVERVOTE
                self.pos[pending[over]] = pos[over]
            go = act == _PASS
            pos = pos[go] + 1
            pending = pending[go]

    def move_from(self, candidate: int) -> IntArray:
        """Advance the rows counting for ``candidate``; return them."""
        rows = np.flatnonzero(self.state == candidate).astype(np.int64)
        self.pos[rows] += 1
        self._advance(rows)
        return rows


def _tally(states: IntArray, weights: npt.NDArray[np.float64], n: int) -> IntArray:
    """Votes per candidate, then the inactive piles: ``[c0..c(n-1), end, overvote, none]``."""
    # States -1 / -2 / -3 map to slots n / n + 1 / n + 2.
    slots = np.where(states >= 0, states, n - 1 - states)
    out = np.bincount(slots, weights=weights, minlength=n + 3)
    return np.rint(out).astype(np.int64)


def _java_sorted(names: Sequence[str]) -> list[str]:
    """Names in Java's ``String`` order (UTF-16 code units), as the reference sorts them."""
    return sorted(names, key=lambda s: s.encode("utf-16-be"))


class _Ties:
    """The reference's default tie-break: earlier rounds, then a lot from the seed."""

    def __init__(self, seed: int | None) -> None:
        self.lot = Lot(seed) if seed is not None else None
        self.records: list[TieBreak] = []

    def choose(
        self,
        tied: Sequence[str],
        *,
        winner: bool,
        round_number: int,
        history: Sequence[Mapping[str, int]],
    ) -> str:
        ordered = _java_sorted(tied)
        contention = ordered
        chosen: str | None = None
        how = "previous rounds"
        for earlier in range(round_number - 1, 0, -1):
            tallies = history[earlier - 1]
            votes = [tallies[c] for c in contention]
            target = max(votes) if winner else min(votes)
            contention = [c for c, v in zip(contention, votes, strict=True) if v == target]
            if len(contention) == 1:
                chosen = contention[0]
                break
        if chosen is None:
            if self.lot is None:
                msg = (
                    f"a tie between {', '.join(sorted(contention))} in round {round_number} "
                    "must be broken by lot, and lots need a published seed (give --seed)"
                )
                raise CountError(msg)
            purpose = "election" if winner else "elimination"
            chosen = self.lot.choose(contention, purpose=purpose)
            how = "previous rounds, then lot"
        self.records.append(
            TieBreak(
                round=round_number,
                purpose="election" if winner else "elimination",
                tied=tuple(ordered),
                chosen=chosen,
                how=how,
            )
        )
        return chosen


def _recipients(
    states: IntArray, arrival: IntArray, moved_tally: IntArray, names: Sequence[str]
) -> dict[str, int]:
    """The transfer's recipients and votes, in order of their first arriving ballot."""
    n = len(names)
    reached = states >= 0
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, states[reached], arrival[reached])
    got = np.flatnonzero(moved_tally[:n])
    order = got[np.argsort(first[got], kind="stable")]
    return {names[c]: int(moved_tally[c]) for c in order.tolist()}


def _inactive(tally: IntArray, n: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, state in _INACTIVE:
        out[key] = 0 if state is None else int(tally[n - 1 - state])
    return out


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count ``profile`` by tellers' default IRV (see the module docstring).

    Args:
        profile: distinct ballots with counts; must satisfy :func:`is_applicable`.
        params: seats (must be 1) and the published seed for lots.

    Returns:
        The count, round by round, identical to the reference engine's.

    Raises:
        CountError: a tie that only a lot can break and no seed.
    """
    names = profile.candidates
    n = len(names)
    rows = _Rows(profile)
    ties = _Ties(params.seed)
    continuing = np.ones(n, dtype=bool)
    tally = _tally(rows.state, rows.counts, n)
    # The reference keeps each candidate's ballots in the order they reached it; a
    # transfer lists its recipients in the order of the first ballot to reach each.
    arrival = np.arange(len(profile), dtype=np.int64)
    next_arrival = len(profile)
    history: list[dict[str, int]] = []
    rounds: list[Round] = []
    eliminated_order: list[str] = []
    winners: tuple[str, ...] = ()
    number = 0
    while not winners:
        number += 1
        votes = tally[:n]
        cont_idx = np.flatnonzero(continuing)
        active = int(votes[cont_idx].sum())
        threshold = active // 2 + 1
        tallies = {names[c]: int(votes[c]) for c in cont_idx.tolist()}
        history.append(tallies)
        inactive = _inactive(tally, n)
        exhausted = sum(inactive.values())
        cont_votes = votes[cont_idx]
        top = int(cont_votes.max())
        elected: list[int] = []
        if cont_idx.size <= 1:
            elected = [int(c) for c in cont_idx]
        elif top >= threshold:
            elected = [int(c) for c in cont_idx[cont_votes >= threshold]]
        elif cont_idx.size == 2:
            leaders = [int(c) for c in cont_idx[cont_votes == top]]
            if len(leaders) > 1:
                chosen = ties.choose(
                    [names[c] for c in leaders],
                    winner=True,
                    round_number=number,
                    history=history,
                )
                leaders = [names.index(chosen)]
            elected = leaders
        if elected:
            winners = tuple(names[c] for c in elected)
            rounds.append(
                Round(
                    number=number,
                    tallies=tallies,
                    exhausted=exhausted,
                    inactive=inactive,
                    elected=winners,
                    threshold=threshold,
                )
            )
            break
        low = int(cont_votes.min())
        lowest = [int(c) for c in cont_idx[cont_votes == low]]
        if len(lowest) == 1:
            loser = lowest[0]
        else:
            chosen = ties.choose(
                [names[c] for c in lowest], winner=False, round_number=number, history=history
            )
            loser = names.index(chosen)
        eliminated_order.append(names[loser])
        continuing[loser] = False
        rows.eliminate(loser)
        moved = rows.move_from(loser)
        moved_tally = _tally(rows.state[moved], rows.counts[moved], n)
        to = _recipients(rows.state[moved], arrival[moved], moved_tally, names)
        # The moved ballots reach their new candidates after every earlier arrival,
        # in the order they had: shift their arrival numbers past all others.
        if moved.size:
            old = arrival[moved]
            low = int(old.min())
            arrival[moved] = old + (next_arrival - low)
            next_arrival = int(arrival[moved].max()) + 1
            if next_arrival > _ARRIVAL_LIMIT:
                arrival = np.argsort(np.argsort(arrival, kind="stable")).astype(np.int64)
                next_arrival = int(arrival.max()) + 1
        transfer = Transfer(
            source=names[loser],
            reason="eliminated",
            to=to,
            exhausted=int(moved_tally[n:].sum()),
            loss=0,
        )
        rounds.append(
            Round(
                number=number,
                tallies=tallies,
                exhausted=exhausted,
                inactive=inactive,
                eliminated=(names[loser],),
                threshold=threshold,
                transfers=(transfer,),
            )
        )
        tally = tally.copy()
        tally[loser] = 0
        tally += moved_tally
    total = profile.total
    undervotes = int(tally[n + 2])
    details: dict[str, object] = {
        "rctab_mode": "singleWinnerMajority",
        "number_of_winners": 1,
        "num_candidates": n,
        "total_ballots": total,
        "undervotes": undervotes,
        "uses_surpluses": False,
        "excluded": (),
        "eliminated_order": tuple(eliminated_order),
    }
    return CountResult(
        method="irv",
        seats=1,
        candidates=names,
        winners=winners,
        rounds=tuple(rounds),
        valid=total,
        quota=rounds[-1].threshold,
        tie_breaks=tuple(ties.records),
        seed=params.seed,
        details=details,
    )
