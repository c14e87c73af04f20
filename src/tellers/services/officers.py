"""Officers: appointment, log-in with argon2id password hashes, lock-out, role checks.

Passwords are hashed with argon2id (``argon2-cffi``'s defaults, RFC 9106's second
recommended option) and never stored or logged in clear. A log-in for an unknown id
still spends one hash, so the time taken does not tell which ids exist, and every
refusal has the same message. After :attr:`LockoutPolicy.attempts` consecutive failures
the account is locked for :attr:`LockoutPolicy.duration` (OWASP ASVS 2.2.1); a correct
password during the lock is refused too.
"""

from __future__ import annotations

import contextlib
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tellers.domain.errors import LifecycleError
from tellers.domain.ids import OfficerId
from tellers.domain.officer import LockoutPolicy, Officer, OfficerAction, OfficerRole, can
from tellers.services.ports import Clock
from tellers.services.web_ports import OfficerStore

__all__ = [
    "AccountLocked",
    "AuthenticationError",
    "LoginRefused",
    "NotPermitted",
    "appoint_officer",
    "authenticate",
    "require",
]

_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the officer is unknown, so that an unknown id costs
    as much time as a wrong password. Made on first use: hashing is deliberately slow
    (about half a second), and every CLI command imports this module."""
    return _HASHER.hash("not a password of anyone")


MIN_PASSWORD = 12


class AuthenticationError(LifecycleError):
    """An officer could not be authenticated or authorised."""


class LoginRefused(AuthenticationError):
    """Wrong id or password (one message for both)."""


class AccountLocked(AuthenticationError):
    """Too many failed log-ins: the account is locked for a while."""


class NotPermitted(AuthenticationError):
    """The officer's role does not allow the action."""


def appoint_officer(
    *, officers: OfficerStore, officer_id: str, name: str, role: OfficerRole, password: str
) -> Officer:
    """Appoint an officer with a password (at least 12 characters).

    Raises:
        AuthenticationError: the password is too short.
        AlreadyExists: the id is taken.
    """
    if len(password) < MIN_PASSWORD:
        msg = f"an officer's password needs at least {MIN_PASSWORD} characters"
        raise AuthenticationError(msg)
    officer = Officer(
        id=OfficerId(officer_id), name=name, role=role, password_hash=_HASHER.hash(password)
    )
    officers.add(officer)
    return officer


def authenticate(
    *,
    officers: OfficerStore,
    clock: Clock,
    officer_id: str,
    password: str,
    policy: LockoutPolicy | None = None,
) -> Officer:
    """Check an officer's password, counting failures towards a lock-out.

    Raises:
        LoginRefused: unknown id or wrong password.
        AccountLocked: the account is locked (until the time in the message).
    """
    policy = policy or LockoutPolicy()
    now = clock.now()
    found = officers.find(OfficerId(officer_id.strip()))
    if found is None:
        with contextlib.suppress(VerificationError):
            _HASHER.verify(_dummy_hash(), password + "x")
        msg = "wrong officer id or password"
        raise LoginRefused(msg)
    if found.is_locked(now):
        assert found.locked_until is not None
        msg = (
            "this account is locked after repeated failed log-ins; try again after "
            f"{found.locked_until.strftime('%H:%M UTC')}"
        )
        raise AccountLocked(msg)
    try:
        _HASHER.verify(found.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError) as err:
        after = found.after_failure(now, policy)
        officers.save(after)
        if after.is_locked(now):
            msg = "too many failed log-ins: this account is now locked for a while"
            raise AccountLocked(msg) from err
        msg = "wrong officer id or password"
        raise LoginRefused(msg) from err
    updated = found.after_success()
    if _HASHER.check_needs_rehash(found.password_hash):
        from dataclasses import replace

        updated = replace(updated, password_hash=_HASHER.hash(password))
    if updated != found:
        officers.save(updated)
    return updated


def require(officer: Officer, action: OfficerAction) -> None:
    """Raise unless ``officer`` may take ``action``.

    Raises:
        NotPermitted: the role does not allow it.
    """
    if not can(officer.role, action):
        msg = f"a {officer.role.value} may not {action.value} here"
        raise NotPermitted(msg)
