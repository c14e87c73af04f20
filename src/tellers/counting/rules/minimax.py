"""Minimax (Simpson-Kramer): elect the candidate whose worst head-to-head result is best.

Sources: P. B. Simpson, "On defining areal voting", *The Quarterly Journal of Economics*
83(3), 1969, pp. 478-490; G. H. Kramer, "A dynamical model of political equilibrium",
*Journal of Economic Theory* 16(2), 1977, pp. 310-334.

The count: ``d[a, b]`` ballots prefer ``a`` to ``b`` (:mod:`tellers.counting.pairwise`).
Each candidate ``a`` gets a **score**, the largest over opponents ``b`` of the measure
of ``b`` against ``a`` chosen by option ``measure``:

- ``"winning-votes"`` (default): ``d[b, a]`` when ``b`` beats ``a`` (``d[b, a] >
  d[a, b]``), else 0;
- ``"margins"``: ``d[b, a] - d[a, b]`` (negative when ``a`` beats ``b``);
- ``"pairwise-opposition"``: ``d[b, a]`` whether or not ``b`` beats ``a``.

The candidate with the **lowest** score wins. With winning votes or margins a Condorcet
winner always wins (its score is 0, respectively negative, and everyone else's is
positive); with pairwise opposition it need not (that variant is offered because it
alone satisfies the later-no-harm criterion, not as a Condorcet method). Ties for the
seat are broken by lot from the published seed; without a seed such a tie raises
:class:`~tellers.errors.CountError`.

``details``: ``pairwise``, ``condorcet_winner`` (or ``None``), ``smith_set``,
``measure``, ``scores`` and ``worst_opponent`` (the opponent(s) attaining each
candidate's score). The round's tallies are the scores (lower is better).

Single seat only; options: ``measure``.
"""

from __future__ import annotations

from tellers.counting.amounts import Amount
from tellers.counting.methods import CountParams
from tellers.counting.pairwise import pairwise_matrix, pairwise_summary
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult, Round
from tellers.counting.rules.plurality import check_options, check_seats, elect_highest
from tellers.errors import InvalidCountOptions

__all__ = ["MEASURES", "count"]

MEASURES = ("winning-votes", "margins", "pairwise-opposition")


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count by Minimax; see the module docstring.

    Raises:
        InvalidCountOptions: unknown options or measure, or more than one seat.
        CountError: a tie for the seat and no seed.
    """
    check_options("minimax", params, ("measure",))
    check_seats("minimax", params, len(profile.candidates), single=True)
    measure = params.options.get("measure", "winning-votes")
    if measure not in MEASURES:
        msg = f"minimax: measure must be one of {', '.join(MEASURES)}, got {measure!r}"
        raise InvalidCountOptions(msg)
    names = profile.candidates
    n = len(names)
    d = pairwise_matrix(profile)
    v = d.tolist()

    def against(b: int, a: int) -> int:
        if measure == "margins":
            return int(v[b][a] - v[a][b])
        if measure == "pairwise-opposition":
            return int(v[b][a])
        return int(v[b][a]) if v[b][a] > v[a][b] else 0

    scores: dict[str, Amount] = {}
    worst: dict[str, tuple[str, ...]] = {}
    for a in range(n):
        others = [b for b in range(n) if b != a]
        if not others:
            scores[names[a]] = 0
            worst[names[a]] = ()
            continue
        score = max(against(b, a) for b in others)
        scores[names[a]] = score
        worst[names[a]] = tuple(names[b] for b in others if against(b, a) == score)
    winners, tie_breaks = elect_highest(scores, 1, params.seed, lowest_wins=True)
    details: dict[str, object] = dict(pairwise_summary(names, d))
    details["measure"] = measure
    details["scores"] = dict(scores)
    details["worst_opponent"] = worst
    return CountResult(
        method="minimax",
        seats=1,
        candidates=names,
        winners=winners,
        rounds=(
            Round(
                number=1,
                tallies=scores,
                elected=winners,
                note="tallies: each candidate's worst pairwise result (lowest wins)",
            ),
        ),
        valid=profile.total,
        tie_breaks=tie_breaks,
        seed=params.seed,
        details=details,
    )
