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

import numpy as np

__all__ = [
    "CROCKFORD_ALPHABET",
    "random_bytes",
    "random_code",
    "random_codes",
    "random_hex",
    "random_hexes",
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


_CROCKFORD_BYTES = np.frombuffer(CROCKFORD_ALPHABET.encode("ascii"), dtype=np.uint8)


def random_codes(n: int, bits: int, *, group: int = 4) -> list[str]:
    """``n`` codes as :func:`random_code` makes them, drawn in one call to the CSPRNG.

    Issuing a million credentials one :func:`random_code` at a time spends most of its
    time in per-call overhead; this draws ``n`` x ``chars`` bytes at once and keeps the
    low 5 bits of each (256 is a multiple of 32, so every character is still uniform over
    the 32 symbols and independent of the others), then lays the codes out with numpy.
    """
    if bits <= 0:
        msg = f"bits must be positive, got {bits}"
        raise ValueError(msg)
    if n < 0:
        msg = f"need a non-negative number of codes, got {n}"
        raise ValueError(msg)
    if n == 0:
        return []
    chars = -(-bits // 5)
    raw = np.frombuffer(secrets.token_bytes(n * chars), dtype=np.uint8).reshape(n, chars)
    symbols = _CROCKFORD_BYTES[raw & 31]
    if group > 0 and chars > group:
        groups = -(-chars // group)
        width = chars + groups - 1
        out = np.full((n, width), ord("-"), dtype=np.uint8)
        for g in range(groups):
            lo = g * group
            hi = min(lo + group, chars)
            out[:, lo + g : hi + g] = symbols[:, lo:hi]
        symbols = out
    else:
        width = chars
    text = np.ascontiguousarray(symbols).view(f"S{width}").reshape(n)
    codes: list[str] = text.astype(f"U{width}").tolist()
    return codes


def random_hexes(n: int, bits: int = 128) -> list[str]:
    """``n`` identifiers as :func:`random_hex` makes them, drawn in one call."""
    if bits % 8:
        msg = f"bits must be a multiple of 8, got {bits}"
        raise ValueError(msg)
    width = bits // 4
    text = secrets.token_bytes(n * bits // 8).hex()
    return [text[i : i + width] for i in range(0, n * width, width)]


def secure_shuffle(items: MutableSequence[T]) -> None:
    """Shuffle ``items`` in place with the CSPRNG (e.g. a bulletin board's order)."""
    _SYSTEM.shuffle(items)
