"""S3: the 2016 freeze date, the paid supporter window, and a court ruling mid-contest.

Published (README 1.4 and S3): freeze date 12 Jan 2016 for members and affiliated
supporters; registered-supporter window 17:00 18 July to 17:00 20 July 2016, fee £25.
Expected: a member who joined 13 Jan 2016 is ineligible as a member but eligible as a
registered supporter if they paid inside the window; a payment at 17:00:01 on 20 July is
rejected; a duplicate application is deduplicated and not charged twice; each decision
is recorded with its rule version. After Evangelou v McNicol in the High Court (8 Aug)
the rule is swapped and the electorate recomputed; after the Court of Appeal (12 Aug)
it is reverted; credentials already issued follow a stated policy; every change is
logged.

Simulation (stated): to exercise the credential policies, voting is opened on 5 Aug,
before the rulings (in 2016 ballots went out from 22 Aug, after both).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tellers.domain.amendment import CredentialPolicy
from tellers.domain.electorate import FeeWindow
from tellers.domain.errors import CredentialVoided, NotInElectorate
from tellers.domain.ids import ContestId, PersonId
from tellers.domain.membership import MembershipKind
from tellers.domain.organisation import AffiliateKind
from tellers.domain.roll import CredentialStatus
from tellers.domain.spec import contest_from_spec
from tellers.domain.supporters import ApplicationOutcome
from tellers.services import contests, credentials, organisations, people, results, voting
from tellers.services.people import MembershipRow, PersonRow
from tests.unit import rules_figures as fig
from tests.unit.lifecycle_support import RO, World, at, new_world

WINDOW = FeeWindow(opens=at(fig.S3_WINDOW[0]), closes=at(fig.S3_WINDOW[1]))
NEC_RULE = "NEC 2016-07-12: freeze 12 Jan 2016; supporters £25, 18-20 July"
HIGH_COURT = "Evangelou v McNicol, High Court, 8 Aug 2016: members who joined by 12 Jul 2016 vote"
APPEAL = "Evangelou v McNicol, Court of Appeal, 12 Aug 2016: the NEC's freeze date stands"


def kw(world: World) -> dict[str, Any]:
    return {"uow": world.uow, "clock": world.clock, "officer": RO}


def electorate(freeze: str, version: str) -> dict[str, Any]:
    return {
        "version": version,
        "sections": [
            {
                "name": "members",
                "kind": "member",
                "joined_on_or_before": freeze,
                "channels": ["online", "post"],
            },
            {
                "name": "affiliated supporters",
                "kind": "affiliated supporter",
                "joined_on_or_before": freeze,
            },
            {
                "name": "registered supporters",
                "kind": "registered supporter",
                "fee_window": {"opens": fig.S3_WINDOW[0], "closes": fig.S3_WINDOW[1]},
                "min_fee_pence": fig.S3_FEE_PENCE,
            },
        ],
    }


SPEC = {
    "kind": "election",
    "title": "Labour leadership 2016",
    "method": "irv",
    "seed": 20160924,
    "candidates": [
        {"id": "corbyn", "name": "Jeremy Corbyn"},
        {"id": "smith", "name": "Owen Smith"},
    ],
    "electorate": electorate(fig.S3_FREEZE, NEC_RULE),
}


def member(pid: str, joined: date) -> PersonRow:
    return PersonRow(
        id=pid, name=pid, memberships=(MembershipRow(kind=MembershipKind.MEMBER, start=joined),)
    )


def world_2016() -> World:
    world = new_world("2016-07-12T09:00:00+01:00")
    organisations.create_organisation(**kw(world), organisation_id="labour", name="Labour")
    organisations.add_affiliate(
        **kw(world),
        organisation_id="labour",
        affiliate_id="unite",
        name="Unite",
        kind=AffiliateKind.UNION,
        affiliated_membership=1_000_000,
    )
    rows = [
        member("m-old", date(2015, 3, 1)),
        member("m-jan12", date(2016, 1, 12)),
        member("m-jan13", date(2016, 1, 13)),
        member("m-june", date(2016, 6, 1)),
        member("m-june-voter", date(2016, 6, 15)),
        member("m-july13", date(2016, 7, 13)),
        PersonRow(
            id="a-unite",
            name="a-unite",
            memberships=(
                MembershipRow(
                    kind=MembershipKind.AFFILIATED_SUPPORTER,
                    start=date(2015, 9, 1),
                    affiliate_id="unite",
                ),
            ),
        ),
    ]
    people.import_people(**kw(world), organisation_id="labour", rows=rows)
    return world


def apply(world: World, application: str, person: str, paid: str, fee: int = 2_500) -> Any:
    world.clock.set(at(paid))
    return people.register_supporter(
        **kw(world),
        organisation_id="labour",
        application_id=application,
        person_id=person,
        name=person,
        paid_at=at(paid),
        fee_pence=fee,
        window=WINDOW,
        min_fee_pence=fig.S3_FEE_PENCE,
        rule_version=NEC_RULE,
    )


def register_supporters(world: World) -> dict[str, Any]:
    return {
        "m-jan13": apply(world, "app-1", "m-jan13", "2016-07-19T12:00:00+01:00"),
        "s-ok": apply(world, "app-2", "s-ok", "2016-07-18T17:00:00+01:00"),
        "s-dup": apply(world, "app-3", "s-dup", "2016-07-19T20:15:00+01:00"),
        "s-dup again": apply(world, "app-4", "s-dup", "2016-07-19T20:15:09+01:00"),
        "s-last": apply(world, "app-5", "s-last", "2016-07-20T17:00:00+01:00"),
        "s-late": apply(world, "app-6", "s-late", "2016-07-20T17:00:01+01:00"),
        "s-early": apply(world, "app-7", "s-early", "2016-07-18T16:59:59+01:00"),
        "s-cheap": apply(world, "app-8", "s-cheap", "2016-07-19T09:00:00+01:00", fee=300),
    }


def roll(world: World, cid: str = "leader-2016") -> dict[str, Any]:
    with world.uow as uow:
        return {e.person_id: e for e in uow.roll.iter(ContestId(cid))}


def test_s3_supporter_window_is_exact_to_the_second_and_duplicates_are_not_charged() -> None:
    world = world_2016()
    decided = register_supporters(world)
    outcomes = {k: (d.outcome, d.charged_pence) for k, d in decided.items()}
    assert outcomes == {
        "m-jan13": (ApplicationOutcome.ACCEPTED, 2_500),
        "s-ok": (ApplicationOutcome.ACCEPTED, 2_500),
        "s-dup": (ApplicationOutcome.ACCEPTED, 2_500),
        "s-dup again": (ApplicationOutcome.DUPLICATE, 0),
        "s-last": (ApplicationOutcome.ACCEPTED, 2_500),
        "s-late": (ApplicationOutcome.OUTSIDE_WINDOW, 0),
        "s-early": (ApplicationOutcome.OUTSIDE_WINDOW, 0),
        "s-cheap": (ApplicationOutcome.FEE_TOO_LOW, 0),
    }
    with world.uow as uow:
        assert len(uow.people.memberships_of(PersonId("s-dup"))) == 1
        assert uow.people.find(PersonId("s-late")) is None
        logged = [e.parameters for e in uow.audit.iter() if e.action == "register_supporter"]
    assert [p["outcome"] for p in logged].count("duplicate (not charged)") == 1
    assert all(p["rule_version"] == NEC_RULE for p in logged)
    assert sum(p["charged_pence"] for p in logged) == 4 * 2_500

    contests.create_contest(
        **kw(world), organisation_id="labour", contest_id="leader-2016", spec=SPEC
    )
    world.clock.set(at("2016-08-22T09:00:00+01:00"))
    contests.open_voting(**kw(world), contest_id="leader-2016")
    entries = roll(world)
    assert entries["m-old"].section == "members"
    assert entries["m-jan12"].section == "members"  # joined on the freeze date
    assert entries["m-jan13"].section == "registered supporters"
    assert "members: joined 2016-01-13 after 2016-01-12" in entries["m-jan13"].reason
    assert entries["m-june"].section is None
    assert entries["a-unite"].section == "affiliated supporters"
    assert {entries[p].section for p in ("s-ok", "s-dup", "s-last")} == {"registered supporters"}
    assert "s-late" not in entries
    assert all(e.rule_version == NEC_RULE for e in entries.values())


def test_s3_rulings_before_voting_opens_swap_the_rule_and_recompute_the_electorate() -> None:
    world = world_2016()
    register_supporters(world)
    contests.create_contest(
        **kw(world), organisation_id="labour", contest_id="leader-2016", spec=SPEC
    )
    high = contest_from_spec(
        {**SPEC, "electorate": electorate(fig.S3_HIGH_COURT_FREEZE, HIGH_COURT)},
        contest_id=ContestId("x"),
        organisation_id=contests.get_contest(
            uow=world.uow, contest_id="leader-2016"
        ).organisation_id,
    ).electorate
    world.clock.set(at("2016-08-08T16:00:00+01:00"))
    first = contests.amend_electorate(
        **kw(world), contest_id="leader-2016", electorate=high, ruling=HIGH_COURT
    )
    assert dict(first.eligible_by_section) == {
        "members": 5,  # m-old, m-jan12, m-jan13, m-june, m-june-voter (not m-july13)
        "affiliated supporters": 1,
        "registered supporters": 3,  # s-ok, s-dup, s-last
    }
    original = contest_from_spec(
        SPEC, contest_id=ContestId("x"), organisation_id=first_org(world)
    ).electorate
    world.clock.set(at("2016-08-12T16:00:00+01:00"))
    second = contests.amend_electorate(
        **kw(world), contest_id="leader-2016", electorate=original, ruling=APPEAL
    )
    assert dict(second.eligible_by_section) == {
        "members": 2,
        "affiliated supporters": 1,
        "registered supporters": 4,
    }
    contest = contests.get_contest(uow=world.uow, contest_id="leader-2016")
    assert contest.electorate.version == NEC_RULE
    assert [c.new_version for c in contest.electorate_changes] == [HIGH_COURT, NEC_RULE]
    with world.uow as uow:
        logged = [e.parameters for e in uow.audit.iter() if e.action == "amend_electorate"]
    assert [p["ruling"] for p in logged] == [HIGH_COURT, APPEAL]
    assert logged[0]["phase"] == "draft"


def first_org(world: World) -> Any:
    return contests.get_contest(uow=world.uow, contest_id="leader-2016").organisation_id


@pytest.mark.parametrize("policy", list(CredentialPolicy))
def test_s3_rulings_during_voting_recompute_the_roll_and_apply_the_credential_policy(
    policy: CredentialPolicy,
) -> None:
    world = world_2016()
    register_supporters(world)
    contests.create_contest(
        **kw(world), organisation_id="labour", contest_id="leader-2016", spec=SPEC
    )
    world.clock.set(at("2016-08-05T09:00:00+01:00"))
    contests.open_voting(**kw(world), contest_id="leader-2016")
    first_issue: dict[str, Any] = {
        c.person_id: c for c in credentials.issue_credentials(**kw(world), contest_id="leader-2016")
    }
    assert "m-june" not in first_issue

    org = first_org(world)
    high = contest_from_spec(
        {**SPEC, "electorate": electorate(fig.S3_HIGH_COURT_FREEZE, HIGH_COURT)},
        contest_id=ContestId("x"),
        organisation_id=org,
    ).electorate
    world.clock.set(at("2016-08-08T16:00:00+01:00"))
    change = contests.amend_electorate(
        **kw(world), contest_id="leader-2016", electorate=high, ruling=HIGH_COURT, policy=policy
    )
    assert (change.added, change.moved, change.removed) == (2, 1, 0)
    entries = roll(world)
    assert entries["m-jan13"].section == "members"
    assert entries["m-june"].section == "members"
    assert entries["m-june"].rule_version == HIGH_COURT
    assert entries["m-july13"].section is None  # joined after the High Court's 12 July
    added: dict[str, Any] = {
        c.person_id: c for c in credentials.issue_credentials(**kw(world), contest_id="leader-2016")
    }
    assert set(added) == {"m-june", "m-june-voter"}
    voting.cast_ballot(
        uow=world.uow,
        contest_id="leader-2016",
        credential=added["m-june-voter"].code,
        ranking=["corbyn"],
    )

    original = contest_from_spec(SPEC, contest_id=ContestId("x"), organisation_id=org).electorate
    world.clock.set(at("2016-08-12T16:00:00+01:00"))
    revert = contests.amend_electorate(
        **kw(world), contest_id="leader-2016", electorate=original, ruling=APPEAL, policy=policy
    )
    entries = roll(world)
    assert entries["m-jan13"].section == "registered supporters"  # moved back
    # A ballot already cast is never withdrawn: the voter stays, noted.
    assert entries["m-june-voter"].section == "members"
    assert "never withdrawn" in entries["m-june-voter"].reason
    with world.uow as uow:
        june_creds = uow.credentials.for_person(ContestId("leader-2016"), PersonId("m-june"))
        logged = [e.parameters for e in uow.audit.iter() if e.action == "amend_electorate"]
    assert [p["ruling"] for p in logged] == [HIGH_COURT, APPEAL]
    assert logged[0]["people"]["added"] == ["m-june", "m-june-voter"]
    assert logged[1]["policy"] == policy.value
    if policy is CredentialPolicy.VOID:
        assert entries["m-june"].section is None
        assert [c.status for c in june_creds] == [CredentialStatus.VOIDED]
        assert (revert.removed, revert.voided, revert.kept) == (1, 1, 1)
        with pytest.raises(CredentialVoided):
            voting.cast_ballot(
                uow=world.uow,
                contest_id="leader-2016",
                credential=added["m-june"].code,
                ranking=["smith"],
            )
    elif policy is CredentialPolicy.KEEP:
        assert entries["m-june"].section == "members"
        assert (revert.removed, revert.kept) == (0, 2)
        credentials.reissue_credential(**kw(world), contest_id="leader-2016", person_id="m-june")
    else:
        assert entries["m-june"].section == "members"
        assert entries["m-june"].reason.startswith("kept until used")
        with pytest.raises(NotInElectorate, match="no reissue"):
            credentials.reissue_credential(
                **kw(world), contest_id="leader-2016", person_id="m-june"
            )
        voting.cast_ballot(
            uow=world.uow,
            contest_id="leader-2016",
            credential=added["m-june"].code,
            ranking=["smith"],
        )

    # The count states both changes.
    voting.cast_ballot(
        uow=world.uow,
        contest_id="leader-2016",
        credential=first_issue["m-old"].code,
        ranking=["smith", "corbyn"],
    )
    world.clock.set(at("2016-09-21T12:00:00+01:00"))
    contests.close_voting(**kw(world), contest_id="leader-2016")
    results.count(**kw(world), contest_id="leader-2016")
    declaration = results.declare(**kw(world), contest_id="leader-2016")
    data = json.loads(declaration.json)
    assert [c["ruling"] for c in data["electorate_changes"]] == [HIGH_COURT, APPEAL]
    assert "Electorate rule changed (Evangelou v McNicol, Court of Appeal" in declaration.text
