"""Canonical JSON and the hash chain of the audit log.

Canonical encoding (``canonical_json``)
---------------------------------------
A value is encoded to UTF-8 bytes as JSON with these rules, which are those of
RFC 8785 (JSON Canonicalization Scheme) restricted to values without floating point:

- allowed values: ``null``, ``true``, ``false``, integers in ``[-(2**53 - 1), 2**53 - 1]``,
  strings, arrays (Python lists or tuples) and objects (mappings with string keys);
  anything else (floats, bytes, dates...) is refused: callers convert first (times are
  written by :func:`format_instant`);
- no whitespace anywhere; members separated by ``,`` and keys from values by ``:``;
- object members sorted by key, comparing keys as sequences of UTF-16 code units;
- strings in double quotes; ``"`` and ``\\`` escaped with a backslash; the control
  characters U+0008, U+0009, U+000A, U+000C, U+000D written ``\\b \\t \\n \\f \\r``; every
  other character below U+0020 written ``\\u00xx`` (lower-case hex); every other
  character written as itself (UTF-8), including non-ASCII;
- integers in decimal, no leading zeros, ``-`` for negatives, no ``+``.

Audit chain (``chain_hash``)
----------------------------
Entry ``n`` (``n`` = 1, 2, ...) has::

    hash_n = lower-case hex SHA-256 of canonical_json({
        "action": action,            # e.g. "open_voting"
        "officer": officer,          # who did it
        "parameters": parameters,    # an object; never ballot content or credentials
        "previous": hash_{n-1},      # GENESIS (64 zeros) for n = 1
        "sequence": n,
        "time": time,                # format_instant(): "2016-09-21T12:00:00.000000Z"
    })

so a verifier needs only SHA-256 and the rules above. Changing, removing, inserting or
reordering any entry changes every later hash and the published head.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from tellers.errors import TellersError

__all__ = [
    "GENESIS",
    "ChainBroken",
    "ChainLink",
    "canonical_json",
    "chain_hash",
    "format_instant",
    "sha256_hex",
    "verify_chain",
]

GENESIS = "0" * 64
"""The ``previous`` hash of the first entry."""

_MAX_SAFE = 2**53 - 1

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


class ChainBroken(TellersError):
    """An audit log whose hash chain does not verify; says at which entry and why."""

    def __init__(self, sequence: int, problem: str) -> None:
        self.sequence = sequence
        self.problem = problem
        super().__init__(f"audit entry {sequence}: {problem}")


def _string(text: str) -> str:
    out = ['"']
    for ch in text:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch < " ":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _encode(value: Any, parts: list[str]) -> None:
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        if not -_MAX_SAFE <= value <= _MAX_SAFE:
            msg = f"integer {value} is outside the canonical range of +/-(2**53 - 1)"
            raise ValueError(msg)
        parts.append(str(value))
    elif isinstance(value, str):
        parts.append(_string(value))
    elif isinstance(value, list | tuple):
        parts.append("[")
        for i, item in enumerate(value):
            if i:
                parts.append(",")
            _encode(item, parts)
        parts.append("]")
    elif isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                msg = f"object keys must be strings, got {key!r}"
                raise TypeError(msg)
        parts.append("{")
        for i, key in enumerate(sorted(value, key=_utf16_key)):
            if i:
                parts.append(",")
            parts.append(_string(key))
            parts.append(":")
            _encode(value[key], parts)
        parts.append("}")
    else:
        msg = f"no canonical JSON form for {type(value).__name__}: {value!r}"
        raise TypeError(msg)


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 encoding of ``value`` (see the module docstring)."""
    parts: list[str] = []
    _encode(value, parts)
    return "".join(parts).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def format_instant(instant: datetime) -> str:
    """An instant as UTC ISO 8601 with six fractional digits and ``Z``.

    Raises:
        ValueError: a naive datetime (no time zone), which names no instant.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        msg = f"an instant needs a time zone: {instant!r}"
        raise ValueError(msg)
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chain_hash(
    *,
    previous: str,
    sequence: int,
    officer: str,
    action: str,
    parameters: Mapping[str, Any],
    time: str,
) -> str:
    """The hash of one audit entry (see the module docstring)."""
    body = {
        "action": action,
        "officer": officer,
        "parameters": parameters,
        "previous": previous,
        "sequence": sequence,
        "time": time,
    }
    return sha256_hex(canonical_json(body))


class ChainLink(Protocol):
    """What a verifier needs of one entry (any object with these attributes will do)."""

    sequence: int
    officer: str
    action: str
    parameters: Mapping[str, Any]
    time: str
    previous: str
    hash: str


def verify_chain(entries: Iterable[Any]) -> str:
    """Check every link of an audit chain and return its head hash.

    Args:
        entries: objects with the attributes of :class:`ChainLink`, in sequence order;
            ``time`` may be a string (as hashed) or an aware datetime.

    Returns:
        The hash of the last entry (:data:`GENESIS` for an empty log).

    Raises:
        ChainBroken: a gap in the sequence, a wrong ``previous`` or a wrong ``hash``.
    """
    previous = GENESIS
    expected = 1
    for entry in entries:
        if entry.sequence != expected:
            raise ChainBroken(entry.sequence, f"expected sequence {expected}")
        if entry.previous != previous:
            raise ChainBroken(entry.sequence, "previous hash does not match the entry before")
        time = entry.time if isinstance(entry.time, str) else format_instant(entry.time)
        recomputed = chain_hash(
            previous=previous,
            sequence=entry.sequence,
            officer=entry.officer,
            action=entry.action,
            parameters=entry.parameters,
            time=time,
        )
        if recomputed != entry.hash:
            raise ChainBroken(entry.sequence, "hash does not match the entry's contents")
        previous = entry.hash
        expected += 1
    return previous
