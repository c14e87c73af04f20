"""Organisations, their bodies and affiliates, and the people on their books.

A **body** is a group inside the organisation whose seats matter to a rule (a
parliamentary group, an executive, a conference). An **affiliate** is an organisation
affiliated to it (a union, a branch, a socialist society) with its affiliated
membership size, which nomination rules may weigh.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tellers.domain.ids import AffiliateId, BodyId, OrganisationId, PersonId

__all__ = ["Affiliate", "AffiliateKind", "Body", "Organisation", "Person"]


class AffiliateKind(Enum):
    """What kind of affiliate; some rules count unions separately (Labour 2020)."""

    UNION = "union"
    SOCIETY = "society"
    BRANCH = "branch"
    CONSTITUENCY_PARTY = "constituency party"
    OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class Organisation:
    """A party, a union, a society."""

    id: OrganisationId
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Body:
    """A body of the organisation whose members hold seats (e.g. the PLP)."""

    id: BodyId
    organisation_id: OrganisationId
    name: str
    kind: str = ""
    """Free text: ``"parliamentary group"``, ``"executive"``..."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Affiliate:
    """An affiliated organisation with its affiliated membership."""

    id: AffiliateId
    organisation_id: OrganisationId
    name: str
    kind: AffiliateKind
    affiliated_membership: int = 0

    def __post_init__(self) -> None:
        if self.affiliated_membership < 0:
            msg = f"affiliated membership cannot be negative: {self.affiliated_membership}"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """Someone on the organisation's books; contact details are for mailing only."""

    id: PersonId
    organisation_id: OrganisationId
    name: str
    email: str = ""
    address: str = ""
