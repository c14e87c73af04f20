"""Encoding domain values as JSON columns and back, exactly.

The contest aggregate (its electorate rule, motion rule, candidates, nomination rule and
gate) is stored as one JSON document per version. :func:`encode` walks a frozen
dataclass and writes plain JSON values: enums by value, :class:`~fractions.Fraction` as
``"n/d"`` text (never a float), dates and instants as ISO 8601 text with their offset,
sets as sorted lists. :func:`decode` reads them back guided by the dataclass's type
hints, so ``decode(Contest, encode(contest)) == contest`` for every contest.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from fractions import Fraction
from typing import Any, TypeVar, cast

__all__ = ["decode", "dumps", "encode", "loads"]

T = TypeVar("T")


def encode(value: Any) -> Any:
    """A JSON-ready form of a domain value (see module docstring)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, frozenset | set):
        return sorted((encode(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    msg = f"cannot store {type(value).__name__} as JSON: {value!r}"
    raise TypeError(msg)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = typing.get_type_hints(cls)
    return found


def decode(hint: Any, raw: Any) -> Any:
    """Rebuild a value of type ``hint`` from its :func:`encode`-d form."""
    supertype = getattr(hint, "__supertype__", None)
    if supertype is not None:  # a NewType
        return decode(supertype, raw)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if raw is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return decode(inner[0], raw)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], v) for v in raw)
        return tuple(decode(a, v) for a, v in zip(args, raw, strict=True))
    if origin is frozenset:
        return frozenset(decode(args[0], v) for v in raw)
    if (
        origin in (dict, Mapping, typing.Mapping)
        or origin is not None
        and issubclass(origin, Mapping)
    ):
        return {decode(args[0], k): decode(args[1], v) for k, v in raw.items()}
    if hint is Any or hint is object:
        return raw
    if isinstance(hint, type):
        if issubclass(hint, Enum):
            return hint(raw)
        if hint is Fraction:
            return Fraction(raw)
        if hint is datetime:
            return datetime.fromisoformat(raw)
        if hint is date:
            return date.fromisoformat(raw)
        if dataclasses.is_dataclass(hint):
            hints = _hints(hint)
            kwargs = {
                f.name: decode(hints[f.name], raw[f.name])
                for f in dataclasses.fields(hint)
                if f.name in raw
            }
            return hint(**kwargs)
        if hint in (int, str, bool):
            return hint(raw)
    msg = f"cannot read {hint!r} from JSON"
    raise TypeError(msg)


def dumps(value: Any) -> str:
    """Compact, key-sorted JSON text of ``encode(value)``."""
    return json.dumps(encode(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def loads(cls: type[T], text: str) -> T:
    """The ``cls`` value stored as ``text`` by :func:`dumps`."""
    return cast(T, decode(cls, json.loads(text)))
