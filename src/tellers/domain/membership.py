"""Dated memberships: what ties a person to the organisation on a given day.

Four kinds: **member** of the organisation (joined on a date, with a standing), a
**seat** in a body, **affiliated supporter** through an affiliate, and **registered
supporter** (a fee paid at an exact instant). Dates are calendar dates in the
organisation's rulebook sense; fee payments are instants (time-zone aware), because
supporter windows close at a stated time (17:00 on 20 July 2016).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from tellers.domain.ids import AffiliateId, BodyId, MembershipId, PersonId

__all__ = ["Membership", "MembershipKind", "Standing"]


class MembershipKind(Enum):
    """How a person belongs."""

    MEMBER = "member"
    SEAT = "seat"
    AFFILIATED_SUPPORTER = "affiliated supporter"
    REGISTERED_SUPPORTER = "registered supporter"


class Standing(Enum):
    """Whether the membership is in good standing."""

    GOOD = "good"
    """Paid up (or not required to pay)."""
    ARREARS = "arrears"
    LAPSED = "lapsed"
    SUSPENDED = "suspended"


@dataclass(frozen=True, slots=True, kw_only=True)
class Membership:
    """One dated membership of one person.

    Raises:
        ValueError: a seat without a body, an affiliated supporter without an affiliate,
            a registered supporter without a fee instant, a naive fee instant, or an end
            before the start.
    """

    id: MembershipId
    person_id: PersonId
    kind: MembershipKind
    start: date
    end: date | None = None
    """Last day of the membership, or ``None`` while it lasts."""
    standing: Standing = Standing.GOOD
    body_id: BodyId | None = None
    affiliate_id: AffiliateId | None = None
    fee_paid_at: datetime | None = None
    fee_pence: int | None = None

    def __post_init__(self) -> None:
        problem = ""
        if self.end is not None and self.end < self.start:
            problem = f"ends {self.end} before it starts {self.start}"
        elif self.kind is MembershipKind.SEAT and self.body_id is None:
            problem = "a seat needs a body"
        elif self.kind is MembershipKind.AFFILIATED_SUPPORTER and self.affiliate_id is None:
            problem = "an affiliated supporter needs an affiliate"
        elif self.kind is MembershipKind.REGISTERED_SUPPORTER and self.fee_paid_at is None:
            problem = "a registered supporter needs the instant the fee was paid"
        elif self.fee_paid_at is not None and self.fee_paid_at.utcoffset() is None:
            problem = f"fee instant {self.fee_paid_at!r} has no time zone"
        if problem:
            msg = f"membership {self.id} of {self.person_id}: {problem}"
            raise ValueError(msg)

    def is_current_on(self, day: date) -> bool:
        """Whether the membership has started and not ended on ``day``."""
        return self.start <= day and (self.end is None or day <= self.end)
