"""One ballot of an exhaustive ballot: who is eliminated, given that ballot's tallies.

Source: the Conservative Party's procedure for the election of the leader (1922
Committee): Members of Parliament vote in successive secret ballots, one mark each; in
the first ballot every candidate with fewer votes than a floor is eliminated (30 in July
2022), in later ballots the candidate with fewest votes; balloting stops when two
remain, who go to a ballot of the members; a candidate left alone is declared (July
2016). See :mod:`tellers.domain.exhaustive` for the same rule on a contest, with
withdrawals, through the services.

This rule counts **one** ballot: each paper's rank-1 mark (an overvote or a blank rank 1
is invalid, as in :mod:`tellers.counting.rules.plurality`), then decides the round:

- ``round`` (default 1, reported only) and ``floor`` (default none): every candidate
  below this ballot's floor is eliminated, unless that would leave fewer than
  ``remain``; if there is no floor or nobody is below it, the single lowest is
  eliminated. A tie for lowest eliminates nobody: it is reported in
  ``details["tie"]`` (the rules' remedy is a fresh ballot, not a lot).
- ``remain`` (default 2): with ``remain`` or fewer continuing, balloting is over and
  the continuing candidates are the ``winners`` (they go on to the wider ballot).

The result has one :class:`~tellers.counting.rounds.Round` with the tallies and the
eliminated; ``details`` holds ``continuing``, ``finished`` and ``tie``.
"""

from __future__ import annotations

from tellers.counting.methods import CountParams
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult, Round
from tellers.counting.rules.plurality import check_options
from tellers.errors import InvalidCountOptions

__all__ = ["count"]

OPTIONS = ("round", "floor", "remain")


def _int_option(params: CountParams, key: str, default: int | None) -> int | None:
    value = params.options.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"exhaustive-ballot: option {key} must be a whole number, got {value!r}"
        raise InvalidCountOptions(msg)
    return value


def count(profile: Profile, params: CountParams) -> CountResult:
    """Decide one ballot of an exhaustive ballot (see the module docstring).

    Raises:
        InvalidCountOptions: an unknown option, or one that is not a whole number.
    """
    check_options("exhaustive-ballot", params, OPTIONS)
    round_number = _int_option(params, "round", 1) or 1
    floor = _int_option(params, "floor", None)
    remain = _int_option(params, "remain", 2) or 1
    names = list(profile.candidates)
    tallies = dict.fromkeys(names, 0)
    invalid = 0
    for marks, n in profile.ballots():
        first = marks[0] if marks else None
        if isinstance(first, int):
            tallies[names[first]] += n
        else:
            invalid += n
    standing = set(names)
    eliminated: list[str] = []
    tie: list[str] = []
    if len(standing) > remain:
        below: list[str] = []
        if floor is not None:
            below = sorted(c for c in standing if tallies[c] < floor)
            if len(standing) - len(below) < remain:
                below = []
        if below:
            eliminated = below
        else:
            low = min(tallies[c] for c in standing)
            lowest = sorted(c for c in standing if tallies[c] == low)
            if len(lowest) == 1:
                eliminated = lowest
            else:
                tie = lowest
    continuing = sorted(standing - set(eliminated), key=lambda c: (-tallies[c], c))
    finished = len(continuing) <= remain and not tie
    return CountResult(
        method="exhaustive-ballot",
        seats=remain,
        candidates=tuple(names),
        winners=tuple(continuing) if finished else (),
        rounds=(
            Round(
                number=round_number,
                tallies=dict(tallies),
                exhausted=invalid,
                eliminated=tuple(eliminated),
                threshold=floor,
            ),
        ),
        valid=sum(tallies.values()),
        seed=params.seed,
        details={
            "continuing": tuple(continuing),
            "finished": finished,
            "tie": tuple(tie),
            "floor": floor,
            "remain": remain,
        },
    )
