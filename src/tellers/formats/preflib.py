"""Read PrefLib ordinal preference files (``.soi``, ``.soc``, ``.toi``, ``.toc``) as a Profile.

PrefLib (Mattei & Walsh, "PrefLib: A Library for Preferences", ADT 2013; format as
published at https://preflib.org/format since September 2022) stores an election as a
header of ``# KEY: value`` lines followed by one line per distinct order::

    # FILE NAME: 00005-00000002.toi
    # DATA TYPE: toi
    # NUMBER ALTERNATIVES: 6
    # NUMBER VOTERS: 8980
    # NUMBER UNIQUE ORDERS: 384
    # ALTERNATIVE NAME 1: Bob Kiss
    ...
    840: 5
    314: {1,6},5,2,4,3

``840: 5`` means 840 voters ranked alternative 5 first and nobody else. ``{1,6}`` groups
alternatives ranked equal (only in ``toi``/``toc`` files). Alternatives are numbered from
1 in the file; the profile numbers them from 0 in the order of their numbers.

How the profile holds the ballots (kept *as written*, see :mod:`tellers.counting.profile`):

- a single alternative at a position is an ordinary mark;
- a group ``{a,b}`` is one rank cell holding several candidates, i.e. an
  :data:`~tellers.counting.profile.OVERVOTE` cell with the candidates in the side-table.
  Whether that means "equal preference" (Condorcet methods) or an overvote that exhausts
  the ballot (Burlington's IRV rules) is the counting rule's decision, not the reader's;
- a ``toc``/``soc`` file ranks every alternative, so its last group (the unranked
  alternatives "tied at the bottom") is kept as a cell like any other;
- unlisted alternatives are simply unranked.

Errors name the file, the line and the field (:class:`~tellers.errors.BallotFileError`).
A file whose header counts (``NUMBER VOTERS``, ``NUMBER UNIQUE ORDERS``,
``NUMBER ALTERNATIVES``) disagree with its body is rejected, since such a file has been
truncated or edited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tellers.counting.profile import Mark, Profile, ProfileBuilder
from tellers.errors import BallotFileError

__all__ = ["PreflibFile", "load_preflib", "read_preflib"]

_DATA_TYPES = frozenset({"soi", "soc", "toi", "toc"})
_ALT_NAME = re.compile(r"ALTERNATIVE NAME (\d+)")
_COUNT = re.compile(r"\s*(\d+)\s*")
_ALT = re.compile(r"\s*(\d+)\s*")


@dataclass(frozen=True, slots=True, kw_only=True)
class PreflibFile:
    """A PrefLib file: its header and its ballots as a profile."""

    path: str
    data_type: str
    """``soi``, ``soc``, ``toi`` or ``toc``."""
    title: str
    header: Mapping[str, str] = field(default_factory=dict)
    """Every ``# KEY: value`` header line except the alternative names."""
    profile: Profile


def read_preflib(path: str | Path) -> Profile:
    """Read a PrefLib ``.soi``/``.soc``/``.toi``/``.toc`` file as a profile.

    Args:
        path: the file.

    Returns:
        The distinct orders with their counts, candidates named from the header.

    Raises:
        BallotFileError: the file cannot be read, or a line is malformed (the message
            names the file, the line and the field).
    """
    return load_preflib(path).profile


def _data_type_of(path: Path, header: Mapping[str, str]) -> str:
    declared = header.get("DATA TYPE", "").strip().lower()
    suffix = path.suffix.lstrip(".").lower()
    data_type = declared or suffix
    if data_type not in _DATA_TYPES:
        problem = (
            f"unsupported PrefLib data type {data_type!r}; expected one of "
            f"{', '.join(sorted(_DATA_TYPES))} (ordinal preferences)"
        )
        raise BallotFileError(str(path), "", "DATA TYPE", problem)
    return data_type


def _header_int(path: str, header: Mapping[str, str], lines: Mapping[str, int], key: str) -> int:
    text = header[key].strip()
    if not text.isdigit():
        problem = f"expected a non-negative whole number, found {text!r}"
        raise BallotFileError(path, f"line {lines[key]}", key, problem)
    return int(text)


def _parse_order(
    path: str, lineno: int, text: str, n_alternatives: int, strict: bool
) -> list[Mark]:
    """Parse ``a,b,{c,d},e`` into marks (0-based), rejecting repeats and unknown numbers."""
    marks: list[Mark] = []
    seen: set[int] = set()
    position = 0
    i = 0
    length = len(text)

    def alternative(token: str) -> int:
        match = _ALT.fullmatch(token)
        if match is None:
            problem = f"expected an alternative number, found {token.strip()!r}"
            raise BallotFileError(path, f"line {lineno}", f"position {position}", problem)
        number = int(match.group(1))
        if not 1 <= number <= n_alternatives:
            problem = f"alternative {number} is not among 1..{n_alternatives}"
            raise BallotFileError(path, f"line {lineno}", f"position {position}", problem)
        if number in seen:
            problem = f"alternative {number} appears more than once in this order"
            raise BallotFileError(path, f"line {lineno}", f"position {position}", problem)
        seen.add(number)
        return number - 1

    if not text.strip():
        return marks
    while i <= length:
        position += 1
        while i < length and text[i].isspace():
            i += 1
        if i < length and text[i] == "{":
            close = text.find("}", i)
            if close < 0:
                problem = "a '{' group is not closed by '}'"
                raise BallotFileError(path, f"line {lineno}", f"position {position}", problem)
            if strict:
                problem = "tied alternatives '{...}' are not allowed in a strict (soi/soc) file"
                raise BallotFileError(path, f"line {lineno}", f"position {position}", problem)
            inner = text[i + 1 : close]
            group = frozenset(alternative(tok) for tok in inner.split(","))
            marks.append(next(iter(group)) if len(group) == 1 else group)
            i = close + 1
            while i < length and text[i].isspace():
                i += 1
            if i < length and text[i] != ",":
                problem = f"expected ',' after '}}', found {text[i]!r}"
                raise BallotFileError(path, f"line {lineno}", f"position {position}", problem)
        else:
            comma = text.find(",", i)
            end = length if comma < 0 else comma
            marks.append(alternative(text[i:end]))
            i = end
        i += 1  # skip the comma (or step past the end)
    return marks


def load_preflib(path: str | Path) -> PreflibFile:
    """Read a PrefLib ordinal file with its header.

    Args:
        path: the file.

    Returns:
        The header, data type, title and profile.

    Raises:
        BallotFileError: see :func:`read_preflib`.
    """
    source = Path(path)
    where = str(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        problem = f"cannot read the file: {err}"
        raise BallotFileError(where, "", "", problem) from err

    header: dict[str, str] = {}
    header_lines: dict[str, int] = {}
    names: dict[int, str] = {}
    name_lines: dict[int, int] = {}
    body: list[tuple[int, str]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if body:
                problem = "a header line after the first order"
                raise BallotFileError(where, f"line {lineno}", "", problem)
            key, sep, value = line[1:].strip().partition(":")
            if not sep:
                problem = f"expected '# KEY: value', found {line!r}"
                raise BallotFileError(where, f"line {lineno}", "", problem)
            key = key.strip().upper()
            value = value.strip()
            named = _ALT_NAME.fullmatch(key)
            if named is not None:
                number = int(named.group(1))
                if number in names:
                    problem = (
                        f"alternative {number} is named twice (first on line {name_lines[number]})"
                    )
                    raise BallotFileError(where, f"line {lineno}", key, problem)
                if not value:
                    problem = f"alternative {number} has an empty name"
                    raise BallotFileError(where, f"line {lineno}", key, problem)
                names[number] = value
                name_lines[number] = lineno
            else:
                header[key] = value
                header_lines[key] = lineno
        else:
            body.append((lineno, line))

    data_type = _data_type_of(source, header)
    strict = data_type in {"soi", "soc"}
    complete = data_type in {"soc", "toc"}

    if "NUMBER ALTERNATIVES" in header:
        n_alternatives = _header_int(where, header, header_lines, "NUMBER ALTERNATIVES")
    elif names:
        n_alternatives = max(names)
    else:
        problem = "no '# NUMBER ALTERNATIVES' and no '# ALTERNATIVE NAME i' lines"
        raise BallotFileError(where, "", "NUMBER ALTERNATIVES", problem)
    missing = [i for i in range(1, n_alternatives + 1) if i not in names]
    if missing:
        problem = f"no '# ALTERNATIVE NAME' line for alternative(s) {missing}"
        raise BallotFileError(where, "", "ALTERNATIVE NAME", problem)
    extra = sorted(i for i in names if not 1 <= i <= n_alternatives)
    if extra:
        number = extra[0]
        problem = f"alternative {number} is outside 1..{n_alternatives} (NUMBER ALTERNATIVES)"
        raise BallotFileError(
            where, f"line {name_lines[number]}", f"ALTERNATIVE NAME {number}", problem
        )
    candidates = [names[i] for i in range(1, n_alternatives + 1)]
    if len(set(candidates)) != len(candidates):
        dupes = sorted({c for c in candidates if candidates.count(c) > 1})
        problem = f"alternatives share a name: {dupes}"
        raise BallotFileError(where, "", "ALTERNATIVE NAME", problem)

    builder = ProfileBuilder(candidates)
    voters = 0
    for lineno, line in body:
        count_text, sep, order = line.partition(":")
        if not sep:
            problem = f"expected '<count>: <order>', found {line!r}"
            raise BallotFileError(where, f"line {lineno}", "count", problem)
        count_match = _COUNT.fullmatch(count_text)
        if count_match is None:
            problem = f"expected a whole number of voters, found {count_text.strip()!r}"
            raise BallotFileError(where, f"line {lineno}", "count", problem)
        count = int(count_match.group(1))
        marks = _parse_order(where, lineno, order, n_alternatives, strict)
        if complete:
            ranked = sum(1 if isinstance(m, int) else len(m) for m in marks if m is not None)
            if ranked != n_alternatives:
                problem = (
                    f"a complete ({data_type}) order must rank all {n_alternatives} "
                    f"alternatives, this one ranks {ranked}"
                )
                raise BallotFileError(where, f"line {lineno}", "order", problem)
        builder.add(marks, count)
        voters += count

    for key, actual in (("NUMBER VOTERS", voters), ("NUMBER UNIQUE ORDERS", len(body))):
        if key in header:
            declared = _header_int(where, header, header_lines, key)
            if declared != actual:
                problem = f"the header declares {declared} but the file holds {actual}"
                raise BallotFileError(where, f"line {header_lines[key]}", key, problem)

    return PreflibFile(
        path=where,
        data_type=data_type,
        title=header.get("TITLE", ""),
        header=header,
        profile=builder.build(),
    )
