"""``tellers count``: count a ballot file, or an RCTab contest configuration.

The Typer command: its parameters define the command's options, help and reference
page. The work is :func:`tellers.cli.count_fast.run_count`, which the ``tellers`` entry
point also calls directly, without Typer, for plain invocations (see that module).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tellers.cli.count_fast import CountRequest, parse_options, run_count
from tellers.counting.methods import method_names

__all__ = ["count_command", "parse_options"]

FORMATS = ("auto", "csv", "cdf", "ess", "rctab-csv", "blt", "preflib")


def count_command(
    file: Annotated[
        Path | None,
        typer.Argument(help="Ballot file (CSV, CDF JSON/XML, ES&S xlsx, BLT, PrefLib)."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")] = "auto",
    method: Annotated[
        str, typer.Option(help=f"Counting rule: {', '.join(method_names())}.")
    ] = "irv",
    seats: Annotated[
        int | None, typer.Option(help="Seats to fill (default 1, or the BLT file's).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Published seed for drawing lots.")] = None,
    counts: Annotated[
        bool, typer.Option("--counts", help="CSV: first column is a ballot count.")
    ] = False,
    contest_id: Annotated[str | None, typer.Option(help="CDF: the contest to count.")] = None,
    option: Annotated[
        list[str] | None, typer.Option("--option", "-o", help="Rule option KEY=VALUE (repeatable).")
    ] = None,
    rctab: Annotated[
        Path | None, typer.Option(help="Count an RCTab contest configuration JSON instead of FILE.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results JSON.")] = False,
) -> None:
    """Count ballots and print the result round by round (or as JSON with --json)."""
    run_count(
        CountRequest(
            file=file,
            fmt=fmt,
            method=method,
            seats=seats,
            seed=seed,
            counts=counts,
            contest_id=contest_id,
            options=tuple(option or ()),
            rctab=rctab,
            as_json=as_json,
        )
    )
