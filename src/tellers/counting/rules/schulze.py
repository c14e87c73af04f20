"""The Schulze method: the winner is unbeaten by strongest (widest) paths.

Source: M. Schulze, "A new monotonic, clone-independent, reversal symmetric, and
Condorcet-consistent single-winner election method", *Social Choice and Welfare* 36(2),
2011, pp. 267-303. Also the method of the Debian constitution, appendix A.6 (the
Schulze method) since 2003.

The count, as in Schulze (2011), section 2 and its implementation notes:

1. ``d[a, b]``: the ballots preferring ``a`` to ``b`` (:mod:`tellers.counting.pairwise`
   says how equal ranks and unranked candidates are read);
2. a **link** ``a -> b`` exists when ``d[a, b] > d[b, a]``; its strength is, by option
   ``strength``:

   - ``"winning-votes"`` (default, Schulze's ``>_win`` relation on defeats): the pair
     ``(d[a, b], d[b, a])``, stronger when it has more winning votes, and among equal
     winning votes when it has **fewer** opposing votes;
   - ``"margins"``: ``d[a, b] - d[b, a]``;

3. ``p[a, b]``: the strength of the strongest path from ``a`` to ``b``, where a path is
   as strong as its weakest link (widest paths, computed Floyd-Warshall style over the
   candidates; 0 when there is no path);
4. ``a`` beats ``b`` in the Schulze relation when ``p[a, b] > p[b, a]``; this relation is
   transitive (proved in Schulze 2011), and the **potential winners** are those nobody
   beats.

With one potential winner, it wins. Several potential winners are separated by the
**tie-breaking ranking of the candidates** (TBRC), drawn by random ballot from the
published seed (Schulze 2011, on tie-breaking;
:func:`tellers.counting.pairwise.tie_breaking_ranking`): the potential winner ranked
highest in the TBRC wins. (Schulze goes on to a
tie-breaking ranking of *links* to keep full clone independence in tied cases; that
refinement is not implemented, so in a tie this rule agrees with Schulze's winner
whenever the TBRC's highest potential winner is also his.) Without a seed such a tie
raises :class:`~tellers.errors.CountError`.

``details``: ``pairwise`` (``d``), ``condorcet_winner`` (or ``None``), ``smith_set``,
``strength``, ``strongest_paths`` (``p`` as winning votes, or margins),
``strongest_path_opposition`` (for winning votes: the opposing votes of each path's
weakest link), ``beats`` (the Schulze relation), ``potential_winners``, ``ranking``
(groups of candidates the Schulze relation cannot separate, best first) and
``tie_breaking_ranking`` when one was drawn. The round's tallies are the number of
other candidates each candidate beats in the Schulze relation.

Single seat only; options: ``strength`` (``"winning-votes"`` or ``"margins"``).
"""

from __future__ import annotations

import numpy as np

from tellers.counting.amounts import Amount
from tellers.counting.methods import CountParams
from tellers.counting.pairwise import (
    IntMatrix,
    pairwise_matrix,
    pairwise_summary,
    tie_breaking_ranking,
)
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult, Round, TieBreak
from tellers.counting.rules.plurality import check_options, check_seats
from tellers.errors import CountError, InvalidCountOptions

__all__ = ["STRENGTHS", "count", "strongest_paths"]

STRENGTHS = ("winning-votes", "margins")


def _links(d: IntMatrix, strength: str, total: int) -> IntMatrix:
    """Link strengths as one integer per link (0 = no link), order-preserving."""
    wins = d > d.T
    if strength == "margins":
        return np.where(wins, d - d.T, 0).astype(np.int64)
    # (winning, opposing) lexicographic, fewer opposing votes stronger: encode exactly.
    base = np.int64(total + 1)
    return np.where(wins, d * base + (np.int64(total) - d.T), 0).astype(np.int64)


def strongest_paths(links: IntMatrix) -> IntMatrix:
    """Widest-path strengths: ``p[a, b]`` = max over paths of the weakest link."""
    p = links.copy()
    n = p.shape[0]
    for k in range(n):
        via = np.minimum(p[:, k : k + 1], p[k : k + 1, :])
        np.maximum(p, via, out=p)
    np.fill_diagonal(p, 0)
    return p


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count by the Schulze method; see the module docstring.

    Raises:
        InvalidCountOptions: unknown options, a bad strength, or more than one seat.
        CountError: several potential winners and no seed.
    """
    check_options("schulze", params, ("strength",))
    check_seats("schulze", params, len(profile.candidates), single=True)
    strength = params.options.get("strength", "winning-votes")
    if strength not in STRENGTHS:
        msg = f"schulze: strength must be one of {', '.join(STRENGTHS)}, got {strength!r}"
        raise InvalidCountOptions(msg)
    names = profile.candidates
    n = len(names)
    total = profile.total
    d = pairwise_matrix(profile)
    p = strongest_paths(_links(d, str(strength), total))
    beats: list[list[bool]] = (p > p.T).tolist()
    potential = [i for i in range(n) if not any(beats[j][i] for j in range(n))]

    # Groups the Schulze relation cannot separate, best first.
    ranking: list[tuple[str, ...]] = []
    left = set(range(n))
    while left:
        top = sorted(i for i in left if not any(beats[j][i] for j in left))
        ranking.append(tuple(names[i] for i in top))
        left -= set(top)

    details: dict[str, object] = dict(pairwise_summary(names, d))
    tie_breaks: tuple[TieBreak, ...] = ()
    if len(potential) == 1:
        winner = names[potential[0]]
    else:
        if params.seed is None:
            tied = ", ".join(names[i] for i in potential)
            msg = f"schulze: potential winners {tied} are tied and no seed was given"
            raise CountError(msg)
        tbrc = tie_breaking_ranking(profile, params.seed)
        details["tie_breaking_ranking"] = tuple(names[i] for i in tbrc)
        winner = names[min(potential, key=tbrc.index)]
        tie_breaks = (
            TieBreak(
                round=1,
                purpose="election",
                tied=tuple(names[i] for i in potential),
                chosen=winner,
                how="tie-breaking ranking by random ballot (Schulze 2011)",
            ),
        )

    values = p.tolist()
    if strength == "margins":
        paths = {
            a: {b: int(values[i][j]) for j, b in enumerate(names) if j != i}
            for i, a in enumerate(names)
        }
        details["strongest_paths"] = paths
    else:
        base = total + 1
        details["strongest_paths"] = {
            a: {b: int(values[i][j]) // base for j, b in enumerate(names) if j != i}
            for i, a in enumerate(names)
        }
        details["strongest_path_opposition"] = {
            a: {
                b: (total - int(values[i][j]) % base if values[i][j] else 0)
                for j, b in enumerate(names)
                if j != i
            }
            for i, a in enumerate(names)
        }
    details["strength"] = strength
    details["beats"] = {
        names[i]: tuple(names[j] for j in range(n) if beats[i][j]) for i in range(n)
    }
    details["potential_winners"] = tuple(names[i] for i in potential)
    details["ranking"] = tuple(ranking)
    tallies: dict[str, Amount] = {names[i]: sum(beats[i]) for i in range(n)}
    return CountResult(
        method="schulze",
        seats=1,
        candidates=names,
        winners=(winner,),
        rounds=(
            Round(
                number=1,
                tallies=tallies,
                elected=(winner,),
                note="tallies: candidates each one beats by strongest paths",
            ),
        ),
        valid=total,
        tie_breaks=tie_breaks,
        seed=params.seed,
        details=details,
    )
