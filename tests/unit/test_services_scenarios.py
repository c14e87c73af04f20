"""End-to-end replays of the real-world scenarios through the service layer.

Every ballot is cast through ``cast_ballot`` or entered through
``enter_postal_batch`` on the in-memory unit of work; the expected figures are the
published ones (see ``scenario_figures.py`` for sources and for the assumptions that
fill what was not published). S4 and S5 replay the full electorates (553,954 and
654,006 voters); they are marked ``slow``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from tellers.domain.ballot import RejectionReason
from tellers.domain.errors import CredentialVoided
from tellers.domain.ids import ContestId
from tellers.domain.membership import MembershipKind
from tellers.domain.organisation import AffiliateKind
from tellers.domain.postal import PaperEntry, PaperOutcome
from tellers.domain.roll import IssuedCredential
from tellers.services import contests, credentials, organisations, people, results, voting
from tellers.services.people import MembershipRow, PersonRow
from tests.unit import scenario_figures as fig
from tests.unit.lifecycle_support import (
    RO,
    TELLER,
    Returns,
    World,
    at,
    cast_returns,
    new_world,
    seat_rows,
)


def kw(world: World) -> dict[str, Any]:
    return {"uow": world.uow, "clock": world.clock, "officer": RO}


def labour(world: World) -> None:
    organisations.create_organisation(**kw(world), organisation_id="labour", name="Labour Party")


# --- S1 -------------------------------------------------------------------------------


def test_s1_plp_confidence_motion_is_carried_as_an_advisory_motion() -> None:
    world = new_world("2016-06-28T16:00:00")
    labour(world)
    organisations.add_body(
        **kw(world), organisation_id="labour", body_id="plp", name="Parliamentary Labour Party"
    )
    people.import_people(
        **kw(world),
        organisation_id="labour",
        rows=seat_rows("mp", fig.S1_ELIGIBLE, "plp", date(2015, 5, 7)),
    )
    spec = {
        "kind": "motion",
        "title": "PLP confidence motion, 28 June 2016",
        "question": (
            "That this PLP has no confidence in Jeremy Corbyn"
            " as Leader of the Parliamentary Labour Party."
        ),
        "motion": {"basis": "valid votes", "binding": False},
        "electorate": {
            "version": "PLP standing orders 2016",
            "sections": [
                {
                    "name": "PLP",
                    "kind": "seat",
                    "bodies": ["plp"],
                    "current_on": "2016-06-28",
                    "channels": ["post"],
                }
            ],
        },
    }
    contests.create_contest(**kw(world), organisation_id="labour", contest_id="plp", spec=spec)
    contests.open_voting(**kw(world), contest_id="plp")
    issued = credentials.issue_credentials(**kw(world), contest_id="plp")
    returns = Returns(
        post=[(("yes",), fig.S1_YES), (("no",), fig.S1_NO)],
        spoilt_post=[(RejectionReason.UNCERTAIN, fig.S1_SPOILT)],
    )
    cast_returns(world, "plp", issued, {"PLP": returns})
    contests.close_voting(**kw(world), contest_id="plp")
    results.count(**kw(world), contest_id="plp")
    declaration = results.declare(**kw(world), contest_id="plp")
    data = json.loads(declaration.json)
    motion = data["motion"]
    assert motion["carried"] is True
    assert motion["status"] == "advisory (non-binding)"
    assert (motion["yes"], motion["no"], motion["margin"]) == (172, 40, 132)
    assert data["spoilt"] == 4
    assert data["eligible"] - data["returned"] == 13
    assert data["turnout"] == {"numerator": 216, "denominator": 229, "percent": "94.3"}
    assert data["tallies"]["yes"]["of_valid"]["percent"] == "81.1"
    assert motion["yes_of_cast"]["percent"] == "79.6"
    assert "advisory (non-binding)" in declaration.text
    assert "turnout 94.3%" in declaration.text
    # The counting engine's motion rule states the same arithmetic.
    assert data["count"]["method"] == "motion"
    assert data["count"]["rounds"][0]["tallies"] == {"Yes": "172", "No": "40", "Abstain": "0"}
    # Only participation is published: 216 names, and no ballot says whose it is.
    voters = contests.participation_list(
        uow=world.uow, clock=world.clock, officer=RO, contest_id="plp"
    )
    assert len(voters) == 216
    board = voting.bulletin_board(uow=world.uow, contest_id="plp")
    assert len(board) == 216
    assert not any(pid in repr(board) for pid in voters)


# --- S2 -------------------------------------------------------------------------------


def s2_world(*, incumbent_on_ballot: bool) -> tuple[World, list[str]]:
    world = new_world("2016-07-12T09:00:00")
    labour(world)
    organisations.add_body(**kw(world), organisation_id="labour", body_id="plp", name="PLP")
    organisations.add_body(**kw(world), organisation_id="labour", body_id="eplp", name="EPLP")
    mps = seat_rows(
        "mp",
        fig.S2_PLP,
        "plp",
        date(2015, 5, 7),
        names=["Jeremy Corbyn", "Owen Smith", "Angela Eagle"],
    )
    meps = seat_rows("mep", fig.S2_EPLP, "eplp", date(2014, 5, 22))
    people.import_people(**kw(world), organisation_id="labour", rows=mps + meps)
    spec = {
        "kind": "leadership",
        "title": "Labour leadership challenge 2016",
        "method": "irv",
        "rule_version": "Labour rule book 2016, ch. 4",
        "electorate": {
            "version": "NEC 2016-07-12",
            "sections": [{"name": "members", "kind": "member"}],
        },
        "nominations": {
            "bodies": ["plp", "eplp"],
            "threshold": fig.S2_THRESHOLD,
            "snapshot_at": "2016-07-12T09:00:00+01:00",
            "snapshot_label": "nominations open",
            "incumbent": "jeremy-corbyn",
            "incumbent_on_ballot": False,
            "allow_self_nomination": True,
        },
    }
    contests.create_contest(
        **kw(world), organisation_id="labour", contest_id="leader-2016", spec=spec
    )
    ruling = (
        fig.S2_RULING
        if incumbent_on_ballot
        else "NEC: the incumbent must be nominated like any challenger"
    )
    contests.amend_incumbent_rule(
        **kw(world),
        contest_id="leader-2016",
        incumbent_on_ballot=incumbent_on_ballot,
        ruling=ruling,
    )
    contests.open_nominations(**kw(world), contest_id="leader-2016")
    nominators = [
        r.id for r in mps + meps if r.id not in {"jeremy-corbyn", "owen-smith", "angela-eagle"}
    ]
    return world, nominators


def nominate_all(world: World, nominators: Iterator[str], candidate: str, n: int) -> None:
    for _ in range(n):
        contests.nominate(
            **kw(world), contest_id="leader-2016", nominator=next(nominators), candidate=candidate
        )


def test_s2_challenge_gate_puts_the_incumbent_and_smith_on_the_ballot() -> None:
    world, nominators = s2_world(incumbent_on_ballot=True)
    it = iter(nominators)
    nominate_all(world, it, "owen-smith", fig.S2_SMITH)
    nominate_all(world, it, "angela-eagle", fig.S2_EAGLE)
    contests.withdraw(**kw(world), contest_id="leader-2016", candidate="angela-eagle")
    closed = contests.close_nominations(**kw(world), contest_id="leader-2016")
    assert closed.gate is not None
    assert (closed.gate.denominator, closed.gate.required) == (fig.S2_DENOMINATOR, 51)
    assert set(closed.ballot) == {"jeremy-corbyn", "owen-smith"}
    assert closed.unopposed is None
    register = {
        row.name: row.as_dict()
        for row in contests.nomination_register_of(uow=world.uow, contest_id="leader-2016")
    }
    assert register["Angela Eagle"]["standing"] == "withdrawn (qualified)"
    assert register["Angela Eagle"]["nominations"] == 72
    assert register["Jeremy Corbyn"]["nominations"] == 0
    assert register["Jeremy Corbyn"]["on_ballot"] is True
    assert register["Owen Smith"]["nominations"] == 90
    with world.uow as uow:
        rulings = [e.parameters for e in uow.audit.iter() if e.action == "amend_incumbent_rule"]
    assert rulings == [
        {"contest": "leader-2016", "incumbent_on_ballot": True, "ruling": fig.S2_RULING}
    ]
    assert "18-14, 12 Jul 2016" in rulings[0]["ruling"]


def test_s2_variant_without_the_incumbent_rule_excludes_corbyn_and_smith_is_unopposed() -> None:
    world, nominators = s2_world(incumbent_on_ballot=False)
    it = iter(nominators)
    nominate_all(world, it, "owen-smith", fig.S2_SMITH)
    nominate_all(world, it, "angela-eagle", fig.S2_EAGLE)
    contests.withdraw(**kw(world), contest_id="leader-2016", candidate="angela-eagle")
    closed = contests.close_nominations(**kw(world), contest_id="leader-2016")
    assert closed.ballot == ("owen-smith",)
    register = {
        r.name: r.standing.value
        for r in contests.nomination_register_of(uow=world.uow, contest_id="leader-2016")
    }
    assert register["Jeremy Corbyn"] == "not qualified"
    declaration = results.declare(**kw(world), contest_id="leader-2016")
    data = json.loads(declaration.json)
    assert data["unopposed"] is True
    assert data["winners"] == ["Owen Smith"]
    assert data["nominations"]["denominator"] == 251
    assert data["nominations"]["required"] == 51
    assert "elected unopposed" in declaration.text


def test_s2_nominators_must_hold_a_seat_and_nominate_once() -> None:
    from tellers.domain.errors import AlreadyNominated, NotANominator

    world, nominators = s2_world(incumbent_on_ballot=True)
    people.import_people(
        **kw(world),
        organisation_id="labour",
        rows=[
            PersonRow(
                id="member-1",
                name="A Member",
                memberships=(MembershipRow(kind=MembershipKind.MEMBER, start=date(2010, 1, 1)),),
            )
        ],
    )
    with pytest.raises(NotANominator):
        contests.nominate(
            **kw(world), contest_id="leader-2016", nominator="member-1", candidate="owen-smith"
        )
    contests.nominate(
        **kw(world), contest_id="leader-2016", nominator=nominators[0], candidate="angela-eagle"
    )
    with pytest.raises(AlreadyNominated):
        contests.nominate(
            **kw(world), contest_id="leader-2016", nominator=nominators[0], candidate="owen-smith"
        )
    # After Eagle withdraws, her nominators may nominate someone else before the close.
    contests.withdraw(**kw(world), contest_id="leader-2016", candidate="angela-eagle")
    contests.nominate(
        **kw(world), contest_id="leader-2016", nominator=nominators[0], candidate="owen-smith"
    )


# --- S4 and S5: full OMOV electorates ---------------------------------------------------


def omov_rows(section_sizes: dict[str, int], *, extra: bool) -> Iterator[PersonRow]:
    """People for each section (members, affiliated and registered supporters).

    With ``extra``: 1,000 members who also paid as registered supporters (they vote once,
    as members) and 500 people refused (joined after the freeze, or paid too late).
    """
    joined = date(2014, 3, 1)
    paid = at("2015-08-10T12:00:00+01:00")
    for i in range(section_sizes["members"]):
        ms = [MembershipRow(kind=MembershipKind.MEMBER, start=joined)]
        if extra and i < 1000:
            ms.append(
                MembershipRow(
                    kind=MembershipKind.REGISTERED_SUPPORTER,
                    start=paid.date(),
                    fee_paid_at=paid,
                    fee_pence=300,
                )
            )
        yield PersonRow(id=f"m{i:07d}", name=f"Member {i}", memberships=tuple(ms))
    for i in range(section_sizes["affiliated supporters"]):
        yield PersonRow(
            id=f"a{i:07d}",
            name=f"Affiliate {i}",
            memberships=(
                MembershipRow(
                    kind=MembershipKind.AFFILIATED_SUPPORTER, start=joined, affiliate_id="unite"
                ),
            ),
        )
    for i in range(section_sizes["registered supporters"]):
        yield PersonRow(
            id=f"r{i:07d}",
            name=f"Supporter {i}",
            memberships=(
                MembershipRow(
                    kind=MembershipKind.REGISTERED_SUPPORTER,
                    start=paid.date(),
                    fee_paid_at=paid,
                    fee_pence=300,
                ),
            ),
        )
    if extra:
        late = at("2015-08-12T12:00:01+01:00")
        for i in range(500):
            refused = (
                MembershipRow(kind=MembershipKind.MEMBER, start=date(2015, 8, 13))
                if i % 2
                else MembershipRow(
                    kind=MembershipKind.REGISTERED_SUPPORTER,
                    start=late.date(),
                    fee_paid_at=late,
                    fee_pence=300,
                )
            )
            yield PersonRow(id=f"x{i:07d}", name=f"Refused {i}", memberships=(refused,))


def omov_spec(
    title: str,
    candidates: list[tuple[str, str]],
    freeze: str,
    window: tuple[str, str],
    member_channels: list[str],
) -> dict[str, Any]:
    return {
        "kind": "election",
        "title": title,
        "method": "irv",
        "seed": 20150910,
        "candidates": [{"id": cid, "name": name} for cid, name in candidates],
        "electorate": {
            "version": title + " procedural guidelines",
            "sections": [
                {
                    "name": "members",
                    "kind": "member",
                    "joined_on_or_before": freeze,
                    "channels": member_channels,
                },
                {
                    "name": "affiliated supporters",
                    "kind": "affiliated supporter",
                    "joined_on_or_before": freeze,
                    "channels": ["online"],
                },
                {
                    "name": "registered supporters",
                    "kind": "registered supporter",
                    "fee_window": {"opens": window[0], "closes": window[1]},
                    "channels": ["online"],
                },
            ],
        },
    }


def omov_world(
    section_sizes: dict[str, int], spec: dict[str, Any], contest_id: str, *, extra: bool
) -> tuple[World, list[IssuedCredential]]:
    world = new_world("2015-08-01T09:00:00")
    labour(world)
    organisations.add_affiliate(
        **kw(world),
        organisation_id="labour",
        affiliate_id="unite",
        name="Unite",
        kind=AffiliateKind.UNION,
        affiliated_membership=1_000_000,
    )
    people.import_people(
        **kw(world), organisation_id="labour", rows=omov_rows(section_sizes, extra=extra)
    )
    contests.create_contest(**kw(world), organisation_id="labour", contest_id=contest_id, spec=spec)
    world.clock.set(at("2015-08-14T09:00:00+01:00"))
    contests.open_voting(**kw(world), contest_id=contest_id)
    issued = list(credentials.issue_credentials(**kw(world), contest_id=contest_id))
    return world, issued


@pytest.mark.slow
def test_s4_2015_corbyn_elected_in_round_one_with_published_section_shares() -> None:
    spec = omov_spec(
        "Labour leadership 2015",
        [
            ("burnham", "Andy Burnham"),
            ("cooper", "Yvette Cooper"),
            ("corbyn", "Jeremy Corbyn"),
            ("kendall", "Liz Kendall"),
        ],
        "2015-08-12",
        ("2015-06-15T00:00:00+01:00", "2015-08-12T12:00:00+01:00"),
        ["online", "post"],
    )
    world, issued = omov_world(fig.S4_SECTION_ELIGIBLE, spec, "leader-2015", extra=True)
    later = {
        "burnham": ("burnham", "cooper"),
        "kendall": ("kendall", "cooper"),
        "cooper": ("cooper", "burnham"),
        "corbyn": ("corbyn",),
    }
    returns: dict[str, Returns] = {}
    for section, votes in fig.S4_FIRST_PREFERENCES.items():
        if section == "members":
            postal = {"corbyn": fig.S4_MEMBERS_POSTAL_VALID}
            online = [(later[c], n - postal.get(c, 0)) for c, n in votes.items()]
            returns[section] = Returns(
                online=online,
                post=[(later["corbyn"], fig.S4_MEMBERS_POSTAL_VALID)],
                spoilt_post=[(RejectionReason.TOO_MANY_MARKS, fig.S4_INVALID)],
            )
        else:
            returns[section] = Returns(online=[(later[c], n) for c, n in votes.items()])
    cast_returns(world, "leader-2015", issued, returns)
    contests.close_voting(**kw(world), contest_id="leader-2015")
    result = results.count(**kw(world), contest_id="leader-2015")
    declaration = results.declare(**kw(world), contest_id="leader-2015")
    data = json.loads(declaration.json)

    assert result.count is not None
    assert result.winners == ("corbyn",)
    assert len(result.count.rounds) == 1  # no transfer rounds
    assert result.count.rounds[0].tallies == {
        "Andy Burnham": 80_462,
        "Yvette Cooper": 71_928,
        "Jeremy Corbyn": 251_417,
        "Liz Kendall": 18_857,
    }
    assert (data["eligible"], data["returned"], data["valid"], data["spoilt"]) == (
        fig.S4_ELIGIBLE,
        fig.S4_RETURNED,
        fig.S4_VALID,
        fig.S4_RETURNED - fig.S4_VALID,
    )
    assert data["spoilt"] == 207
    assert data["turnout"]["percent"] == "76.3"
    assert data["tallies"]["corbyn"]["of_valid"]["percent"] == "59.5"
    shares = {s["section"]: s["tallies"]["corbyn"]["of_valid"]["percent"] for s in data["sections"]}
    assert shares == {
        "members": "49.6",
        "registered supporters": "83.8",
        "affiliated supporters": "57.6",
    }
    for s in data["sections"]:
        assert {k: v["votes"] for k, v in s["tallies"].items()} == fig.S4_FIRST_PREFERENCES[
            s["section"]
        ]
    assert "Elected: Jeremy Corbyn." in declaration.text
    # The members who also paid as supporters voted once, as members; the late were refused.
    with world.uow as uow:
        refused = [e for e in uow.roll.iter(ContestId("leader-2015")) if e.section is None]
    assert len(refused) == 500


@pytest.mark.slow
def test_s5_2016_corbyn_v_smith_turnout_includes_spoilt_and_channels_are_split() -> None:
    spec = omov_spec(
        "Labour leadership 2016",
        [("corbyn", "Jeremy Corbyn"), ("smith", "Owen Smith")],
        "2016-01-12",
        ("2016-07-18T17:00:00+01:00", "2016-07-20T17:00:00+01:00"),
        ["online", "post"],
    )
    spec["reissue_cutoff"] = "2016-09-19T17:00:00+01:00"
    sizes = fig.S5_SECTION_ELIGIBLE
    world = new_world("2016-07-01T09:00:00")
    labour(world)
    organisations.add_affiliate(
        **kw(world),
        organisation_id="labour",
        affiliate_id="unite",
        name="Unite",
        kind=AffiliateKind.UNION,
        affiliated_membership=1_000_000,
    )
    rows = []
    for row in omov_rows(sizes, extra=False):
        if row.id.startswith("r"):  # supporters paid in the 2016 window
            paid = at("2016-07-19T12:00:00+01:00")
            row = PersonRow(
                id=row.id,
                name=row.name,
                memberships=(
                    MembershipRow(
                        kind=MembershipKind.REGISTERED_SUPPORTER,
                        start=paid.date(),
                        fee_paid_at=paid,
                        fee_pence=2500,
                    ),
                ),
            )
        rows.append(row)
    people.import_people(**kw(world), organisation_id="labour", rows=rows)
    contests.create_contest(
        **kw(world), organisation_id="labour", contest_id="leader-2016", spec=spec
    )
    world.clock.set(at("2016-08-22T09:00:00+01:00"))
    contests.open_voting(**kw(world), contest_id="leader-2016")
    issued = list(credentials.issue_credentials(**kw(world), contest_id="leader-2016"))
    assert len(issued) == fig.S5_DISTRIBUTED

    # Ten registered supporters ask for a reissue before the cut-off; the old codes die.
    world.clock.set(at("2016-09-19T16:59:59+01:00"))
    replaced: dict[str, IssuedCredential] = {}
    for old in [c for c in issued if c.section == "registered supporters"][:10]:
        replaced[old.person_id] = credentials.reissue_credential(
            **kw(world), contest_id="leader-2016", person_id=old.person_id
        )
    with pytest.raises(CredentialVoided):
        voting.cast_ballot(
            uow=world.uow,
            contest_id="leader-2016",
            credential=next(c for c in issued if c.person_id in replaced).code,
            ranking=["corbyn"],
        )
    issued = [replaced.get(c.person_id, c) for c in issued]

    returns: dict[str, Returns] = {}
    for section, votes in fig.S5_VOTES.items():
        postal = fig.S5_MEMBERS_POSTAL if section == "members" else {}
        returns[section] = Returns(
            online=[((c,), n - postal.get(c, 0)) for c, n in votes.items()],
            post=[((c,), n) for c, n in postal.items()],
            spoilt_post=[(RejectionReason.UNMARKED, 600), (RejectionReason.TOO_MANY_MARKS, 442)]
            if section == "members"
            else [],
        )
    cast_returns(world, "leader-2016", issued, returns)

    # 25 members who voted online also post their paper back: the first return counts.
    with world.uow as uow:
        online_members = [
            e.person_id
            for e in uow.roll.iter(ContestId("leader-2016"))
            if e.section == "members"
            and e.voted_channel is not None
            and e.voted_channel.value == "online"
        ][:25]
    paper_of = {c.person_id: c.paper_number for c in issued}
    dupes = voting.enter_postal_batch(
        uow=world.uow,
        clock=world.clock,
        officer=TELLER,
        contest_id="leader-2016",
        papers=[
            PaperEntry(paper_number=paper_of[p] or 0, ranking=("smith",)) for p in online_members
        ],
    )
    assert dupes.counted == 0
    assert {o for _, o in dupes.refused} == {PaperOutcome.DUPLICATE_RETURN}
    assert len(dupes.refused) == 25

    world.clock.set(at("2016-09-21T12:00:00+01:00"))
    contests.close_voting(**kw(world), contest_id="leader-2016")
    result = results.count(**kw(world), contest_id="leader-2016")
    recount = results.recount(**kw(world), contest_id="leader-2016")
    assert recount.matches_first
    declaration = results.declare(**kw(world), contest_id="leader-2016")
    data = json.loads(declaration.json)

    assert result.winners == ("corbyn",)
    assert data["tallies"]["corbyn"]["votes"] == 313_209
    assert data["tallies"]["smith"]["votes"] == 193_229
    assert data["valid"] == fig.S5_VALID
    assert data["spoilt"] == fig.S5_SPOILT
    assert data["eligible"] == fig.S5_DISTRIBUTED
    assert data["tallies"]["corbyn"]["of_valid"]["percent"] == "61.8"
    assert data["tallies"]["smith"]["of_valid"]["percent"] == "38.2"
    assert data["turnout"] == {"numerator": 507_480, "denominator": 654_006, "percent": "77.6"}
    assert "77.4" not in declaration.text
    assert "turnout 77.6%" in declaration.text
    sections = {s["section"]: s for s in data["sections"]}
    for name, votes in fig.S5_VOTES.items():
        assert {k: v["votes"] for k, v in sections[name]["tallies"].items()} == votes
    members_post = sum(fig.S5_MEMBERS_POSTAL.values()) + fig.S5_SPOILT
    assert sections["members"]["by_channel"] == {"online": 285_176 - 30_000, "post": members_post}
    assert sections["registered supporters"]["by_channel"] == {"online": 121_517}
    assert sections["affiliated supporters"]["by_channel"] == {"online": 99_745}
    assert data["by_channel"] == {"online": 507_480 - members_post, "post": members_post}
    assert data["spoilt_by_reason"] == {"too-many-marks": 442, "unmarked": 600}


def test_nominations_respect_self_nomination_and_the_closing_instant() -> None:
    from tellers.domain.errors import NominationsNotOpen, SelfNominationNotAllowed

    world = new_world("2016-07-12T09:00:00")
    labour(world)
    organisations.add_body(**kw(world), organisation_id="labour", body_id="plp", name="PLP")
    people.import_people(
        **kw(world),
        organisation_id="labour",
        rows=seat_rows("mp", 10, "plp", date(2015, 5, 7), names=["Owen Smith"]),
    )
    spec = {
        "kind": "leadership",
        "title": "Leader",
        "method": "irv",
        "electorate": {"version": "v", "sections": [{"name": "members", "kind": "member"}]},
        "nominations": {
            "bodies": ["plp"],
            "threshold": "20%",
            "snapshot_at": "2016-07-12T09:00:00+01:00",
            "allow_self_nomination": False,
            "closes_at": "2016-07-20T17:00:00+01:00",
        },
    }
    contests.create_contest(**kw(world), organisation_id="labour", contest_id="c", spec=spec)
    contests.open_nominations(**kw(world), contest_id="c")
    with pytest.raises(SelfNominationNotAllowed):
        contests.nominate(
            **kw(world), contest_id="c", nominator="owen-smith", candidate="owen-smith"
        )
    contests.nominate(**kw(world), contest_id="c", nominator="mp-0002", candidate="owen-smith")
    world.clock.set(at("2016-07-20T17:00:01+01:00"))
    with pytest.raises(NominationsNotOpen, match="closed at"):
        contests.nominate(**kw(world), contest_id="c", nominator="mp-0003", candidate="owen-smith")
    # One nomination of the ceil(20% of 10) = 2 needed: nobody qualifies, nothing changes.
    from tellers.domain.errors import NoCandidates

    with pytest.raises(NoCandidates):
        contests.close_nominations(**kw(world), contest_id="c")
    contest = contests.get_contest(uow=world.uow, contest_id="c")
    assert contest.gate is not None
    assert contest.gate.required == 2
    assert contest.phase.value == "nominations open"
