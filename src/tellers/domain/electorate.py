"""Electorate rules: who may vote, in which section, and why.

An :class:`ElectorateRule` is an ordered tuple of :class:`Section` predicates with a
version (the rulebook or ruling it implements). **One person, one vote**: a person
admitted by several sections votes once, in the *first* section (in the rule's order)
that admits them; this precedence is :data:`PRECEDENCE`. Every decision, admitted or
not, is an :class:`EligibilityDecision` naming the section and rule version that made it,
and the reasons each earlier section refused.

A section admits a person when one of their memberships:

- is of the section's kind (and, for seats, in one of its bodies; for affiliated
  supporters, through one of its affiliates, if the section names any);
- started on or before ``joined_on_or_before`` (the freeze date), if given;
- is current on ``current_on`` (e.g. the day the roll is frozen), if given;
- has a standing in ``standings``;
- for registered supporters, had its fee paid inside ``fee_window`` -- a closed interval
  of exact instants, so a payment at 17:00:01 after a 17:00:00 close is refused -- and
  of at least ``min_fee_pence``, if given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from tellers.domain.ballot import Channel
from tellers.domain.ids import AffiliateId, BodyId, PersonId, SectionName
from tellers.domain.membership import Membership, MembershipKind, Standing

__all__ = [
    "PRECEDENCE",
    "EligibilityDecision",
    "ElectorateRule",
    "FeeWindow",
    "Section",
]

PRECEDENCE = "one person, one vote: in the first section, in the rule's order, that admits them"


def _a(noun: str) -> str:
    """``noun`` with its indefinite article ("a member", "an affiliated supporter")."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeWindow:
    """A closed interval of instants ``[opens, closes]`` in which a fee counts."""

    opens: datetime
    closes: datetime

    def __post_init__(self) -> None:
        if self.opens.utcoffset() is None or self.closes.utcoffset() is None:
            msg = f"a fee window needs time-zone-aware instants: {self.opens!r}, {self.closes!r}"
            raise ValueError(msg)

    def contains(self, instant: datetime) -> bool:
        """Whether ``instant`` is inside the window (both ends included)."""
        return self.opens <= instant <= self.closes


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    """One section of an electorate: a predicate over memberships (see module docstring)."""

    name: SectionName
    kind: MembershipKind
    joined_on_or_before: date | None = None
    current_on: date | None = None
    standings: frozenset[Standing] = frozenset({Standing.GOOD})
    body_ids: frozenset[BodyId] = frozenset()
    """For seats: the bodies that count (empty: any body)."""
    affiliate_ids: frozenset[AffiliateId] = frozenset()
    """For affiliated supporters: the affiliates that count (empty: any)."""
    fee_window: FeeWindow | None = None
    min_fee_pence: int | None = None
    channels: frozenset[Channel] = frozenset({Channel.ONLINE})
    """How this section's voters may vote."""

    def refusal(self, membership: Membership) -> str:
        """Why ``membership`` does not satisfy this section, or ``""`` if it does."""
        m = membership
        if m.kind is not self.kind:
            return f"not {_a(self.kind.value)}"
        if self.body_ids and m.body_id not in self.body_ids:
            return f"seat in {m.body_id}, not a counted body"
        if self.affiliate_ids and m.affiliate_id not in self.affiliate_ids:
            return f"through {m.affiliate_id}, not a counted affiliate"
        if self.joined_on_or_before is not None and m.start > self.joined_on_or_before:
            return f"joined {m.start} after {self.joined_on_or_before}"
        if self.current_on is not None and not m.is_current_on(self.current_on):
            return f"not current on {self.current_on}"
        if m.standing not in self.standings:
            return f"standing {m.standing.value}"
        if self.fee_window is not None:
            paid = m.fee_paid_at
            if paid is None:
                return "no fee paid"
            if not self.fee_window.contains(paid):
                return f"fee paid {paid.isoformat()} outside the window"
        if self.min_fee_pence is not None and (m.fee_pence or 0) < self.min_fee_pence:
            return f"fee {m.fee_pence} below {self.min_fee_pence} pence"
        return ""

    def admits(self, memberships: Iterable[Membership]) -> tuple[bool, str]:
        """Whether any membership satisfies the section, and the reason either way."""
        reasons: list[str] = []
        for m in memberships:
            if m.kind is not self.kind:
                continue
            why = self.refusal(m)
            if not why:
                return True, f"{self.kind.value} since {m.start}"
            reasons.append(why)
        if not reasons:
            return False, f"not {_a(self.kind.value)}"
        return False, "; ".join(reasons)


@dataclass(frozen=True, slots=True, kw_only=True)
class EligibilityDecision:
    """Whether a person is on the roll, in which section, by which rule, and why."""

    person_id: PersonId
    section: SectionName | None
    rule_version: str
    reason: str

    @property
    def is_eligible(self) -> bool:
        """Whether the person may vote."""
        return self.section is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class ElectorateRule:
    """Ordered sections with a version; see the module docstring."""

    version: str
    sections: tuple[Section, ...]

    @property
    def precedence(self) -> str:
        """The stated one-person-one-vote precedence."""
        return PRECEDENCE

    def section(self, name: str) -> Section:
        """The section called ``name``.

        Raises:
            KeyError: no such section.
        """
        for s in self.sections:
            if s.name == name:
                return s
        raise KeyError(name)

    def problems(self) -> list[str]:
        """What is wrong with the rule itself (empty when usable)."""
        out: list[str] = []
        if not self.version:
            out.append("the electorate rule has no version")
        if not self.sections:
            out.append("the electorate has no sections")
        names = [s.name for s in self.sections]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            out.append(f"section names repeated: {', '.join(dupes)}")
        for s in self.sections:
            if not s.channels:
                out.append(f"section {s.name} has no voting channel")
            if s.fee_window is not None and s.fee_window.opens > s.fee_window.closes:
                out.append(f"section {s.name}: fee window closes before it opens")
        return out

    def decide(self, person_id: PersonId, memberships: Sequence[Membership]) -> EligibilityDecision:
        """Decide one person's eligibility (first admitting section wins)."""
        refused: list[str] = []
        for s in self.sections:
            ok, why = s.admits(memberships)
            if ok:
                reason = f"admitted by section {s.name}: {why}"
                if refused:
                    reason += f" (refused earlier: {'; '.join(refused)})"
                return EligibilityDecision(
                    person_id=person_id, section=s.name, rule_version=self.version, reason=reason
                )
            refused.append(f"{s.name}: {why}")
        return EligibilityDecision(
            person_id=person_id,
            section=None,
            rule_version=self.version,
            reason="refused by every section: " + "; ".join(refused),
        )
