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

from tellers.counting.amounts import Amount, format_amount
from tellers.counting.methods import CountParams
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult, Round
from tellers.counting.rules.plurality import check_options, check_seats, elect_highest
from tellers.errors import InvalidCountOptions

__all__ = ["VARIANTS", "count"]

VARIANTS = ("standard", "dowdall", "modified")


def _positions(profile: Profile, row: int) -> list[list[int]]:
    """The ballot's ranked groups in order: blanks closed up, repeats dropped."""
    seen: set[int] = set()
    groups: list[list[int]] = []
    for mark in profile.marks(row):
        if mark is None:
            continue
        if isinstance(mark, frozenset) and not mark:
            break  # an overvote whose candidates are unknown: the ballot ends here
        members = [mark] if isinstance(mark, int) else sorted(mark)
        fresh = [c for c in members if c not in seen]
        if not fresh:
            continue
        seen.update(fresh)
        groups.append(fresh)
    return groups


def _points(variant: str, n: int, ranked: int, position: int) -> Fraction:
    """Points for 1-based ``position`` on a ballot ranking ``ranked`` candidates."""
    if variant == "standard":
        return Fraction(n - position)
    if variant == "dowdall":
        return Fraction(1, position)
    return Fraction(ranked - position + 1)


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
    totals = [Fraction(0)] * n
    blank = 0
    counts = profile.counts.tolist()
    for row in range(len(profile)):
        groups = _positions(profile, row)
        if not groups:
            blank += int(counts[row])
            continue
        ranked = sum(len(g) for g in groups)
        position = 1
        for group in groups:
            share = sum(
                (_points(str(variant), n, ranked, position + k) for k in range(len(group))),
                Fraction(0),
            ) / len(group)
            for cand in group:
                totals[cand] += share * int(counts[row])
            position += len(group)
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
