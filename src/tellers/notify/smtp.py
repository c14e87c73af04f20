"""Sending one e-mail by SMTP (standard library ``smtplib``), with STARTTLS and log-in
when configured.

:class:`SmtpSender` turns every failure (refused connection, timeout, a 4xx/5xx reply)
into :class:`DeliveryFailed`, so the outbox can record it and retry later.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from tellers.errors import TellersError

__all__ = ["DeliveryFailed", "SmtpSender", "SmtpSettings"]


class DeliveryFailed(TellersError):
    """The SMTP server could not be reached or refused the message."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpSettings:
    """Where and how to send."""

    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "returning.officer@tellers.invalid"
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout: float = 10.0


class SmtpSender:
    """Send messages through one SMTP server (a new connection per batch)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, *, to: str, subject: str, body: str) -> str:
        """Send one plain-text message; returns the server's reply to the message.

        Raises:
            DeliveryFailed: any connection, protocol or refusal error.
        """
        s = self.settings
        msg = EmailMessage()
        msg["From"] = s.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Message-ID"] = make_msgid(domain=s.sender.rpartition("@")[2] or None)
        msg.set_content(body)
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, s.password)
                refused = smtp.send_message(msg)
                code, reply = smtp.noop()
        except (OSError, smtplib.SMTPException) as err:
            problem = f"{type(err).__name__}: {err}"
            raise DeliveryFailed(problem) from err
        if refused:
            problem = f"recipient refused: {refused}"
            raise DeliveryFailed(problem)
        return f"accepted ({code} {reply.decode('utf-8', 'replace')})"
