"""Reading forms: ballot marks, roll files, contest specs (validation at the edge).

A ballot form is read into the ranking the services take (option keys in order of
preference); a mistake the voter can fix (the same candidate twice, a preference left
empty before a later one) is returned as a message to show on the paper again, never a
guess. The roll CSV is read row by row, each problem reported with its line number.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tellers.domain.membership import MembershipKind, Standing
from tellers.domain.presentation import BallotPaper, MarkingStyle
from tellers.errors import InputError
from tellers.services.people import MembershipRow, PersonRow

__all__ = [
    "ROLL_COLUMNS",
    "BallotForm",
    "RollProblem",
    "parse_spec",
    "read_ballot_form",
    "read_roll_csv",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class BallotForm:
    """Marks read from a ballot form, or the problems to show the voter."""

    ranking: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    abstain: bool = False


def read_ballot_form(paper: BallotPaper, form: Mapping[str, Any], getlist: Any) -> BallotForm:
    """Read the marks of ``paper`` from a submitted form.

    Fields: ``choice`` (Yes/No, one X: ``yes``/``no``/``abstain`` or a key; several X's
    or approvals: repeated), ``pref-1`` ... ``pref-N`` (ranking: the key chosen for each
    preference, empty for none).
    """
    keys = {k for k, _ in paper.options}
    names = dict(paper.options)
    style = paper.style
    if style is MarkingStyle.YES_NO:
        choice = str(form.get("choice", ""))
        if choice == "abstain":
            return BallotForm(ranking=(), abstain=True)
        if choice in ("yes", "no"):
            return BallotForm(ranking=(choice,))
        return BallotForm(problems=("Choose Yes, No, or abstain.",))
    if style is MarkingStyle.SINGLE:
        choice = str(form.get("choice", ""))
        if choice in keys:
            return BallotForm(ranking=(choice,))
        return BallotForm(problems=("Choose one candidate.",))
    if style in (MarkingStyle.MULTIPLE, MarkingStyle.APPROVAL):
        chosen = [str(c) for c in getlist("choice") if str(c) in keys]
        order = [k for k, _ in paper.options if k in chosen]
        if not order:
            return BallotForm(problems=("Choose at least one candidate.",))
        if paper.max_marks and len(order) > paper.max_marks:
            return BallotForm(
                problems=(f"You chose {len(order)}; you may choose at most {paper.max_marks}.",)
            )
        return BallotForm(ranking=tuple(order))
    # ranking: one select per preference
    prefs = [str(form.get(f"pref-{i}", "")) for i in range(1, len(paper.options) + 1)]
    problems: list[str] = []
    ranking: list[str] = []
    gap_at = 0
    for i, key in enumerate(prefs, start=1):
        if not key:
            if gap_at == 0:
                gap_at = i
            continue
        if key not in keys:
            problems.append(f"Preference {i} is not a candidate on this ballot.")
            continue
        if gap_at:
            problems.append(
                f"Preference {i} is filled in but preference {gap_at} is empty: "
                "number your preferences without gaps."
            )
            gap_at = 0
        if key in ranking:
            problems.append(
                f"{names[key]} is chosen for more than one preference: choose each candidate once."
            )
            continue
        ranking.append(key)
    if not ranking and not problems:
        problems.append("Choose at least your first preference.")
    return BallotForm(ranking=tuple(ranking), problems=tuple(problems))


# -- roll CSV ---------------------------------------------------------------------------

ROLL_COLUMNS = (
    "person_id",
    "name",
    "email",
    "kind",
    "start",
    "end",
    "standing",
    "body",
    "affiliate",
    "fee_paid_at",
    "fee_pence",
)
"""Columns of a roll file; one row per membership, a person's rows together."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RollProblem:
    """One row that cannot be imported."""

    line: int
    column: str
    problem: str


@dataclass(slots=True)
class RollFile:
    """People read from a roll file, and every problem found."""

    people: list[PersonRow] = field(default_factory=list)
    problems: list[RollProblem] = field(default_factory=list)
    rows: int = 0


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.utcoffset() is None:
        msg = "an instant needs a time-zone offset"
        raise ValueError(msg)
    return value


def read_roll_csv(text: str, progress: Any = None) -> RollFile:
    """Read a roll file (UTF-8 CSV with a header of :data:`ROLL_COLUMNS`).

    Args:
        text: the file's text.
        progress: called with the number of rows read so far, every 500 rows.

    A file that is not readable as CSV (a stray quote, a bare carriage return, a cell
    over the CSV module's size limit) is one problem naming the row, and no people.
    """
    out = RollFile()
    try:
        return _read_roll_rows(text, progress, out)
    except csv.Error as err:
        out.people.clear()
        problem = f"not readable as CSV: {err}"
        out.problems.append(RollProblem(line=out.rows + 1, column="", problem=problem))
        return out


def _read_roll_rows(text: str, progress: Any, out: RollFile) -> RollFile:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in ("person_id", "name", "kind", "start") if c not in header]
    if missing:
        out.problems.append(
            RollProblem(line=1, column=", ".join(missing), problem="missing column(s)")
        )
        return out
    by_person: dict[str, tuple[str, str, list[MembershipRow]]] = {}
    for n, row in enumerate(reader, start=2):
        out.rows += 1
        if progress is not None and out.rows % 500 == 0:
            progress(out.rows)
        pid = (row.get("person_id") or "").strip()
        name = (row.get("name") or "").strip()
        if not pid:
            out.problems.append(RollProblem(line=n, column="person_id", problem="empty"))
            continue
        if not name:
            out.problems.append(RollProblem(line=n, column="name", problem="empty"))
            continue
        column = "kind"
        try:
            kind = MembershipKind((row.get("kind") or "").strip())
            column = "start"
            start = _day((row.get("start") or "").strip())
            column = "end"
            end_text = (row.get("end") or "").strip()
            end = _day(end_text) if end_text else None
            column = "standing"
            standing = Standing((row.get("standing") or "good").strip() or "good")
            column = "fee_paid_at"
            fee_text = (row.get("fee_paid_at") or "").strip()
            fee_at = _instant(fee_text) if fee_text else None
            column = "fee_pence"
            pence_text = (row.get("fee_pence") or "").strip()
            pence = int(pence_text) if pence_text else None
            body = (row.get("body") or "").strip() or None
            affiliate = (row.get("affiliate") or "").strip() or None
            column = "kind"
            if kind is MembershipKind.SEAT and body is None:
                msg = "a seat needs a body"
                raise ValueError(msg)
            if kind is MembershipKind.AFFILIATED_SUPPORTER and affiliate is None:
                msg = "an affiliated supporter needs an affiliate"
                raise ValueError(msg)
            if kind is MembershipKind.REGISTERED_SUPPORTER and fee_at is None:
                column = "fee_paid_at"
                msg = "a registered supporter needs the instant the fee was paid"
                raise ValueError(msg)
            if end is not None and end < start:
                column = "end"
                msg = f"ends {end} before it starts {start}"
                raise ValueError(msg)
        except ValueError as err:
            out.problems.append(RollProblem(line=n, column=column, problem=str(err)))
            continue
        membership = MembershipRow(
            kind=kind,
            start=start,
            end=end,
            standing=standing,
            body_id=body,
            affiliate_id=affiliate,
            fee_paid_at=fee_at,
            fee_pence=pence,
        )
        email = (row.get("email") or "").strip()
        if pid in by_person:
            prev_name, prev_email, rows = by_person[pid]
            if prev_name != name:
                out.problems.append(
                    RollProblem(
                        line=n,
                        column="name",
                        problem=f"{pid} is named {prev_name!r} on an earlier line",
                    )
                )
                continue
            rows.append(membership)
        else:
            by_person[pid] = (name, email, [membership])
    for pid, (name, email, rows) in by_person.items():
        out.people.append(PersonRow(id=pid, name=name, email=email, memberships=tuple(rows)))
    return out


def counting(rows: Sequence[PersonRow], progress: Any) -> Iterator[PersonRow]:
    """Yield ``rows``, reporting how many were consumed (the import's progress)."""
    for i, row in enumerate(rows, start=1):
        yield row
        if i % 200 == 0:
            progress(i)
    progress(len(rows))


# -- contest specs ----------------------------------------------------------------------


def parse_spec(text: str) -> dict[str, Any]:
    """A contest spec from TOML or JSON text.

    Raises:
        InputError: neither parses, or the top level is not a table.
    """
    stripped = text.strip()
    try:
        data: Any = json.loads(stripped) if stripped.startswith("{") else tomllib.loads(stripped)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as err:
        msg = f"the contest spec is not valid TOML or JSON: {err}"
        raise InputError(msg) from err
    if not isinstance(data, dict):
        msg = "the contest spec must be a table"
        raise InputError(msg)
    return data
