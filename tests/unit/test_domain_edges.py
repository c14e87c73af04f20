"""The refusals and corner cases of the domain rules, one behaviour each."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from tellers.counting import methods
from tellers.counting.rounds import CountResult, Round
from tellers.crypto import random as crandom
from tellers.crypto.hashing import canonical_json
from tellers.domain.ballot import Ballot, Channel, RejectionReason, validate_ranking
from tellers.domain.contest import Candidate, ContestKind, MajorityBasis
from tellers.domain.electorate import ElectorateRule, FeeWindow, Section
from tellers.domain.errors import InvalidBallot, InvalidSpec, NotACandidate
from tellers.domain.ids import (
    AffiliateId,
    BallotId,
    BodyId,
    CandidateId,
    ContestId,
    MembershipId,
    OrganisationId,
    PersonId,
    SectionName,
    TrackingCode,
)
from tellers.domain.lifecycle import Phase
from tellers.domain.membership import Membership, MembershipKind
from tellers.domain.nomination import NominationRule, required_nominations
from tellers.domain.organisation import Affiliate, AffiliateKind
from tellers.domain.postal import PostalBatch
from tellers.domain.result import declaration_text, percent, tabulate
from tellers.domain.roll import RollEntry
from tellers.domain.spec import contest_from_spec, parse_share
from tellers.errors import CountError

NAIVE = datetime(2016, 7, 18, 17, 0)  # noqa: DTZ001 - naive on purpose
AWARE = datetime(2016, 7, 18, 16, 0, tzinfo=UTC)
P = PersonId("p")
ELECTORATE = {"version": "v", "sections": [{"name": "members", "kind": "member"}]}


def spec(**extra: Any) -> Any:
    base = {"kind": "motion", "title": "M", "question": "Q", "electorate": ELECTORATE}
    return contest_from_spec(
        {**base, **extra}, contest_id=ContestId("c"), organisation_id=OrganisationId("o")
    )


# -- crypto ---------------------------------------------------------------------------


def test_random_helpers_refuse_nonsense_sizes() -> None:
    with pytest.raises(ValueError, match="positive"):
        crandom.random_bytes(0)
    with pytest.raises(ValueError, match="multiple of 8"):
        crandom.random_hex(12)
    with pytest.raises(ValueError, match="positive"):
        crandom.random_code(0)
    assert len(crandom.random_hex(64)) == 16


def test_secure_shuffle_keeps_every_item() -> None:
    items = list(range(50))
    crandom.secure_shuffle(items)
    assert sorted(items) == list(range(50))


def test_canonical_json_refuses_non_string_keys_and_bytes() -> None:
    with pytest.raises(TypeError, match="keys"):
        canonical_json({1: "x"})
    with pytest.raises(TypeError, match="bytes"):
        canonical_json(b"x")


# -- memberships, organisations, electorate -----------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"kind": MembershipKind.MEMBER, "end": date(2015, 1, 1)}, "before it starts"),
        ({"kind": MembershipKind.AFFILIATED_SUPPORTER}, "needs an affiliate"),
        ({"kind": MembershipKind.REGISTERED_SUPPORTER}, "needs the instant"),
        ({"kind": MembershipKind.MEMBER, "fee_paid_at": NAIVE}, "no time zone"),
    ],
)
def test_memberships_state_what_is_wrong(kwargs: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Membership(id=MembershipId("m"), person_id=P, start=date(2016, 1, 1), **kwargs)


def test_affiliated_membership_cannot_be_negative() -> None:
    unite = Affiliate(
        id=AffiliateId("unite"),
        organisation_id=OrganisationId("o"),
        name="Unite",
        kind=AffiliateKind.UNION,
        affiliated_membership=0,
    )
    assert unite.affiliated_membership == 0
    with pytest.raises(ValueError, match="negative"):
        Affiliate(
            id=AffiliateId("a"),
            organisation_id=OrganisationId("o"),
            name="A",
            kind=AffiliateKind.UNION,
            affiliated_membership=-1,
        )


def test_fee_windows_need_aware_instants_and_a_sane_order() -> None:
    with pytest.raises(ValueError, match="time-zone-aware"):
        FeeWindow(opens=NAIVE, closes=AWARE)
    backwards = Section(
        name=SectionName("s"),
        kind=MembershipKind.REGISTERED_SUPPORTER,
        fee_window=FeeWindow(opens=AWARE.replace(day=20), closes=AWARE),
    )
    assert ElectorateRule(version="v", sections=(backwards,)).problems() == [
        "section s: fee window closes before it opens"
    ]


def test_a_section_names_memberships_of_the_wrong_kind_and_missing_fees() -> None:
    member = Membership(
        id=MembershipId("m"), person_id=P, kind=MembershipKind.MEMBER, start=date(2016, 1, 1)
    )
    section = Section(
        name=SectionName("s"),
        kind=MembershipKind.REGISTERED_SUPPORTER,
        fee_window=FeeWindow(opens=AWARE, closes=AWARE),
    )
    assert section.refusal(member) == "not a registered supporter"
    assert (
        Section(
            name=SectionName("m"), kind=MembershipKind.MEMBER, fee_window=section.fee_window
        ).refusal(member)
        == "no fee paid"
    )
    with pytest.raises(KeyError):
        ElectorateRule(version="v", sections=(section,)).section("nope")


# -- nominations and contests -----------------------------------------------------------


def test_a_negative_denominator_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        required_nominations(Fraction(1, 5), -1)


def test_a_nomination_rule_lists_every_problem() -> None:
    rule = NominationRule(bodies=(), threshold=Fraction(3, 2), snapshot_at=NAIVE)
    assert len(rule.problems()) == 3
    contest = spec(
        kind="leadership",
        method="irv",
        nominations={"bodies": ["b"], "threshold": "1/5", "snapshot_at": AWARE},
    )
    broken = type(contest)(**{**_fields(contest), "nomination": rule})
    problems = broken.problems_before_opening(Phase.NOMINATIONS_OPEN, denominator=5)
    assert [p.code for p in problems] == ["nomination-rule"] * 3


def _fields(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def test_pre_flight_lists_motion_and_election_problems_together() -> None:
    motion = type(spec())(
        **{**_fields(spec()), "motion": None, "question": "", "reissue_cutoff": NAIVE}
    )
    codes = {p.code for p in motion.problems_before_opening(Phase.VOTING_OPEN)}
    assert codes == {"no-motion-rule", "no-question", "naive-instant"}
    election = spec(kind="election", candidates=["A"], method="", seats=0)
    election = type(election)(**{**_fields(election), "method": ""})
    codes = {p.code for p in election.problems_before_opening(Phase.VOTING_OPEN)}
    assert {"no-method", "no-seats"} <= codes
    assert [p.code for p in election.problems_before_opening(Phase.COUNTED)] == ["not-an-opening"]


def test_candidates_are_added_once_and_withdraw_once() -> None:
    contest = spec(
        kind="leadership",
        method="irv",
        nominations={"bodies": ["b"], "threshold": "1/5", "snapshot_at": AWARE},
    )
    opened = contest.open_nominations(denominator=10)
    smith = Candidate(id=CandidateId("smith"), name="Smith")
    once = opened.with_candidate(smith)
    assert once.with_candidate(smith) is once
    gone = once.withdraw(CandidateId("smith"))
    with pytest.raises(NotACandidate, match="already withdrawn"):
        gone.withdraw(CandidateId("smith"))
    assert spec().candidate_name("yes") == "yes"


# -- specs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"title": ""}, "needs a title"),
        ({"candidates": [{"id": "x"}]}, "needs a name"),
        ({"candidates": ["A", "A"]}, "repeated"),
        ({"seats": "two"}, "integer"),
        ({"candidates": "A"}, "expected a list"),
        ({"motion": ["x"]}, "expected a table"),
        ({"reissue_cutoff": 5}, "not an instant"),
        ({"reissue_cutoff": "tomorrow"}, "ISO 8601"),
        ({"electorate": {"version": "v", "sections": [{"name": "m"}]}}, "name and a kind"),
        (
            {
                "electorate": {
                    "version": "v",
                    "sections": [{"name": "m", "kind": "member", "joined_on_or_before": AWARE}],
                }
            },
            "not an instant",
        ),
        (
            {
                "electorate": {
                    "version": "v",
                    "sections": [{"name": "m", "kind": "member", "current_on": "soon"}],
                }
            },
            "not a date",
        ),
        (
            {
                "electorate": {
                    "version": "v",
                    "sections": [{"name": "m", "kind": "member", "current_on": 3}],
                }
            },
            "not a date",
        ),
        ({"motion": {"share": "two thirds"}}, "not a share"),
        ({"motion": {"share": [1]}}, "not a share"),
    ],
)
def test_spec_errors_name_the_key(extra: dict[str, Any], problem: str) -> None:
    with pytest.raises(InvalidSpec, match=problem):
        spec(**extra)


def test_spec_reads_dates_decimals_and_every_motion_setting() -> None:
    contest = spec(
        motion={
            "basis": "eligible",
            "share": Decimal("0.5"),
            "at_least": True,
            "turnout_threshold": "50%",
            "support_threshold": Fraction(2, 5),
            "binding": True,
        },
        electorate={
            "version": "v",
            "sections": [
                {
                    "name": "m",
                    "kind": "affiliated supporter",
                    "joined_on_or_before": date(2016, 1, 12),
                    "affiliates": ["unite"],
                    "min_fee_pence": 300,
                    "fee_window": {"opens": AWARE, "closes": AWARE},
                }
            ],
        },
        candidates=[{"name": "Ann", "person": "ann"}],
        seed=7,
        reissue_cutoff=AWARE,
    )
    assert contest.motion is not None
    assert contest.motion.basis is MajorityBasis.ELIGIBLE
    assert contest.motion.support_threshold == Fraction(2, 5)
    assert contest.candidates[0].person_id == "ann"
    assert contest.seed == 7
    assert parse_share(Fraction(1, 3)) == Fraction(1, 3)


# -- ballots, roll, postal ------------------------------------------------------------------


def test_single_mark_ballots_refuse_a_second_mark() -> None:
    with pytest.raises(InvalidBallot, match="at most 1"):
        validate_ranking(["yes", "no"], ["yes", "no"], allow_empty=True, max_marks=1)


def test_small_value_objects_answer_their_questions() -> None:
    ballot = Ballot(
        id=BallotId("b"),
        contest_id=ContestId("c"),
        section=SectionName("s"),
        channel=Channel.POST,
        rejection=RejectionReason.UNMARKED,
        tracking_code=TrackingCode("t"),
    )
    assert ballot.is_spoilt
    entry = RollEntry(
        contest_id=ContestId("c"), person_id=P, section=None, rule_version="v", reason="r"
    )
    assert not entry.is_eligible
    batch = PostalBatch(
        id=_batch_id(),
        contest_id=ContestId("c"),
        sequence=1,
        entered_by=_officer(),
        paper_numbers=(),
        gaps=(),
        counted=0,
        spoilt={"unmarked": 2, "too-many-marks": 1},
    )
    assert batch.spoilt_total == 3


def _batch_id() -> Any:
    from tellers.domain.ids import PostalBatchId

    return PostalBatchId("batch")


def _officer() -> Any:
    from tellers.domain.ids import OfficerId

    return OfficerId("teller")


# -- results --------------------------------------------------------------------------------


def test_percent_to_whole_numbers_and_more_places() -> None:
    assert percent(1, 3, places=0) == "33"
    assert percent(2, 3, places=2) == "66.67"


def motion_ballots(yes: int, no: int, abstain: int) -> list[Ballot]:
    out = []
    for ranking, n in ((("yes",), yes), (("no",), no), ((), abstain)):
        for i in range(n):
            out.append(
                Ballot(
                    id=BallotId(f"{ranking}{i}"),
                    contest_id=ContestId("c"),
                    section=SectionName("members"),
                    channel=Channel.ONLINE,
                    ranking=ranking,
                    tracking_code=TrackingCode(f"{ranking}{i}"),
                )
            )
    return out


def test_abstentions_are_returned_but_not_valid_and_thresholds_reach_the_engine() -> None:
    contest = spec(motion={"turnout_threshold": "1/2", "support_threshold": "2/5"})
    result = tabulate(contest, motion_ballots(5, 2, 3), {"members": 12})
    assert (result.valid, result.abstained, result.returned) == (7, 3, 10)
    assert result.turnout == Fraction(10, 12)
    assert result.sections[0].turnout == Fraction(10, 12)
    assert result.motion is not None
    assert result.motion.carried
    assert [c.name for c in result.motion.checks] == [
        "majority of valid votes",
        "turnout",
        "support of those eligible",
    ]
    assert result.count is not None
    assert result.count.details["carried"] is True


@pytest.mark.parametrize(
    ("motion", "engine"),
    [
        ({"basis": "eligible"}, True),
        ({"share": "2/3", "at_least": True}, True),
        ({"basis": "votes cast"}, False),
    ],
)
def test_motions_are_counted_by_the_engine_where_it_has_the_rule(
    motion: dict[str, Any], engine: bool
) -> None:
    result = tabulate(spec(motion=motion), motion_ballots(6, 3, 0), {"members": 10})
    assert (result.count is not None) is engine


def test_a_disagreement_with_the_engine_stops_the_count(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong(*_: Any, **__: Any) -> CountResult:
        return CountResult(
            method="motion",
            seats=1,
            candidates=("Yes", "No"),
            winners=("No",),
            rounds=(Round(number=1, tallies={}),),
            valid=0,
            details={"carried": False},
        )

    monkeypatch.setattr("tellers.domain.result.count", wrong)
    with pytest.raises(CountError, match="disagree"):
        tabulate(spec(), motion_ballots(3, 1, 0), {"members": 4})
    assert methods.METHODS["motion"]


def test_an_empty_electorate_has_no_turnout_and_a_short_declaration() -> None:
    result = tabulate(spec(), [], {})
    assert result.turnout == 0
    assert result.sections[0].turnout == 0
    text = declaration_text(result, audit_head="0" * 64, declared_at=AWARE)
    assert "By section" not in text
    assert "NOT CARRIED" in text


def test_the_kind_of_a_spec_contest_is_kept() -> None:
    assert spec(kind="election", candidates=["A", "B"], method="irv").kind is ContestKind.ELECTION
    assert BodyId("x") == "x"


def test_two_candidates_with_one_name_cannot_go_on_a_ballot() -> None:
    twins = spec(
        kind="election",
        method="irv",
        candidates=[{"id": "a", "name": "Sam"}, {"id": "b", "name": "Sam"}],
    )
    codes = [p.code for p in twins.problems_before_opening(Phase.VOTING_OPEN, roll_size=3)]
    assert codes == ["same-name"]
