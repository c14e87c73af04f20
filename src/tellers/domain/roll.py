"""The frozen roll of a contest and the credentials issued from it.

When voting opens the electorate rule is applied to everyone on the books and each
decision becomes a :class:`RollEntry` (eligible or not, with the section, rule version
and reason). A roll entry records *whether* and *by which channel* its voter returned a
ballot, never when and never which ballot.

A :class:`Credential` is what a voter votes with: the keyed hash of a one-time code
(:mod:`tellers.crypto.credentials`) and, for voters who may vote by post, the number of
the paper sent to them. Code and paper are one credential: whichever is used first
uses it. A reissue voids the voter's active credentials and issues a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from tellers.domain.ballot import Channel
from tellers.domain.ids import ContestId, CredentialId, PersonId, SectionName

__all__ = ["Credential", "CredentialStatus", "IssuedCredential", "RollEntry"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RollEntry:
    """One eligibility decision on a contest's frozen roll."""

    contest_id: ContestId
    person_id: PersonId
    section: SectionName | None
    """The admitting section, or None when refused."""
    rule_version: str
    reason: str
    voted: bool = False
    voted_channel: Channel | None = None

    @property
    def is_eligible(self) -> bool:
        """Whether the person may vote."""
        return self.section is not None

    def mark_voted(self, channel: Channel) -> RollEntry:
        """The entry after its voter returned a ballot by ``channel``."""
        # spelled out rather than dataclasses.replace: this is on every cast's path
        return RollEntry(
            contest_id=self.contest_id,
            person_id=self.person_id,
            section=self.section,
            rule_version=self.rule_version,
            reason=self.reason,
            voted=True,
            voted_channel=channel,
        )


class CredentialStatus(Enum):
    """Whether a credential can still be used."""

    ACTIVE = "active"
    USED = "used"
    VOIDED = "voided"


@dataclass(frozen=True, slots=True, kw_only=True)
class Credential:
    """A stored credential: only the keyed hash of the code, never the code."""

    id: CredentialId
    contest_id: ContestId
    person_id: PersonId
    code_hash: str
    paper_number: int | None = None
    status: CredentialStatus = CredentialStatus.ACTIVE
    issue: int = 1
    """1 for the first issue, 2 for the first reissue, ..."""

    def used(self) -> Credential:
        """The credential after it has been used."""
        # spelled out rather than dataclasses.replace: this is on every cast's path
        return Credential(
            id=self.id,
            contest_id=self.contest_id,
            person_id=self.person_id,
            code_hash=self.code_hash,
            paper_number=self.paper_number,
            status=CredentialStatus.USED,
            issue=self.issue,
        )

    def voided(self) -> Credential:
        """The credential after a reissue replaced it."""
        return replace(self, status=CredentialStatus.VOIDED)


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedCredential:
    """What is mailed to one voter, returned once by the issuing service: never stored."""

    person_id: PersonId
    section: SectionName
    code: str
    paper_number: int | None = None
    issue: int = 1
