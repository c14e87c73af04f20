"""``tellers count``: count a ballot file, or an RCTab contest configuration."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from tellers.cli.render import render_result
from tellers.counting.methods import CountParams, count, method_names
from tellers.errors import InvalidCountOptions

__all__ = ["count_command", "parse_options"]

FORMATS = ("auto", "csv", "cdf", "ess", "rctab-csv", "blt", "preflib")


def parse_options(pairs: list[str]) -> dict[str, object]:
    """Turn ``KEY=VALUE`` pairs into rule options: integers, booleans, else text."""
    options: dict[str, object] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            msg = f"--option expects KEY=VALUE, got {pair!r}"
            raise InvalidCountOptions(msg)
        value: object = raw
        if raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        elif raw.lstrip("-").isdigit():
            value = int(raw)
        options[key.replace("-", "_")] = value
    return options


def _rctab(config: Path, as_json: bool, console: Console) -> None:
    rctab_config = importlib.import_module("tellers.formats.rctab_config")
    rctab_report = importlib.import_module("tellers.formats.rctab_report")
    contest = rctab_config.load_rctab_contest(config)
    if as_json:
        reports: list[dict[str, Any]] = rctab_report.tabulate_rctab(contest)
        payload: object = reports if len(reports) > 1 else reports[0]
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    for n, result in enumerate(rctab_report.count_rctab(contest), start=1):
        title = contest.config.contest_name + (f" (pass {n})" if n > 1 else "")
        render_result(result, console, title=title)


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
    console = Console()
    if rctab is not None:
        _rctab(rctab, as_json, console)
        return
    if file is None:
        msg = "give a ballot FILE to count, or --rctab CONFIG.json"
        raise InvalidCountOptions(msg)
    options = parse_options(option or [])
    detect = importlib.import_module("tellers.formats.detect")
    loaded = detect.load_election(file, fmt, counts=counts, contest_id=contest_id)
    params = CountParams(
        seats=seats if seats is not None else (loaded.seats or 1),
        seed=seed,
        options={**loaded.options, **options},
    )
    result = count(loaded.profile, method, params)
    if as_json:
        from tellers.formats.results_json import dump_result

        typer.echo(dump_result(result), nl=False)
    else:
        render_result(result, console, title=loaded.title or file.name)
