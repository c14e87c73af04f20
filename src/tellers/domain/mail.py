"""Outgoing mail: the messages of the outbox and their delivery record.

Invitations (with the voter's credential), reminders to those who have not voted and
result notices are queued as :class:`OutboxMessage` rows and delivered later by SMTP,
with retries (:mod:`tellers.services.mail`, :mod:`tellers.notify.smtp`). A message that
carries a secret (an invitation's credential, a receipt's tracking code) has its body
**erased** once delivered or given up: the outbox keeps the record of delivery (who,
what kind, when, how many attempts, the server's answer), never the code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum

__all__ = ["ERASED", "MailKind", "MailStatus", "OutboxMessage", "RetryPolicy"]

ERASED = "[erased after delivery: it carried a secret code]"


class MailKind(Enum):
    """Why a message is sent."""

    INVITATION = "invitation"
    REMINDER = "reminder"
    RESULT = "result"
    RECEIPT = "receipt"

    @property
    def carries_secret(self) -> bool:
        """Whether the body holds a code that must not stay in the outbox."""
        return self in (MailKind.INVITATION, MailKind.RECEIPT)


class MailStatus(Enum):
    """Where a message is in its delivery."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    """Given up after the last retry."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Attempts before giving up, and the wait after the n-th failure (doubling)."""

    attempts: int = 5
    first_wait: timedelta = timedelta(minutes=1)

    def wait(self, failures: int) -> timedelta:
        """The wait after ``failures`` failed attempts."""
        factor: int = 2 ** max(failures - 1, 0)
        return self.first_wait * factor


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxMessage:
    """One queued message and its delivery record."""

    id: str
    kind: MailKind
    contest_id: str
    to: str
    subject: str
    body: str
    created_at: datetime
    status: MailStatus = MailStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str = ""
    sent_at: datetime | None = None
    server_reply: str = ""

    def delivered(self, at: datetime, reply: str) -> OutboxMessage:
        """The message after the server accepted it (secret bodies erased)."""
        return replace(
            self,
            status=MailStatus.SENT,
            attempts=self.attempts + 1,
            sent_at=at,
            server_reply=reply[:500],
            last_error="",
            next_attempt_at=None,
            body=ERASED if self.kind.carries_secret else self.body,
        )

    def failed(self, at: datetime, error: str, policy: RetryPolicy) -> OutboxMessage:
        """The message after a failed attempt: retried later, or given up."""
        attempts = self.attempts + 1
        if attempts >= policy.attempts:
            return replace(
                self,
                status=MailStatus.FAILED,
                attempts=attempts,
                last_error=error[:500],
                next_attempt_at=None,
                body=ERASED if self.kind.carries_secret else self.body,
            )
        return replace(
            self,
            attempts=attempts,
            last_error=error[:500],
            next_attempt_at=at + policy.wait(attempts),
        )
