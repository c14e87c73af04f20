"""Confidence triggers: confidential letters to a chair that call a confidence vote.

The Conservative Party's rule (1922 Committee; README 2.1 and S9): when letters from
15% of the party's MPs reach the chairman of the 1922 Committee, a secret ballot of all
Conservative MPs is held on confidence in the leader, decided by a simple majority. If
the leader wins, no new vote may be held for 12 months (unless the rules are changed,
as the committee threatened in 2019).

A :class:`TriggerRule` states the body, the share of it (rounded **up** in integers:
15% of 359 is 53.85, so 54 letters), the chair who alone may know who wrote, and the
immunity window. A :class:`TriggerState` lives on the confidence-vote contest while it
is a draft: it holds the body's size **snapshotted** when the trigger was opened and the
letters **sealed** -- each as the keyed hash of its writer's id (the key is kept apart,
like credential keys), so the stored contest does not list who wrote, a repeated letter
is counted once, and a withdrawn letter can be removed. Only the chair's service call
unseals them (:func:`tellers.services.triggers.letter_writers`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from fractions import Fraction

from tellers.domain.gates import Rounding, required_share
from tellers.domain.ids import BodyId, OfficerId

__all__ = ["TriggerRule", "TriggerState", "add_months", "immune_until"]


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months (the 31st becomes the month's last day).

    >>> add_months(date(2022, 6, 6), 12)
    datetime.date(2023, 6, 6)
    >>> add_months(date(2024, 2, 29), 12)
    datetime.date(2025, 2, 28)
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def immune_until(vote_on: date, months: int) -> date:
    """The first day a new trigger may be opened after a vote the leader survived.

    "No new vote is allowed for 12 months": a vote on 6 June 2022 protects the leader up
    to and including 5 June 2023; a trigger may be opened from 6 June 2023.
    """
    return add_months(vote_on, months)


@dataclass(frozen=True, slots=True, kw_only=True)
class TriggerRule:
    """The rule of a confidence trigger (see module docstring)."""

    body: BodyId
    share: Fraction
    chair: OfficerId
    """The only officer who may see who wrote."""
    rounding: Rounding = Rounding.UP
    immunity_months: int = 12
    rule_set: str = ""
    """The organisation's rule set whose version in force gives ``immunity_months``."""

    def problems(self) -> list[str]:
        """What is wrong with the rule itself."""
        out: list[str] = []
        if not 0 < self.share <= 1:
            out.append(f"trigger share {self.share} is not in (0, 1]")
        if self.immunity_months < 0:
            out.append(f"immunity of {self.immunity_months} months")
        if not self.chair:
            out.append("the trigger needs a chair to receive the letters")
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class TriggerState:
    """The trigger of one confidence vote: snapshot, sealed letters, and when reached."""

    rule: TriggerRule
    denominator: int
    """The body's size when the trigger was opened."""
    snapshot_at: datetime
    letters: tuple[str, ...] = ()
    """Sealed letters (keyed hashes of writers' ids), sorted, each once."""
    reached_at: datetime | None = None
    """When the letters first reached the threshold: the vote is then called."""

    @property
    def required(self) -> int:
        """Letters needed: ``share x denominator``, rounded as the rule says."""
        return required_share(self.rule.share, self.denominator, self.rule.rounding)

    @property
    def received(self) -> int:
        """Letters held now."""
        return len(self.letters)

    @property
    def is_reached(self) -> bool:
        """Whether the vote has been called."""
        return self.reached_at is not None

    def with_letter(self, sealed: str, at: datetime) -> TriggerState:
        """The state after a letter arrives (a repeated letter changes nothing)."""
        if sealed in self.letters:
            return self
        letters = tuple(sorted((*self.letters, sealed)))
        reached = self.reached_at
        if reached is None and len(letters) >= self.required:
            reached = at
        return replace(self, letters=letters, reached_at=reached)

    def without_letter(self, sealed: str) -> TriggerState:
        """The state after a letter is withdrawn (before the vote is called)."""
        return replace(self, letters=tuple(x for x in self.letters if x != sealed))
