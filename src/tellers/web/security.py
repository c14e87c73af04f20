"""Sessions, CSRF protection, officer authentication and security headers.

- **Sessions** are signed cookies (Starlette's ``SessionMiddleware``, itsdangerous
  HMAC with a timestamp): ``HttpOnly`` always, ``SameSite=Lax`` (so the landing from an
  invitation link keeps its session through the redirect), ``Secure`` unless turned off
  for plain-HTTP loopback. The voter's part of the session (the credential, held for the
  minutes it takes to vote) has its own, shorter expiry and is dropped when the ballot
  is cast.
- **CSRF**: every form carries a random per-session token, compared in constant time
  with the one in the session (OWASP "synchronizer token"); the JSON API takes it in
  the ``X-CSRF-Token`` header for cookie-authenticated officer calls.
- **Headers**: a strict Content-Security-Policy (scripts, styles and images only from
  this origin: no inline script), ``Referrer-Policy: no-referrer`` (an invitation URL
  never leaks in a Referer), ``X-Content-Type-Options``, ``X-Frame-Options``, and
  ``Cache-Control: no-store`` on voter and officer pages.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tellers.domain.ids import OfficerId
from tellers.domain.officer import Officer, OfficerAction
from tellers.errors import TellersError
from tellers.services.officers import AuthenticationError, NotPermitted, require
from tellers.web.deps import context_of

__all__ = [
    "CsrfFailed",
    "LoginRequired",
    "NotPermitted",
    "SecurityHeaders",
    "check_csrf",
    "csrf_token",
    "current_officer",
    "end_voter_session",
    "log_in",
    "log_out",
    "require_officer",
    "start_voter_session",
    "voter_code",
]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


class CsrfFailed(TellersError):
    """A form or call without the session's CSRF token."""


class LoginRequired(AuthenticationError):
    """The page is for officers: log in first."""


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use)."""
    session: dict[str, Any] = request.session
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Raise unless ``submitted`` is the session's token.

    Raises:
        CsrfFailed: missing or different.
    """
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not submitted:
        msg = "this form has expired or was not sent from this site; please try again"
        raise CsrfFailed(msg)
    if not hmac.compare_digest(expected.encode(), submitted.encode()):
        msg = "this form has expired or was not sent from this site; please try again"
        raise CsrfFailed(msg)


# -- officers -----------------------------------------------------------------------


def log_in(request: Request, officer: Officer) -> None:
    """Start an officer session (a fresh CSRF token, against session fixation)."""
    ctx = context_of(request)
    request.session.clear()
    request.session["officer"] = officer.id
    request.session["officer_until"] = int(
        time.time() + ctx.settings.officer_session.total_seconds()
    )
    request.session["csrf"] = secrets.token_urlsafe(32)


def log_out(request: Request) -> None:
    """End the officer session."""
    request.session.clear()


def current_officer(request: Request) -> Officer | None:
    """The logged-in officer, or None (also None once the session has expired)."""
    cached: Officer | None = getattr(request.state, "officer", None)
    if cached is not None:
        return cached
    oid = request.session.get("officer")
    until = request.session.get("officer_until", 0)
    if not isinstance(oid, str) or not isinstance(until, int) or until < time.time():
        return None
    officer = context_of(request).stores.officers.find(OfficerId(oid))
    if officer is None:
        return None
    request.state.officer = officer
    return officer


def require_officer(request: Request, action: OfficerAction) -> Officer:
    """The logged-in officer, if their role allows ``action``.

    Raises:
        LoginRequired: nobody is logged in.
        NotPermitted: the role does not allow the action.
    """
    officer = current_officer(request)
    if officer is None:
        msg = "please log in as an officer"
        raise LoginRequired(msg)
    require(officer, action)
    return officer


# -- voters -------------------------------------------------------------------------


def start_voter_session(request: Request, contest_id: str, code: str) -> None:
    """Hold the voter's code in the session for the minutes it takes to vote."""
    ctx = context_of(request)
    request.session["voter"] = {
        "contest": contest_id,
        "code": code,
        "until": int(time.time() + ctx.settings.voter_session.total_seconds()),
    }
    csrf_token(request)


def voter_code(request: Request, contest_id: str) -> str | None:
    """The voter's code for ``contest_id`` if the voter session is still valid."""
    voter = request.session.get("voter")
    if not isinstance(voter, dict) or voter.get("contest") != contest_id:
        return None
    if int(voter.get("until", 0)) < time.time():
        request.session.pop("voter", None)
        return None
    code = voter.get("code")
    return code if isinstance(code, str) else None


def end_voter_session(request: Request) -> None:
    """Forget the voter's code (after casting)."""
    request.session.pop("voter", None)
    request.session.pop("draft", None)


# -- headers ------------------------------------------------------------------------


HSTS = b"max-age=31536000; includeSubDomains"
"""Strict-Transport-Security for responses served over TLS: a year, subdomains too."""


class SecurityHeaders:
    """Pure ASGI middleware adding the security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        private = path.startswith(("/vote", "/officer", "/api/v1/session"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                if private:
                    headers.append((b"cache-control", b"no-store"))
                if scope.get("scheme") == "https":  # HSTS only means something over TLS
                    headers.append((b"strict-transport-security", HSTS))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
