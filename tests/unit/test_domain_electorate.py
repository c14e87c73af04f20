"""Electorate rules: sections in order, one person one vote, recorded decisions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tellers.domain.electorate import ElectorateRule, FeeWindow, Section
from tellers.domain.ids import AffiliateId, BodyId, MembershipId, PersonId, SectionName
from tellers.domain.membership import Membership, MembershipKind, Standing

FREEZE = date(2016, 1, 12)
# Registered-supporter window, 2016: 18 Jul 17:00 to 20 Jul 17:00 (README S3; BST = UTC+1).
WINDOW = FeeWindow(
    opens=datetime(2016, 7, 18, 16, 0, tzinfo=UTC), closes=datetime(2016, 7, 20, 16, 0, tzinfo=UTC)
)
RULE = ElectorateRule(
    version="NEC 2016-07-12",
    sections=(
        Section(
            name=SectionName("members"), kind=MembershipKind.MEMBER, joined_on_or_before=FREEZE
        ),
        Section(
            name=SectionName("affiliated supporters"),
            kind=MembershipKind.AFFILIATED_SUPPORTER,
            joined_on_or_before=FREEZE,
        ),
        Section(
            name=SectionName("registered supporters"),
            kind=MembershipKind.REGISTERED_SUPPORTER,
            fee_window=WINDOW,
            min_fee_pence=2500,
        ),
    ),
)
P = PersonId("p1")


def member(start: date, standing: Standing = Standing.GOOD) -> Membership:
    return Membership(
        id=MembershipId("m"),
        person_id=P,
        kind=MembershipKind.MEMBER,
        start=start,
        standing=standing,
    )


def supporter(paid: datetime, pence: int = 2500) -> Membership:
    return Membership(
        id=MembershipId("s"),
        person_id=P,
        kind=MembershipKind.REGISTERED_SUPPORTER,
        start=paid.date(),
        fee_paid_at=paid,
        fee_pence=pence,
    )


def test_a_member_who_joined_on_the_freeze_date_votes_as_a_member() -> None:
    decision = RULE.decide(P, [member(FREEZE)])
    assert decision.section == "members"
    assert decision.rule_version == "NEC 2016-07-12"
    assert "admitted by section members" in decision.reason


def test_a_member_who_joined_after_the_freeze_may_vote_as_a_paid_supporter() -> None:
    paid = datetime(2016, 7, 19, 12, 0, tzinfo=UTC)
    decision = RULE.decide(P, [member(date(2016, 1, 13)), supporter(paid)])
    assert decision.section == "registered supporters"
    assert "joined 2016-01-13 after 2016-01-12" in decision.reason


def test_a_fee_paid_one_second_after_the_close_is_refused() -> None:
    on_time = datetime(2016, 7, 20, 16, 0, 0, tzinfo=UTC)
    late = datetime(2016, 7, 20, 16, 0, 1, tzinfo=UTC)
    assert RULE.decide(P, [supporter(on_time)]).is_eligible
    refused = RULE.decide(P, [supporter(late)])
    assert not refused.is_eligible
    assert "outside the window" in refused.reason


def test_a_fee_below_the_minimum_is_refused() -> None:
    assert not RULE.decide(P, [supporter(datetime(2016, 7, 19, tzinfo=UTC), pence=300)]).is_eligible


def test_a_person_in_two_sections_votes_once_in_the_first() -> None:
    paid = datetime(2016, 7, 19, 12, 0, tzinfo=UTC)
    decision = RULE.decide(P, [supporter(paid), member(date(2010, 1, 1))])
    assert decision.section == "members"


def test_a_suspended_member_is_refused_with_the_reason() -> None:
    decision = RULE.decide(P, [member(date(2010, 1, 1), Standing.SUSPENDED)])
    assert not decision.is_eligible
    assert "standing suspended" in decision.reason


def test_seat_sections_count_only_their_bodies_and_current_seats() -> None:
    rule = ElectorateRule(
        version="v",
        sections=(
            Section(
                name=SectionName("PLP"),
                kind=MembershipKind.SEAT,
                body_ids=frozenset({BodyId("plp")}),
                current_on=date(2016, 6, 28),
            ),
        ),
    )

    def seat(body: str, end: date | None = None) -> Membership:
        return Membership(
            id=MembershipId("x"),
            person_id=P,
            kind=MembershipKind.SEAT,
            start=date(2015, 5, 7),
            end=end,
            body_id=BodyId(body),
        )

    assert rule.decide(P, [seat("plp")]).is_eligible
    assert not rule.decide(P, [seat("eplp")]).is_eligible
    assert not rule.decide(P, [seat("plp", end=date(2016, 6, 1))]).is_eligible


def test_affiliated_supporters_can_be_limited_to_named_affiliates() -> None:
    section = Section(
        name=SectionName("affiliated supporters"),
        kind=MembershipKind.AFFILIATED_SUPPORTER,
        affiliate_ids=frozenset({AffiliateId("unite")}),
    )
    m = Membership(
        id=MembershipId("a"),
        person_id=P,
        kind=MembershipKind.AFFILIATED_SUPPORTER,
        start=date(2015, 1, 1),
        affiliate_id=AffiliateId("gmb"),
    )
    ok, why = section.admits([m])
    assert not ok
    assert "gmb" in why


def test_rule_problems_are_all_listed() -> None:
    bad = ElectorateRule(
        version="",
        sections=(
            Section(name=SectionName("a"), kind=MembershipKind.MEMBER, channels=frozenset()),
            Section(name=SectionName("a"), kind=MembershipKind.MEMBER),
        ),
    )
    problems = bad.problems()
    assert len(problems) == 3


def test_memberships_refuse_inconsistent_rows() -> None:
    with pytest.raises(ValueError, match="needs a body"):
        Membership(id=MembershipId("x"), person_id=P, kind=MembershipKind.SEAT, start=FREEZE)
    with pytest.raises(ValueError, match="time zone"):
        supporter(datetime(2016, 7, 19, 12, 0))  # noqa: DTZ001 - the naive case under test
