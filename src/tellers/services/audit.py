"""Appending to and verifying the audit log (inside the caller's transaction)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tellers.crypto.hashing import GENESIS, verify_chain
from tellers.domain.audit import AuditEntry
from tellers.domain.ids import OfficerId
from tellers.services.ports import Clock, UnitOfWork

__all__ = ["audit_head", "record", "verify_audit_log"]


def record(
    uow: UnitOfWork,
    *,
    clock: Clock,
    officer: OfficerId,
    action: str,
    parameters: Mapping[str, Any],
) -> AuditEntry:
    """Append one entry after the current head, in ``uow``'s open transaction.

    Parameters must be canonical-JSON values (no floats); they never hold a credential,
    a ballot's content or a voter-to-ballot link.
    """
    entry = AuditEntry.after(
        uow.audit.head(), officer=officer, action=action, parameters=parameters, at=clock.now()
    )
    uow.audit.append(entry)
    return entry


def audit_head(uow: UnitOfWork) -> str:
    """The current head hash (:data:`~tellers.crypto.hashing.GENESIS` for an empty log)."""
    head = uow.audit.head()
    return head.hash if head is not None else GENESIS


def verify_audit_log(*, uow: UnitOfWork) -> str:
    """Verify every link of the audit log and return its head hash.

    Raises:
        ChainBroken: the first entry that does not verify.
    """
    with uow:
        return verify_chain(uow.audit.iter())
