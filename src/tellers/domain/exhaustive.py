"""Exhaustive ballots of a body: repeated secret ballots, eliminating until a few remain.

The Conservative Party's procedure (1922 Committee; DESIGN "Exhaustive ballot"): MPs
vote in successive secret ballots, one mark each. In the **first** ballot every
candidate below a floor is eliminated (30 votes in July 2022: Zahawi 25 and Hunt 18
went out; in June 2019 the floors were 17 in the first ballot and 33 in the second,
:attr:`ExhaustiveRule.floors`); where no floor applies, or nobody is below it, the
**lowest** candidate is eliminated; balloting stops when
``remain`` candidates are left (two), and those survivors go to a wider ballot of the
members. A candidate may withdraw between ballots; if only one candidate is left (the
others having withdrawn, as Leadsom did in July 2016), they are **declared without a
ballot**.

:func:`decide_round` decides one ballot from its tallies: who is eliminated and why,
who continues, and whether balloting is over. It never breaks a tie for last place
silently: a tie that decides who is eliminated is reported (``tie``) and the rules'
remedy (a fresh ballot, or a lot) is the officer's next action.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ExhaustiveDecision", "ExhaustiveRule", "after_withdrawals", "decide_round"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExhaustiveRule:
    """The rule of an exhaustive ballot (see module docstring)."""

    remain: int = 2
    """How many candidates go on to the wider ballot."""
    first_round_floor: int | None = None
    """Votes needed in the first ballot to continue (None: only the lowest goes)."""
    floors: tuple[int, ...] = ()
    """Votes needed to continue in each ballot in turn, where the rules set several
    (June 2019: 17 in the first ballot, 33 in the second); overrides
    ``first_round_floor``. Later ballots eliminate the lowest."""

    def floor_for(self, round_number: int) -> int | None:
        """The floor of ballot ``round_number``, if the rules set one."""
        if self.floors:
            return self.floors[round_number - 1] if round_number <= len(self.floors) else None
        return self.first_round_floor if round_number == 1 else None

    def problems(self) -> list[str]:
        """What is wrong with the rule itself."""
        out: list[str] = []
        if self.remain < 1:
            out.append(f"at least one candidate must remain, not {self.remain}")
        floors = [*self.floors, *([self.first_round_floor] if self.first_round_floor else [])]
        if any(f < 0 for f in floors):
            out.append(f"a negative floor: {min(floors)}")
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class ExhaustiveDecision:
    """What one ballot of an exhaustive ballot decided."""

    round: int
    tallies: Mapping[str, int]
    eliminated: tuple[str, ...]
    reason: str
    continuing: tuple[str, ...]
    """Candidates still in, in descending order of votes (ties by name)."""
    finished: bool
    """Whether balloting of the body is over (``remain`` or fewer continue)."""
    declared: str | None = None
    """The one candidate left, declared without a further ballot."""
    tie: tuple[str, ...] = ()
    """Candidates tied for elimination: nothing was eliminated; the rules' remedy applies."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "round": self.round,
            "tallies": dict(self.tallies),
            "eliminated": list(self.eliminated),
            "reason": self.reason,
            "continuing": list(self.continuing),
            "finished": self.finished,
            "declared": self.declared,
            "tie": list(self.tie),
        }


def _ordered(tallies: Mapping[str, int], names: set[str]) -> tuple[str, ...]:
    return tuple(sorted(names, key=lambda c: (-tallies.get(c, 0), c)))


def decide_round(
    rule: ExhaustiveRule,
    *,
    round_number: int,
    tallies: Mapping[str, int],
    withdrawn: frozenset[str] = frozenset(),
) -> ExhaustiveDecision:
    """Decide one ballot of an exhaustive ballot.

    Args:
        rule: the rule.
        round_number: 1 for the first ballot.
        tallies: votes of every candidate on this ballot's paper.
        withdrawn: candidates who withdrew after this ballot's result; the ballot's
            elimination is decided first, then they leave too.

    Raises:
        ValueError: a negative tally or a round number below 1.
    """
    if round_number < 1 or any(v < 0 for v in tallies.values()):
        msg = f"round {round_number} with tallies {dict(tallies)!r}"
        raise ValueError(msg)
    standing = set(tallies)
    eliminated: list[str] = []
    reasons: list[str] = []
    tie: tuple[str, ...] = ()
    if len(standing) > rule.remain:
        below: list[str] = []
        floor = rule.floor_for(round_number)
        if floor is not None:
            below = sorted(c for c in standing if tallies[c] < floor)
            if len(standing) - len(below) < rule.remain:
                below = []
        if below:
            eliminated += below
            standing -= set(below)
            reasons.append(f"below the floor of {floor}: {', '.join(below)}")
        else:
            low = min(tallies[c] for c in standing)
            lowest = sorted(c for c in standing if tallies[c] == low)
            if len(lowest) == 1:
                eliminated += lowest
                standing -= set(lowest)
                reasons.append(f"lowest ({low}): {lowest[0]}")
            else:
                tie = tuple(lowest)
                reasons.append(f"tied for last with {low}: {', '.join(lowest)}; no elimination")
    gone = sorted(c for c in standing if c in withdrawn)
    if gone:
        eliminated += gone
        standing -= set(gone)
        reasons.append(f"withdrew after the ballot: {', '.join(gone)}")
    continuing = _ordered(tallies, standing)
    finished = len(continuing) <= rule.remain and (not tie or len(continuing) <= 1)
    declared = continuing[0] if len(continuing) == 1 else None
    return ExhaustiveDecision(
        round=round_number,
        tallies=dict(tallies),
        eliminated=tuple(eliminated),
        reason="; ".join(reasons) or "no elimination needed",
        continuing=continuing,
        finished=finished,
        declared=declared,
        tie=tie,
    )


def after_withdrawals(
    continuing: tuple[str, ...], withdrawn: frozenset[str]
) -> tuple[tuple[str, ...], str | None]:
    """Who is left after withdrawals, and the candidate declared if only one is."""
    left = tuple(c for c in continuing if c not in withdrawn)
    return left, (left[0] if len(left) == 1 else None)
