"""Sessions, CSRF protection, officer authentication and security headers.

- **Sessions** are signed cookies (Starlette's ``SessionMiddleware``, itsdangerous
  HMAC with a timestamp): ``HttpOnly`` always, ``SameSite=Lax`` (so the landing from an
  invitation link keeps its session through the redirect), ``Secure`` unless turned off
  for plain-HTTP loopback. A signed cookie is only base64: anyone holding it can read
  it. So the voter's part of the session -- the voting code (held for the minutes it
  takes to vote, with its own, shorter expiry), the draft ballot and the receipt -- is
  **sealed** as well (libsodium ``secretbox``, XSalsa20-Poly1305, under a key derived
  from the app's secret, a fresh random nonce each time, padded so the length does not
  tell how many preferences a draft holds): the cookie carries neither the code nor the
  choices in any readable form, and the app stays stateless (any worker can open it).
  The code and draft are dropped when the ballot is cast.
- **CSRF**: every form carries a random per-session token, compared in constant time
  with the one in the session (OWASP "synchronizer token"); the JSON API takes it in
  the ``X-CSRF-Token`` header for cookie-authenticated officer calls.
- **Headers**: a strict Content-Security-Policy (scripts, styles and images only from
  this origin: no inline script), ``Referrer-Policy: no-referrer`` (an invitation URL
  never leaks in a Referer), ``X-Content-Type-Options``, ``X-Frame-Options``, and
  ``Cache-Control: no-store`` on voter and officer pages.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import nacl.exceptions
import nacl.secret
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tellers.crypto.random import random_bytes
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
    "set_voter_value",
    "start_voter_session",
    "voter_code",
    "voter_value",
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

VOTER_SESSION_CONTEXT = b"tellers voter session v1"
"""Domain separation of the key that seals the voter's part of the session."""

_PAD = 128
"""Sealed values are padded to a multiple of this many bytes, so the cookie's length
does not tell how many preferences a draft holds."""


@functools.lru_cache(maxsize=8)
def _voter_box(secret_key: str) -> nacl.secret.SecretBox:
    """The box that seals voter values: a key derived from the app's secret.

    The secret signs the whole cookie already; the sealing key is keyed BLAKE2b of a
    fixed context under the SHA-256 of the secret, so that the two uses never share a
    key and a secret of any length gives a 32-byte key.
    """
    key = hashlib.blake2b(
        VOTER_SESSION_CONTEXT,
        key=hashlib.sha256(secret_key.encode("utf-8")).digest(),
        digest_size=nacl.secret.SecretBox.KEY_SIZE,
    ).digest()
    return nacl.secret.SecretBox(key)


def _seal(request: Request, name: str, value: dict[str, Any]) -> str:
    """``value`` encrypted and authenticated (XSalsa20-Poly1305), as URL-safe text.

    The plaintext names the slot (``name``), so a value sealed for one slot is refused
    in another.
    """
    plain = json.dumps({"slot": name, "value": value}, separators=(",", ":")).encode()
    plain += b" " * (-len(plain) % _PAD)
    box = _voter_box(context_of(request).settings.secret_key)
    sealed = box.encrypt(plain, random_bytes(nacl.secret.SecretBox.NONCE_SIZE))
    return base64.urlsafe_b64encode(bytes(sealed)).decode("ascii")


def _unseal(request: Request, name: str, text: object) -> dict[str, Any] | None:
    """The value sealed by :func:`_seal` for ``name``, or None (absent, forged, other slot)."""
    if not isinstance(text, str):
        return None
    box = _voter_box(context_of(request).settings.secret_key)
    try:
        plain = box.decrypt(base64.urlsafe_b64decode(text.encode("ascii")))
        found = json.loads(plain)
    except (nacl.exceptions.CryptoError, ValueError, UnicodeError):
        return None
    if not isinstance(found, dict) or found.get("slot") != name:
        return None
    value = found.get("value")
    return value if isinstance(value, dict) else None


def set_voter_value(request: Request, name: str, value: dict[str, Any]) -> None:
    """Keep ``value`` in the voter's session, sealed (``draft``, ``receipt``...)."""
    request.session[name] = _seal(request, name, value)


def voter_value(request: Request, name: str) -> dict[str, Any] | None:
    """A value kept by :func:`set_voter_value`, or None."""
    return _unseal(request, name, request.session.get(name))


def start_voter_session(request: Request, contest_id: str, code: str) -> None:
    """Hold the voter's code in the session, sealed, for the minutes it takes to vote."""
    ctx = context_of(request)
    set_voter_value(
        request,
        "voter",
        {
            "contest": contest_id,
            "code": code,
            "until": int(time.time() + ctx.settings.voter_session.total_seconds()),
        },
    )
    csrf_token(request)


def voter_code(request: Request, contest_id: str) -> str | None:
    """The voter's code for ``contest_id`` if the voter session is still valid."""
    voter = voter_value(request, "voter")
    if voter is None or voter.get("contest") != contest_id:
        return None
    until = voter.get("until", 0)
    if not isinstance(until, int) or until < time.time():
        request.session.pop("voter", None)
        return None
    code = voter.get("code")
    return code if isinstance(code, str) else None


def end_voter_session(request: Request) -> None:
    """Forget the voter's code and draft (after casting)."""
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
