"""Eligibility rules changed during a contest, and what happens to credentials issued.

A court can change who may vote after the roll is frozen: in 2016 the High Court
(Evangelou v McNicol, 8 Aug 2016) held that members who joined after the 12 January
freeze date could vote; the Court of Appeal reversed it on 12 Aug 2016 (README 1.4 and
S3). An :class:`ElectorateChange` records one such swap: the rule before and after, the
ruling, and the **policy** for voters the new rule removes who already hold a credential
(:class:`CredentialPolicy`). The service recomputes the electorate with the new rule
(:func:`recompute`), rewrites the roll entries that change, applies the policy and logs
every change.

A ballot already cast is **never withdrawn**: ballots are secret and cannot be traced to
a voter (the Electoral Reform Society objected in 2015 when a party proposed to cancel
votes after they were cast; README 1.3). A voter who has voted keeps their roll entry
and is counted as "voted before the change".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from tellers.domain.electorate import ElectorateRule
from tellers.domain.ids import PersonId, SectionName
from tellers.domain.membership import Membership
from tellers.domain.roll import RollEntry

__all__ = [
    "KEPT_UNTIL_USED",
    "CredentialPolicy",
    "ElectorateChange",
    "RollChange",
    "recompute",
]

KEPT_UNTIL_USED = "kept until used"
"""Prefix of the reason of a roll entry kept under :attr:`CredentialPolicy.KEEP_UNTIL_USED`."""


class CredentialPolicy(Enum):
    """What happens to a removed voter's credential that is still unused."""

    VOID = "void"
    """The credential is voided; the voter leaves the roll."""
    KEEP = "keep"
    """Voters who already hold a credential keep their place (the change applies to the
    rest of the electorate only)."""
    KEEP_UNTIL_USED = "keep until used"
    """The credential held may still be used once, but is never reissued; the entry is
    marked as removed by the change."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ElectorateChange:
    """One swap of the electorate rule, as recorded on the contest."""

    sequence: int
    at: datetime
    ruling: str
    previous_version: str
    new_version: str
    policy: CredentialPolicy
    added: int = 0
    removed: int = 0
    moved: int = 0
    """Eligible before and after, in a different section."""
    kept: int = 0
    """Removed by the rule but kept by the policy or because they had voted."""
    voided: int = 0
    eligible_by_section: Mapping[str, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class RollChange:
    """How one roll entry changes under a new rule."""

    before: RollEntry
    after: RollEntry
    kind: str
    """``"added"``, ``"removed"``, ``"moved"``, ``"kept"``, ``"kept until used"`` or
    ``"restored"`` (a kept-until-used entry the new rule admits again)."""
    void_credentials: bool = False


def recompute(
    rule: ElectorateRule,
    *,
    entries: Mapping[PersonId, RollEntry],
    people: Iterable[tuple[PersonId, Sequence[Membership]]],
    holds_credential: Callable[[PersonId], bool],
    policy: CredentialPolicy,
    ruling: str,
) -> list[RollChange]:
    """The roll entries that change when ``rule`` replaces the contest's rule.

    Args:
        rule: the new electorate rule.
        entries: the current roll, by person.
        people: everyone on the books with their memberships.
        holds_credential: whether a person holds an active or used credential.
        policy: what happens to removed voters who hold a credential.
        ruling: the ruling's text, quoted in the reasons.
    """
    out: list[RollChange] = []
    for pid, memberships in people:
        before = entries.get(pid)
        if before is None:
            continue
        decision = rule.decide(pid, memberships)
        new_section: SectionName | None = decision.section
        reason = f"{decision.reason} [{ruling}]"
        if new_section == before.section:
            if new_section is not None and before.reason.startswith(KEPT_UNTIL_USED):
                after = _entry(before, new_section, rule.version, reason)
                out.append(RollChange(before=before, after=after, kind="restored"))
            continue
        if new_section is not None and before.section is None:
            after = _entry(before, new_section, rule.version, reason)
            out.append(RollChange(before=before, after=after, kind="added"))
        elif new_section is not None:
            after = _entry(before, new_section, rule.version, reason)
            out.append(RollChange(before=before, after=after, kind="moved"))
        elif before.voted:
            note = f"voted before the change ({ruling}); a cast ballot is never withdrawn"
            after = _entry(before, before.section, rule.version, note)
            out.append(RollChange(before=before, after=after, kind="kept"))
        elif holds_credential(pid) and policy is CredentialPolicy.KEEP:
            note = f"holds a credential issued before the change; kept by policy ({ruling})"
            after = _entry(before, before.section, rule.version, note)
            out.append(RollChange(before=before, after=after, kind="kept"))
        elif holds_credential(pid) and policy is CredentialPolicy.KEEP_UNTIL_USED:
            note = f"{KEPT_UNTIL_USED}: removed by {rule.version} ({ruling}); no reissue"
            after = _entry(before, before.section, rule.version, note)
            out.append(RollChange(before=before, after=after, kind=KEPT_UNTIL_USED))
        else:
            after = _entry(before, None, rule.version, reason)
            out.append(
                RollChange(
                    before=before,
                    after=after,
                    kind="removed",
                    void_credentials=holds_credential(pid),
                )
            )
    return out


def _entry(before: RollEntry, section: SectionName | None, version: str, reason: str) -> RollEntry:
    from dataclasses import replace

    return replace(before, section=section, rule_version=version, reason=reason)
