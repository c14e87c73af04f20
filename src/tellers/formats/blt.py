"""Read and write BLT ballot files (ERS / OpenSTV / Droop) as a Profile.

The BLT format was first described by Hill, Wichmann & Woodall, "Algorithm 123 - Single
Transferable Vote by Meek's method", *Computer Journal* 30(3), 1987; OpenSTV and Droop
(jklundell/droop, ``BltFileFormat.md``) extended it::

    4 2                       <- candidates, seats
    [nick a b c d]            <- optional Droop extension lines (see below)
    -2                        <- optional: withdrawn candidates, as negative numbers
    3 1 3 4 0                 <- weight, then candidates in order of preference, then 0
    1 b=c a 0                 <- "b=c": two candidates at one rank (Droop/OpenSTV)
    (id17) 2 1 0              <- an OpenSTV ballot ID stands for a weight of one
    0                         <- end of ballots
    "Adam"                    <- one name per candidate, quoted or one per line
    ...
    "Title"                   <- the title, then optional quoted source and comment

Extension lines, written ``[name item item ...]`` before the ballots:
``[nick ...]`` (one nickname per candidate, usable on ballot lines), ``[tie ...]`` (a
tie-breaking order published in advance), ``[withdrawn ...]``, ``[undeclared ...]`` (kept
as metadata) and ``[droop key=value ...]`` (counting options, kept as metadata). Comments
run from ``#`` to the end of a line or between ``/*`` and ``*/``, except inside quotes.

Tolerated quirks of real files: a UTF-8 byte-order mark; names not quoted (then the whole
line is the name); names written as PrefLib comment lines ``# ALTERNATIVE NAME n: ...``
(the Glasgow 2007 files converted from PrefLib); doubled quotes inside a quoted name
(``"A ""B"" C"`` is the name ``A "B" C``); runs of spaces inside a name, which some
files use for alignment, read as one space; a title without a final newline; and unquoted
text after the title (Wichmann's test files add first-preference tables), which is kept in
:attr:`BltElection.notes`. A ``-`` in a ballot marks a skipped rank (OpenSTV).

Ballot weights are whole numbers: a profile counts ballots, so a weight is how many
identical ballots a line stands for. A fractional weight (``1.5``) is rejected with a
:class:`~tellers.errors.BallotFileError` naming the line, rather than rounded.

Withdrawn candidates stay in the profile (it holds ballots *as cast*); their names are
returned in :attr:`BltElection.withdrawn` for the count to pass on as
``options["withdrawn"]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tellers.counting.profile import Mark, Profile, ProfileBuilder
from tellers.errors import BallotFileError

__all__ = ["BltElection", "parse_blt", "read_blt", "write_blt"]

_INT = re.compile(r"[+-]?\d{1,18}\Z")  # at most 18 digits: every number fits in int64
_ALT_NAME = re.compile(r"#\s*ALTERNATIVE NAME\s+(\d+)\s*:\s?(.*)\Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class BltElection:
    """A BLT file: the ballots as a profile and everything else the file says."""

    profile: Profile
    seats: int
    title: str
    withdrawn: tuple[str, ...] = ()
    """Names of withdrawn candidates (negative numbers or ``[withdrawn ...]``)."""
    tie_order: tuple[str, ...] | None = None
    """The ``[tie ...]`` order (earliest first), when the file gives one."""
    nicknames: tuple[str, ...] | None = None
    undeclared: tuple[str, ...] = ()
    options: Mapping[str, str] = field(default_factory=dict)
    """``[droop key=value ...]`` options (a bare ``key`` maps to ``""``)."""
    source: str | None = None
    comment: str | None = None
    notes: tuple[str, ...] = ()
    """Unquoted text after the title, kept verbatim."""


@dataclass(slots=True)
class _Token:
    text: str
    line: int
    end: int = 0
    """Column just after the token on its line."""


def _tokens(text: str) -> Iterator[_Token]:
    """Split the ballot section into tokens, dropping comments (not inside quotes)."""
    in_block = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw
        while line:
            if in_block:
                end = line.find("*/")
                if end < 0:
                    line = ""
                    break
                line = line[end + 2 :]
                in_block = False
                continue
            stripped = line.lstrip()
            if not stripped:
                break
            if stripped.startswith("#"):
                break
            if stripped.startswith("/*"):
                in_block = True
                line = stripped[2:]
                continue
            if stripped.startswith('"'):
                close = stripped.find('"', 1)
                while close >= 0 and stripped[close + 1 : close + 2] == '"':
                    close = stripped.find('"', close + 2)
                if close < 0:
                    yield _Token(stripped, number, len(raw))
                    break
                line = stripped[close + 1 :]
                yield _Token(stripped[: close + 1], number, len(raw) - len(line))
                continue
            match = re.match(r"\S+", stripped)
            assert match is not None
            word = match.group(0)
            cut = len(word)
            for marker in ("/*", "#"):
                at = word.find(marker)
                if at > 0:
                    cut = min(cut, at)
            line = stripped[cut:]
            yield _Token(word[:cut], number, len(raw) - len(line))


def _unquote(text: str) -> str:
    inner = text[1:-1] if len(text) >= 2 and text.endswith('"') else text[1:]
    return inner.replace('""', '"').strip()


def _quoted_items(line: str) -> list[str] | None:
    """The quoted strings on a line, or None if the line is not made of quoted strings."""
    items: list[str] = []
    rest = line.strip()
    while rest:
        if not rest.startswith('"'):
            return None
        close = rest.find('"', 1)
        while close >= 0 and rest[close + 1 : close + 2] == '"':
            close = rest.find('"', close + 2)
        if close < 0:
            return None
        items.append(rest[1:close].replace('""', '"').strip())
        rest = rest[close + 1 :].lstrip()
    return items


def read_blt(path: str | Path) -> BltElection:
    """Read a BLT file.

    Args:
        path: the file.

    Returns:
        The ballots as a profile, with seats, title, withdrawn candidates and the rest.

    Raises:
        BallotFileError: the file cannot be read as BLT; the message names the line and
            field at fault.
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        msg = f"cannot read the file: {err.strerror or err}"
        raise BallotFileError(name, "", "", msg) from err
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        msg = f"not valid UTF-8 (byte {err.start})"
        raise BallotFileError(name, f"line {line}", "", msg) from err
    return parse_blt(text, path=name)


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.text = text
        self.tokens = list(_tokens(text))
        self.pos = 0
        self.last_line = self.tokens[-1].line if self.tokens else 1

    def fail(self, line: int, fieldname: str, problem: str) -> BallotFileError:
        return BallotFileError(self.path, f"line {line}", fieldname, problem)

    def next(self, what: str) -> _Token:
        if self.pos >= len(self.tokens):
            raise self.fail(self.last_line, what, f"unexpected end of file; expected {what}")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def integer(self, token: _Token, what: str, *, minimum: int | None = None) -> int:
        if not _INT.match(token.text):
            raise self.fail(token.line, what, f"expected a whole number, found {token.text!r}")
        value = int(token.text)
        if minimum is not None and value < minimum:
            raise self.fail(token.line, what, f"must be at least {minimum}, found {value}")
        return value


def parse_blt(text: str, *, path: str = "<blt>") -> BltElection:
    """Parse the text of a BLT file (see :func:`read_blt`)."""
    text = text.removeprefix("\ufeff")
    p = _Parser(text, path)
    ncand = p.integer(p.next("number of candidates"), "number of candidates", minimum=1)
    seats = p.integer(p.next("number of seats"), "number of seats", minimum=1)

    nicks: list[str] | None = None
    tie: list[int] | None = None
    withdrawn: list[int] = []
    undeclared: list[int] = []
    options: dict[str, str] = {}

    def cid(token: _Token, text_: str, what: str) -> int:
        if nicks is not None and text_ in nicks:
            return nicks.index(text_)
        if _INT.match(text_):
            number = int(text_)
            if 1 <= number <= ncand:
                return number - 1
        problem = f"{text_!r} is not a candidate (1..{ncand}"
        problem += " or a nickname)" if nicks is not None else ")"
        raise p.fail(token.line, what, problem)

    token = p.next("first ballot")
    while True:
        if token.text.startswith("["):
            option = token.text[1:]
            items: list[str] = []
            closed = option.endswith("]")
            option = option.rstrip("]")
            start = token
            while not closed:
                item = p.next(f"']' closing [{option}")
                closed = item.text.endswith("]")
                word = item.text.rstrip("]")
                if word:
                    items.append(word)
            if option == "nick":
                if len(items) != ncand or len(set(items)) != ncand:
                    problem = f"[nick] must list {ncand} distinct nicknames, found {items}"
                    raise p.fail(start.line, "nick", problem)
                nicks = items
            elif option == "tie":
                order = [cid(start, item, "tie") for item in items]
                if sorted(order) != list(range(ncand)):
                    problem = "[tie] must list every candidate exactly once"
                    raise p.fail(start.line, "tie", problem)
                tie = order
            elif option == "withdrawn":
                withdrawn.extend(cid(start, item, "withdrawn") for item in items)
            elif option == "undeclared":
                undeclared.extend(cid(start, item, "undeclared") for item in items)
            elif option == "droop":
                for setting in items:
                    key, _, value = setting.partition("=")
                    options[key] = value
            else:
                raise p.fail(start.line, "option", f"unknown option [{option}]")
        elif _INT.match(token.text) and int(token.text) < 0:
            number = -int(token.text)
            if number > ncand:
                problem = f"withdrawn candidate {number} is not a candidate (1..{ncand})"
                raise p.fail(token.line, "withdrawn", problem)
            withdrawn.append(number - 1)
        else:
            break
        token = p.next("first ballot")

    placeholder = [f"\x00{i}" for i in range(ncand)]
    builder = ProfileBuilder(placeholder)
    ballot_ids: set[str] = set()
    while True:
        line_no = token.line
        if token.text.startswith("("):
            ident = token.text
            while not ident.endswith(")"):
                ident += " " + p.next("')' closing a ballot ID").text
            if ident in ballot_ids:
                raise p.fail(line_no, "ballot ID", f"duplicate ballot ID {ident}")
            ballot_ids.add(ident)
            weight = 1
        else:
            if re.fullmatch(r"\d*\.\d+|\d+\.\d*", token.text):
                problem = f"fractional ballot weight {token.text!r}: a weight counts whole ballots"
                raise p.fail(line_no, "weight", problem)
            weight = p.integer(token, "weight", minimum=0)
        if weight == 0:
            break
        marks: list[Mark] = []
        while True:
            item = p.next("a candidate or 0 ending the ballot")
            if item.text == "0":
                break
            if item.text == "-":
                marks.append(None)
                continue
            parts = item.text.split("=")
            cells = [cid(item, part, "ranking") for part in parts]
            if len(cells) == 1:
                marks.append(cells[0])
            else:
                marks.append(frozenset(cells))
        builder.add(marks, weight)
        token = p.next("next ballot or 0")

    # Names, title and trailer are line-based: work on the raw lines after the last token.
    end_line = token.line
    lines = text.splitlines()
    tail_lines = lines[end_line:]
    # Anything after the closing 0 on its own line belongs to the tail too.
    closing = lines[end_line - 1] if end_line - 1 < len(lines) else ""
    after_zero = closing[token.end :]
    items_: list[tuple[int, str, bool]] = []  # (line, text, quoted)
    alt_names: dict[int, str] = {}
    numbered = [(end_line, after_zero)] + [
        (end_line + 1 + i, raw_line) for i, raw_line in enumerate(tail_lines)
    ]
    in_block = False
    for number, raw_line in numbered:
        stripped = raw_line.strip()
        if in_block:
            if "*/" in stripped:
                in_block = False
            continue
        if not stripped:
            continue
        alt = _ALT_NAME.match(stripped)
        if alt:
            alt_names[int(alt.group(1))] = alt.group(2).strip()
            continue
        if stripped.startswith("#"):
            continue
        if stripped.startswith("/*"):
            in_block = "*/" not in stripped
            continue
        quoted = _quoted_items(stripped)
        if quoted is None:
            items_.append((number, stripped, False))
        else:
            items_.extend((number, item, True) for item in quoted)

    names: list[str]
    if len(alt_names) == ncand and sorted(alt_names) == list(range(1, ncand + 1)):
        names = [" ".join(alt_names[i].split()) for i in range(1, ncand + 1)]
        rest = items_
    else:
        if len(items_) < ncand:
            line_at = items_[-1][0] if items_ else end_line
            problem = f"expected {ncand} candidate names, found {len(items_)}"
            raise p.fail(line_at, "candidate name", problem)
        names = [" ".join(text_.split()) for _, text_, _ in items_[:ncand]]
        rest = items_[ncand:]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise p.fail(end_line, "candidate name", f"candidate names repeat: {dup}")
    if not rest:
        raise p.fail(p.last_line, "title", "expected a title after the candidate names")
    title = rest[0][1]
    source: str | None = None
    comment: str | None = None
    notes: list[str] = []
    for _, text_, is_quoted in rest[1:]:
        if is_quoted and not notes and source is None:
            source = text_
        elif is_quoted and not notes and comment is None:
            comment = text_
        else:
            notes.append(text_)

    built = builder.build()
    profile = Profile(
        candidates=tuple(names),
        ranks=built.ranks,
        counts=built.counts,
        overvotes=built.overvotes,
    )
    return BltElection(
        profile=profile,
        seats=seats,
        title=title,
        withdrawn=tuple(names[i] for i in dict.fromkeys(withdrawn)),
        tie_order=None if tie is None else tuple(names[i] for i in tie),
        nicknames=None if nicks is None else tuple(nicks),
        undeclared=tuple(names[i] for i in dict.fromkeys(undeclared)),
        options=options,
        source=source,
        comment=comment,
        notes=tuple(notes),
    )


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def write_blt(
    path: str | Path | None,
    profile: Profile,
    *,
    seats: int,
    title: str,
    withdrawn: Sequence[str] = (),
    tie_order: Sequence[str] | None = None,
) -> str:
    """Write a profile as BLT; returns the text (and writes it to ``path`` if given).

    Overvote cells whose candidates are known are written as ``a=b``; blank ranks and
    unknown overvotes are written as ``-`` (a skipped rank).

    Raises:
        ValueError: a withdrawn or tie-order name is not a candidate.
    """
    index = {name: i + 1 for i, name in enumerate(profile.candidates)}
    out = [f"{len(profile.candidates)} {seats}"]
    if tie_order is not None:
        out.append("[tie " + " ".join(str(index[n]) for n in tie_order) + "]")
    if withdrawn:
        out.append(" ".join(f"-{index[n]}" for n in withdrawn))
    for marks, count in profile.ballots():
        words = [str(count)]
        for mark in marks:
            if mark is None or (isinstance(mark, frozenset) and not mark):
                words.append("-")
            elif isinstance(mark, frozenset):
                words.append("=".join(str(c + 1) for c in sorted(mark)))
            else:
                words.append(str(mark + 1))
        words.append("0")
        out.append(" ".join(words))
    out.append("0")
    out.extend(_quote(name) for name in profile.candidates)
    out.append(_quote(title))
    text = "\n".join(out) + "\n"
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
