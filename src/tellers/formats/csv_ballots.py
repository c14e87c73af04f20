"""tellers' plain ballot CSV: one ballot per line, candidates' names in rank order.

The format, in full:

- No header. Each line is one ballot: the first cell is the first preference, the
  second cell the second, and so on. Cells are separated by commas; a name holding a
  comma or a quote is quoted the CSV way (``"Smith, Jo"``). Spaces around a name are
  ignored.
- With ``counts=True`` the first cell of each line is a count, a positive whole number:
  the line stands for that many identical ballots (``12,Alice,Bob``).
- A blank cell is a rank left blank (a skipped rank): ``Alice,,Bob``.
- A cell holding several names joined by ``=`` (``Alice=Bob``) marks them at the same
  rank: an overvote (or an equal ranking, for rules that allow one). A lone ``=`` is an
  overvote whose candidates are not known. So names may not contain ``=``.
- A line holding nothing (or only spaces) is ignored. A ballot with no mark at all is a
  line with only blank cells (``,``) or, with counts, the count alone (``3``).
- The file is UTF-8 (a byte-order mark is allowed).
- A cell that a spreadsheet would run as a formula (beginning with ``=``, ``+``, ``-``
  or ``@``) is written with an apostrophe in front (``'-Smith``), and read without it;
  see :mod:`tellers.formats.csv_safe`. So a lone ``=`` is written ``'=``.

Candidates are numbered in order of first appearance, unless a candidate list is given,
in which case that order is kept and any other name is an error (a typo check). Ballots
are kept exactly as cast (the same name twice on one ballot stays twice): whether that
counts is for the counting rule to say.

Every problem raises :class:`~tellers.errors.BallotFileError` naming the file, the line
and the column (1-based), and saying what was expected.

:func:`write_csv_ballots` writes a profile so that :func:`read_csv_ballots` reads the same
ballots back (given the same candidate list, which also keeps candidates without votes).
Write-in flags are not part of the format.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

from tellers.counting.profile import Mark, Profile, ProfileBuilder
from tellers.errors import BallotFileError, InputError
from tellers.formats.csv_safe import neutralise, restore

__all__ = ["EQUAL", "read_csv_ballots", "write_csv_ballots"]

EQUAL = "="
"""Joins names marked at the same rank; alone, an overvote with unknown candidates."""

MAX_COUNT_DIGITS = 15
"""A line's count has at most 15 digits, so that counts and their sums fit in int64."""


def _decode(path: Path) -> str:
    where = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise BallotFileError(where, "", "", "file not found") from err
    except OSError as err:
        problem = f"cannot read the file: {err.strerror or err}"
        raise BallotFileError(where, "", "", problem) from err
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        problem = (
            f"expected UTF-8 text, found the byte 0x{data[err.start]:02x} at character "
            f"{column} of the line"
        )
        raise BallotFileError(where, f"line {line}", "", problem) from err


def _rows(path: Path, text: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV row with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            problem = f"not readable as CSV: {err}"
            raise BallotFileError(str(path), f"line {reader.line_num}", "", problem) from err
        yield line, row
        line = reader.line_num + 1


def _count(path: Path, line: int, raw: str) -> int:
    text = raw.strip()
    digits = text.isascii() and text.isdigit()
    if digits and len(text.lstrip("0")) <= MAX_COUNT_DIGITS and int(text) > 0:
        return int(text)
    problem = (
        "expected the number of ballots, a whole number of at least 1 and at most "
        f"{MAX_COUNT_DIGITS} digits, got {raw[:40]!r}"
    )
    raise BallotFileError(str(path), f"line {line}", "column 1", problem)


def read_csv_ballots(
    path: str | Path, *, counts: bool = False, candidates: Sequence[str] | None = None
) -> Profile:
    """Read a plain ballot CSV (see the module docstring for the format).

    Args:
        path: the file.
        counts: the first cell of each line is the number of ballots it stands for.
        candidates: the candidates in the order to number them; any other name is an
            error. Without it, candidates are numbered in order of first appearance.

    Returns:
        The profile: distinct ballots in order of first appearance, with their counts.

    Raises:
        BallotFileError: an empty or unreadable file, malformed UTF-8 or CSV, a count
            that is not a positive whole number, an empty name in ``A=B``, or (with
            ``candidates``) an unknown name; the message names the line and column.
    """
    file_path = Path(path)
    where = str(file_path)
    text = _decode(file_path)
    fixed = candidates is not None
    builder = ProfileBuilder(list(candidates or ()))
    known = set(candidates or ())
    ballots = 0

    def candidate(name: str, line: int, column: int) -> int:
        if fixed and name not in known:
            listed = ", ".join(repr(c) for c in builder.candidates)
            problem = f"unknown candidate {name!r}; expected one of {listed}"
            raise BallotFileError(where, f"line {line}", f"column {column}", problem)
        return builder.candidate(name)

    for line, row in _rows(file_path, text):
        if len(row) <= 1 and not "".join(row).strip():
            continue  # a line with nothing on it
        if "\x00" in "".join(row):
            problem = "expected text, found a NUL byte"
            raise BallotFileError(where, f"line {line}", "", problem)
        weight = _count(file_path, line, row[0]) if counts else 1
        first = 2 if counts else 1
        marks: list[Mark] = []
        for column, cell in enumerate(row[first - 1 :], start=first):
            name = restore(cell.strip())
            if not name:
                marks.append(None)
            elif name == EQUAL:
                marks.append(frozenset())
            elif EQUAL in name:
                parts = [p.strip() for p in name.split(EQUAL)]
                if not all(parts):
                    problem = (
                        f"expected names joined by '=' (an equal ranking), got {cell!r} "
                        "with an empty name"
                    )
                    raise BallotFileError(where, f"line {line}", f"column {column}", problem)
                marks.append(frozenset(candidate(p, line, column) for p in parts))
            else:
                marks.append(candidate(name, line, column))
        builder.add(marks, weight)
        ballots += weight
    if not ballots:
        problem = "the file holds no ballots: expected one ballot per line"
        raise BallotFileError(where, "", "", problem)
    return builder.build()


def _cell(profile: Profile, mark: Mark) -> str:
    if mark is None:
        return ""
    if isinstance(mark, int):
        return neutralise(profile.candidates[mark])
    if not mark:
        return neutralise(EQUAL)
    return neutralise(EQUAL.join(profile.candidates[i] for i in sorted(mark)))


def write_csv_ballots(profile: Profile, path: str | Path, *, counts: bool = True) -> None:
    """Write a profile as a plain ballot CSV that :func:`read_csv_ballots` reads back.

    Args:
        profile: the ballots.
        path: the file to write (UTF-8, ``\\n`` line ends).
        counts: write each distinct ballot once with its count first (read it back with
            ``counts=True``); otherwise write one line per ballot.

    Raises:
        InputError: a candidate name the format cannot hold (empty, with spaces at
            either end, or containing ``=``).
    """
    for name in profile.candidates:
        if not name or name != name.strip() or EQUAL in name or "\x00" in name:
            msg = (
                f"candidate name {name!r} cannot be written to a ballot CSV: names must be "
                "non-empty, without spaces at either end, and without '='"
            )
            raise InputError(msg)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for marks, count in profile.ballots():
        cells = [_cell(profile, mark) for mark in marks]
        if counts:
            writer.writerow([str(count), *cells])
        else:
            row = cells if cells else ["", ""]  # a lone comma: a ballot with no marks
            for _ in range(count):
                writer.writerow(row)
    Path(path).write_text(out.getvalue(), encoding="utf-8", newline="")
