"""Ranked Pairs: lock majorities from strongest to weakest, skipping any that close a cycle.

Sources: T. N. Tideman, "Independence of clones as a criterion for voting rules",
*Social Choice and Welfare* 4(3), 1987, pp. 185-206 (the rule); T. M. Zavist and
T. N. Tideman, "Complete independence of clones in the ranked pairs rule", *Social
Choice and Welfare* 6(2), 1989, pp. 167-173 (the tie-breaking ranking).

The count:

1. ``d[a, b]``: the ballots preferring ``a`` to ``b`` (:mod:`tellers.counting.pairwise`);
2. every **majority** ``a > b`` (``d[a, b] > d[b, a]``) is ranked by strength, by option
   ``strength``:

   - ``"winning-votes"`` (default): more votes for the majority first; among equal,
     **fewer** votes against first;
   - ``"margins"``: larger ``d[a, b] - d[b, a]`` first (Tideman's 1987 measure);

3. majorities still equal are ordered by the **tie-breaking ranking of the candidates**
   (TBRC), drawn by random ballot from the published seed (Zavist & Tideman 1989;
   :func:`tellers.counting.pairwise.tie_breaking_ranking`): the majority whose winner
   stands higher in the TBRC first, and for the same winner, the one whose loser stands
   lower first. Pairwise **ties** (``d[a, b] = d[b, a]``) come after all majorities, as
   wins for the candidate higher in the TBRC (Zavist & Tideman's completion). A tie
   between majorities needs no lot when every order of them locks the same pairs (when
   locking all of them at once closes no cycle); otherwise, and for pairwise ties that
   decide the winner, a missing seed raises :class:`~tellers.errors.CountError`;
4. each majority in turn is **locked** unless it would close a cycle with those already
   locked; the winner is the candidate over whom no majority is locked.

``details``: ``pairwise``, ``condorcet_winner`` (or ``None``), ``smith_set``,
``strength``, ``pairs`` (every majority in processing order: winner, loser, votes for,
votes against, locked or skipped), ``ranking`` (the order of the locked graph; groups
where it leaves candidates unordered) and ``tie_breaking_ranking`` when one was drawn.
The round's tallies are the number of candidates each is locked above (directly or
through others).

Single seat only; options: ``strength`` (``"winning-votes"`` or ``"margins"``).
"""

from __future__ import annotations

from itertools import groupby

from tellers.counting.amounts import Amount
from tellers.counting.methods import CountParams
from tellers.counting.pairwise import IntMatrix, pairwise_matrix, pairwise_summary
from tellers.counting.pairwise import tie_breaking_ranking as draw_tbrc
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult, Round, TieBreak
from tellers.counting.rules.plurality import check_options, check_seats
from tellers.errors import CountError, InvalidCountOptions

__all__ = ["STRENGTHS", "count"]

STRENGTHS = ("winning-votes", "margins")


def _reaches(locked: list[set[int]], start: int, goal: int) -> bool:
    """Whether ``goal`` is reachable from ``start`` along locked majorities."""
    seen = {start}
    stack = [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in locked[node]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def _acyclic_with(locked: list[set[int]], extra: list[tuple[int, int]]) -> bool:
    """Whether adding all of ``extra`` to the locked graph keeps it acyclic."""
    trial = [set(s) for s in locked]
    for a, b in extra:
        if _reaches(trial, b, a):
            return False
        trial[a].add(b)
    return True


def _closure_counts(locked: list[set[int]]) -> list[int]:
    n = len(locked)
    return [sum(1 for b in range(n) if b != a and _reaches(locked, a, b)) for a in range(n)]


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count by Ranked Pairs; see the module docstring.

    Raises:
        InvalidCountOptions: unknown options, a bad strength, or more than one seat.
        CountError: a tie the seedless count cannot settle.
    """
    check_options("ranked-pairs", params, ("strength",))
    check_seats("ranked-pairs", params, len(profile.candidates), single=True)
    strength = params.options.get("strength", "winning-votes")
    if strength not in STRENGTHS:
        msg = f"ranked-pairs: strength must be one of {', '.join(STRENGTHS)}, got {strength!r}"
        raise InvalidCountOptions(msg)
    names = profile.candidates
    n = len(names)
    d: IntMatrix = pairwise_matrix(profile)
    values = d.tolist()
    details: dict[str, object] = dict(pairwise_summary(names, d))
    tbrc: tuple[int, ...] | None = None

    def need_tbrc(why: str) -> tuple[int, ...]:
        nonlocal tbrc
        if tbrc is None:
            if params.seed is None:
                msg = f"ranked-pairs: {why}, and no seed was given for the tie-breaking ranking"
                raise CountError(msg)
            tbrc = draw_tbrc(profile, params.seed)
            details["tie_breaking_ranking"] = tuple(names[i] for i in tbrc)
        return tbrc

    def key(pair: tuple[int, int]) -> tuple[int, ...]:
        a, b = pair
        if strength == "margins":
            return (-(values[a][b] - values[b][a]),)
        return (-values[a][b], values[b][a])

    majorities = sorted(
        ((a, b) for a in range(n) for b in range(n) if values[a][b] > values[b][a]), key=key
    )
    locked: list[set[int]] = [set() for _ in range(n)]
    log: list[dict[str, object]] = []
    tie_breaks: list[TieBreak] = []
    for _, grouped in groupby(majorities, key=key):
        group = list(grouped)
        if len(group) > 1 and not _acyclic_with(locked, group):
            order = need_tbrc("majorities of equal strength conflict")
            group.sort(key=lambda ab: (order.index(ab[0]), -order.index(ab[1])))
            tie_breaks.append(
                TieBreak(
                    round=1,
                    purpose="order of equal majorities",
                    tied=tuple(f"{names[a]}>{names[b]}" for a, b in group),
                    chosen=f"{names[group[0][0]]}>{names[group[0][1]]}",
                    how="tie-breaking ranking by random ballot (Zavist & Tideman 1989)",
                )
            )
        for a, b in group:
            ok = not _reaches(locked, b, a)
            if ok:
                locked[a].add(b)
            log.append(
                {
                    "winner": names[a],
                    "loser": names[b],
                    "for": values[a][b],
                    "against": values[b][a],
                    "locked": ok,
                }
            )

    def sources() -> list[int]:
        return [c for c in range(n) if not any(c in locked[o] for o in range(n))]

    top = sources()
    if len(top) > 1:
        # Pairwise ties decide it: lock them as wins for the higher in the TBRC.
        order = need_tbrc("pairwise ties leave several candidates unbeaten")
        ties = [
            (a, b) for a in range(n) for b in range(n) if a != b and values[a][b] == values[b][a]
        ]
        ties = [(a, b) for a, b in ties if order.index(a) < order.index(b)]
        ties.sort(key=lambda ab: (order.index(ab[0]), -order.index(ab[1])))
        for a, b in ties:
            ok = not _reaches(locked, b, a)
            if ok:
                locked[a].add(b)
            log.append(
                {
                    "winner": names[a],
                    "loser": names[b],
                    "for": values[a][b],
                    "against": values[b][a],
                    "locked": ok,
                    "tie": True,
                }
            )
        tied = top
        top = sources()
        # Every pair is now locked one way or implied the other: one source remains.
        assert len(top) == 1
        tie_breaks.append(
            TieBreak(
                round=1,
                purpose="election",
                tied=tuple(names[i] for i in tied),
                chosen=names[top[0]],
                how="tie-breaking ranking by random ballot (Zavist & Tideman 1989)",
            )
        )
    winner = names[top[0]]

    ranking: list[tuple[str, ...]] = []
    left = set(range(n))
    while left:
        head = sorted(c for c in left if not any(c in locked[o] for o in left))
        ranking.append(tuple(names[i] for i in head))
        left -= set(head)
    above = _closure_counts(locked)
    details["strength"] = strength
    details["pairs"] = tuple(log)
    details["ranking"] = tuple(ranking)
    tallies: dict[str, Amount] = {names[i]: above[i] for i in range(n)}
    return CountResult(
        method="ranked-pairs",
        seats=1,
        candidates=names,
        winners=(winner,),
        rounds=(
            Round(
                number=1,
                tallies=tallies,
                elected=(winner,),
                note="tallies: candidates each one is locked above",
            ),
        ),
        valid=profile.total,
        tie_breaks=tuple(tie_breaks),
        seed=params.seed,
        details=details,
    )
