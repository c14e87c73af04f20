"""Officers: the people who run a ballot, their roles and what each role may do.

Three roles (DESIGN.md, "The people who use it"): the **returning officer** sets up
contests, opens and closes phases, counts and declares; the **scrutineer** reads the
audit log, runs the count and recounts; the **observer** reads. Every officer action
checks the role with :func:`can` before it runs. An officer's password is stored only
as an argon2id hash (the hashing is done by the services, not here). Repeated failed
log-ins lock the account for a while (:class:`LockoutPolicy`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum

from tellers.domain.ids import OfficerId

__all__ = ["Officer", "OfficerAction", "OfficerRole", "LockoutPolicy", "can"]


class OfficerRole(Enum):
    """What an officer is appointed as."""

    RETURNING_OFFICER = "returning officer"
    SCRUTINEER = "scrutineer"
    OBSERVER = "observer"


class OfficerAction(Enum):
    """Kinds of officer action, each allowed to some roles."""

    VIEW = "view"
    """Read turnout, registers, the audit log, the outbox."""
    MANAGE = "manage"
    """Organisation, roll, contests, nominations, phases, credentials, mail, declaring."""
    COUNT = "count"
    """Count, recount, verify the audit log."""
    ADMINISTER = "administer"
    """Appoint officers."""


_ALLOWED: dict[OfficerAction, frozenset[OfficerRole]] = {
    OfficerAction.VIEW: frozenset(OfficerRole),
    OfficerAction.MANAGE: frozenset({OfficerRole.RETURNING_OFFICER}),
    OfficerAction.COUNT: frozenset({OfficerRole.RETURNING_OFFICER, OfficerRole.SCRUTINEER}),
    OfficerAction.ADMINISTER: frozenset({OfficerRole.RETURNING_OFFICER}),
}


def can(role: OfficerRole, action: OfficerAction) -> bool:
    """Whether an officer in ``role`` may take ``action``."""
    return role in _ALLOWED[action]


@dataclass(frozen=True, slots=True, kw_only=True)
class LockoutPolicy:
    """How many consecutive failed log-ins lock an account, and for how long."""

    attempts: int = 5
    duration: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True, kw_only=True)
class Officer:
    """An appointed officer; ``password_hash`` is an argon2id PHC string."""

    id: OfficerId
    name: str
    role: OfficerRole
    password_hash: str
    failed_logins: int = 0
    locked_until: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        """Whether the account is locked at ``now``."""
        return self.locked_until is not None and now < self.locked_until

    def after_failure(self, now: datetime, policy: LockoutPolicy) -> Officer:
        """The officer after one more failed log-in (locked when the limit is reached)."""
        failed = self.failed_logins + 1
        if failed >= policy.attempts:
            return replace(self, failed_logins=0, locked_until=now + policy.duration)
        return replace(self, failed_logins=failed)

    def after_success(self) -> Officer:
        """The officer after a successful log-in (counter reset)."""
        return replace(self, failed_logins=0, locked_until=None)
