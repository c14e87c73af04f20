"""Copeland (and Llull): score one per head-to-head win, a stated share per tie.

Sources: A. H. Copeland, "A 'reasonable' social welfare function", University of
Michigan Seminar on Applications of Mathematics to the Social Sciences, 1951 (rank by
wins minus losses, equivalently wins + ties/2); Ramon Llull, *Artifitium electionis
personarum* (before 1283) and *De arte eleccionis* (1299), in G. Hägele and
F. Pukelsheim, "Llull's writings on electoral systems", *Studia Lulliana* 41, 2001,
pp. 3-38 (every pairwise contest won or tied scores a full point).

The count: ``d[a, b]`` ballots prefer ``a`` to ``b`` (:mod:`tellers.counting.pairwise`);
each candidate scores 1 for every ``b`` with ``d[a, b] > d[b, a]`` and the tie score for
every ``b`` with ``d[a, b] = d[b, a]``; the highest score wins. By option ``variant``:

- ``"copeland"`` (default): a tie scores ``1/2``;
- ``"llull"``: a tie scores ``1``;
- ``"wins-only"``: a tie scores ``0``.

Scores are exact (``Fraction`` where a half appears). A Condorcet winner always has the
top score alone. Copeland scores tie often in cycles: ties for the seat are broken by
lot from the published seed (:func:`tellers.counting.rules.plurality.elect_highest`),
and without a seed such a tie raises :class:`~tellers.errors.CountError`.

``details``: ``pairwise``, ``condorcet_winner`` (or ``None``), ``smith_set``,
``variant``, ``tie_score``, and ``record`` (each candidate's wins, ties and losses). The
round's tallies are the Copeland scores.

Single seat only; options: ``variant``.
"""

from __future__ import annotations

from fractions import Fraction

from tellers.counting.amounts import Amount
from tellers.counting.methods import CountParams
from tellers.counting.pairwise import pairwise_matrix, pairwise_summary
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult, Round
from tellers.counting.rules.plurality import check_options, check_seats, elect_highest
from tellers.errors import InvalidCountOptions

__all__ = ["TIE_SCORES", "count"]

TIE_SCORES = {"copeland": Fraction(1, 2), "llull": Fraction(1), "wins-only": Fraction(0)}


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count by Copeland's rule; see the module docstring.

    Raises:
        InvalidCountOptions: unknown options or variant, or more than one seat.
        CountError: a tie for the seat and no seed.
    """
    check_options("copeland", params, ("variant",))
    check_seats("copeland", params, len(profile.candidates), single=True)
    variant = params.options.get("variant", "copeland")
    if variant not in TIE_SCORES:
        msg = f"copeland: variant must be one of {', '.join(TIE_SCORES)}, got {variant!r}"
        raise InvalidCountOptions(msg)
    tie_score = TIE_SCORES[str(variant)]
    names = profile.candidates
    n = len(names)
    d = pairwise_matrix(profile)
    values = d.tolist()
    record: dict[str, dict[str, int]] = {}
    tallies: dict[str, Amount] = {}
    for a in range(n):
        wins = sum(1 for b in range(n) if b != a and values[a][b] > values[b][a])
        ties = sum(1 for b in range(n) if b != a and values[a][b] == values[b][a])
        losses = n - 1 - wins - ties
        record[names[a]] = {"wins": wins, "ties": ties, "losses": losses}
        score = wins + tie_score * ties
        tallies[names[a]] = int(score) if score.denominator == 1 else score
    winners, tie_breaks = elect_highest(tallies, 1, params.seed)
    details: dict[str, object] = dict(pairwise_summary(names, d))
    details["variant"] = variant
    details["tie_score"] = str(tie_score)
    details["record"] = record
    return CountResult(
        method="copeland",
        seats=1,
        candidates=names,
        winners=winners,
        rounds=(Round(number=1, tallies=tallies, elected=winners, note="tallies: scores"),),
        valid=profile.total,
        tie_breaks=tie_breaks,
        seed=params.seed,
        details=details,
    )
