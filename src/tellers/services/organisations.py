"""Officer actions on organisations, bodies and affiliates; one transaction each."""

from __future__ import annotations

from tellers.domain.ids import AffiliateId, BodyId, OfficerId, OrganisationId
from tellers.domain.organisation import Affiliate, AffiliateKind, Body, Organisation
from tellers.services.audit import record
from tellers.services.ports import Clock, UnitOfWork

__all__ = ["add_affiliate", "add_body", "create_organisation"]


def create_organisation(
    *, uow: UnitOfWork, clock: Clock, officer: OfficerId, organisation_id: str, name: str
) -> Organisation:
    """Create an organisation.

    Raises:
        AlreadyExists: the id is taken.
    """
    org = Organisation(id=OrganisationId(organisation_id), name=name)
    with uow:
        uow.organisations.add(org)
        record(
            uow,
            clock=clock,
            officer=officer,
            action="create_organisation",
            parameters={"organisation": org.id, "name": name},
        )
        uow.commit()
    return org


def add_body(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    organisation_id: str,
    body_id: str,
    name: str,
    kind: str = "",
) -> Body:
    """Add a body (a parliamentary group, an executive) to an organisation.

    Raises:
        NotFound: no such organisation.
        AlreadyExists: the body id is taken.
    """
    body = Body(
        id=BodyId(body_id), organisation_id=OrganisationId(organisation_id), name=name, kind=kind
    )
    with uow:
        uow.organisations.add_body(body)
        record(
            uow,
            clock=clock,
            officer=officer,
            action="add_body",
            parameters={
                "organisation": organisation_id,
                "body": body_id,
                "name": name,
                "kind": kind,
            },
        )
        uow.commit()
    return body


def add_affiliate(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    organisation_id: str,
    affiliate_id: str,
    name: str,
    kind: AffiliateKind,
    affiliated_membership: int = 0,
) -> Affiliate:
    """Add an affiliate (a union, a society, a branch) with its affiliated membership.

    Raises:
        NotFound: no such organisation.
        AlreadyExists: the affiliate id is taken.
    """
    affiliate = Affiliate(
        id=AffiliateId(affiliate_id),
        organisation_id=OrganisationId(organisation_id),
        name=name,
        kind=kind,
        affiliated_membership=affiliated_membership,
    )
    with uow:
        uow.organisations.add_affiliate(affiliate)
        record(
            uow,
            clock=clock,
            officer=officer,
            action="add_affiliate",
            parameters={
                "organisation": organisation_id,
                "affiliate": affiliate_id,
                "name": name,
                "kind": kind.value,
                "affiliated_membership": affiliated_membership,
            },
        )
        uow.commit()
    return affiliate
