"""Delivering the outbox: send what is due, record each attempt, retry with back-off.

The outbox is a table (:class:`~tellers.domain.mail.OutboxMessage` rows) written by the
services when they queue invitations, reminders and result notices; :func:`deliver_due`
is run by a worker (``tellers serve`` runs one in the background) or by a test. Each
attempt is recorded on the row: sent (with the server's reply, and a secret body
erased), or failed with the error and the time of the next attempt, until the retry
policy gives up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tellers.domain.mail import OutboxMessage, RetryPolicy
from tellers.notify.smtp import DeliveryFailed

__all__ = ["DeliveryReport", "Sender", "deliver_due"]


class Sender(Protocol):
    """Anything that sends one message (an :class:`~tellers.notify.smtp.SmtpSender`)."""

    def send(self, *, to: str, subject: str, body: str) -> str: ...


class _Outbox(Protocol):
    def due(self, now: datetime, limit: int) -> tuple[OutboxMessage, ...]: ...
    def save(self, message: OutboxMessage) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryReport:
    """What one delivery run did."""

    sent: int
    retrying: int
    failed: int


def deliver_due(
    outbox: _Outbox,
    sender: Sender,
    now: Callable[[], datetime],
    *,
    policy: RetryPolicy | None = None,
    limit: int = 500,
) -> DeliveryReport:
    """Send every message that is due (at most ``limit``) and record the outcome."""
    policy = policy or RetryPolicy()
    sent = retrying = failed = 0
    for message in outbox.due(now(), limit):
        try:
            reply = sender.send(to=message.to, subject=message.subject, body=message.body)
        except DeliveryFailed as err:
            after = message.failed(now(), str(err), policy)
            if after.next_attempt_at is None:
                failed += 1
            else:
                retrying += 1
            outbox.save(after)
            continue
        outbox.save(message.delivered(now(), reply))
        sent += 1
    return DeliveryReport(sent=sent, retrying=retrying, failed=failed)
