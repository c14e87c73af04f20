"""Exact vote amounts and their text form.

Vote counts are ``int``; transfer values are :class:`fractions.Fraction`, or
:class:`decimal.Decimal` where a rule fixes the number of places and the rounding.
``float`` never appears. In files and reports an amount is written as a decimal string
with no exponent and no trailing zeros (``"14"``, ``"7.2501"``); a fraction whose
decimal expansion does not terminate is written exactly as ``"p/q"``.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

__all__ = ["Amount", "format_amount", "parse_amount"]

Amount = int | Fraction | Decimal


def _terminates(denominator: int) -> bool:
    for p in (2, 5):
        while denominator % p == 0:
            denominator //= p
    return denominator == 1


def _exact_decimal(value: Fraction) -> Decimal:
    """A terminating fraction as a Decimal, exactly.

    ``Decimal(p) / Decimal(q)`` would round to the context's 28 significant digits
    (1/2**41 has 41); instead scale by 10**k, where k is the larger power of 2 or 5 in
    the denominator, so the division is exact in integers.
    """
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    k = max(twos, fives)
    # built from text: Decimal arithmetic (even scaleb) would round to the context
    return Decimal(f"{value.numerator * (10**k // value.denominator)}E-{k}")


def format_amount(value: Amount) -> str:
    """Write an amount as a decimal string (exact), or ``p/q`` if it does not terminate."""
    if isinstance(value, bool):
        msg = f"a vote amount cannot be a bool: {value!r}"
        raise TypeError(msg)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        if not _terminates(value.denominator):
            return f"{value.numerator}/{value.denominator}"
        value = _exact_decimal(value)
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        # not value.normalize(): it rounds to the context's 28 significant digits
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    msg = f"not an exact amount: {value!r} ({type(value).__name__})"
    raise TypeError(msg)


def parse_amount(text: str) -> Fraction:
    """Read an amount written by :func:`format_amount` back as an exact fraction."""
    return Fraction(text)
