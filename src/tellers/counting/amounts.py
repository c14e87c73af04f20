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
        value = Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        text = format(value.normalize(), "f")
        return text
    msg = f"not an exact amount: {value!r} ({type(value).__name__})"
    raise TypeError(msg)


def parse_amount(text: str) -> Fraction:
    """Read an amount written by :func:`format_amount` back as an exact fraction."""
    return Fraction(text)
