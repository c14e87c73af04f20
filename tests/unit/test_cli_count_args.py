"""``tellers count`` arguments parsed without Typer: plain uses only, the rest left to Typer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tellers.cli.count_fast import CountRequest, parse_count_args


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["b.csv"], CountRequest(file=Path("b.csv"))),
        (
            ["b.csv", "--method", "irv", "--json", "--seed", "1"],
            CountRequest(file=Path("b.csv"), method="irv", as_json=True, seed=1),
        ),
        (
            ["--json", "--method=plurality", "b.csv", "--seats=2", "--seed", "-3"],
            None,  # "-3" as a separate word: Typer decides whether it is a value
        ),
        (
            ["--seed=-3", "b.csv"],
            CountRequest(file=Path("b.csv"), seed=-3),
        ),
        (
            ["b.csv", "-o", "engine=reference", "--option", "x=1", "--counts"],
            CountRequest(file=Path("b.csv"), options=("engine=reference", "x=1"), counts=True),
        ),
        (
            ["--format", "csv", "--contest-id", "c1", "b.csv", "--method", "a", "--method", "b"],
            CountRequest(file=Path("b.csv"), fmt="csv", contest_id="c1", method="b"),
        ),
    ],
)
def test_plain_invocations_are_parsed_as_typer_would(
    args: list[str], expected: CountRequest | None
) -> None:
    assert parse_count_args(args) == expected


@pytest.mark.parametrize(
    "args",
    [
        [],  # no FILE: our own error, or --rctab
        ["--help"],
        ["b.csv", "--rctab", "c.json"],
        ["b.csv", "c.csv"],  # an extra argument
        ["b.csv", "--seed", "1x"],
        ["b.csv", "--seed", "007"],
        ["b.csv", "--seats", "+2"],
        ["b.csv", "--seats", "٣"],  # a digit Typer might read differently
        ["b.csv", "-oengine=reference"],
        ["b.csv", "-o=engine=reference"],
        ["b.csv", "--method", "--json"],
        ["b.csv", "--method="],
        ["b.csv", "--json=true"],
        ["b.csv", "--no-json"],
        ["b.csv", "--method"],
        ["-", "--json"],
        ["--", "b.csv"],
        [" "],
    ],
)
def test_anything_else_is_left_to_typer(args: list[str]) -> None:
    assert parse_count_args(args) is None


def test_an_unreadable_file_is_left_to_typer(tmp_path: Path) -> None:
    unreadable = tmp_path / "b.csv"
    unreadable.write_text("Ada\n")
    unreadable.chmod(0)
    try:
        if os.access(unreadable, os.R_OK):  # running as root: every file is readable
            pytest.skip("this user can read any file")
        assert parse_count_args([str(unreadable)]) is None
    finally:
        unreadable.chmod(0o644)
