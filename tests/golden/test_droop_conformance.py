"""Our STV rules against Droop's reference counts, row by row.

The references are Droop's own dumps (jklundell/droop v0.14, ``test/ref/dump``), read in
place from ``shared/conformance/droop`` (see its README). Each dump is one count of one
BLT file under one rule and arithmetic; its file name says which:
``<stem>-<rule>[-o<omega>]-<arithmetic>[-p<precision>][-g<guard>]-d<display>.txt``.

For every ``elect``, ``defeat``, ``transfer`` row and the final ``end`` row, in order, we
compare the quota, the rule's figures (non-transferable votes; or Meek's votes, surplus and
residual), and each candidate's state, vote (and Meek keep factor), all as decimal strings
at the dump's display precision, rounded as Droop displays them (half up).

Droop breaks a tie "by lot" by taking the earliest candidate in the file's ``[tie]`` order,
or in ballot order when there is none; we pass that order as ``options["tie_order"]``.
Rules we do not implement (warren, mpls, qpq, cfer) are not collected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from tellers.counting.methods import CountParams, count
from tellers.formats.blt import read_blt
from tests.conftest import SHARED

DROOP = SHARED / "conformance" / "droop"
NAME = re.compile(
    r"(?P<stem>.+?)-(?P<rule>scotland|wigm-prf-batch|wigm-prf|wigm|meek-prf|meek|warren|mpls|"
    r"qpq|cfer-batch|cfer)(?:-o(?P<omega>\d+))?-(?P<arith>fixed|guarded|rational)"
    r"(?:-p(?P<p>\d+))?(?:-g(?P<g>\d+))?-d(?P<d>\d+)\.txt\Z"
)
SUPPORTED = {"scotland", "wigm", "wigm-prf", "wigm-prf-batch", "meek", "meek-prf"}
COMPARED = ("elect", "defeat", "transfer", "end")


@dataclass(frozen=True)
class Case:
    dump: Path
    blt: Path
    rule: str
    arith: str
    precision: int | None
    guard: int | None
    omega: int | None
    display: int

    @property
    def id(self) -> str:
        return str(self.dump.relative_to(DROOP / "ref" / "dump"))


def _cases() -> list[Case]:
    out = []
    for dump in sorted((DROOP / "ref" / "dump").rglob("*.txt")):
        m = NAME.match(dump.name)
        assert m, f"unrecognised dump name {dump.name}"
        if m["rule"] not in SUPPORTED:
            continue
        folder = dump.parent.relative_to(DROOP / "ref" / "dump")
        out.append(
            Case(
                dump=dump,
                blt=DROOP / "blt" / folder / f"{m['stem']}.blt",
                rule=m["rule"],
                arith=m["arith"],
                precision=int(m["p"]) if m["p"] else None,
                guard=int(m["g"]) if m["g"] else None,
                omega=int(m["omega"]) if m["omega"] else None,
                display=int(m["d"]),
            )
        )
    return out


def _shown(value: Decimal | Fraction | int, digits: int) -> str:
    """A value as Droop displays it: ``digits`` places, rounded half up."""
    x = Fraction(value)
    scaled = (x * 10**digits + Fraction(1, 2)).__floor__()
    whole, frac = divmod(scaled, 10**digits)
    return f"{whole}.{frac:0{digits}d}" if digits else str(whole)


def _method(case: Case) -> tuple[str, dict[str, object]]:
    arith: dict[str, object] = {"arithmetic": case.arith}
    if case.precision is not None:
        arith["precision"] = case.precision
    if case.guard is not None:
        arith["guard"] = case.guard
    if case.rule == "scotland":
        return "stv-scottish", {}
    if case.rule == "wigm":
        return "stv-wigm", {"variant": "droop", **arith}
    if case.rule in ("wigm-prf", "wigm-prf-batch"):
        return "stv-wigm", {"variant": case.rule.removeprefix("wigm-")}
    if case.rule == "meek":
        return "stv-meek", {"variant": "droop", "omega": case.omega, **arith}
    return "stv-meek", {"variant": "prf"}


def _expected_rows(case: Case) -> list[list[str]]:
    lines = case.dump.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        fields = line.split("\t")
        if fields[1] not in COMPARED:
            continue
        assert len(fields) == len(header), f"{case.id}: ragged row {line!r}"
        # Droop joins the words of a quoted name with single spaces (and may keep a
        # trailing one); our reader does the same without the trailing space.
        fields = [
            " ".join(f.split()) if h.endswith(".name") else f
            for h, f in zip(header, fields, strict=True)
        ]
        rows.append(fields)
    return [header, *rows]


def _our_row(case: Case, header: list[str], action: Mapping[str, Any]) -> list[str]:
    d = case.display
    figures = {
        "Non-Transferable": "nontransferable",
        "Votes": "votes",
        "Surplus": "surplus",
        "Residual": "residual",
    }
    tag = action["action"]
    row = ["X" if tag == "end" else str(action["round"]), tag]
    names = iter(action["states"])
    name = ""
    for column in header[2:]:
        if column == "Quota":
            row.append(_shown(action["quota"], d))
        elif column in figures:
            row.append(_shown(action["figures"][figures[column]], d))
        elif column.endswith(".name"):
            name = next(names)
            row.append(name)
        elif column.endswith(".state"):
            row.append(action["states"][name])
        elif column.endswith(".vote"):
            row.append(_shown(action["votes"][name], d))
        elif column.endswith(".kf"):
            row.append(_shown(action["keep_factors"][name], d))
        else:
            pytest.fail(f"unknown dump column {column!r} in {case.id}")
    return row


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_count_matches_droop_reference_row_by_row(case: Case) -> None:
    election = read_blt(case.blt)
    method, options = _method(case)
    options["withdrawn"] = election.withdrawn
    options["tie_order"] = election.tie_order or election.profile.candidates
    result = count(election.profile, method, CountParams(seats=election.seats, options=options))
    header, *expected = _expected_rows(case)
    actions = [a for a in result.details["actions"] if a["action"] in COMPARED]
    ours = [_our_row(case, header, a) for a in actions]
    for i, (want, got) in enumerate(zip(expected, ours, strict=False)):
        assert got == want, f"row {i} ({want[0]} {want[1]}) differs:\n want {want}\n got  {got}"
    assert len(ours) == len(expected), f"{len(ours)} rows, reference has {len(expected)}"


def test_the_reference_cases_are_all_found() -> None:
    rules = {c.rule for c in CASES}
    assert rules == SUPPORTED
    glasgow = [c for c in CASES if c.blt.parent.name == "scotland" and "2007" in c.blt.name]
    assert len(glasgow) == 21
    assert all(c.blt.is_file() for c in CASES)
