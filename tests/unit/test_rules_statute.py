"""S11: statutory industrial action ballots under versioned rules; notices and reports.

PCS 2018 (README S11): entitled 142,438; Yes 50,726; No 8,528; under "TUA-2016" no
mandate (turnout 41.6% < 50%, although 85.6% voted Yes); under "ERA-2025, turnout
repealed" the same data give a mandate valid for 12 months. RCN 2023 variant
(important public services): fails both 50% turnout (43.6%) and 40% support (35.7%)
under TUA 2016; after 18 Feb 2026 only the turnout test remains, until its repeal.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tellers.domain.errors import NotFound
from tellers.domain.membership import MembershipKind
from tellers.domain.ruleset import NoRuleInForce
from tellers.domain.statute import (
    INDUSTRIAL_ACTION,
    IndustrialActionRules,
    decide_question,
    latest_reelection_date,
    percent_text,
)
from tellers.formats.pdf import notice_pdf, notice_story, scrutineer_pdf
from tellers.formats.union_reports import notice_json, notice_text, scrutineer_json, scrutineer_text
from tellers.services import contests, credentials, organisations, people, results, rulesets
from tellers.services.people import MembershipRow, PersonRow
from tests.unit import rules_figures as fig
from tests.unit.lifecycle_support import RO, Returns, World, at, cast_returns, new_world


def kw(world: World) -> dict[str, Any]:
    return {"uow": world.uow, "clock": world.clock, "officer": RO}


def rules(version: str) -> IndustrialActionRules:
    return IndustrialActionRules.from_version(
        INDUSTRIAL_ACTION.name, INDUSTRIAL_ACTION.version(version)
    )


@pytest.mark.parametrize(
    ("opened", "version"),
    [
        ("2017-02-28", "pre-TUA-2016"),
        ("2017-03-01", "TUA-2016"),
        ("2018-06-26", "TUA-2016"),
        ("2026-02-17", "TUA-2016"),
        ("2026-02-18", "ERA-2025"),
        ("2030-01-01", "ERA-2025"),
    ],
)
def test_the_rule_version_is_the_one_in_force_on_the_day_the_ballot_opened(
    opened: str, version: str
) -> None:
    assert INDUSTRIAL_ACTION.in_force_on(date.fromisoformat(opened)).version == version


def test_the_turnout_repeal_has_no_date_yet_and_is_never_in_force_until_one_is_set() -> None:
    repeal = INDUSTRIAL_ACTION.version("ERA-2025-turnout-repeal")
    assert repeal.effective_from is None
    assert not repeal.is_commenced
    commenced = INDUSTRIAL_ACTION.commenced("ERA-2025-turnout-repeal", date(2026, 10, 1))
    assert commenced.in_force_on(date(2026, 9, 30)).version == "ERA-2025"
    assert commenced.in_force_on(date(2026, 10, 1)).version == "ERA-2025-turnout-repeal"
    with pytest.raises(NoRuleInForce):
        INDUSTRIAL_ACTION.in_force_on(date(1990, 1, 1))


def test_s11_rcn_2023_variant_fails_both_thresholds_then_only_turnout_after_2026() -> None:
    rcn = fig.S11_RCN
    tua = decide_question(
        rules("TUA-2016"),
        question="strike",
        important_public_services=True,
        ballot_date=date(2023, 11, 3),
        **rcn,
    )
    turnout, support = tua.check("turnout"), tua.check("support")
    assert turnout is not None
    assert support is not None
    assert (turnout.met, support.met, tua.mandate) == (False, False, False)
    assert percent_text(turnout.numerator, turnout.denominator) == "43.6"
    assert percent_text(support.numerator, support.denominator) == "35.7"
    era = decide_question(
        rules("ERA-2025"),
        question="strike",
        important_public_services=True,
        ballot_date=date(2026, 3, 31),
        **rcn,
    )
    assert era.check("support") is None
    assert era.check("turnout") is not None
    assert not era.mandate


def test_mandate_lengths_follow_the_rule_version() -> None:
    ballot = date(2018, 7, 23)
    assert rules("TUA-2016").mandate_last_day(ballot) == date(2019, 1, 22)
    assert rules("TUA-2016").mandate_last_day(ballot, by_agreement=True) == date(2019, 4, 22)
    assert rules("ERA-2025").mandate_last_day(ballot) == date(2019, 7, 22)
    assert rules("pre-TUA-2016").mandate_last_day(ballot) == date(2018, 8, 19)


def test_union_executives_must_be_re_elected_within_five_years() -> None:
    assert latest_reelection_date(date(2021, 8, 25)) == date(2026, 8, 24)
    assert latest_reelection_date(date(2020, 2, 29)) == date(2025, 2, 27)


def pcs_world() -> World:
    world = new_world("2018-06-01T09:00:00+01:00")
    organisations.create_organisation(
        **kw(world), organisation_id="pcs", name="Public and Commercial Services Union"
    )
    rows = (
        PersonRow(
            id=f"pcs-{i:06d}",
            name=f"Member {i}",
            memberships=(MembershipRow(kind=MembershipKind.MEMBER, start=date(2015, 1, 1)),),
        )
        for i in range(fig.S11_ENTITLED)
    )
    people.import_people(**kw(world), organisation_id="pcs", rows=rows)
    return world


SPEC = {
    "title": "PCS national ballot on pay, 2018",
    "question": "Are you prepared to take part in a strike?",
    "electorate": {
        "version": "PCS members in the bargaining unit, 2018",
        "sections": [{"name": "members", "kind": "member", "channels": ["post"]}],
    },
}


@pytest.mark.slow
def test_s11_pcs_2018_no_mandate_under_tua_2016_but_a_mandate_under_era_2025(
    tmp_path: Path,
) -> None:
    world = pcs_world()
    cid, applied = rulesets.create_statutory_ballot(
        **kw(world),
        organisation_id="pcs",
        contest_id="pcs-2018",
        spec=SPEC,
        opened_on=date.fromisoformat(fig.S11_OPENED),
        question="strike",
        union="Public and Commercial Services Union",
        scrutineer="Electoral Reform Services",
    )
    assert applied.version == "TUA-2016"
    world.clock.set(at(fig.S11_OPENED + "T09:00:00+01:00"))
    contests.open_voting(**kw(world), contest_id=cid)
    issued = credentials.issue_credentials(**kw(world), contest_id=cid)
    assert len(issued) == fig.S11_ENTITLED
    assert all(c.paper_number is not None for c in issued)  # postal ballot (s.230)
    cast_returns(
        world,
        cid,
        issued,
        {"members": Returns(post=[(("yes",), fig.S11_YES), (("no",), fig.S11_NO)])},
        batch_size=10_000,
    )
    world.clock.set(at(fig.S11_CLOSES + "T12:00:00+01:00"))
    contests.close_voting(**kw(world), contest_id=cid)
    results.count(**kw(world), contest_id=cid)
    declaration = json.loads(results.declare(**kw(world), contest_id=cid).json)
    assert declaration["rule_version"] == "TULRCA industrial action ballots: TUA-2016"
    assert declaration["motion"]["carried"] is False
    assert declaration["turnout"]["percent"] == "41.6"
    assert declaration["tallies"]["yes"]["of_valid"]["percent"] == "85.6"

    notice = rulesets.industrial_action_notice(uow=world.uow, contest_ids=[cid])
    (q,) = notice.questions
    assert (notice.entitled, notice.cast, q.yes, q.no, notice.spoilt) == (
        fig.S11_ENTITLED,
        fig.S11_YES + fig.S11_NO,
        fig.S11_YES,
        fig.S11_NO,
        0,
    )
    assert not q.mandate
    data = json.loads(notice_json(notice))
    assert data["a_entitled"] == 142_438
    assert data["b_cast"] == 59_254
    assert data["e_spoilt"] == 0
    assert data["turnout"]["percent"] == "41.6"
    (qd,) = data["questions"]
    assert (qd["c_yes"], qd["d_no"]) == (50_726, 8_528)
    assert qd["f_turnout_threshold_met"] is False
    assert qd["g_support_threshold_met"] is None
    assert qd["yes_of_valid"]["percent"] == "85.6"
    text = notice_text(notice)
    assert "turnout threshold NOT MET" in text
    assert "(a) Individuals entitled to vote: 142,438" in text
    assert "NO MANDATE" in text

    era = rulesets.industrial_action_notice(
        uow=world.uow, contest_ids=[cid], version="ERA-2025-turnout-repeal"
    )
    (eq,) = era.questions
    assert eq.mandate
    assert eq.rules.mandate_months == 12
    assert eq.mandate_last_day == date(2019, 7, 22)
    assert "MANDATE GRANTED for 12 months, to 2019-07-22" in notice_text(era)
    assert json.loads(notice_json(era))["questions"][0]["f_turnout_threshold_met"] is None

    report = rulesets.scrutineer_report(
        uow=world.uow, contest_id=cid, scrutineer="Electoral Reform Services"
    )
    assert (report.distributed, report.returned, report.spoilt) == (142_438, 59_254, 0)
    assert dict(report.valid) == {"Yes": 50_726, "No": 8_528}
    assert report.satisfied
    assert "storage and handling" in scrutineer_text(report).lower()
    assert json.loads(scrutineer_json(report))["papers_distributed"] == 142_438

    pdf = notice_pdf(notice)
    assert pdf.startswith(b"%PDF-")
    assert notice_pdf(notice) == pdf  # deterministic bytes
    story_text = " ".join(getattr(f, "text", "") for f in notice_story(notice))
    assert "turnout threshold NOT MET" in story_text
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    (tmp_path / "scrutineer.pdf").write_bytes(scrutineer_pdf(report))
    if shutil.which("pdftotext"):
        extracted = subprocess.run(  # noqa: S603
            ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        assert "142,438" in extracted
        assert "59,254" in extracted
        assert "50,726" in extracted
        assert "8,528" in extracted
        assert "turnout threshold NOT MET" in extracted
        scrutineer = subprocess.run(  # noqa: S603
            ["pdftotext", str(tmp_path / "scrutineer.pdf"), "-"],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        assert "Voting papers distributed" in scrutineer
        assert "interference" in scrutineer


def test_a_notice_needs_a_counted_statutory_ballot() -> None:
    world = new_world("2018-06-01T09:00:00+01:00")
    organisations.create_organisation(**kw(world), organisation_id="u", name="U")
    with pytest.raises(NotFound):
        rulesets.industrial_action_notice(uow=world.uow, contest_ids=["nope"])


def test_an_organisation_can_set_the_commencement_of_the_turnout_repeal() -> None:
    world = new_world("2026-09-01T09:00:00+01:00")
    organisations.create_organisation(**kw(world), organisation_id="u", name="U")
    rulesets.commence_rule_version(
        **kw(world),
        organisation_id="u",
        name=INDUSTRIAL_ACTION.name,
        version="ERA-2025-turnout-repeal",
        effective_from=date(2026, 10, 1),
        ruling="Simulated commencement regulations",
    )
    found = rulesets.rule_version_in_force(
        uow=world.uow, organisation_id="u", name=INDUSTRIAL_ACTION.name, on=date(2026, 10, 1)
    )
    assert found.version == "ERA-2025-turnout-repeal"
    # Another organisation still sees the statute as enacted (no date set).
    organisations.create_organisation(**kw(world), organisation_id="v", name="V")
    other = rulesets.rule_version_in_force(
        uow=world.uow, organisation_id="v", name=INDUSTRIAL_ACTION.name, on=date(2026, 10, 1)
    )
    assert other.version == "ERA-2025"
    with world.uow as uow:
        logged = [e.parameters for e in uow.audit.iter() if e.action == "commence_rule_version"]
    assert logged[0]["effective_from"] == "2026-10-01"


def test_a_union_executive_election_gets_an_s52_report_and_a_re_election_date() -> None:
    """A general secretary election (TULRCA ss.46-52): counted, declared, reported on by
    the scrutineer with valid votes per candidate, and due for re-election within five
    years of the declaration. The figures are illustrative (no published source)."""
    world = new_world("2021-07-01T09:00:00+01:00")
    organisations.create_organisation(**kw(world), organisation_id="u", name="A Union")
    rows = [
        PersonRow(
            id=f"u-{i:04d}",
            name=f"Member {i}",
            memberships=(MembershipRow(kind=MembershipKind.MEMBER, start=date(2015, 1, 1)),),
        )
        for i in range(100)
    ]
    people.import_people(**kw(world), organisation_id="u", rows=rows)
    spec = {
        "kind": "election",
        "title": "General secretary 2021",
        "method": "plurality",
        "candidates": [{"id": "a", "name": "Ann"}, {"id": "b", "name": "Bob"}],
        "electorate": {
            "version": "rule book 2021",
            "sections": [{"name": "members", "kind": "member", "channels": ["post"]}],
        },
    }
    contests.create_contest(**kw(world), organisation_id="u", contest_id="gs", spec=spec)
    contests.open_voting(**kw(world), contest_id="gs")
    issued = credentials.issue_credentials(**kw(world), contest_id="gs")
    cast_returns(
        world,
        "gs",
        issued,
        {"members": Returns(post=[(("a",), 30), (("b",), 20)], spoilt_post=[])},
    )
    world.clock.set(at("2021-08-24T12:00:00+01:00"))
    contests.close_voting(**kw(world), contest_id="gs")
    results.count(**kw(world), contest_id="gs")
    world.clock.set(at("2021-08-25T10:00:00+01:00"))
    results.declare(**kw(world), contest_id="gs")
    assert rulesets.reelection_due(uow=world.uow, contest_id="gs") == date(2026, 8, 24)
    with pytest.raises(NotFound):
        rulesets.reelection_due(uow=world.uow, contest_id="nope")
    report = rulesets.scrutineer_report(
        uow=world.uow, contest_id="gs", scrutineer="An independent scrutineer", section="s.52"
    )
    assert (report.distributed, report.returned) == (100, 50)
    assert dict(report.valid) == {"Ann": 30, "Bob": 20}
    assert "TULRCA 1992 s.52" in scrutineer_text(report)
