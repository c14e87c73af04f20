"""Exhaustive ballots and electoral colleges through the real service path.

- Conservative MPs, July 2016 (politicsresources.net/area/uk/leaders/Cons-2016.htm; BBC
  news/uk-politics-36718196): 329 of 330 MPs voted. R1 May 165, Leadsom 66, Gove 48,
  Crabb 34, Fox 16: Fox eliminated, Crabb withdrew. R2 May 199, Leadsom 84, Gove 46:
  Gove eliminated. Leadsom withdrew on 11 July: May declared leader without a ballot of
  members.
- ALP, October 2013 (australianpolitics.com; pollbludger.net): caucus 55-31, members
  12,196-18,230, each section half: Shorten 52.02%, Albanese 47.98%.

Assumptions: every MP not voting is one person; the ALP members' roll is those who
voted (the eligible total was not in these sources).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from tellers.domain.membership import MembershipKind
from tellers.services import contests, credentials, organisations, people, results
from tellers.services.people import MembershipRow, PersonRow
from tests.unit.lifecycle_support import RO, Returns, World, at, cast_returns, new_world, seat_rows


def kw(world: World) -> dict[str, Any]:
    return {"uow": world.uow, "clock": world.clock, "officer": RO}


def ballot(world: World, cid: str, votes: dict[str, int]) -> dict[str, Any]:
    contests.open_voting(**kw(world), contest_id=cid)
    issued = credentials.issue_credentials(**kw(world), contest_id=cid)
    cast_returns(world, cid, issued, {"MPs": Returns(post=[((k,), n) for k, n in votes.items()])})
    contests.close_voting(**kw(world), contest_id=cid)
    results.count(**kw(world), contest_id=cid)
    data: dict[str, Any] = json.loads(results.declare(**kw(world), contest_id=cid).json)
    return data


def test_conservative_2016_mps_ballots_end_with_may_declared_without_a_members_ballot() -> None:
    world = new_world("2016-06-30T09:00:00+01:00")
    organisations.create_organisation(**kw(world), organisation_id="cons", name="Conservatives")
    organisations.add_body(**kw(world), organisation_id="cons", body_id="mps", name="MPs")
    names = ["Theresa May", "Andrea Leadsom", "Michael Gove", "Stephen Crabb", "Liam Fox"]
    people.import_people(
        **kw(world),
        organisation_id="cons",
        rows=seat_rows("mp", 330, "mps", date(2015, 5, 7), names=names),
    )
    keys = [n.lower().replace(" ", "-") for n in names]
    spec = {
        "kind": "election",
        "title": "Conservative leadership 2016: MPs' ballot",
        "method": "plurality",
        "candidates": [{"id": k, "name": n} for k, n in zip(keys, names, strict=True)],
        "exhaustive": {"remain": 2},
        "electorate": {
            "version": "1922 Committee procedure 2016",
            "sections": [{"name": "MPs", "kind": "seat", "bodies": ["mps"], "channels": ["post"]}],
        },
    }
    contests.create_contest(**kw(world), organisation_id="cons", contest_id="r1", spec=spec)
    world.clock.set(at("2016-07-05T11:00:00+01:00"))
    first = ballot(
        world,
        "r1",
        {"theresa-may": 165, "andrea-leadsom": 66, "michael-gove": 48, "stephen-crabb": 34,
         "liam-fox": 16},
    )  # fmt: skip
    assert (first["eligible"], first["returned"]) == (330, 329)
    decision = contests.next_exhaustive_round(
        **kw(world), contest_id="r1", next_contest_id="r2", withdrawn=("stephen-crabb",)
    )
    assert decision.eliminated == ("liam-fox", "stephen-crabb")
    assert "lowest (16): liam-fox" in decision.reason
    second_contest = contests.get_contest(uow=world.uow, contest_id="r2")
    assert [c.id for c in second_contest.candidates] == [
        "theresa-may",
        "andrea-leadsom",
        "michael-gove",
    ]
    assert second_contest.exhaustive_round == 2
    world.clock.set(at("2016-07-07T11:00:00+01:00"))
    second = ballot(world, "r2", {"theresa-may": 199, "andrea-leadsom": 84, "michael-gove": 46})
    assert second["tallies"]["theresa-may"]["votes"] == 199
    world.clock.set(at("2016-07-11T12:00:00+01:00"))
    final = contests.next_exhaustive_round(
        **kw(world), contest_id="r2", next_contest_id="r3", withdrawn=("andrea-leadsom",)
    )
    assert final.eliminated == ("michael-gove", "andrea-leadsom")
    assert final.finished
    assert final.declared == "theresa-may"
    with world.uow as uow:
        logged = [e.parameters for e in uow.audit.iter() if e.action == "exhaustive_round"]
    assert logged[-1]["declared_without_ballot"] == "theresa-may"
    assert logged[0]["next_contest"] == "r2"
    assert logged[-1]["next_contest"] is None
    import pytest

    from tellers.domain.errors import NotFound

    with pytest.raises(NotFound):
        contests.get_contest(uow=world.uow, contest_id="r3")


def test_alp_2013_college_through_the_services_elects_shorten() -> None:
    world = new_world("2013-09-01T09:00:00+10:00")
    organisations.create_organisation(**kw(world), organisation_id="alp", name="Australian Labor")
    organisations.add_body(**kw(world), organisation_id="alp", body_id="caucus", name="Caucus")
    mps = seat_rows("mp", 86, "caucus", date(2013, 9, 7))
    members = [
        PersonRow(
            id=f"m{i:06d}",
            name=f"Member {i}",
            memberships=(MembershipRow(kind=MembershipKind.MEMBER, start=date(2012, 1, 1)),),
        )
        for i in range(12_196 + 18_230)
    ]
    people.import_people(**kw(world), organisation_id="alp", rows=mps + members)
    spec = {
        "kind": "election",
        "title": "ALP leadership, October 2013",
        "method": "plurality",
        "candidates": [
            {"id": "shorten", "name": "Bill Shorten"},
            {"id": "albanese", "name": "Anthony Albanese"},
        ],
        "college": {
            "mode": "first preferences",
            "sections": [{"name": "caucus", "weight": "1/2"}, {"name": "members", "weight": "50%"}],
        },
        "electorate": {
            "version": "ALP national rules 2013",
            "sections": [
                {"name": "caucus", "kind": "seat", "bodies": ["caucus"]},
                {"name": "members", "kind": "member"},
            ],
        },
    }
    contests.create_contest(**kw(world), organisation_id="alp", contest_id="alp-2013", spec=spec)
    world.clock.set(at("2013-09-20T09:00:00+10:00"))
    contests.open_voting(**kw(world), contest_id="alp-2013")
    issued = credentials.issue_credentials(**kw(world), contest_id="alp-2013")
    cast_returns(
        world,
        "alp-2013",
        issued,
        {
            "caucus": Returns(online=[(("shorten",), 55), (("albanese",), 31)]),
            "members": Returns(online=[(("shorten",), 12_196), (("albanese",), 18_230)]),
        },
    )
    world.clock.set(at("2013-10-13T12:00:00+11:00"))
    contests.close_voting(**kw(world), contest_id="alp-2013")
    result = results.count(**kw(world), contest_id="alp-2013")
    assert result.winners == ("shorten",)
    declaration = results.declare(**kw(world), contest_id="alp-2013")
    data = json.loads(declaration.json)
    combined = data["college"]["rounds"][0]["combined"]
    assert combined["shorten"]["percent"] == "52.02"
    assert combined["albanese"]["percent"] == "47.98"
    sections = {s["section"]: s for s in data["college"]["rounds"][0]["sections"]}
    assert sections["caucus"]["shares"]["shorten"]["percent"] == "63.95"
    assert sections["members"]["shares"]["shorten"]["percent"] == "40.08"
    # Pooled votes would have elected Albanese (18,261 to 12,251): the college decides.
    assert data["tallies"]["albanese"]["votes"] > data["tallies"]["shorten"]["votes"]
    assert data["winners"] == ["Bill Shorten"]
    assert "Bill Shorten 52.02%" in declaration.text


def test_re_open_nominations_wins_a_branch_election_through_the_services() -> None:
    """Illustrative (no published source): one candidate and RON; RON wins 6 to 4."""
    world = new_world("2024-01-10T09:00:00+00:00")
    organisations.create_organisation(**kw(world), organisation_id="branch", name="A branch")
    rows = [
        PersonRow(
            id=f"b-{i:02d}",
            name=f"Member {i}",
            memberships=(MembershipRow(kind=MembershipKind.MEMBER, start=date(2020, 1, 1)),),
        )
        for i in range(12)
    ]
    people.import_people(**kw(world), organisation_id="branch", rows=rows)
    spec = {
        "kind": "election",
        "title": "Branch secretary 2024",
        "method": "irv",
        "candidates": [{"id": "alex", "name": "Alex"}],
        "re_open_nominations": True,
        "electorate": {
            "version": "branch rules",
            "sections": [{"name": "members", "kind": "member"}],
        },
    }
    contests.create_contest(**kw(world), organisation_id="branch", contest_id="sec", spec=spec)
    opened = contests.open_voting(**kw(world), contest_id="sec")
    assert opened.ballot == ("alex", "ron")
    issued = credentials.issue_credentials(**kw(world), contest_id="sec")
    cast_returns(
        world, "sec", issued, {"members": Returns(online=[(("ron",), 6), (("alex", "ron"), 4)])}
    )
    contests.close_voting(**kw(world), contest_id="sec")
    results.count(**kw(world), contest_id="sec")
    declaration = results.declare(**kw(world), contest_id="sec")
    data = json.loads(declaration.json)
    assert data["reopens_nominations"] is True
    assert data["winners"] == ["Re-open nominations (RON)"]
    assert "nobody is elected; nominations re-open" in declaration.text
