"""Budgets, mutation strategies and the oracle shared by the fuzzers.

Every fuzz target is a Hypothesis test whose example budget comes from the profile named
by ``HYPOTHESIS_PROFILE``:

- ``ci`` (the default): a few hundred examples per target, a couple of minutes in all;
- ``fuzz``: the full run, over 100,000 generated inputs across the targets
  (``HYPOTHESIS_PROFILE=fuzz .venv/bin/pytest -q -p no:cacheprovider tests/fuzz``).

The profile is applied to these tests only, through :func:`fuzz_settings`; nothing here
changes Hypothesis' global settings, so the rest of the suite keeps its own budgets.
Each target counts the inputs it was given (:func:`counted`); ``tests/fuzz/conftest.py``
prints the totals at the end of the run (and writes them to ``$FUZZ_TOTALS`` if set).

The oracle (:func:`rejects_cleanly`): a reader either reads the input or raises a
:class:`~tellers.errors.TellersError` whose message says what is wrong. Anything else --
``ValueError``, ``KeyError``, ``RecursionError``, a ``UnicodeDecodeError`` -- would reach
the user as a traceback (CLI) or a 500 (web), and fails the test.
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tellers.errors import BallotFileError, TellersError

__all__ = [
    "COUNTS",
    "NASTY",
    "PROFILE",
    "counted",
    "fuzz_settings",
    "mutated",
    "nasty_text",
    "rejects_cleanly",
]

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
"""``ci`` (default) or ``fuzz`` (the full run)."""

_PER_WEIGHT = {"ci": 150, "fuzz": 5000}

COUNTS: Counter[str] = Counter()
"""Inputs generated per target during this run."""

F = TypeVar("F", bound=Callable[..., Any])


def fuzz_settings(weight: float = 1.0) -> settings:
    """Settings for a fuzz target: ``weight`` times the profile's budget per target."""
    per = _PER_WEIGHT.get(PROFILE, _PER_WEIGHT["ci"])
    return settings(
        max_examples=max(10, int(per * weight)),
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
            HealthCheck.function_scoped_fixture,
        ],
    )


def counted(target: str) -> Callable[[F], F]:
    """Count every input the decorated test body is called with under ``target``."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            COUNTS[target] += 1
            return fn(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap


def rejects_cleanly(call: Callable[[], object]) -> TellersError | None:
    """Run ``call``: it must succeed or raise a TellersError with a useful message.

    Returns:
        The error raised, or None when the input was read.
    """
    caught: TellersError | None = None
    try:
        call()
    except TellersError as err:
        caught = err
    if caught is not None:
        message = str(caught)
        assert message.strip(), f"{type(caught).__name__} with an empty message"
        assert "Traceback" not in message, message
        if isinstance(caught, BallotFileError):
            assert caught.problem.strip(), f"BallotFileError without a problem: {message}"
    return caught


NASTY: tuple[bytes, ...] = (
    b"\xff",
    b"\xfe\xff",
    b"\xc3(",  # a broken two-byte sequence
    b"\xed\xa0\x80",  # an encoded surrogate
    b"\xf4\x90\x80\x80",  # beyond U+10FFFF
    b"\xef\xbb\xbf",  # a byte-order mark in the middle
    b"\x00",
    b"\r",
    b"\n",
    b"\r\n",
    b'"',
    b'""',
    b",",
    b",,,,,,,,,,,,,,,,",
    b";",
    b"\t",
    b"=",
    b"=cmd|' /C calc'!A0",
    b"+1+1",
    b"-2+3",
    b"@SUM(A1:A9)",
    b"0",
    b"-1",
    b"99999999999999999999999999999999",
    b"1e999",
    b"NaN",
    b"Infinity",
    b"null",
    b"true",
    b"[]",
    b"{}",
    b"[" * 200,
    b"{" * 200,
    b'{"a":' * 200,
    b"<a>" * 200,
    b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    b"&b;",
    b"../../../../etc/passwd",
    b"..\\..\\windows\\win.ini",
    b"/dev/zero",
    b"\xe2\x80\xae",  # right-to-left override
    b"\xe2\x80\x8b",  # zero-width space
    b"A" * 5000,
    b"# ",
    b"0:",
    b"{1,2}",
    b"1: 1,1,1",
    b"undervote",
    b"overvote",
    b"Write-In",
)
"""Byte strings that have broken readers elsewhere: bad UTF-8, quotes, formulas, depth."""


@st.composite
def mutated(draw: st.DrawFn, seeds: Sequence[bytes], *, max_ops: int = 6) -> bytes:
    """A seed file with a few random edits: flips, cuts, repeats, nasty insertions."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, max_ops))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.integers(0, 5))
        if op == 0 and data:  # flip a byte
            i = min(at, len(data) - 1)
            data[i] = draw(st.integers(0, 255))
        elif op == 1:  # cut a slice
            data[at : at + draw(st.integers(1, 64))] = b""
        elif op == 2:  # repeat a slice
            piece = data[at : at + draw(st.integers(1, 64))]
            data[at:at] = piece * draw(st.integers(1, 20))
        elif op == 3:  # insert a nasty token
            data[at:at] = draw(st.sampled_from(NASTY))
        elif op == 4:  # insert random bytes
            data[at:at] = draw(st.binary(max_size=16))
        else:  # truncate
            del data[at:]
    return bytes(data)


def nasty_text(*, max_size: int = 12) -> st.SearchStrategy[str]:
    """Short text of any characters, biased to the ones that break parsers."""
    nasty = st.sampled_from(
        [
            "",
            " ",
            "=",
            "+",
            "-",
            "@",
            '"',
            ",",
            "\n",
            "\r",
            "\t",
            "\x00",
            "\ufeff",
            "\u202e",
            "0",
            "-1",
            "1.5",
            "1e9",
            "NaN",
            "undervote",
            "overvote",
            "Write-In",
            "=1+1",
            "../x",
            "A" * 300,
        ]
    )
    free = st.text(st.characters(exclude_categories=["Cs"]), max_size=max_size)
    return st.one_of(nasty, free, st.builds(lambda a, b: a + b, nasty, free))
