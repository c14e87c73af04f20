"""Officers: appointment, log-in with argon2id password hashes, lock-out, role checks.

Passwords are hashed with argon2id (``argon2-cffi``'s defaults, RFC 9106's second
recommended option) and never stored or logged in clear. A log-in for an unknown id
still spends one hash, so the time taken does not tell which ids exist, and every
refusal has the same message. After :attr:`LockoutPolicy.attempts` consecutive failures
the account is locked for :attr:`LockoutPolicy.duration` (OWASP ASVS 2.2.1); a correct
password during the lock is refused too.

Appointing an officer and locking an account are security events: each is written with
its audit entry in one transaction of the unit of work (``uow.officers``, the same rows
the web's officer store reads at log-in). The entries name the officers and the role,
never a password or its hash. Ordinary failed log-ins only count towards the lock-out.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tellers.domain.errors import LifecycleError
from tellers.domain.ids import OfficerId
from tellers.domain.officer import LockoutPolicy, Officer, OfficerAction, OfficerRole, can
from tellers.services.audit import record
from tellers.services.ports import Clock, UnitOfWork
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
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    officer_id: str,
    name: str,
    role: OfficerRole,
    password: str,
) -> Officer:
    """``officer`` appoints an officer with a password (at least 12 characters).

    One transaction: the officer and the audit entry (``appoint_officer``: who appointed
    whom, with what role). The password is hashed before the transaction begins, so the
    deliberately slow hash does not hold the database's write lock.

    Raises:
        AuthenticationError: the password is too short.
        AlreadyExists: the id is taken.
    """
    if len(password) < MIN_PASSWORD:
        msg = f"an officer's password needs at least {MIN_PASSWORD} characters"
        raise AuthenticationError(msg)
    appointed = Officer(
        id=OfficerId(officer_id), name=name, role=role, password_hash=_HASHER.hash(password)
    )
    with uow:
        uow.officers.add(appointed)
        record(
            uow,
            clock=clock,
            officer=officer,
            action="appoint_officer",
            parameters={"officer": appointed.id, "name": name, "role": role.value},
        )
        uow.commit()
    return appointed


def _count_failure(
    uow: UnitOfWork, clock: Clock, officer_id: OfficerId, now: datetime, policy: LockoutPolicy
) -> bool:
    """Count one failed log-in, in one transaction; return whether the account is locked.

    The account is read, counted and saved in the same transaction (its row locked on
    PostgreSQL; SQLite's write lock taken first), so failures racing each other all count:
    ten wrong passwords sent at once against a limit of five lock the account, instead of
    each request saving its own "one more failure" over the others'. A failure that locks
    the account is stored with its audit entry -- the account's own (nobody else is known
    to have acted): which account, after how many failures, until when; never the
    password tried.
    """
    with uow:
        current = uow.officers.find(officer_id)
        if current is None:
            return False
        if current.is_locked(now):
            return True  # locked meanwhile by another failure
        after = current.after_failure(now, policy)
        uow.officers.save(after)
        locked = after.is_locked(now)
        if locked:
            assert after.locked_until is not None
            record(
                uow,
                clock=clock,
                officer=after.id,
                action="officer_locked_out",
                parameters={
                    "officer": after.id,
                    "failed_logins": policy.attempts,
                    "locked_until": after.locked_until.isoformat(),
                },
            )
        uow.commit()
    return locked


def authenticate(
    *,
    officers: OfficerStore,
    clock: Clock,
    officer_id: str,
    password: str,
    policy: LockoutPolicy | None = None,
    uow: Callable[[], AbstractContextManager[UnitOfWork]],
) -> Officer:
    """Check an officer's password, counting failures towards a lock-out.

    ``uow`` opens a unit of work (the web context's pool): a failure is counted through
    it in one transaction (:func:`_count_failure`), with the audit entry of a lock-out.
    It is opened only after the slow hash, so no log-in holds a connection meanwhile.

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
        with uow() as unit:
            locked = _count_failure(unit, clock, found.id, now, policy)
        if locked:
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
