"""Reading a roll file: people and their dated memberships, as CSV (``docs/roll-format.md``).

One row per membership; a person's rows are consecutive and repeat the person's columns
(a person with no membership has one row with an empty ``kind``). The file is read as a
stream: :class:`RollReader` yields one validated
:class:`~tellers.services.people.PersonRow` per person and records every bad row as a
:class:`RollRowError` naming the line and the field. Rows of a person with any error are
not yielded. At the end of the file, :meth:`RollReader.rows` raises
:class:`RollFileError` listing the errors, unless ``skip_invalid`` was asked -- so a
service consuming the stream inside its transaction stores nothing from a bad file.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tellers.domain.membership import MembershipKind, Standing
from tellers.errors import InputError
from tellers.formats.csv_safe import neutralise, restore

__all__ = [
    "COLUMNS",
    "MembershipRow",
    "PersonRow",
    "REQUIRED",
    "RollFileError",
    "RollReader",
    "RollRowError",
    "write_roll",
]

COLUMNS = (
    "person_id",
    "name",
    "email",
    "address",
    "kind",
    "start",
    "end",
    "standing",
    "body",
    "affiliate",
    "fee_paid_at",
    "fee_pence",
    "membership_id",
)
"""Every column a roll file may have, in the order :func:`write_roll` writes them."""

REQUIRED = ("person_id", "name")

_KINDS = {k.value: k for k in MembershipKind}
_STANDINGS = {s.value: s for s in Standing}
_MAX_SHOWN = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class MembershipRow:
    """One membership as read (the fields of ``tellers.services.people.MembershipRow``)."""

    kind: MembershipKind
    start: date
    end: date | None = None
    standing: Standing = Standing.GOOD
    body_id: str | None = None
    affiliate_id: str | None = None
    fee_paid_at: datetime | None = None
    fee_pence: int | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonRow:
    """One person as read (the fields of ``tellers.services.people.PersonRow``)."""

    id: str
    name: str
    email: str = ""
    address: str = ""
    memberships: tuple[MembershipRow, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RollRowError:
    """One problem in one row."""

    line: int
    field: str
    problem: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", field {self.field}" if self.field else "")
        return f"{where}: {self.problem}"


class RollFileError(InputError):
    """A roll file with errors; nothing from it is stored.

    Args:
        path: the file as given.
        errors: every row error found (all of them, in file order).
    """

    def __init__(self, path: str, errors: Sequence[RollRowError]) -> None:
        self.path = path
        self.errors = tuple(errors)
        shown = "; ".join(str(e) for e in self.errors[:_MAX_SHOWN])
        more = len(self.errors) - _MAX_SHOWN
        tail = f"; and {more} more" if more > 0 else ""
        super().__init__(
            f"{path}: {len(self.errors)} error(s), nothing imported "
            f"(--skip-invalid imports the valid people): {shown}{tail}"
        )


@dataclass(slots=True)
class _Person:
    line: int
    id: str
    name: str
    email: str
    address: str
    memberships: list[Any] = field(default_factory=list)
    bad: bool = False


@dataclass
class RollReader:
    """A streaming reader of one roll file (see module docstring).

    Args:
        path: the CSV file (UTF-8, a header row naming the columns).
        bodies: body ids a ``seat`` may name (None: not checked here).
        affiliates: affiliate ids an ``affiliated supporter`` may name (None: not checked).
        skip_invalid: yield the valid people and report the skipped rows instead of
            failing at the end.
        person_factory: builds each yielded person (keyword arguments as
            :class:`PersonRow`); the CLI passes the services' ``PersonRow`` so rows go to
            the import without being copied (formats sit below services).
        membership_factory: builds each membership, likewise.
    """

    path: Path
    bodies: frozenset[str] | None = None
    affiliates: frozenset[str] | None = None
    skip_invalid: bool = False
    person_factory: Callable[..., Any] = PersonRow
    membership_factory: Callable[..., Any] = MembershipRow
    errors: list[RollRowError] = field(default_factory=list)
    skipped_people: int = 0
    people: int = 0
    memberships: int = 0
    lines: int = 0

    def _error(self, line: int, column: str, problem: str) -> None:
        self.errors.append(RollRowError(line=line, field=column, problem=problem))

    def rows(self) -> Iterator[Any]:
        """The valid people, in file order.

        Raises:
            RollFileError: at the end of the file if any row had an error (unless
                ``skip_invalid``), or at once if the header is unusable, the file is not
                UTF-8, or it is not readable as CSV.
        """
        try:
            yield from self._rows()
        except (UnicodeDecodeError, csv.Error, OSError) as err:
            if isinstance(err, UnicodeDecodeError):
                problem = f"not UTF-8 text: undecodable byte 0x{err.object[err.start]:02x}"
            elif isinstance(err, OSError):
                problem = f"cannot read the file: {err.strerror or err}"
            else:
                problem = f"not readable as CSV: {err}"
            row = RollRowError(line=self.lines + 1, field="", problem=problem)
            raise RollFileError(str(self.path), [*self.errors, row]) from err

    def _rows(self) -> Iterator[Any]:
        with self.path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise RollFileError(
                    str(self.path), [RollRowError(line=1, field="", problem="empty file")]
                )
            names = [h.strip() for h in header]
            unknown = [h for h in names if h not in COLUMNS]
            missing = [h for h in REQUIRED if h not in names]
            if unknown or missing:
                parts = []
                if unknown:
                    parts.append(f"unknown column(s) {', '.join(unknown)}")
                if missing:
                    parts.append(f"missing column(s) {', '.join(missing)}")
                problem = "; ".join(parts) + f" (columns: {', '.join(COLUMNS)})"
                raise RollFileError(
                    str(self.path), [RollRowError(line=1, field="", problem=problem)]
                )
            positions = [names.index(c) if c in names else -1 for c in COLUMNS]
            width = len(names)
            seen: set[str] = set()
            current: _Person | None = None
            for number, raw in enumerate(reader, start=2):
                self.lines = number
                if not raw or (len(raw) == 1 and not raw[0].strip()):
                    continue
                if len(raw) != width:
                    self._error(number, "", f"{len(raw)} fields, the header has {width}")
                    if current is not None:
                        current.bad = True
                    continue
                # formula cells come back as write_roll wrote them (csv_safe.restore)
                row = [
                    "" if i < 0 else (restore(c).strip() if (c := raw[i])[:1] == "'" else c.strip())
                    for i in positions
                ]
                pid = row[0]
                if current is None or pid != current.id:
                    if current is not None:
                        done = self._finish(current)
                        if done is not None:
                            yield done
                    current = self._start(number, row, seen)
                else:
                    self._same_person(number, row, current)
                self._membership(number, row, current)
            if current is not None:
                done = self._finish(current)
                if done is not None:
                    yield done
        if self.errors and not self.skip_invalid:
            raise RollFileError(str(self.path), self.errors)

    def _start(self, number: int, row: list[str], seen: set[str]) -> _Person:
        pid = row[0]
        person = _Person(line=number, id=pid, name=row[1], email=row[2], address=row[3])
        if not pid:
            self._error(number, "person_id", "empty")
            person.bad = True
        elif pid in seen:
            self._error(
                number,
                "person_id",
                f"{pid} appeared earlier in the file; a person's rows must be consecutive",
            )
            person.bad = True
        seen.add(pid)
        if not person.name:
            self._error(number, "name", "empty")
            person.bad = True
        return person

    def _same_person(self, number: int, row: list[str], person: _Person) -> None:
        for col, given, first in (
            ("name", row[1], person.name),
            ("email", row[2], person.email),
            ("address", row[3], person.address),
        ):
            if given and given != first:
                self._error(number, col, f"differs from line {person.line} for {person.id}")
                person.bad = True

    def _membership(self, number: int, row: list[str], person: _Person) -> None:
        (
            _,
            _,
            _,
            _,
            kind_text,
            start_text,
            end_text,
            standing_text,
            body_text,
            affiliate_text,
            fee_text,
            pence_text,
            membership_id,
        ) = row
        if not kind_text:
            for col, value in (
                ("start", start_text),
                ("end", end_text),
                ("body", body_text),
                ("affiliate", affiliate_text),
                ("fee_paid_at", fee_text),
                ("fee_pence", pence_text),
            ):
                if value:
                    self._error(number, col, "given for a row with no membership kind")
                    person.bad = True
            return
        errors_before = len(self.errors)
        fail = self._error
        kind = _KINDS.get(kind_text)
        if kind is None:
            fail(number, "kind", f"{kind_text!r} is not one of {', '.join(_KINDS)}")
        start = _date(start_text, number, "start", fail) if start_text else None
        if start is None and not start_text:
            fail(number, "start", "a membership needs a start date")
        end = _date(end_text, number, "end", fail) if end_text else None
        if start is not None and end is not None and end < start:
            fail(number, "end", f"{end} is before the start {start}")
        standing = _STANDINGS.get(standing_text) if standing_text else Standing.GOOD
        if standing is None:
            fail(number, "standing", f"{standing_text!r} is not one of {', '.join(_STANDINGS)}")
        body = body_text or None
        affiliate = affiliate_text or None
        if kind is MembershipKind.SEAT:
            if body is None:
                fail(number, "body", "a seat needs a body")
            elif self.bodies is not None and body not in self.bodies:
                fail(number, "body", f"no body {body!r} in the organisation")
        elif body is not None:
            fail(number, "body", f"only a seat names a body, not a {kind_text}")
        if kind is MembershipKind.AFFILIATED_SUPPORTER:
            if affiliate is None:
                fail(number, "affiliate", "an affiliated supporter needs an affiliate")
            elif self.affiliates is not None and affiliate not in self.affiliates:
                fail(number, "affiliate", f"no affiliate {affiliate!r} in the organisation")
        fee_at: datetime | None = None
        if fee_text:
            try:
                fee_at = datetime.fromisoformat(fee_text)
            except ValueError:
                fail(number, "fee_paid_at", f"not an ISO 8601 instant: {fee_text!r}")
            else:
                if fee_at.utcoffset() is None:
                    fail(number, "fee_paid_at", f"needs a time-zone offset: {fee_text!r}")
                    fee_at = None
        elif kind is MembershipKind.REGISTERED_SUPPORTER:
            fail(number, "fee_paid_at", "a registered supporter needs the instant the fee was paid")
        pence: int | None = None
        if pence_text:
            if pence_text.isdigit():
                pence = int(pence_text)
            else:
                fail(number, "fee_pence", f"not a whole number of pence: {pence_text!r}")
        if len(self.errors) > errors_before or kind is None or start is None or standing is None:
            person.bad = True
            return
        person.memberships.append(
            self.membership_factory(
                kind=kind,
                start=start,
                end=end,
                standing=standing,
                body_id=body,
                affiliate_id=affiliate,
                fee_paid_at=fee_at,
                fee_pence=pence,
                id=membership_id or None,
            )
        )

    def _finish(self, person: _Person) -> Any:
        if person.bad:
            self.skipped_people += 1
            return None
        self.people += 1
        self.memberships += len(person.memberships)
        return self.person_factory(
            id=person.id,
            name=person.name,
            email=person.email,
            address=person.address,
            memberships=tuple(person.memberships),
        )


def _date(text: str, line: int, column: str, fail: Callable[[int, str, str], None]) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(line, column, f"not a date (YYYY-MM-DD): {text!r}")
        return None


def write_roll(path: Path, people: Iterable[Any]) -> int:
    """Write people as a roll file (the inverse of :class:`RollReader`); returns rows."""
    n = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for p in people:
            base = [neutralise(v or "") for v in (p.id, p.name, p.email, p.address)]
            if not p.memberships:
                out.writerow([*base, *([""] * (len(COLUMNS) - 4))])
                n += 1
            for m in p.memberships:
                out.writerow(
                    [
                        *base,
                        m.kind.value,
                        m.start.isoformat(),
                        m.end.isoformat() if m.end else "",
                        m.standing.value,
                        neutralise(m.body_id or ""),
                        neutralise(m.affiliate_id or ""),
                        m.fee_paid_at.isoformat() if m.fee_paid_at else "",
                        "" if m.fee_pence is None else str(m.fee_pence),
                        neutralise(m.id or ""),
                    ]
                )
                n += 1
    return n
