"""Borda count: points by position on each ballot; most points win.

Source: J.-C. de Borda, "Mémoire sur les élections au scrutin", *Histoire de l'Académie
Royale des Sciences*, 1781 (published 1784): with ``n`` candidates, a candidate ranked
``k``-th scores ``n - k`` (first ``n - 1``, last ``0``). The variants offered:

- ``"standard"`` (default): ``n - k`` points for the ``k``-th ranked candidate, where
  ``n`` is the number of candidates standing; **unranked candidates get 0** (so a
  ballot ranking only some candidates gives them the same points as a full ballot
  would);
- ``"dowdall"``: ``1/k`` points for the ``k``-th ranked candidate (the Dowdall system
  used for Nauru's parliament; B. Reilly, "Social Choice in the South Seas: Electoral
  Innovation and the Borda Count in the Pacific Island Countries", *International
  Political Science Review* 23(4), 2002, pp. 355-372), kept exact as fractions;
- ``"modified"``: Emerson's modified Borda count (P. Emerson, *Designing an All-Inclusive
  Democracy*, 2007): a voter who ranks ``m`` candidates gives ``m`` points to the first,
  ``m - 1`` to the second ... ``1`` to the last; unranked get 0 (so ranking more
  candidates gives one's favourite more points).

How a ballot is read from the :class:`~tellers.counting.profile.Profile`: the positions
are the ballot's marks in rank order with blank ranks closed up (``A, -, B`` gives ``B``
the second position). Candidates marked **equal** (an overvote cell) share the positions
they occupy and each scores the **average** of their points (exact fraction): two
candidates equal second in a 4-candidate standard count score ``(2 + 1) / 2``. A
candidate marked again later keeps its first position; the repeat is ignored. An
overvote cell whose candidates are unknown ends the ballot there (later marks score
nothing). A blank ballot is counted as valid but scores nothing, and is reported under
``details["blank"]``.

Amounts are exact (``int`` for standard and modified, ``Fraction`` for Dowdall); ties
for the last seat are broken by lot from the published seed.

Options:
    variant: ``"standard"`` (default), ``"dowdall"`` or ``"modified"``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import numpy.typing as npt

from tellers.counting.amounts import Amount, format_amount
from tellers.counting.methods import CountParams
from tellers.counting.pairwise import preference_levels
from tellers.counting.profile import OVERVOTE, Profile
from tellers.counting.rounds import CountResult, Round
from tellers.counting.rules.plurality import check_options, check_seats, elect_highest
from tellers.errors import InvalidCountOptions

__all__ = ["VARIANTS", "count"]

VARIANTS = ("standard", "dowdall", "modified")


def _levels(profile: Profile) -> npt.NDArray[np.int64]:
    """Each candidate's rank on each distinct ballot (``depth`` = unranked), with the
    ballot cut at its first overvote cell whose candidates are unknown."""
    levels = preference_levels(profile)
    depth = profile.depth
    for row, r in zip(*np.nonzero(profile.ranks == OVERVOTE), strict=True):
        if (int(row), int(r)) not in profile.overvotes:
            cut = levels[row] > r
            levels[row, cut] = depth
    return levels


def _harmonic(k: int) -> Fraction:
    return sum((Fraction(1, i) for i in range(1, k + 1)), Fraction(0))


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count by Borda; see the module docstring.

    Raises:
        InvalidCountOptions: unknown options or variant, or an impossible number of seats.
        CountError: a tie for the last seat and no seed.
    """
    check_options("borda", params, ("variant",))
    check_seats("borda", params, len(profile.candidates), single=False)
    variant = params.options.get("variant", "standard")
    if variant not in VARIANTS:
        msg = f"borda: variant must be one of {', '.join(VARIANTS)}, got {variant!r}"
        raise InvalidCountOptions(msg)
    n = len(profile.candidates)
    depth = profile.depth
    levels = _levels(profile)
    counts = profile.counts.astype(np.int64)
    ranked = levels < depth
    n_ranked = ranked.sum(axis=1)
    blank = int(counts[n_ranked == 0].sum())
    # For each ranked candidate: how many candidates stand strictly before it, and how
    # many share its rank (itself included); it occupies positions before+1..before+tied.
    before = np.zeros_like(levels)
    tied = np.zeros_like(levels)
    step = max(1, (1 << 22) // max(1, n * n))
    for start in range(0, len(profile), step):
        block = levels[start : start + step]
        before[start : start + step] = (block[:, None, :] < block[:, :, None]).sum(axis=2)
        tied[start : start + step] = (block[:, None, :] == block[:, :, None]).sum(axis=2)
    totals: list[Fraction]
    if variant == "dowdall":
        # Average of 1/k over the positions held: (H(before + tied) - H(before)) / tied.
        totals = [Fraction(0)] * n
        for cand in range(n):
            rows = ranked[:, cand]
            keys = np.stack([before[rows, cand], tied[rows, cand]], axis=1)
            if not len(keys):
                continue
            unique, inverse = np.unique(keys, axis=0, return_inverse=True)
            weights = np.zeros(len(unique), dtype=np.int64)
            np.add.at(weights, inverse.reshape(-1), counts[rows])
            for (b, t), w in zip(unique.tolist(), weights.tolist(), strict=True):
                share = (_harmonic(b + t) - _harmonic(b)) / t
                totals[cand] += share * w
    else:
        # Twice the average points, so that every value is a whole number.
        top = 2 * n if variant == "standard" else 2 * n_ranked[:, None] + 2
        twice = np.where(ranked, top - 2 * before - tied - 1, 0).astype(np.int64)
        totals = [Fraction(int(v), 2) for v in (counts @ twice).tolist()]
    tallies: dict[str, Amount] = {
        name: (int(t) if t.denominator == 1 and variant != "dowdall" else t)
        for name, t in zip(profile.candidates, totals, strict=True)
    }
    winners, tie_breaks = elect_highest(tallies, params.seats, params.seed)
    return CountResult(
        method="borda",
        seats=params.seats,
        candidates=profile.candidates,
        winners=winners,
        rounds=(Round(number=1, tallies=tallies, elected=winners),),
        valid=profile.total,
        tie_breaks=tie_breaks,
        seed=params.seed,
        details={
            "variant": variant,
            "blank": blank,
            "points": {name: format_amount(v) for name, v in tallies.items()},
        },
    )
