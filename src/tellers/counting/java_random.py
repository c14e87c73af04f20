"""An exact port of ``java.util.Random`` and ``Collections.shuffle``, for RCTab's lots.

RCTab (the Universal RCV Tabulator, BrightSpots/rcv) draws its random tie-breaks from
``new java.util.Random(randomSeed)``: ``Tiebreak.doRandom`` takes
``floor(random.nextDouble() * n)`` as an index into the tied candidates sorted by name,
and the ``generatePermutation`` mode sorts the candidate names and shuffles them with
``Collections.shuffle(list, random)``. To reproduce RCTab's results digit for digit, a
recount must draw exactly the numbers Java draws, so this module re-implements the
generator as specified in the Java SE API documentation of ``java.util.Random``:

- a 48-bit linear congruential generator, ``seed = (seed * 0x5DEECE66D + 0xB) mod 2**48``,
  seeded with ``(seed ^ 0x5DEECE66D) mod 2**48``;
- ``next(bits)`` returns the top ``bits`` bits of the new seed as a signed 32-bit int;
- ``nextInt(bound)`` with the documented rejection loop (and the power-of-two shortcut);
- ``nextDouble() = ((next(26) << 27) + next(27)) * 2**-53``.

``nextDouble`` returns a Python ``float``, which is an IEEE-754 double exactly like
Java's ``double``, so ``floor(d * n)`` agrees bit for bit. Floats appear here only to
emulate the generator, never for vote amounts.
"""

from __future__ import annotations

from collections.abc import MutableSequence
from typing import TypeVar

__all__ = ["JavaRandom", "java_shuffle"]

_MULTIPLIER = 0x5DEECE66D
_ADDEND = 0xB
_MASK = (1 << 48) - 1
_DOUBLE_UNIT = 2.0**-53

T = TypeVar("T")


def _to_int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


class JavaRandom:
    """``java.util.Random`` with the same sequence for the same (64-bit) seed."""

    def __init__(self, seed: int) -> None:
        self._seed = (seed ^ _MULTIPLIER) & _MASK

    def next_bits(self, bits: int) -> int:
        """Java's protected ``next(bits)``: a signed 32-bit int with ``bits`` random bits."""
        self._seed = (self._seed * _MULTIPLIER + _ADDEND) & _MASK
        return _to_int32(self._seed >> (48 - bits))

    def next_int(self, bound: int | None = None) -> int:
        """``nextInt()`` (any int) or ``nextInt(bound)`` (0 <= value < bound)."""
        if bound is None:
            return self.next_bits(32)
        if bound <= 0:
            msg = f"bound must be positive, got {bound}"
            raise ValueError(msg)
        if bound & (bound - 1) == 0:
            return _to_int32((bound * self.next_bits(31)) >> 31)
        while True:
            bits = self.next_bits(31)
            value = bits % bound
            # Java rejects when ``bits - value + (bound - 1)`` overflows a signed int.
            if bits - value + (bound - 1) < (1 << 31):
                return value

    def next_long(self) -> int:
        """``nextLong()``: a signed 64-bit value."""
        value = (self.next_bits(32) << 32) + self.next_bits(32)
        value &= (1 << 64) - 1
        return value - (1 << 64) if value & (1 << 63) else value

    def next_boolean(self) -> bool:
        """``nextBoolean()``."""
        return self.next_bits(1) != 0

    def next_double(self) -> float:
        """``nextDouble()``: uniform in [0, 1) with 53 random bits."""
        high = self.next_bits(26)
        low = self.next_bits(27)
        return ((high << 27) + low) * _DOUBLE_UNIT


def java_shuffle(items: MutableSequence[T], rng: JavaRandom) -> None:
    """``Collections.shuffle(list, rnd)`` in place: swap ``i-1`` with ``nextInt(i)``, i = n..2."""
    for i in range(len(items), 1, -1):
        j = rng.next_int(i)
        items[i - 1], items[j] = items[j], items[i - 1]
