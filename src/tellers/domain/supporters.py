"""Registered-supporter applications: a paid window, exact to the second, deduplicated.

Labour's 2016 registered-supporter scheme (README 1.4 and S3): applications with a £25
fee between 17:00 on 18 July and 17:00 on 20 July 2016. :func:`decide_application`
decides one application exactly:

- a payment outside the closed window ``[opens, closes]`` is **rejected** and not taken
  (17:00:01 on 20 July is after 17:00:00);
- a fee below the minimum is rejected;
- an application from someone who already holds a registered-supporter membership paid
  inside the same window (a double submission, a page refresh) is a **duplicate**: it
  is recorded, and nobody is charged twice;
- otherwise it is accepted and charged the fee.

The decision names the rule it applied (the window and fee), so it can be recorded with
its rule version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from tellers.domain.electorate import FeeWindow
from tellers.domain.membership import Membership, MembershipKind

__all__ = ["ApplicationDecision", "ApplicationOutcome", "decide_application"]


class ApplicationOutcome(Enum):
    """What became of an application."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate (not charged)"
    OUTSIDE_WINDOW = "rejected: paid outside the window"
    FEE_TOO_LOW = "rejected: fee below the minimum"


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationDecision:
    """The decision on one application, and what was charged."""

    outcome: ApplicationOutcome
    charged_pence: int
    reason: str
    rule: str
    """The window and fee applied, as text."""

    @property
    def is_accepted(self) -> bool:
        """Whether a registered-supporter membership results."""
        return self.outcome is ApplicationOutcome.ACCEPTED


def decide_application(
    *,
    window: FeeWindow,
    min_fee_pence: int,
    paid_at: datetime,
    fee_pence: int,
    existing: Sequence[Membership],
) -> ApplicationDecision:
    """Decide an application (see the module docstring).

    Raises:
        ValueError: a naive payment instant.
    """
    if paid_at.utcoffset() is None:
        msg = f"a payment instant needs a time zone: {paid_at!r}"
        raise ValueError(msg)
    rule = (
        f"fee of at least {min_fee_pence} pence paid from {window.opens.isoformat()} "
        f"to {window.closes.isoformat()} inclusive"
    )
    for m in existing:
        if (
            m.kind is MembershipKind.REGISTERED_SUPPORTER
            and m.fee_paid_at is not None
            and window.contains(m.fee_paid_at)
        ):
            return ApplicationDecision(
                outcome=ApplicationOutcome.DUPLICATE,
                charged_pence=0,
                reason=f"already registered by a payment at {m.fee_paid_at.isoformat()}",
                rule=rule,
            )
    if not window.contains(paid_at):
        side = "before the window opened" if paid_at < window.opens else "after the window closed"
        return ApplicationDecision(
            outcome=ApplicationOutcome.OUTSIDE_WINDOW,
            charged_pence=0,
            reason=f"paid {paid_at.isoformat()}, {side}",
            rule=rule,
        )
    if fee_pence < min_fee_pence:
        return ApplicationDecision(
            outcome=ApplicationOutcome.FEE_TOO_LOW,
            charged_pence=0,
            reason=f"offered {fee_pence} pence",
            rule=rule,
        )
    return ApplicationDecision(
        outcome=ApplicationOutcome.ACCEPTED,
        charged_pence=fee_pence,
        reason=f"paid {paid_at.isoformat()} inside the window",
        rule=rule,
    )
