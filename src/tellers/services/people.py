"""Importing people and their memberships in bulk (one transaction for the whole load).

The rows come already validated (by the roll-file reader or a form); this service
turns them into domain objects, streams them into storage and records one audit entry
with the counts. Any bad row rolls the whole import back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from tellers.domain.electorate import FeeWindow
from tellers.domain.ids import (
    AffiliateId,
    BodyId,
    MembershipId,
    OfficerId,
    OrganisationId,
    PersonId,
)
from tellers.domain.membership import Membership, MembershipKind, Standing
from tellers.domain.organisation import Person
from tellers.domain.supporters import ApplicationDecision, decide_application
from tellers.services.audit import record
from tellers.services.ports import Clock, UnitOfWork

__all__ = ["ImportSummary", "MembershipRow", "PersonRow", "import_people", "register_supporter"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MembershipRow:
    """One validated membership of an imported person."""

    kind: MembershipKind
    start: date
    end: date | None = None
    standing: Standing = Standing.GOOD
    body_id: str | None = None
    affiliate_id: str | None = None
    fee_paid_at: datetime | None = None
    fee_pence: int | None = None
    id: str | None = None
    """Membership id; ``<person id>/<n>`` when absent."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonRow:
    """One validated person with their memberships."""

    id: str
    name: str
    email: str = ""
    address: str = ""
    memberships: tuple[MembershipRow, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportSummary:
    """What an import added."""

    people: int
    memberships: int
    by_kind: dict[str, int]


def import_people(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    organisation_id: str,
    rows: Iterable[PersonRow],
) -> ImportSummary:
    """Add people and their memberships to an organisation, all or nothing.

    Raises:
        NotFound: no such organisation, or a body or affiliate named by a row.
        AlreadyExists: a person id already on the books.
        ValueError: a membership the domain refuses (e.g. a seat without a body).
    """
    org = OrganisationId(organisation_id)
    by_kind: Counter[str] = Counter()
    affiliates_named: set[AffiliateId] = set()

    def people() -> Iterator[tuple[Person, tuple[Membership, ...]]]:
        # plain computation only: a store may run this ahead in a thread while it
        # writes what came before (see PeopleRepository.add_with_memberships)
        for row in rows:
            pid = PersonId(row.id)
            memberships = []
            for n, m in enumerate(row.memberships, start=1):
                memberships.append(
                    Membership(
                        id=MembershipId(m.id or f"{row.id}/{n}"),
                        person_id=pid,
                        kind=m.kind,
                        start=m.start,
                        end=m.end,
                        standing=m.standing,
                        body_id=BodyId(m.body_id) if m.body_id is not None else None,
                        affiliate_id=AffiliateId(m.affiliate_id)
                        if m.affiliate_id is not None
                        else None,
                        fee_paid_at=m.fee_paid_at,
                        fee_pence=m.fee_pence,
                    )
                )
                by_kind[m.kind.value] += 1
                if m.affiliate_id is not None:
                    affiliates_named.add(AffiliateId(m.affiliate_id))
            person = Person(
                id=pid, organisation_id=org, name=row.name, email=row.email, address=row.address
            )
            yield person, tuple(memberships)

    with uow:
        uow.organisations.get(org)
        affiliates = {a.id for a in uow.organisations.affiliates(org)}
        added, added_m = uow.people.add_with_memberships(people())
        for affiliate_id in sorted(affiliates_named - affiliates):
            uow.organisations.get_affiliate(affiliate_id)
        summary = ImportSummary(
            people=added, memberships=added_m, by_kind=dict(sorted(by_kind.items()))
        )
        record(
            uow,
            clock=clock,
            officer=officer,
            action="import_people",
            parameters={
                "organisation": organisation_id,
                "people": added,
                "memberships": added_m,
                "by_kind": summary.by_kind,
            },
        )
        uow.commit()
    return summary


def register_supporter(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    organisation_id: str,
    application_id: str,
    person_id: str,
    name: str,
    paid_at: datetime,
    fee_pence: int,
    window: FeeWindow,
    min_fee_pence: int,
    email: str = "",
    rule_version: str = "",
) -> ApplicationDecision:
    """Decide a registered-supporter application and record it (one transaction).

    An accepted application adds a registered-supporter membership (and the person, if
    new: an existing member who joined after a freeze date may also register). A
    duplicate or a rejected application adds nothing and charges nothing. Every
    decision is logged with the application id, the rule applied and ``rule_version``.

    Raises:
        NotFound: no such organisation.
    """
    org = OrganisationId(organisation_id)
    pid = PersonId(person_id)
    with uow:
        uow.organisations.get(org)
        existing = uow.people.find(pid)
        memberships = uow.people.memberships_of(pid) if existing is not None else ()
        decision = decide_application(
            window=window,
            min_fee_pence=min_fee_pence,
            paid_at=paid_at,
            fee_pence=fee_pence,
            existing=memberships,
        )
        if decision.is_accepted:
            if existing is None:
                uow.people.add_many([Person(id=pid, organisation_id=org, name=name, email=email)])
            uow.people.add_memberships(
                [
                    Membership(
                        id=MembershipId(f"{person_id}/rs/{application_id}"),
                        person_id=pid,
                        kind=MembershipKind.REGISTERED_SUPPORTER,
                        start=paid_at.date(),
                        fee_paid_at=paid_at,
                        fee_pence=fee_pence,
                    )
                ]
            )
        record(
            uow,
            clock=clock,
            officer=officer,
            action="register_supporter",
            parameters={
                "organisation": organisation_id,
                "application": application_id,
                "person": person_id,
                "paid_at": paid_at.isoformat(),
                "outcome": decision.outcome.value,
                "charged_pence": decision.charged_pence,
                "reason": decision.reason,
                "rule": decision.rule,
                "rule_version": rule_version,
            },
        )
        uow.commit()
    return decision
