"""Reading a cookie the way an onlooker would: every readable or base64-decodable form.

A signed session cookie (itsdangerous) is ``base64(json).timestamp.signature``: signed,
not secret. :func:`readable_forms` unpacks a cookie value as far as anyone could --
splitting on separators, base64-decoding (standard and URL-safe, with or without
padding), inflating zlib, parsing JSON and descending into its strings -- and
:func:`shows` says whether a secret appears in any of those forms, in any case and with
or without its separators.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["readable_forms", "shows"]

_PIECES = re.compile(r"[.:|;,\s\"']+")


def _b64_variants(text: str) -> Iterator[bytes]:
    raw = text.strip()
    if len(raw) < 4:
        return
    padded = raw + "=" * (-len(raw) % 4)
    for decode in (base64.urlsafe_b64decode, base64.b64decode):
        try:
            yield decode(padded.encode("ascii", "ignore"))
        except (binascii.Error, ValueError):
            continue


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif value is not None:
        yield str(value)


def readable_forms(cookie: str, *, depth: int = 4) -> list[str]:
    """Every form of ``cookie`` an onlooker could read (texts, decoded as Latin-1)."""
    seen: set[str] = set()
    todo: list[tuple[str, int]] = [(cookie, 0)]
    while todo:
        text, level = todo.pop()
        if text in seen:
            continue
        seen.add(text)
        if level >= depth:
            continue
        children: list[str] = [p for p in _PIECES.split(text) if p and p != text]
        stripped = text.lstrip(".")
        for chunk in [stripped, *children]:
            for data in _b64_variants(chunk):
                children.append(data.decode("latin-1"))
                with contextlib.suppress(zlib.error):
                    children.append(zlib.decompress(data).decode("latin-1"))
        with contextlib.suppress(ValueError):
            children.extend(_strings(json.loads(text)))
        todo.extend((c, level + 1) for c in children)
    return sorted(seen)


def _squash(text: str) -> str:
    return re.sub(r"[\s\-_]+", "", text).upper()


def shows(secret: str, cookies: Iterable[str]) -> bool:
    """Whether ``secret`` appears in any readable form of any of ``cookies``."""
    wanted = _squash(secret)
    return any(wanted in _squash(form) for c in cookies for form in readable_forms(c))
