"""Every refusal and corner of the rules modules (gates, triggers, rule sets, statute,
colleges, exhaustive ballots, electorate changes, supporter applications, RON)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

import pytest

from tellers.domain.amendment import KEPT_UNTIL_USED, CredentialPolicy, recompute
from tellers.domain.college import CollegeMode, CollegeRule, CollegeSection, count_college
from tellers.domain.contest import RON, RON_NAME
from tellers.domain.electorate import ElectorateRule, FeeWindow, Section
from tellers.domain.errors import InvalidSpec, NotACandidate
from tellers.domain.exhaustive import ExhaustiveRule, decide_round
from tellers.domain.gates import (
    DenominatorSnapshot,
    GateNode,
    GateOp,
    Rounding,
    evaluate,
    gate_from_spec,
    passes_stages_before,
    pool_closes_at,
    required_share,
    stage_of_pool,
)
from tellers.domain.ids import ContestId, MembershipId, PersonId, SectionName
from tellers.domain.membership import Membership, MembershipKind
from tellers.domain.organisation import AffiliateKind
from tellers.domain.roll import RollEntry
from tellers.domain.ruleset import NoRuleInForce, RuleSet, RuleVersion
from tellers.domain.spec import _fail, _instant, contest_from_spec, parse_share
from tellers.domain.statute import (
    INDUSTRIAL_ACTION,
    IndustrialActionRules,
    ResultNotice,
    ScrutineerReport,
    StatutoryCheck,
    decide_question,
    percent_text,
    question_outcomes,
    standard_statements,
)
from tellers.domain.supporters import decide_application
from tellers.domain.trigger import TriggerRule, TriggerState, add_months
from tellers.formats.union_reports import notice_text, scrutineer_text

T0 = datetime(2020, 1, 7, 9, tzinfo=UTC)


def spec_gate(raw: Any) -> GateNode:
    return gate_from_spec(
        raw, key="gate", parse_share=parse_share, parse_instant=_instant, fail=_fail
    )


# --- gates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [(Rounding.UP, 22), (Rounding.DOWN, 21), (Rounding.NEAREST_HALF_UP, 22)],
)
def test_required_share_rounds_as_the_rule_says(rounding: Rounding, expected: int) -> None:
    assert required_share(Fraction(1, 10), 216, rounding) == expected
    assert required_share(Fraction(1, 10), 215, Rounding.NEAREST_HALF_UP) == 22  # 21.5 up
    assert required_share(Fraction(1, 10), 214, Rounding.NEAREST_HALF_UP) == 21


@pytest.mark.parametrize(
    ("share", "den"), [(Fraction(3, 2), 10), (Fraction(-1, 2), 10), (Fraction(1, 2), -1)]
)
def test_required_share_refuses_impossible_inputs(share: Fraction, den: int) -> None:
    with pytest.raises(ValueError, match="share|denominator"):
        required_share(share, den)


def test_gate_problems_name_every_fault() -> None:
    bad = GateNode(
        op=GateOp.ALL,
        name="root",
        children=(
            GateNode(op=GateOp.ANY, name=""),
            GateNode(op=GateOp.THRESHOLD, name="x", share=Fraction(0)),
            GateNode(
                op=GateOp.THRESHOLD,
                name="x",
                share=Fraction(1, 2),
                bodies=("plp",),  # type: ignore[arg-type]
                affiliate_kinds=(AffiliateKind.UNION,),
                children=(GateNode(op=GateOp.ALL, name="y"),),
            ),
            GateNode(op=GateOp.AFFILIATE_ROUTE, name="r", snapshot_at=datetime(2020, 1, 1)),  # noqa: DTZ001
        ),
    )
    text = "; ".join(bad.problems())
    for fragment in (
        "needs a name",
        "names repeated: x",
        "needs at least one child",
        "has no children",
        "either seats in bodies or affiliates",
        "share 0 is not in (0, 1]",
        "needs affiliate kinds",
        "no time zone",
    ):
        assert fragment in text


def test_gate_specs_refuse_what_they_cannot_read() -> None:
    for raw, match in [
        ("nope", "expected a table"),
        ({"name": "a", "all": "x"}, "expected a list of gates"),
        ({"name": "a", "threshold": "5%", "rounding": "sideways"}, "not a rounding rule"),
        ({"name": "a", "affiliate_route": []}, "expected a table"),
        ({"name": "a"}, "needs one of"),
        ({"name": "a", "threshold": "5%", "affiliate_kinds": "union"}, "list of affiliate kinds"),
        ({"name": "a", "threshold": "5%", "affiliate_kinds": ["guild"]}, "is not one of"),
    ]:
        with pytest.raises(InvalidSpec, match=match):
            spec_gate(raw)
    node = spec_gate(
        {
            "name": "a",
            "threshold": "5%",
            "bodies": ["plp"],
            "snapshot_at": "2020-01-07T09:00:00+00:00",
        }
    )
    assert node.snapshot_at == T0
    assert node.counts_seats


def test_outcomes_serialise_find_nodes_and_know_unreached_stages() -> None:
    gate = spec_gate(
        {
            "name": "root",
            "staged": True,
            "all": [
                {"name": "s1", "threshold": "50%", "bodies": ["plp"]},
                {
                    "name": "s2",
                    "any": [
                        {
                            "name": "clps",
                            "threshold": "50%",
                            "affiliate_kinds": ["constituency party"],
                        }
                    ],
                },
            ],
        }
    )
    snaps = {
        "s1": DenominatorSnapshot(node="s1", denominator=2, at=T0),
        "clps": DenominatorSnapshot(node="clps", denominator=0, at=T0),
    }
    outcome = evaluate(gate, snapshots=snaps, seat_nominations={}, affiliates=[])
    data = outcome.as_dict()
    assert data["children"][1]["reached"] is False
    assert outcome.find("clps").passed is False
    with pytest.raises(KeyError):
        outcome.find("nowhere")
    with pytest.raises(KeyError, match="no denominator snapshot"):
        evaluate(gate, snapshots={}, seat_nominations={}, affiliates=[])
    assert stage_of_pool(gate, affiliate_kind=AffiliateKind.UNION) == 0
    assert stage_of_pool(gate, affiliate_kind=AffiliateKind.CONSTITUENCY_PARTY) == 1
    flat = GateNode(op=GateOp.ANY, name="any", children=gate.children)
    assert stage_of_pool(flat, affiliate_kind=None) == 0
    assert passes_stages_before(flat, 1, snapshots=snaps, seat_nominations={}, affiliates=[])
    assert pool_closes_at(gate, affiliate_kind=None) is None
    route = GateNode(op=GateOp.AFFILIATE_ROUTE, name="r", affiliate_kinds=(AffiliateKind.UNION,))
    free = evaluate(
        route,
        snapshots={"r": DenominatorSnapshot(node="r", denominator=0, at=T0)},
        seat_nominations={},
        affiliates=[],
    )
    assert free.passed  # no minimums at all: an empty route passes
    assert free.as_dict()["membership_share"] == "0"


# --- triggers, months -----------------------------------------------------------------


def test_trigger_rules_and_letters() -> None:
    rule = TriggerRule(body="mps", share=Fraction(0), chair="", immunity_months=-1)  # type: ignore[arg-type]
    assert len(rule.problems()) == 3
    good = TriggerRule(body="mps", share=Fraction(3, 20), chair="chair")  # type: ignore[arg-type]
    state = TriggerState(rule=good, denominator=10, snapshot_at=T0)
    state = state.with_letter("a", T0).with_letter("a", T0)
    assert state.received == 1
    assert state.required == 2
    assert not state.is_reached
    assert state.without_letter("a").received == 0
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2023, 12, 15), 1) == date(2024, 1, 15)


# --- rule sets ------------------------------------------------------------------------


def test_rule_versions_read_their_settings_exactly() -> None:
    v = RuleVersion(
        version="v",
        effective_from=None,
        settings={
            "pct": "40%",
            "frac": "2/5",
            "flt": 0.4,
            "bad": "forty",
            "n": 12,
            "nb": "12",
            "on": 1,
        },
    )
    assert v.share("pct") == v.share("frac") == Fraction(2, 5)
    assert v.share("missing") is None
    with pytest.raises(InvalidSpec, match="exactly"):
        v.share("flt")
    with pytest.raises(InvalidSpec, match="not a share"):
        v.share("bad")
    assert v.integer("n") == 12
    assert v.integer("missing", 3) == 3
    with pytest.raises(InvalidSpec, match="integer"):
        v.integer("nb")
    assert v.flag("on") is True
    assert v.flag("off") is False
    assert v.as_dict()["effective_from"] is None


def test_rule_sets_pick_the_latest_commenced_version_and_refuse_bad_input() -> None:
    rs = RuleSet.from_dict(
        {
            "name": "r",
            "versions": [
                {"version": "b", "effective_from": "2020-01-01", "settings": {}},
                {"version": "a", "effective_from": "2010-01-01", "settings": {}},
                {"version": "c", "effective_from": "2030-01-01"},
            ],
        }
    )
    assert rs.in_force_on(date(2025, 1, 1)).version == "b"
    assert rs.in_force_on(date(2030, 1, 1)).version == "c"
    with pytest.raises(NoRuleInForce):
        rs.in_force_on(date(2000, 1, 1))
    with pytest.raises(KeyError):
        rs.version("zz")
    broken: list[dict[str, Any]] = [
        {"versions": []},
        {"name": "x", "versions": [{"effective_from": "2020"}]},
    ]
    for raw in broken:
        with pytest.raises(InvalidSpec, match="rule set"):
            RuleSet.from_dict(raw)
    assert RuleSet.from_dict(rs.as_dict()) == rs


# --- statute --------------------------------------------------------------------------


def rules(version: str) -> IndustrialActionRules:
    return IndustrialActionRules.from_version(
        INDUSTRIAL_ACTION.name, INDUSTRIAL_ACTION.version(version)
    )


def test_statutory_corners() -> None:
    assert percent_text(1, 0) == "-"
    assert percent_text(1, 3, 0) == "33"
    pre = rules("pre-TUA-2016")
    assert pre.mandate_text() == "4 weeks (8 by agreement with the employer)"
    assert pre.mandate_last_day(date(2016, 1, 1), by_agreement=True) == date(2016, 2, 25)
    era = rules("ERA-2025")
    assert era.mandate_text() == "12 months"
    assert era.mandate_last_day(date(2026, 3, 1), by_agreement=True) == date(2027, 2, 28)
    nothing = decide_question(
        rules("TUA-2016"), question="strike", entitled=0, yes=0, no=0, spoilt=0,
        important_public_services=True, ballot_date=date(2018, 1, 1),
    )  # fmt: skip
    assert not nothing.mandate
    assert nothing.check("absent") is None
    check = StatutoryCheck(
        name="x", numerator=0, denominator=0, required=Fraction(1, 2), at_least=True, met=False
    )
    assert check.as_dict()["share"] == "0"
    two = question_outcomes(
        rules("ERA-2025"),
        [
            {"question": "strike", "entitled": 10, "yes": 5, "no": 1, "spoilt": 1,
             "important_public_services": True, "ballot_date": date(2026, 3, 1)},
            {"question": "action short of a strike", "entitled": 10, "yes": 6, "no": 1,
             "spoilt": 0, "important_public_services": True, "ballot_date": date(2026, 3, 1)},
        ],
    )  # fmt: skip
    notice = ResultNotice(
        union="U", title="T", rule_set="r", version="ERA-2025", opened_on=date(2026, 2, 20),
        ballot_date=date(2026, 3, 1), questions=two,
    )  # fmt: skip
    assert (notice.entitled, notice.cast, notice.spoilt) == (10, 7, 1)
    text = notice_text(notice)
    assert "Support threshold: repealed under this rule version" in text
    assert text.count("MANDATE GRANTED") == 2
    empty = ResultNotice(
        union="", title="T", rule_set="r", version="v", opened_on=date(2026, 2, 20),
        ballot_date=date(2026, 3, 1), questions=(),
    )  # fmt: skip
    assert (empty.entitled, empty.cast, empty.spoilt) == (0, 0, 0)
    report = ScrutineerReport(
        union="U", title="T", scrutineer="S", section="s.52", distributed=10, returned=7,
        valid={"A": 6}, spoilt=1,
        statements=standard_statements({"conduct": False}, {"conduct": "papers went astray"}),
        notes=("1 paper unmarked",),
    )  # fmt: skip
    assert not report.satisfied
    assert report.as_dict()["statements"][0]["remarks"] == "papers went astray"
    assert "NOT satisfied" in scrutineer_text(report)
    assert "Remarks: papers went astray" in scrutineer_text(report)


# --- supporters -----------------------------------------------------------------------


def test_a_payment_without_a_time_zone_is_refused() -> None:
    window = FeeWindow(opens=T0, closes=T0)
    with pytest.raises(ValueError, match="time zone"):
        decide_application(
            window=window,
            min_fee_pence=1,
            paid_at=datetime(2020, 1, 7),
            fee_pence=1,
            existing=(),  # noqa: DTZ001
        )


# --- colleges and exhaustive ballots --------------------------------------------------


def test_college_rules_are_checked_and_ties_reported() -> None:
    bad = CollegeRule(
        sections=(
            CollegeSection(name="x", weight=Fraction(3, 2)),
            CollegeSection(name="x", weight=Fraction(-1, 2)),
        )
    )
    problems = "; ".join(bad.problems())
    assert "negative" in problems
    assert "repeated" in problems
    half = CollegeRule(
        sections=(
            CollegeSection(name="a", weight=Fraction(1, 2)),
            CollegeSection(name="b", weight=Fraction(1, 2)),
        ),
        mode=CollegeMode.FIRST_PREFERENCES,
    )
    with pytest.raises(ValueError, match="no ballots for section"):
        count_college(half, {"a": []}, ["p", "q"])
    tied = count_college(half, {"a": [(("p",), 1)], "b": [(("q",), 1)]}, ["p", "q"])
    assert tied.winner is None
    assert tied.rounds[0].tie == ("p", "q")
    # Combined elimination: a tie for last broken by the earlier round; an exhausted ballot.
    one = CollegeRule(sections=(CollegeSection(name="a", weight=Fraction(1)),))
    ballots = {"a": [(("p",), 5), (("q",), 3), (("r", "q"), 2), (("s", "r"), 1)]}
    result = count_college(one, ballots, ["p", "q", "r", "s"])
    assert [r.eliminated for r in result.rounds] == ["s", "r", "q", None]
    assert result.rounds[2].combined == {"p": Fraction(1, 2), "q": Fraction(1, 2)}
    assert result.winner == "p"
    unresolved = count_college(one, {"a": [(("p",), 2), (("q",), 1), (("r",), 1)]}, ["p", "q", "r"])
    assert unresolved.winner is None
    assert unresolved.rounds[-1].tie == ("q", "r")
    alone = count_college(one, {"a": []}, ["p"])
    assert alone.winner == "p"


def test_exhaustive_rules_are_checked_and_decisions_serialise() -> None:
    assert len(ExhaustiveRule(remain=0, first_round_floor=-1).problems()) == 2
    with pytest.raises(ValueError, match="round 0"):
        decide_round(ExhaustiveRule(), round_number=0, tallies={"a": 1})
    d = decide_round(ExhaustiveRule(remain=2), round_number=1, tallies={"a": 3, "b": 2})
    assert d.as_dict()["reason"] == "no elimination needed"
    assert d.finished


def test_spec_refuses_bad_exhaustive_and_college_rules() -> None:
    base = {
        "kind": "election",
        "title": "t",
        "method": "plurality",
        "electorate": {"version": "v", "sections": [{"name": "s", "kind": "member"}]},
    }
    with pytest.raises(InvalidSpec, match="exhaustive"):
        contest_from_spec(
            {**base, "exhaustive": {"remain": 0}},
            contest_id=ContestId("c"),
            organisation_id="o",  # type: ignore[arg-type]
        )
    with pytest.raises(InvalidSpec, match="college"):
        contest_from_spec(
            {**base, "college": {"sections": [{"name": "s", "weight": "1/3"}]}},
            contest_id=ContestId("c"),
            organisation_id="o",  # type: ignore[arg-type]
        )


# --- RON ------------------------------------------------------------------------------


def test_re_open_nominations_stands_on_the_ballot_where_the_rules_allow() -> None:
    base = {
        "kind": "election",
        "title": "Branch secretary",
        "method": "irv",
        "candidates": ["Alex"],
        "electorate": {"version": "v", "sections": [{"name": "s", "kind": "member"}]},
    }
    with_ron = contest_from_spec(
        {**base, "re_open_nominations": True},
        contest_id=ContestId("c"),
        organisation_id="o",  # type: ignore[arg-type]
    )
    assert with_ron.has_candidate(RON)
    assert with_ron.candidate(RON).name == RON_NAME
    opened = with_ron.open_voting(roll_size=10)
    assert opened.ballot == ("Alex", RON)
    plain = contest_from_spec(base, contest_id=ContestId("c"), organisation_id="o")  # type: ignore[arg-type]
    assert not plain.has_candidate(RON)
    with pytest.raises(NotACandidate):
        plain.candidate(RON)


# --- electorate changes ---------------------------------------------------------------


def test_recompute_skips_people_off_the_roll_and_restores_kept_entries() -> None:
    rule = ElectorateRule(
        version="v2", sections=(Section(name=SectionName("members"), kind=MembershipKind.MEMBER),)
    )
    m = Membership(
        id=MembershipId("m/1"),
        person_id=PersonId("p"),
        kind=MembershipKind.MEMBER,
        start=date(2020, 1, 1),
    )
    kept = RollEntry(
        contest_id=ContestId("c"),
        person_id=PersonId("p"),
        section=SectionName("members"),
        rule_version="v1",
        reason=f"{KEPT_UNTIL_USED}: removed by v1",
    )
    changes = recompute(
        rule,
        entries={PersonId("p"): kept},
        people=[(PersonId("p"), [m]), (PersonId("stranger"), [m])],
        holds_credential=lambda _pid: True,
        policy=CredentialPolicy.KEEP_UNTIL_USED,
        ruling="r",
    )
    assert [c.kind for c in changes] == ["restored"]
    assert changes[0].after.reason.startswith("admitted by section members")
    assert json.dumps([c.kind for c in changes]) == '["restored"]'


def test_more_statutory_and_gate_corners() -> None:
    gate = spec_gate(
        {
            "name": "root",
            "staged": True,
            "all": [{"name": "s1", "threshold": "50%", "bodies": ["plp"]}],
        }
    )
    assert stage_of_pool(gate, affiliate_kind=None) == 0
    pre = decide_question(
        rules("pre-TUA-2016"), question="strike", entitled=100, yes=2, no=1, spoilt=0,
        important_public_services=True, ballot_date=date(2016, 5, 1),
    )  # fmt: skip
    assert [c.name for c in pre.checks] == ["majority"]
    assert pre.mandate
    notice = ResultNotice(
        union="U", title="T", rule_set="r", version="pre-TUA-2016", opened_on=date(2016, 4, 1),
        ballot_date=date(2016, 5, 1), questions=(pre,),
    )  # fmt: skip
    data = notice.as_dict()
    assert data["questions"][0]["f_turnout_threshold_met"] is None
    assert data["questions"][0]["mandate_last_day"] == "2016-05-28"
    assert "Turnout threshold: none under this rule version" in notice_text(notice)


def test_a_college_tie_and_a_ron_win_are_declared_as_such() -> None:
    from tellers.domain.ballot import Ballot, Channel
    from tellers.domain.ids import BallotId, TrackingCode
    from tellers.domain.result import declaration_json, declaration_text, tabulate

    def box(cid: str, section: str, rankings: list[tuple[str, ...]]) -> list[Ballot]:
        return [
            Ballot(
                id=BallotId(f"{section}{i}"),
                contest_id=ContestId(cid),
                section=SectionName(section),
                channel=Channel.ONLINE,
                ranking=r,
                tracking_code=TrackingCode(f"{section}{i}"),
            )
            for i, r in enumerate(rankings)
        ]

    electorate = {
        "version": "v",
        "sections": [{"name": "a", "kind": "member"}, {"name": "b", "kind": "seat"}],
    }
    college = contest_from_spec(
        {
            "kind": "election",
            "title": "Tied college",
            "method": "plurality",
            "candidates": ["p", "q"],
            "college": {
                "mode": "first preferences",
                "sections": [{"name": "a", "weight": "1/2"}, {"name": "b", "weight": "1/2"}],
            },
            "electorate": electorate,
        },
        contest_id=ContestId("c"),
        organisation_id="o",  # type: ignore[arg-type]
    ).open_voting(roll_size=2)
    tied = tabulate(college, box("c", "a", [("p",)]) + box("c", "b", [("q",)]), {"a": 1, "b": 1})
    assert tied.winners == ()
    text = declaration_text(tied, audit_head="0" * 64, declared_at=T0)
    assert "weighted sections" in text
    assert "Elected" not in text

    ron = contest_from_spec(
        {
            "kind": "election",
            "title": "Branch secretary",
            "method": "irv",
            "candidates": ["Alex"],
            "re_open_nominations": True,
            "electorate": electorate,
        },
        contest_id=ContestId("r"),
        organisation_id="o",  # type: ignore[arg-type]
    ).open_voting(roll_size=3)
    result = tabulate(ron, box("r", "a", [(RON,), (RON,), ("Alex",)]), {"a": 3})
    assert result.winners == (RON,)
    assert result.reopens_nominations
    assert declaration_json(result, audit_head="0" * 64, declared_at=T0)["reopens_nominations"]
    assert "nobody is elected; nominations re-open" in declaration_text(
        result, audit_head="0" * 64, declared_at=T0
    )


def test_a_gated_nomination_rule_takes_its_headline_share_from_the_first_seat_threshold() -> None:
    def rule(gate: dict[str, Any]) -> Any:
        spec = {
            "kind": "leadership",
            "title": "t",
            "method": "irv",
            "electorate": {"version": "v", "sections": [{"name": "s", "kind": "member"}]},
            "nominations": {
                "bodies": ["plp"],
                "snapshot_at": "2020-01-07T09:00:00+00:00",
                "gate": gate,
            },
        }
        contest = contest_from_spec(spec, contest_id=ContestId("c"), organisation_id="o")  # type: ignore[arg-type]
        return contest.nomination

    nested = {
        "name": "root",
        "all": [
            {"name": "floor", "threshold": "0", "minimum": 20, "bodies": ["plp"]},
            {"name": "share", "threshold": "10%", "bodies": ["plp"]},
        ],
    }
    assert rule(nested).threshold == Fraction(1, 10)
    assert rule({"name": "only", "minimum": 100, "bodies": ["plp"]}).threshold == Fraction(1, 1000)
    negative = GateNode(op=GateOp.THRESHOLD, name="n", minimum=-1, bodies=("plp",))  # type: ignore[arg-type]
    assert "a negative minimum" in "; ".join(negative.problems())
    with pytest.raises(InvalidSpec, match="expected a table"):
        rule("nope")  # type: ignore[arg-type]


def test_a_nomination_rule_without_threshold_or_gate_is_an_invalid_spec() -> None:
    spec = {
        "kind": "leadership",
        "title": "t",
        "method": "irv",
        "electorate": {"version": "v", "sections": [{"name": "s", "kind": "member"}]},
        "nominations": {"bodies": ["plp"], "snapshot_at": "2020-01-07T09:00:00+00:00"},
    }
    with pytest.raises(InvalidSpec, match="nominations.threshold"):
        contest_from_spec(spec, contest_id=ContestId("c"), organisation_id="o")  # type: ignore[arg-type]
