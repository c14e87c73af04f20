"""Plurality ("first past the post"): the candidate with most first-preference marks wins.

Source: the simple-plurality count of the UK parliamentary elections rules
(Representation of the People Act 1983, Sch. 1, the declaration of the result: the
candidate to whom the majority (most) of the votes is given is declared elected; an
equality of votes is decided by lot), the rule most party and union standing orders
use for single offices.

How a ballot is read from the :class:`~tellers.counting.profile.Profile`:

- the vote is the mark at **rank 1** only; later ranks (if the paper was a ranked one)
  are ignored;
- a paper with several candidates at rank 1 (an **overvote**) or with nothing at rank 1
  (**blank**, even if later ranks are marked) is **invalid**: it is not counted for
  anyone, and is reported in ``exhausted`` and in ``inactive`` / ``details`` under
  ``"overvote"`` and ``"blank"``. ``valid`` is the number of papers counted.

With ``seats > 1`` each voter still has one vote and the ``seats`` candidates with most
votes are elected (the single non-transferable vote); use ``"block"`` for one vote per
seat.

Ties for the last place are broken by lot drawn from the published seed
(:class:`~tellers.counting.ties.Lot`); without a seed such a tie raises
:class:`~tellers.errors.CountError`. Every lot drawn is recorded as a
:class:`~tellers.counting.rounds.TieBreak`.

Options: none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tellers.counting.amounts import Amount
from tellers.counting.methods import CountParams
from tellers.counting.profile import OVERVOTE, SKIP, Profile
from tellers.counting.rounds import CountResult, Round, TieBreak
from tellers.counting.ties import Lot
from tellers.errors import CountError, InvalidCountOptions

__all__ = ["check_options", "check_seats", "count", "elect_highest"]


def check_options(method: str, params: CountParams, known: Sequence[str]) -> None:
    """Reject options the rule does not know (a misspelt option must not pass silently).

    Raises:
        InvalidCountOptions: an option that is not in ``known``.
    """
    unknown = sorted(set(params.options) - set(known))
    if unknown:
        accepted = ", ".join(known) if known else "none"
        msg = f"{method}: unknown option(s) {unknown}; accepted: {accepted}"
        raise InvalidCountOptions(msg)


def check_seats(method: str, params: CountParams, candidates: int, *, single: bool) -> None:
    """Check the number of seats against the rule and the candidates.

    Raises:
        InvalidCountOptions: seats below 1, above the candidates, or above 1 for a
            single-winner rule.
    """
    if params.seats < 1:
        msg = f"{method}: seats must be at least 1, got {params.seats}"
        raise InvalidCountOptions(msg)
    if single and params.seats != 1:
        msg = f"{method} is a single-winner rule; got seats={params.seats}"
        raise InvalidCountOptions(msg)
    if params.seats > candidates:
        msg = f"{method}: {params.seats} seats but only {candidates} candidates"
        raise InvalidCountOptions(msg)


def elect_highest(
    scores: Mapping[str, Amount],
    seats: int,
    seed: int | None,
    *,
    round_number: int = 1,
    lowest_wins: bool = False,
    purpose: str = "election",
) -> tuple[tuple[str, ...], tuple[TieBreak, ...]]:
    """Elect the ``seats`` candidates with the highest scores (lowest if ``lowest_wins``).

    Candidates tied across the last place are separated by lot from ``seed``, one lot
    per place, each recorded as a :class:`TieBreak`.

    Returns:
        The winners in order of score (lots in the order drawn), and the tie-breaks.

    Raises:
        CountError: a lot is needed and ``seed`` is ``None``.
    """
    sign = -1 if lowest_wins else 1
    levels = sorted({sign * v for v in scores.values()}, reverse=True)
    winners: list[str] = []
    tie_breaks: list[TieBreak] = []
    for level in levels:
        if len(winners) >= seats:
            break
        group = sorted(name for name, v in scores.items() if sign * v == level)
        places = seats - len(winners)
        if len(group) <= places:
            winners.extend(group)
            continue
        if seed is None:
            msg = (
                f"{len(group)} candidates tie for the last {places} place(s) "
                f"({', '.join(group)}) and no seed was given to draw lots"
            )
            raise CountError(msg)
        lot = Lot(seed)  # at most one group straddles the cut, so one Lot per count
        pool = list(group)
        for _ in range(places):
            chosen = lot.choose(pool, purpose=purpose)
            tie_breaks.append(
                TieBreak(
                    round=round_number,
                    purpose=purpose,
                    tied=tuple(pool),
                    chosen=chosen,
                    how=lot.how,
                )
            )
            winners.append(chosen)
            pool.remove(chosen)
    return tuple(winners), tuple(tie_breaks)


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count by plurality (SNTV when ``seats > 1``); see the module docstring.

    Raises:
        InvalidCountOptions: unknown options or an impossible number of seats.
        CountError: a tie for the last seat and no seed.
    """
    check_options("plurality", params, ())
    check_seats("plurality", params, len(profile.candidates), single=False)
    n = len(profile.candidates)
    if profile.depth == 0:
        first = np.full(len(profile), SKIP, dtype=np.int32)
    else:
        first = profile.ranks[:, 0]
    counts = profile.counts
    marked = first >= 0
    votes = np.zeros(n, dtype=np.int64)
    np.add.at(votes, first[marked], counts[marked])
    blank = int(counts[first == SKIP].sum())
    overvote = int(counts[first == OVERVOTE].sum())
    tallies: dict[str, Amount] = {name: int(votes[i]) for i, name in enumerate(profile.candidates)}
    winners, tie_breaks = elect_highest(tallies, params.seats, params.seed)
    invalid = blank + overvote
    inactive: dict[str, Amount] = {"blank": blank, "overvote": overvote}
    return CountResult(
        method="plurality",
        seats=params.seats,
        candidates=profile.candidates,
        winners=winners,
        rounds=(
            Round(
                number=1,
                tallies=tallies,
                exhausted=invalid,
                inactive=inactive,
                elected=winners,
            ),
        ),
        valid=profile.total - invalid,
        tie_breaks=tie_breaks,
        seed=params.seed,
        details={"invalid": {"blank": blank, "overvote": overvote}, "ballots": profile.total},
    )
