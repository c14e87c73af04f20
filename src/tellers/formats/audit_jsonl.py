"""The audit log as JSON Lines: one entry per line, for export and independent checking.

Each line is the canonical JSON (:func:`tellers.crypto.hashing.canonical_json`) of::

    {"action": ..., "hash": ..., "officer": ..., "parameters": {...},
     "previous": ..., "sequence": n, "time": "2016-09-21T12:00:00.000000Z"}

followed by ``\\n``, in sequence order. The entry's ``hash`` is the SHA-256 of the
canonical JSON of the same object **without** ``hash`` (see
:mod:`tellers.crypto.hashing`), so a verifier recomputes each link from the line alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tellers.crypto.hashing import canonical_json
from tellers.errors import InputError

__all__ = ["AuditLine", "AuditLogFormatError", "audit_lines", "read_audit_log"]

_FIELDS = frozenset({"action", "hash", "officer", "parameters", "previous", "sequence", "time"})


class AuditLogFormatError(InputError):
    """An audit export that cannot be read; names the line."""

    def __init__(self, line: int, problem: str) -> None:
        self.line = line
        self.problem = problem
        super().__init__(f"audit log, line {line}: {problem}")


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditLine:
    """One entry as read from an export (the attributes :func:`verify_chain` needs)."""

    sequence: int
    officer: str
    action: str
    parameters: Mapping[str, Any]
    time: str
    previous: str
    hash: str


def _entry_dict(entry: Any) -> dict[str, Any]:
    return {
        "action": entry.action,
        "hash": entry.hash,
        "officer": entry.officer,
        "parameters": dict(entry.parameters),
        "previous": entry.previous,
        "sequence": entry.sequence,
        "time": entry.time,
    }


def audit_lines(entries: Iterable[Any]) -> Iterator[bytes]:
    """Each entry (an :class:`~tellers.domain.audit.AuditEntry` or alike) as one line."""
    for entry in entries:
        yield canonical_json(_entry_dict(entry)) + b"\n"


def _no_float(text: str) -> Any:
    msg = f"a number with a fraction or exponent ({text})"
    raise ValueError(msg)


def read_audit_log(data: bytes) -> list[AuditLine]:
    """Parse an export into entries (the chain itself is checked by ``verify_chain``).

    Blank lines are not allowed, and each line must be in canonical form.

    Raises:
        AuditLogFormatError: the first line that is not an entry.
    """
    out: list[AuditLine] = []
    if data and not data.endswith(b"\n"):
        data += b"\n"
    for number, raw in enumerate(data.split(b"\n")[:-1], start=1):
        try:
            value = json.loads(raw.decode("utf-8"), parse_float=_no_float)
        except (UnicodeDecodeError, ValueError) as err:
            raise AuditLogFormatError(number, f"not a JSON entry: {err}") from err
        if not isinstance(value, dict) or set(value) != _FIELDS:
            raise AuditLogFormatError(number, f"expected exactly the fields {sorted(_FIELDS)}")
        try:
            canonical = canonical_json(value)
        except (TypeError, ValueError) as err:
            raise AuditLogFormatError(number, str(err)) from err
        if canonical != raw:
            raise AuditLogFormatError(number, "the line is not in canonical JSON form")
        seq = value["sequence"]
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise AuditLogFormatError(number, "sequence must be an integer")
        if not isinstance(value["parameters"], dict):
            raise AuditLogFormatError(number, "parameters must be an object")
        for name in ("action", "hash", "officer", "previous", "time"):
            if not isinstance(value[name], str):
                raise AuditLogFormatError(number, f"{name} must be a string")
        out.append(
            AuditLine(
                sequence=seq,
                officer=value["officer"],
                action=value["action"],
                parameters=value["parameters"],
                time=value["time"],
                previous=value["previous"],
                hash=value["hash"],
            )
        )
    return out
