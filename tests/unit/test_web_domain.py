"""Domain rules behind the web pages: ballot presentation, officers' roles and lock-out,
the outbox's delivery record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tellers.domain.contest import Candidate, Contest, ContestKind
from tellers.domain.electorate import ElectorateRule
from tellers.domain.ids import CandidateId, ContestId, OfficerId, OrganisationId
from tellers.domain.lifecycle import Phase
from tellers.domain.mail import ERASED, MailKind, MailStatus, OutboxMessage, RetryPolicy
from tellers.domain.officer import LockoutPolicy, Officer, OfficerAction, OfficerRole, can
from tellers.domain.presentation import (
    BallotOrder,
    MarkingStyle,
    Presentation,
    ballot_paper,
    marking_style,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HASH = "$argon2id$not-a-real-hash"
NAMES = {"z": "Ann Zed", "a": "Bob Able", "m": "Cy Mid", "x": ""}


def _contest(
    kind: ContestKind = ContestKind.ELECTION, method: str = "irv", seats: int = 1
) -> Contest:
    return Contest(
        id=ContestId("c"),
        organisation_id=OrganisationId("o"),
        kind=kind,
        title="T",
        electorate=ElectorateRule(version="1", sections=()),
        phase=Phase.VOTING_OPEN,
        method=method,
        seats=seats,
        candidates=tuple(Candidate(id=CandidateId(k), name=n) for k, n in NAMES.items()),
        ballot=tuple(CandidateId(k) for k in NAMES),
    )


@pytest.mark.parametrize(
    ("kind", "method", "style"),
    [
        (ContestKind.MOTION, "motion", MarkingStyle.YES_NO),
        (ContestKind.ELECTION, "plurality", MarkingStyle.SINGLE),
        (ContestKind.ELECTION, "block", MarkingStyle.MULTIPLE),
        (ContestKind.ELECTION, "approval", MarkingStyle.APPROVAL),
        (ContestKind.ELECTION, "stv-scottish", MarkingStyle.RANKING),
    ],
)
def test_the_counting_method_decides_how_a_paper_is_marked(
    kind: ContestKind, method: str, style: MarkingStyle
) -> None:
    assert marking_style(_contest(kind, method)) is style


def test_alphabetical_order_sorts_by_surname_and_keeps_an_empty_name() -> None:
    paper = ballot_paper(
        _contest(), Presentation(contest_id="c", order=BallotOrder.ALPHABETICAL), b""
    )
    assert [k for k, _ in paper.options] == ["x", "a", "m", "z"]


def test_fixed_order_is_the_ballot_order_and_defaults_apply_without_settings() -> None:
    paper = ballot_paper(_contest(), None, b"seed")
    assert [k for k, _ in paper.options] == ["z", "a", "m", "x"]
    assert paper.max_marks == 0
    assert paper.instructions.startswith("Number the candidates")


def test_random_order_depends_only_on_the_voter_seed() -> None:
    settings = Presentation(contest_id="c", order=BallotOrder.RANDOM, instructions="Rank them.")
    orders = {tuple(ballot_paper(_contest(), settings, bytes([i])).options) for i in range(30)}
    again = ballot_paper(_contest(), settings, b"\x01").options
    assert len(orders) > 1
    assert again == ballot_paper(_contest(), settings, b"\x01").options
    assert ballot_paper(_contest(), settings, b"\x01").instructions == "Rank them."


def test_a_motion_paper_is_yes_and_no_with_one_mark() -> None:
    paper = ballot_paper(_contest(ContestKind.MOTION, "motion"), None, b"")
    assert paper.options == (("yes", "Yes"), ("no", "No"))
    assert paper.max_marks == 1


def test_a_block_vote_allows_as_many_marks_as_seats() -> None:
    paper = ballot_paper(_contest(method="block", seats=2), None, b"")
    assert paper.max_marks == 2
    assert "up to 2" in paper.instructions


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (OfficerRole.RETURNING_OFFICER, set(OfficerAction)),
        (OfficerRole.SCRUTINEER, {OfficerAction.VIEW, OfficerAction.COUNT}),
        (OfficerRole.OBSERVER, {OfficerAction.VIEW}),
    ],
)
def test_each_role_may_take_its_actions_only(
    role: OfficerRole, allowed: set[OfficerAction]
) -> None:
    assert {a for a in OfficerAction if can(role, a)} == allowed


def test_repeated_failures_lock_an_account_until_the_lock_ends() -> None:
    policy = LockoutPolicy(attempts=3, duration=timedelta(minutes=10))
    o = Officer(id=OfficerId("o"), name="O", role=OfficerRole.OBSERVER, password_hash=HASH)
    assert not o.is_locked(NOW)
    o = o.after_failure(NOW, policy).after_failure(NOW, policy)
    assert (o.failed_logins, o.is_locked(NOW)) == (2, False)
    o = o.after_failure(NOW, policy)
    assert o.is_locked(NOW + timedelta(minutes=9))
    assert not o.is_locked(NOW + timedelta(minutes=10))
    assert o.after_success() == Officer(
        id=OfficerId("o"), name="O", role=OfficerRole.OBSERVER, password_hash=HASH
    )


def _message(kind: MailKind) -> OutboxMessage:
    return OutboxMessage(
        id="m",
        kind=kind,
        contest_id="c",
        to="v@example.org",
        subject="s",
        body="code ABCD",
        created_at=NOW,
    )


def test_delivery_erases_secret_bodies_only() -> None:
    sent = _message(MailKind.INVITATION).delivered(NOW, "250 ok")
    notice = _message(MailKind.RESULT).delivered(NOW, "250 ok")
    assert (sent.status, sent.body, sent.attempts, sent.sent_at) == (
        MailStatus.SENT,
        ERASED,
        1,
        NOW,
    )
    assert notice.body == "code ABCD"
    assert MailKind.RECEIPT.carries_secret
    assert not MailKind.REMINDER.carries_secret


def test_failures_are_retried_with_doubling_waits_then_given_up() -> None:
    policy = RetryPolicy(attempts=3, first_wait=timedelta(minutes=1))
    assert [policy.wait(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    m = _message(MailKind.RECEIPT).failed(NOW, "refused", policy)
    assert (m.status, m.next_attempt_at, m.body) == (
        MailStatus.PENDING,
        NOW + timedelta(minutes=1),
        "code ABCD",
    )
    m = m.failed(NOW, "refused", policy).failed(NOW, "refused again", policy)
    assert (m.status, m.attempts, m.next_attempt_at, m.body) == (MailStatus.FAILED, 3, None, ERASED)
    kept = _message(MailKind.REMINDER).failed(NOW, "x", RetryPolicy(attempts=1))
    assert (kept.status, kept.body) == (MailStatus.FAILED, "code ABCD")
