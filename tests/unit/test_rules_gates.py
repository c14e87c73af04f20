"""S7: Labour's 2020 staged nomination gates, through the nomination services.

Published (README 1.5 and S7): stage 1, 10% of PLP+EPLP rounded up = 22 (of 216);
stage 2, 5% of 648 CLPs rounded up = 33, **or** at least 3 affiliates, at least 2 of
them unions, together at least 5% of the affiliated membership. MP/MEP nominations:
Starmer 88, Long-Bailey 33, Nandy 31, Phillips 23, Thornberry 23. Stage 2: Starmer 374
CLPs + 15 affiliates; Long-Bailey 164 + 7; Nandy 72 + 4. Phillips withdrew, Thornberry
failed stage 2. Expected ballot: {Long-Bailey, Nandy, Starmer}.

Assumptions (not published, do not affect any published figure): the 216 are 206 PLP
and 10 EPLP seats; the affiliates and their memberships are listed in ``AFFILIATES``;
Thornberry had 31 CLP nominations and Phillips 6 before withdrawing, after which 5 of
Phillips' CLPs re-nominated Nandy (inside Nandy's 72).
"""

from __future__ import annotations

import json
from datetime import date
from itertools import count
from typing import Any

import pytest

from tellers.domain.errors import AlreadyNominated, NominationsNotOpen, NotACandidate
from tellers.domain.gates import GateNode, GateOp, evaluate, required_share
from tellers.domain.organisation import AffiliateKind
from tellers.services import contests, organisations, people, results
from tests.unit.lifecycle_support import RO, World, at, new_world, seat_rows

CANDIDATES = [
    "Keir Starmer",
    "Rebecca Long-Bailey",
    "Lisa Nandy",
    "Jess Phillips",
    "Emily Thornberry",
]
MP_NOMINATIONS = {
    "keir-starmer": 88,
    "rebecca-long-bailey": 33,
    "lisa-nandy": 31,
    "jess-phillips": 23,
    "emily-thornberry": 23,
}
CLP_NOMINATIONS = {"keir-starmer": 374, "rebecca-long-bailey": 164, "lisa-nandy": 72}
AFFILIATE_NOMINATIONS = {"keir-starmer": 15, "rebecca-long-bailey": 7, "lisa-nandy": 4}
# Assumed affiliates: 14 unions of 150,000 and 16 societies of 5,000 (2,180,000 in all).
UNIONS = [f"union-{i:02d}" for i in range(1, 15)]
SOCIETIES = [f"society-{i:02d}" for i in range(1, 17)]
# Who nominates whom (each list: unions first); totals match the published 15, 7 and 4.
AFFILIATES = {
    "keir-starmer": UNIONS[:5] + SOCIETIES[:10],
    "rebecca-long-bailey": UNIONS[5:9] + SOCIETIES[10:13],
    "lisa-nandy": UNIONS[9:11] + SOCIETIES[13:15],
}

SPEC: dict[str, Any] = {
    "kind": "leadership",
    "title": "Labour leadership 2020",
    "method": "irv",
    "rule_version": "Labour rule book 2019, ch. 4; NEC procedural guidelines Jan 2020",
    "electorate": {"version": "NEC 2020", "sections": [{"name": "members", "kind": "member"}]},
    "nominations": {
        "bodies": ["plp", "eplp"],
        "threshold": "10%",
        "snapshot_at": "2020-01-07T09:00:00+00:00",
        "snapshot_label": "PLP and EPLP when nominations opened, 7 Jan 2020",
        "allow_self_nomination": True,
        "gate": {
            "name": "2020 rules",
            "staged": True,
            "all": [
                {
                    "name": "stage 1: PLP and EPLP",
                    "threshold": "10%",
                    "bodies": ["plp", "eplp"],
                    "closes_at": "2020-01-13T14:30:00+00:00",
                },
                {
                    "name": "stage 2",
                    "closes_at": "2020-02-14T17:00:00+00:00",
                    "any": [
                        {
                            "name": "CLPs",
                            "threshold": "5%",
                            "affiliate_kinds": ["constituency party"],
                            "snapshot_label": "CLPs on 7 Jan 2020",
                        },
                        {
                            "name": "affiliates",
                            "affiliate_route": {
                                "affiliate_kinds": ["union", "society"],
                                "min_affiliates": 3,
                                "min_unions": 2,
                                "min_membership_share": "5%",
                            },
                            "snapshot_label": "affiliated membership on 7 Jan 2020",
                        },
                    ],
                },
            ],
        },
    },
}


def kw(world: World) -> dict[str, Any]:
    return {"uow": world.uow, "clock": world.clock, "officer": RO}


def labour_2020(extra_mps: int = 0) -> tuple[World, list[str]]:
    world = new_world("2020-01-06T09:00:00+00:00")
    organisations.create_organisation(**kw(world), organisation_id="labour", name="Labour Party")
    organisations.add_body(**kw(world), organisation_id="labour", body_id="plp", name="PLP")
    organisations.add_body(**kw(world), organisation_id="labour", body_id="eplp", name="EPLP")
    mps = seat_rows("mp", 206, "plp", date(2019, 12, 12), names=CANDIDATES)
    meps = seat_rows("mep", 10, "eplp", date(2019, 5, 23))
    people.import_people(**kw(world), organisation_id="labour", rows=mps + meps)
    for i in range(1, 649):
        organisations.add_affiliate(
            **kw(world),
            organisation_id="labour",
            affiliate_id=f"clp-{i:03d}",
            name=f"CLP {i}",
            kind=AffiliateKind.CONSTITUENCY_PARTY,
        )
    for u in UNIONS:
        organisations.add_affiliate(
            **kw(world),
            organisation_id="labour",
            affiliate_id=u,
            name=u,
            kind=AffiliateKind.UNION,
            affiliated_membership=150_000,
        )
    for s in SOCIETIES:
        organisations.add_affiliate(
            **kw(world),
            organisation_id="labour",
            affiliate_id=s,
            name=s,
            kind=AffiliateKind.SOCIETY,
            affiliated_membership=5_000,
        )
    contests.create_contest(**kw(world), organisation_id="labour", contest_id="leader", spec=SPEC)
    world.clock.set(at("2020-01-07T09:00:00+00:00"))
    contests.open_nominations(**kw(world), contest_id="leader")
    nominators = [r.id for r in mps + meps]
    return world, nominators


def nominate_mps(world: World, nominators: list[str]) -> None:
    """Each candidate nominates themselves; other MPs make up the published totals."""
    others = iter(n for n in nominators if n not in MP_NOMINATIONS)
    for candidate, n in MP_NOMINATIONS.items():
        contests.nominate(
            **kw(world), contest_id="leader", nominator=candidate, candidate=candidate
        )
        for _ in range(n - 1):
            contests.nominate(
                **kw(world), contest_id="leader", nominator=next(others), candidate=candidate
            )


def test_s7_2020_staged_gates_put_long_bailey_nandy_and_starmer_on_the_ballot() -> None:
    world, nominators = labour_2020()
    world.clock.set(at("2020-01-10T12:00:00+00:00"))
    nominate_mps(world, nominators)
    world.clock.set(at("2020-01-13T14:30:01+00:00"))
    with pytest.raises(NominationsNotOpen, match="stage closed"):
        contests.nominate(
            **kw(world), contest_id="leader", nominator="mp-0200", candidate="lisa-nandy"
        )

    world.clock.set(at("2020-01-16T10:00:00+00:00"))
    clps = (f"clp-{i:03d}" for i in count(1))
    # Phillips gathers 6 CLPs, then withdraws (21 Jan); 5 of them re-nominate Nandy.
    phillips_clps = [next(clps) for _ in range(6)]
    for clp in phillips_clps:
        contests.nominate_by_affiliate(
            **kw(world), contest_id="leader", affiliate=clp, candidate="jess-phillips"
        )
    with pytest.raises(AlreadyNominated):
        contests.nominate_by_affiliate(
            **kw(world), contest_id="leader", affiliate=phillips_clps[0], candidate="lisa-nandy"
        )
    world.clock.set(at("2020-01-21T12:00:00+00:00"))
    contests.withdraw(**kw(world), contest_id="leader", candidate="jess-phillips")
    with pytest.raises(NotACandidate):
        contests.nominate_by_affiliate(
            **kw(world), contest_id="leader", affiliate=next(clps), candidate="jess-phillips"
        )
    for clp in phillips_clps[:5]:
        contests.nominate_by_affiliate(
            **kw(world), contest_id="leader", affiliate=clp, candidate="lisa-nandy"
        )
    fresh_clps = {"keir-starmer": 374, "rebecca-long-bailey": 164, "lisa-nandy": 72 - 5}
    fresh_clps["emily-thornberry"] = 31
    for candidate, n in fresh_clps.items():
        for _ in range(n):
            contests.nominate_by_affiliate(
                **kw(world), contest_id="leader", affiliate=next(clps), candidate=candidate
            )
    for candidate, affiliates in AFFILIATES.items():
        for a in affiliates:
            contests.nominate_by_affiliate(
                **kw(world), contest_id="leader", affiliate=a, candidate=candidate
            )
    world.clock.set(at("2020-02-14T17:00:01+00:00"))
    with pytest.raises(NominationsNotOpen):
        contests.nominate_by_affiliate(
            **kw(world), contest_id="leader", affiliate=next(clps), candidate="emily-thornberry"
        )
    closed = contests.close_nominations(**kw(world), contest_id="leader")
    assert set(closed.ballot) == {"keir-starmer", "rebecca-long-bailey", "lisa-nandy"}

    outcomes = contests.gate_outcomes(uow=world.uow, contest_id="leader")
    stage1 = {c: o.find("stage 1: PLP and EPLP") for c, o in outcomes.items()}
    assert {c: (s.count, s.required, s.denominator) for c, s in stage1.items()} == {
        c: (n, 22, 216) for c, n in MP_NOMINATIONS.items()
    }
    assert all(s.passed for s in stage1.values())
    assert stage1["keir-starmer"].snapshot_at == at("2020-01-07T09:00:00+00:00")
    clp_gate = {c: o.find("CLPs") for c, o in outcomes.items()}
    assert {c: clp_gate[c].count for c in CLP_NOMINATIONS} == CLP_NOMINATIONS
    assert {(g.required, g.denominator) for g in clp_gate.values()} == {(33, 648)}
    assert clp_gate["emily-thornberry"].count == 31
    assert not outcomes["emily-thornberry"].find("stage 2").passed
    assert not outcomes["emily-thornberry"].passed
    route = {c: outcomes[c].find("affiliates") for c in AFFILIATE_NOMINATIONS}
    assert {c: r.count for c, r in route.items()} == AFFILIATE_NOMINATIONS
    assert all(r.passed for r in route.values())
    assert route["lisa-nandy"].unions == 2
    assert route["lisa-nandy"].membership_total == 14 * 150_000 + 16 * 5_000
    assert outcomes["jess-phillips"].find("CLPs").count == 6  # withdrawn, kept on record

    register = {
        r.name: r.standing.value
        for r in contests.nomination_register_of(uow=world.uow, contest_id="leader")
    }
    assert register == {
        "Keir Starmer": "qualified",
        "Rebecca Long-Bailey": "qualified",
        "Lisa Nandy": "qualified",
        "Jess Phillips": "withdrawn",
        "Emily Thornberry": "not qualified",
    }
    with world.uow as uow:
        log = [e for e in uow.audit.iter() if e.action == "open_nominations"]
        renominated = [
            e.parameters
            for e in uow.audit.iter()
            if e.action == "nominate_by_affiliate" and e.parameters["renominated"]
        ]
    snapshots = {s["gate"]: s for s in log[0].parameters["gate_snapshots"]}
    assert snapshots["stage 1: PLP and EPLP"]["denominator"] == 216
    assert snapshots["CLPs"]["denominator"] == 648
    assert snapshots["affiliates"]["membership"] == 2_180_000
    assert len(renominated) == 5


def test_stage_two_is_open_only_to_those_who_passed_stage_one_and_21_mps_fail() -> None:
    world, nominators = labour_2020()
    world.clock.set(at("2020-01-10T12:00:00+00:00"))
    others = iter(n for n in nominators if n not in MP_NOMINATIONS)
    for _ in range(21):
        contests.nominate(
            **kw(world), contest_id="leader", nominator=next(others), candidate="lisa-nandy"
        )
    world.clock.set(at("2020-01-16T10:00:00+00:00"))
    with pytest.raises(NotACandidate, match="earlier stage"):
        contests.nominate_by_affiliate(
            **kw(world), contest_id="leader", affiliate="clp-001", candidate="lisa-nandy"
        )
    outcome = contests.gate_outcomes(uow=world.uow, contest_id="leader")["lisa-nandy"]
    stage1 = outcome.find("stage 1: PLP and EPLP")
    assert (stage1.count, stage1.required, stage1.passed) == (21, 22, False)
    assert outcome.find("stage 2").reached is False


def test_three_affiliates_with_one_union_fail_the_affiliate_route() -> None:
    from tellers.domain.gates import DenominatorSnapshot
    from tellers.domain.ids import AffiliateId, OrganisationId
    from tellers.domain.organisation import Affiliate

    route = GateNode(
        op=GateOp.AFFILIATE_ROUTE,
        name="affiliates",
        affiliate_kinds=(AffiliateKind.UNION, AffiliateKind.SOCIETY),
        min_affiliates=3,
        min_unions=2,
        min_membership_share=required_share_fraction("5%"),
    )

    def aff(i: str, kind: AffiliateKind, members: int) -> Affiliate:
        return Affiliate(
            id=AffiliateId(i),
            organisation_id=OrganisationId("labour"),
            name=i,
            kind=kind,
            affiliated_membership=members,
        )

    snap = {
        "affiliates": DenominatorSnapshot(
            node="affiliates", denominator=30, membership=2_180_000, at=at("2020-01-07T09:00:00")
        )
    }
    one_union = [
        aff("u1", AffiliateKind.UNION, 600_000),
        aff("s1", AffiliateKind.SOCIETY, 5_000),
        aff("s2", AffiliateKind.SOCIETY, 5_000),
    ]
    failed = evaluate(route, snapshots=snap, seat_nominations={}, affiliates=one_union)
    assert (failed.count, failed.unions, failed.passed) == (3, 1, False)
    two_small_unions = [
        aff("u1", AffiliateKind.UNION, 50_000),
        aff("u2", AffiliateKind.UNION, 50_000),
        aff("s1", AffiliateKind.SOCIETY, 5_000),
    ]
    # 105,000 of 2,180,000 is 4.8%: under 5%, the route fails on membership.
    small = evaluate(route, snapshots=snap, seat_nominations={}, affiliates=two_small_unions)
    assert (small.unions, small.membership, small.passed) == (2, 105_000, False)
    enough = [*two_small_unions[:2], aff("s1", AffiliateKind.SOCIETY, 9_000)]
    assert evaluate(route, snapshots=snap, seat_nominations={}, affiliates=enough).passed


def required_share_fraction(text: str) -> Any:
    from tellers.domain.spec import parse_share

    return parse_share(text)


@pytest.mark.parametrize(
    ("share", "denominator", "needed"),
    [("10%", 216, 22), ("5%", 648, 33), ("15%", 359, 54), ("15%", 317, 48), ("20%", 251, 51)],
)
def test_thresholds_round_up_in_integers(share: str, denominator: int, needed: int) -> None:
    assert required_share(required_share_fraction(share), denominator) == needed


def test_the_declaration_reports_each_gate_with_its_denominator_and_snapshot() -> None:
    world, nominators = labour_2020()
    world.clock.set(at("2020-01-10T12:00:00+00:00"))
    others = iter(n for n in nominators if n not in MP_NOMINATIONS)
    for _ in range(22):
        contests.nominate(
            **kw(world), contest_id="leader", nominator=next(others), candidate="keir-starmer"
        )
    world.clock.set(at("2020-01-16T10:00:00+00:00"))
    for i in range(1, 34):
        contests.nominate_by_affiliate(
            **kw(world), contest_id="leader", affiliate=f"clp-{i:03d}", candidate="keir-starmer"
        )
    closed = contests.close_nominations(**kw(world), contest_id="leader")
    assert closed.unopposed == "keir-starmer"
    declaration = results.declare(**kw(world), contest_id="leader")
    data = json.loads(declaration.json)
    gates = data["nominations"]["gates"]["keir-starmer"]
    stage1, stage2 = gates["children"]
    assert (stage1["count"], stage1["required"], stage1["denominator"]) == (22, 22, 216)
    assert stage1["snapshot_at"] == "2020-01-07T09:00:00.000000Z"
    assert stage2["children"][0]["count"] == 33
    assert stage2["children"][0]["denominator"] == 648
    assert stage2["children"][1]["passed"] is False
    assert "CLPs: passed: 33 of 33 needed (5% of 648, rounded up" in declaration.text


def test_an_absolute_minimum_of_100_mps_leaves_one_candidate_elected_unopposed() -> None:
    """Conservative leadership, October 2022: each candidate needed 100 MP nominations
    (of 357 MPs); Mordaunt withdrew short of them and Sunak was declared leader unopposed.
    Assumption: the nomination counts (Sunak 150, Mordaunt 90; not officially published)."""
    world = new_world("2022-10-20T18:00:00+01:00")
    organisations.create_organisation(**kw(world), organisation_id="cons", name="Conservatives")
    organisations.add_body(**kw(world), organisation_id="cons", body_id="mps", name="MPs")
    people.import_people(
        **kw(world),
        organisation_id="cons",
        rows=seat_rows(
            "mp", 357, "mps", date(2019, 12, 12), names=["Rishi Sunak", "Penny Mordaunt"]
        ),
    )
    spec = {
        "kind": "leadership",
        "title": "Conservative leadership, October 2022",
        "method": "plurality",
        "electorate": {
            "version": "1922 rules",
            "sections": [{"name": "members", "kind": "member"}],
        },
        "nominations": {
            "bodies": ["mps"],
            "snapshot_at": "2022-10-20T18:00:00+01:00",
            "gate": {"name": "100 MPs", "minimum": 100, "bodies": ["mps"]},
        },
    }
    contests.create_contest(**kw(world), organisation_id="cons", contest_id="oct-2022", spec=spec)
    contests.open_nominations(**kw(world), contest_id="oct-2022")
    nominate_range = iter(f"mp-{i:04d}" for i in range(3, 358))
    for candidate, n in (("rishi-sunak", 150), ("penny-mordaunt", 90)):
        for _ in range(n):
            contests.nominate(
                **kw(world),
                contest_id="oct-2022",
                nominator=next(nominate_range),
                candidate=candidate,
            )
    contests.withdraw(**kw(world), contest_id="oct-2022", candidate="penny-mordaunt")
    closed = contests.close_nominations(**kw(world), contest_id="oct-2022")
    assert closed.unopposed == "rishi-sunak"
    outcome = contests.gate_outcomes(uow=world.uow, contest_id="oct-2022")
    assert (outcome["rishi-sunak"].count, outcome["rishi-sunak"].required) == (150, 100)
    assert outcome["rishi-sunak"].denominator == 357
    assert not outcome["penny-mordaunt"].passed
    register = {
        r.name: r.as_dict()
        for r in contests.nomination_register_of(uow=world.uow, contest_id="oct-2022")
    }
    assert register["Rishi Sunak"]["required"] == 100
    assert register["Penny Mordaunt"]["standing"] == "withdrawn"
    declaration = results.declare(**kw(world), contest_id="oct-2022")
    assert "100 MPs: passed: 150 of 100 needed (at least 100 of 357" in declaration.text
    assert "Rishi Sunak is elected unopposed" in declaration.text


LABOUR_RULE_BOOK = {
    "name": "Labour rule book",
    "versions": [
        {
            "version": "2018 conference",
            "effective_from": "2018-09-26",
            "settings": {"contest": {"nominations": {"threshold": "10%"}}},
            "source": "vacancy: 10% of PLP+EPLP (the 2020 rules, README 1.5); date assumed",
        },
        {
            "version": "2021 conference",
            "effective_from": "2021-09-29",
            "settings": {"contest": {"nominations": {"threshold": "20%"}}},
            "source": "vacancy: 20% of the PLP (conference 2021); date assumed",
        },
    ],
}


@pytest.mark.parametrize(
    ("opened", "version", "required"),
    [("2020-01-07", "2018 conference", 22), ("2024-07-10", "2021 conference", 44)],
)
def test_a_contest_takes_its_threshold_from_the_rule_book_in_force_when_it_opens(
    opened: str, version: str, required: int
) -> None:
    from tellers.services import rulesets

    world, _ = labour_2020()
    rulesets.adopt_rule_set(
        **kw(world), organisation_id="labour", rules=LABOUR_RULE_BOOK, ruling="rule book"
    )
    spec = {
        "kind": "leadership",
        "title": "Leader",
        "method": "irv",
        "electorate": {"version": "v", "sections": [{"name": "members", "kind": "member"}]},
        "nominations": {
            "bodies": ["plp", "eplp"],
            "threshold": "50%",  # the rule book overrides what the spec says
            "snapshot_at": "2020-01-07T09:00:00+00:00",
        },
    }
    cid, applied = rulesets.create_contest_under_rules(
        **kw(world),
        organisation_id="labour",
        contest_id="vacancy",
        spec=spec,
        rule_set_name="Labour rule book",
        opened_on=date.fromisoformat(opened),
    )
    assert applied.version == version
    contest = contests.open_nominations(**kw(world), contest_id=cid)
    assert contest.rule_version == f"Labour rule book: {version}"
    assert contest.gate is not None
    assert (contest.gate.denominator, contest.gate.required) == (216, required)
    with world.uow as uow:
        created = [e.parameters for e in uow.audit.iter() if e.action == "create_contest"]
    assert created[-1]["rules"]["version"] == version
