"""The one source of secret randomness in tellers.

Everything that must be unpredictable (credentials, tracking codes, ballot ids, election
keys) draws from :mod:`secrets` through this module, so a review of randomness is a
review of one file. Published, reproducible randomness (lots drawn from a seed) is a
different thing and lives with the counting rules (:mod:`tellers.counting.ties`).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import MutableSequence
from typing import TypeVar

__all__ = [
    "CROCKFORD_ALPHABET",
    "random_bytes",
    "random_code",
    "random_hex",
    "secure_shuffle",
]

T = TypeVar("T")

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base32: digits and capitals without I, L, O, U (easy to read and type)."""

_SYSTEM = secrets.SystemRandom()
_TO_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CROCKFORD_ALPHABET)


def random_bytes(n: int) -> bytes:
    """``n`` bytes from the operating system's CSPRNG."""
    if n <= 0:
        msg = f"need a positive number of bytes, got {n}"
        raise ValueError(msg)
    return secrets.token_bytes(n)


def random_hex(bits: int = 128) -> str:
    """A random identifier of ``bits`` bits (a multiple of 8), as lower-case hex."""
    if bits % 8:
        msg = f"bits must be a multiple of 8, got {bits}"
        raise ValueError(msg)
    return secrets.token_hex(bits // 8)


def random_code(bits: int, *, group: int = 4) -> str:
    """A human-typable random code of at least ``bits`` bits.

    The code is written in Crockford base32 (5 bits per character, every character
    uniformly random), rounded up to whole characters, in groups of ``group`` characters
    joined by hyphens.

    Args:
        bits: the minimum entropy, in bits.
        group: characters per group (0 for no grouping).
    """
    if bits <= 0:
        msg = f"bits must be positive, got {bits}"
        raise ValueError(msg)
    chars = -(-bits // 5)
    data = secrets.token_bytes(-(-chars * 5 // 8))
    text = base64.b32encode(data).decode("ascii").translate(_TO_CROCKFORD)[:chars]
    if group <= 0:
        return text
    return "-".join(text[i : i + group] for i in range(0, len(text), group))


def secure_shuffle(items: MutableSequence[T]) -> None:
    """Shuffle ``items`` in place with the CSPRNG (e.g. a bulletin board's order)."""
    _SYSTEM.shuffle(items)
