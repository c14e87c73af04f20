"""A demonstration election to try the pages with: ``tellers serve --demo``.

It creates (through the services, as an officer would) an organisation with 40
members, three contests and three officers:

- **Leader** (alternative vote, four candidates, alphabetical order): voting open;
- **Rule change** (a motion needing two thirds of the valid votes): voting open;
- **National executive** (3 seats by Scottish STV, 7 candidates): voted by the 40
  members with made-up preferences, counted, declared and its bulletin board
  published, so that the results page has rounds, transfers, charts, a signed board
  and the election key to show.

The invitation codes of the open contests are returned once, for printing; they are
not stored anywhere else.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from tellers.domain.ids import OfficerId
from tellers.domain.membership import MembershipKind
from tellers.domain.officer import OfficerRole
from tellers.domain.presentation import BallotOrder, Presentation
from tellers.services import contests, credentials, officers, organisations, results
from tellers.services.board import publish_board
from tellers.services.people import MembershipRow, PersonRow, import_people
from tellers.services.voting import cast_ballot
from tellers.web.deps import WebContext

__all__ = ["DemoElection", "seed_demo"]

RO = OfficerId("returning-officer")

FIRST = ["Ada", "Ben", "Chidi", "Dina", "Emeka", "Fatima", "Gareth", "Hana", "Idris", "Jo"]
LAST = ["Okafor", "Patel", "Quinn", "Roberts", "Singh", "Thomas", "Evans", "Williams"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoElection:
    """What the demo made: the open contests' codes and the officers' passwords."""

    organisation_id: str
    codes: dict[str, tuple[tuple[str, str], ...]]
    """Contest id -> ``(person id, code)`` of every voter."""
    passwords: dict[str, str]


def _members(n: int) -> list[PersonRow]:
    rows = []
    for i in range(n):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 3) % len(LAST)]}"
        rows.append(
            PersonRow(
                id=f"M{i + 1:04d}",
                name=name,
                email=f"member{i + 1}@example.org",
                memberships=(MembershipRow(kind=MembershipKind.MEMBER, start=date(2020, 1, 1)),),
            )
        )
    return rows


ELECTORATE = {"version": "Rule book 2026", "sections": [{"name": "members", "kind": "member"}]}


def seed_demo(ctx: WebContext, *, passwords: dict[str, str] | None = None) -> DemoElection:
    """Create the demo organisation, officers and contests (see module docstring)."""
    clock = ctx.clock
    pw = passwords or {
        "returning-officer": "demo-returning-officer",
        "scrutineer": "demo-scrutineer-pass",
        "observer": "demo-observer-pass",
    }
    for oid, role in (
        ("returning-officer", OfficerRole.RETURNING_OFFICER),
        ("scrutineer", OfficerRole.SCRUTINEER),
        ("observer", OfficerRole.OBSERVER),
    ):
        with ctx.uow() as uow:
            officers.appoint_officer(
                uow=uow,
                clock=clock,
                officer=RO,
                officer_id=oid,
                name=oid.replace("-", " ").title(),
                role=role,
                password=pw[oid],
            )
    org = "demo-party"
    with ctx.uow() as uow:
        organisations.create_organisation(
            uow=uow, clock=clock, officer=RO, organisation_id=org, name="Demo Party"
        )
    with ctx.uow() as uow:
        import_people(uow=uow, clock=clock, officer=RO, organisation_id=org, rows=_members(40))

    specs: dict[str, dict[str, Any]] = {
        "nec-2026": {
            "kind": "election",
            "title": "National executive committee",
            "method": "stv-scottish",
            "seats": 3,
            "seed": 20260101,
            "candidates": [
                {"id": "c1", "name": "Amara Obi"},
                {"id": "c2", "name": "Bryn Davies"},
                {"id": "c3", "name": "Carys Morgan"},
                {"id": "c4", "name": "Deepa Shah"},
                {"id": "c5", "name": "Euan Fraser"},
                {"id": "c6", "name": "Fiona Kerr"},
                {"id": "c7", "name": "Gwen Lloyd"},
            ],
            "electorate": ELECTORATE,
        },
        "leader-2026": {
            "kind": "election",
            "title": "Party leader",
            "method": "irv",
            "seats": 1,
            "candidates": [
                {"id": "harris", "name": "Sam Harris"},
                {"id": "adeyemi", "name": "Tola Adeyemi"},
                {"id": "nowak", "name": "Kasia Nowak"},
                {"id": "byrne", "name": "Niamh Byrne"},
            ],
            "electorate": ELECTORATE,
        },
        "rule-change-2026": {
            "kind": "motion",
            "title": "Rule change: one member, one vote",
            "question": (
                "That the leader be elected by one member, one vote of all members in good "
                "standing, replacing the electoral college."
            ),
            "motion": {"basis": "valid votes", "share": "2/3", "at_least": True},
            "electorate": ELECTORATE,
        },
    }
    for cid, spec in specs.items():
        with ctx.uow() as uow:
            contests.create_contest(
                uow=uow, clock=clock, officer=RO, organisation_id=org, contest_id=cid, spec=spec
            )
        with ctx.uow() as uow:
            contests.open_voting(uow=uow, clock=clock, officer=RO, contest_id=cid)
    ctx.stores.presentation.set(
        Presentation(contest_id="leader-2026", order=BallotOrder.ALPHABETICAL)
    )
    codes: dict[str, tuple[tuple[str, str], ...]] = {}
    for cid in specs:
        with ctx.uow() as uow:
            issued = credentials.issue_credentials(uow=uow, clock=clock, officer=RO, contest_id=cid)
        codes[cid] = tuple((i.person_id, i.code) for i in issued)

    # the declared example: made-up but plausible preferences, from a fixed seed
    rng = random.Random(2026)
    weights = {"c1": 9, "c2": 7, "c3": 6, "c4": 5, "c5": 3, "c6": 2, "c7": 1}
    for _person, code in codes["nec-2026"]:
        pool = list(weights)
        ranking: list[str] = []
        for _ in range(rng.randint(1, 5)):
            pick = rng.choices(pool, weights=[weights[k] for k in pool])[0]
            ranking.append(pick)
            pool.remove(pick)
        with ctx.uow() as uow:
            cast_ballot(uow=uow, contest_id="nec-2026", credential=code, ranking=ranking)
    for step in (contests.close_voting, results.count, results.declare):
        with ctx.uow() as uow:
            step(uow=uow, clock=clock, officer=RO, contest_id="nec-2026")
    with ctx.uow() as uow:
        publish_board(
            uow=uow,
            clock=clock,
            officer=RO,
            keys=ctx.keys,
            contest_id="nec-2026",
            sealing_key=ctx.settings.sealing_key,
            boards=ctx.boards,
        )
    del codes["nec-2026"]
    return DemoElection(organisation_id=org, codes=codes, passwords=pw)
