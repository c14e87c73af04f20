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
"""Row state: no continuing candidate left on the ballot."""
_EXHAUSTED_OVERVOTE = -2
"""Row state: the ballot reached an overvote."""

_PASS = 0
_STOP = 1
_OVER = 2

IntArray = npt.NDArray[np.int64]


def is_applicable(profile: Profile, options: Mapping[str, object]) -> bool:
    """Whether this engine computes the reference count for ``profile`` and ``options``.

    Args:
        profile: the ballots.
        options: the rule options given to :func:`tellers.counting.rules.irv.count`.

    Returns:
        True when every option has its default value (``engine`` may be ``"auto"``),
        there are no write-ins, and the total is small enough to add exactly.
    """
    for key, value in options.items():
        if key != "engine" or value != "auto":
            return False
    if profile.write_ins or not profile.candidates:
        return False
    if len(profile) and int(profile.counts.min()) < 0:
        return False
    return profile.total < _EXACT_LIMIT


class _Rows:
    """Per distinct row: the rank it counts at and its state (candidate or exhausted)."""

    def __init__(self, profile: Profile) -> None:
        ranks = np.ascontiguousarray(profile.ranks, dtype=np.int32)
        n_rows, depth = ranks.shape
        self.depth = depth
        self.flat = ranks.ravel()
        self.width = depth
        self.counts = profile.counts.astype(np.float64)
        self.pos = np.zeros(n_rows, dtype=np.int64)
        self.state = np.empty(n_rows, dtype=np.int64)
        # action[cell + 2]: what reaching a cell means (pass over, count it, overvote).
        self.action = np.full(len(profile.candidates) + 2, _STOP, dtype=np.int8)
        self.action[SKIP + 2] = _PASS
        self.action[OVERVOTE + 2] = _OVER
        self._advance(np.arange(n_rows, dtype=np.int64))

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
            cells = self.flat[pending * self.width + pos]
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
    """Votes per candidate and the two exhausted piles: ``[c0..c(n-1), end, overvote]``."""
    # States -1 / -2 map to slots n / n + 1.
    slots = np.where(states >= 0, states, n - 1 - states)
    out = np.bincount(slots, weights=weights, minlength=n + 2)
    return np.rint(out).astype(np.int64)


def _loser(
    tied: list[int],
    history: Sequence[IntArray],
    names: Sequence[str],
    lot: Lot | None,
    round_number: int,
) -> tuple[int, TieBreak]:
    """Break a tie for fewest votes: earlier rounds, most recent first, then by lot."""
    remaining = list(tied)
    for earlier in reversed(history[:-1]):
        votes = [int(earlier[c]) for c in remaining]
        low = min(votes)
        remaining = [c for c, v in zip(remaining, votes, strict=True) if v == low]
        if len(remaining) == 1:
            chosen = remaining[0]
            return chosen, TieBreak(
                round=round_number,
                purpose="elimination",
                tied=tuple(names[c] for c in tied),
                chosen=names[chosen],
                how="previous rounds",
            )
    if lot is None:
        listed = ", ".join(names[c] for c in remaining)
        msg = (
            f"irv: round {round_number}: a tie for elimination between {listed} "
            "must be decided by lot, and no seed was given"
        )
        raise CountError(msg)
    name = lot.choose([names[c] for c in remaining], purpose="elimination")
    return names.index(name), TieBreak(
        round=round_number,
        purpose="elimination",
        tied=tuple(names[c] for c in tied),
        chosen=name,
        how=lot.how,
    )


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
    lot = Lot(params.seed) if params.seed is not None else None
    continuing = np.ones(n, dtype=bool)
    tally = _tally(rows.state, rows.counts, n)
    history: list[IntArray] = []
    rounds: list[Round] = []
    tie_breaks: list[TieBreak] = []
    winners: tuple[str, ...] = ()
    valid = profile.total
    number = 0
    while True:
        number += 1
        history.append(tally)
        votes = tally[:n]
        active = int(votes[continuing].sum())
        threshold = active // 2 + 1
        exhausted_end = int(tally[n])
        exhausted_over = int(tally[n + 1])
        cont_idx = np.flatnonzero(continuing)
        tallies = {names[c]: int(votes[c]) for c in cont_idx.tolist()}
        inactive = {"overvotes": exhausted_over, "exhausted choices": exhausted_end}
        best = int(cont_idx[np.argmax(votes[cont_idx])])
        if int(votes[best]) >= threshold or cont_idx.size == 1:
            winners = (names[best],)
            rounds.append(
                Round(
                    number=number,
                    tallies=tallies,
                    exhausted=exhausted_end + exhausted_over,
                    inactive=inactive,
                    elected=winners,
                    threshold=threshold,
                )
            )
            break
        low = int(votes[cont_idx].min())
        tied = [int(c) for c in cont_idx[votes[cont_idx] == low]]
        if len(tied) == 1:
            loser = tied[0]
        else:
            loser, tie = _loser(tied, history, names, lot, number)
            tie_breaks.append(tie)
        continuing[loser] = False
        rows.eliminate(loser)
        moved = rows.move_from(loser)
        moved_tally = _tally(rows.state[moved], rows.counts[moved], n)
        to = {names[c]: int(moved_tally[c]) for c in np.flatnonzero(moved_tally[:n]).tolist()}
        transfer = Transfer(
            source=names[loser],
            reason="eliminated",
            to=to,
            exhausted=int(moved_tally[n] + moved_tally[n + 1]),
        )
        rounds.append(
            Round(
                number=number,
                tallies=tallies,
                exhausted=exhausted_end + exhausted_over,
                inactive=inactive,
                eliminated=(names[loser],),
                threshold=threshold,
                transfers=(transfer,),
            )
        )
        tally = tally.copy()
        tally[loser] = 0
        tally += moved_tally
    return CountResult(
        method="irv",
        seats=1,
        candidates=names,
        winners=winners,
        rounds=tuple(rounds),
        valid=valid,
        tie_breaks=tuple(tie_breaks),
        seed=params.seed,
    )
