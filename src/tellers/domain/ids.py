"""Identifiers of the domain's entities, as distinct types.

Each id is a ``NewType`` over ``str`` so that passing a person's id where a contest's is
expected fails the type check. Ids of people, bodies and organisations are chosen by
the organisation (membership numbers, slugs); ids of ballots, credentials and postal
batches are random (see :mod:`tellers.crypto.random`), so that they reveal no order.
"""

from __future__ import annotations

from typing import NewType

__all__ = [
    "AffiliateId",
    "BallotId",
    "BodyId",
    "CandidateId",
    "ContestId",
    "CredentialId",
    "MembershipId",
    "OfficerId",
    "OrganisationId",
    "PersonId",
    "PostalBatchId",
    "SectionName",
    "TrackingCode",
]

OrganisationId = NewType("OrganisationId", str)
BodyId = NewType("BodyId", str)
AffiliateId = NewType("AffiliateId", str)
PersonId = NewType("PersonId", str)
MembershipId = NewType("MembershipId", str)
ContestId = NewType("ContestId", str)
CandidateId = NewType("CandidateId", str)
"""A candidate's key on the ballot; for a person standing, their :data:`PersonId`."""
SectionName = NewType("SectionName", str)
"""The short name of an electorate section (``"members"``, ``"affiliated supporters"``)."""
BallotId = NewType("BallotId", str)
CredentialId = NewType("CredentialId", str)
PostalBatchId = NewType("PostalBatchId", str)
OfficerId = NewType("OfficerId", str)
"""Who performed an action: a returning officer, a teller, a scrutineer."""
TrackingCode = NewType("TrackingCode", str)
