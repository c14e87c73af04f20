"""Queueing and delivering mail: invitations, reminders, result notices, receipts.

- **Invitations** issue every eligible voter's credential
  (:func:`tellers.services.credentials.issue_credentials`) and queue one message per
  voter with an e-mail address, carrying the code and a link that logs the voter in.
  The codes exist only in those messages; a delivered (or abandoned) message has its
  body erased (:class:`~tellers.domain.mail.OutboxMessage`). Voters without an address
  are counted: their code must go by post, or be reissued.
- **Reminders** go to eligible voters **not yet marked voted** on the roll (the roll says
  who voted, never how); they carry no code.
- **Result notices** go to every eligible voter with an address once the result is
  declared, with the declaration text.
- **Receipts** go, only when a voter asks, to the address the voter types; the message
  holds the tracking code and nothing that names the voter, and is erased once sent.

Queueing writes the outbox only; :func:`deliver` sends what is due, with retries.
Queueing is recorded in the audit log (how many, never to whom). Each queueing is **one
transaction** through the unit of work (``uow.outbox``): for invitations the credentials,
their messages and both audit entries commit together, so a failed outbox write leaves no
credential whose code was shown to nobody.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass

from tellers.crypto.random import random_hex
from tellers.domain.errors import PollNotOpen, WrongPhase
from tellers.domain.ids import ContestId, OfficerId, OrganisationId, PersonId
from tellers.domain.lifecycle import Phase
from tellers.domain.mail import MailKind, OutboxMessage, RetryPolicy
from tellers.domain.organisation import Person
from tellers.notify.outbox import DeliveryReport, Sender, deliver_due
from tellers.services.audit import record
from tellers.services.credentials import issue_credentials_in
from tellers.services.ports import Clock, UnitOfWork
from tellers.services.web_ports import OutboxStore

__all__ = [
    "QueueSummary",
    "deliver",
    "queue_invitations",
    "queue_receipt",
    "queue_reminders",
    "queue_result_notice",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueSummary:
    """How many messages were queued and how many voters had no address."""

    queued: int
    without_address: int


def _message(
    clock: Clock, kind: MailKind, contest_id: str, to: str, subject: str, body: str
) -> OutboxMessage:
    return OutboxMessage(
        id=random_hex(128),
        kind=kind,
        contest_id=contest_id,
        to=to,
        subject=subject,
        body=body,
        created_at=clock.now(),
    )


def _people_among(
    uow: UnitOfWork, organisation_id: OrganisationId, wanted: Container[PersonId]
) -> Iterator[Person]:
    """The organisation's people who are in ``wanted``, in one pass over its books rather
    than a lookup (on PostgreSQL a round trip) per person."""
    return (p for p in uow.people.all(organisation_id) if p.id in wanted)


def _queue(
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    action: str,
    kind: MailKind,
    contest_id: str,
    subject: str,
    letters: Iterable[tuple[Person, str]],
) -> QueueSummary:
    """Queue a mailing and its audit entry, in the caller's open transaction.

    People with no e-mail address are counted, not mailed.
    """
    messages: list[OutboxMessage] = []
    missing = 0
    for person, body in letters:
        if not person.email:
            missing += 1
            continue
        messages.append(_message(clock, kind, contest_id, person.email, subject, body))
    summary = QueueSummary(queued=uow.outbox.add_many(messages), without_address=missing)
    record(
        uow,
        clock=clock,
        officer=officer,
        action=action,
        parameters={
            "contest": contest_id,
            "queued": summary.queued,
            "without_address": summary.without_address,
        },
    )
    return summary


def queue_invitations(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    contest_id: str,
    base_url: str,
) -> QueueSummary:
    """Issue credentials to everyone eligible without one and queue their invitations.

    One transaction: the credentials, the messages carrying their codes and the audit
    entries (``issue_credentials``, ``queue_invitations``) commit together or not at all.

    Raises:
        PollNotOpen: voting is not open.
    """
    base = base_url.rstrip("/")
    with uow:
        issued = issue_credentials_in(uow, clock=clock, officer=officer, contest_id=contest_id)
        contest = uow.contests.get(ContestId(contest_id))
        by_person = {cred.person_id: cred for cred in issued}

        def invitation(person: Person) -> tuple[Person, str]:
            cred = by_person[person.id]
            paper = (
                f"\nYou may instead return the postal ballot paper numbered {cred.paper_number}.\n"
                if cred.paper_number is not None
                else ""
            )
            return person, (
                f"Dear {person.name},\n\n"
                f"You are invited to vote in: {contest.title}.\n\n"
                "Vote online by following this link:\n"
                f"{base}/vote/{contest.id}/start?code={cred.code}\n\n"
                f"or go to {base}/vote and type your voting code:\n\n    {cred.code}\n"
                f"{paper}\n"
                "The code can be used once. Keep it private: nobody from the organisation will "
                "ask you for it. Your vote is secret: the code is not linked to your ballot.\n"
            )

        summary = _queue(
            uow,
            clock,
            officer,
            "queue_invitations",
            MailKind.INVITATION,
            contest.id,
            f"Your vote: {contest.title}",
            (invitation(p) for p in _people_among(uow, contest.organisation_id, by_person)),
        )
        uow.commit()
    return summary


def queue_reminders(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    contest_id: str,
    base_url: str,
) -> QueueSummary:
    """Queue a reminder to every eligible voter the roll does not mark as voted.

    One transaction: the roll read, the messages and the audit entry.

    Raises:
        PollNotOpen: voting is not open.
    """
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        if contest.phase is not Phase.VOTING_OPEN:
            msg = "send reminders"
            raise PollNotOpen(msg, contest.phase, (Phase.VOTING_OPEN,))
        waiting = {
            e.person_id for e in uow.roll.iter(contest.id) if e.section is not None and not e.voted
        }

        def reminder(person: Person) -> tuple[Person, str]:
            return person, (
                f"Dear {person.name},\n\n"
                f"Voting is open in: {contest.title}, and our records show you have not voted "
                f"yet.\nVote at {base_url.rstrip('/')}/vote with the code from your invitation. "
                "If you have lost it, ask the returning officer for a new one.\n\n"
                "If you have voted in the last few minutes, please ignore this message.\n"
            )

        summary = _queue(
            uow,
            clock,
            officer,
            "queue_reminders",
            MailKind.REMINDER,
            contest.id,
            f"Reminder: {contest.title}",
            (reminder(p) for p in _people_among(uow, contest.organisation_id, waiting)),
        )
        uow.commit()
    return summary


def queue_result_notice(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    contest_id: str,
    base_url: str,
) -> QueueSummary:
    """Queue the declaration to every eligible voter with an address.

    One transaction: the declaration and roll read, the messages and the audit entry.

    Raises:
        WrongPhase: the result has not been declared.
    """
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        declared = uow.results.declaration(contest.id)
        if declared is None or contest.phase is not Phase.DECLARED:
            msg = "send the result"
            raise WrongPhase(msg, contest.phase, (Phase.DECLARED,))
        eligible = {person_id for person_id, _ in uow.roll.eligible(contest.id)}
        text = declared[0]
        link = f"{base_url.rstrip('/')}/contests/{contest.id}/results"
        summary = _queue(
            uow,
            clock,
            officer,
            "queue_result_notice",
            MailKind.RESULT,
            contest.id,
            f"Result: {contest.title}",
            (
                (
                    p,
                    f"Dear {p.name},\n\n{text}\n"
                    f"The full result, round by round, and the bulletin board: {link}\n",
                )
                for p in _people_among(uow, contest.organisation_id, eligible)
            ),
        )
        uow.commit()
    return summary


def queue_receipt(
    *,
    clock: Clock,
    outbox: OutboxStore,
    contest_id: str,
    title: str,
    tracking_code: str,
    to: str,
    base_url: str,
) -> None:
    """Queue a voter's receipt to the address they typed (not logged: it is theirs)."""
    body = (
        f"Your ballot in {title} was received.\n\n"
        f"Tracking code: {tracking_code}\n\n"
        "After voting closes, check that it was counted at "
        f"{base_url.rstrip('/')}/contests/{contest_id}/check\n"
        "The tracking code shows that your ballot is on the bulletin board; it does not "
        "show, and cannot prove to anyone, how you voted.\n"
    )
    outbox.add_many(
        [_message(clock, MailKind.RECEIPT, contest_id, to, f"Your receipt: {title}", body)]
    )


def deliver(
    *,
    outbox: OutboxStore,
    sender: Sender,
    clock: Clock,
    policy: RetryPolicy | None = None,
    limit: int = 500,
) -> DeliveryReport:
    """Send every message that is due and record each attempt."""
    return deliver_due(outbox, sender, clock.now, policy=policy, limit=limit)
