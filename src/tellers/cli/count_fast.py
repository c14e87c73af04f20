"""``tellers count`` without Typer: the common invocations start in a fraction of the time.

Counting a million ballots from a CSV file takes about a third of a second, and before
this module starting the command took a third as much again: importing Typer and the
click it carries, Typer building a pydantic validator for each parameter before the
command runs, and importing Rich even when the output is JSON. A count is a whole
process (a scrutineer runs it from a shell script, a benchmark times it from start to
exit), so that start-up is part of the count.

:func:`tellers.cli.main.main` hands the arguments of ``tellers count`` to
:func:`parse_count_args` first. When they are plain uses of the command's options (see
there), the count runs here, through :func:`run_count`, which the Typer command
:func:`tellers.cli.count.count_command` also calls: one implementation, two ways in.
Everything else (``--help``, ``--rctab``, an option this parser does not know, a value
it would have to interpret, a missing or extra argument) goes to the Typer app, which
answers as it always has. Rich is imported only to print a table, and numpy only by the
readers and rules that use it.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tellers.errors import InvalidCountOptions

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["CountRequest", "parse_count_args", "parse_options", "run_count"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CountRequest:
    """What ``tellers count`` was asked to do (its options, by their parameter names)."""

    file: Path | None = None
    fmt: str = "auto"
    method: str = "irv"
    seats: int | None = None
    seed: int | None = None
    counts: bool = False
    contest_id: str | None = None
    options: tuple[str, ...] = ()
    rctab: Path | None = None
    as_json: bool = False


_TEXT = {"--format": "fmt", "--method": "method", "--contest-id": "contest_id"}
_WHOLE = {"--seats": "seats", "--seed": "seed"}
_REPEATED = {"--option": "options", "-o": "options"}
_FLAGS = {"--counts": "counts", "--json": "as_json"}
_INTEGER = re.compile(r"0|-?[1-9][0-9]*")
"""The spellings of a whole number that every integer parser reads the same way."""


def parse_count_args(args: Sequence[str]) -> CountRequest | None:
    """The request made by ``tellers count ARGS``, or None to let Typer handle it.

    Understood: one FILE (not starting with ``-``), the flags ``--counts`` and
    ``--json``, and ``--format``, ``--method``, ``--contest-id``, ``--seats``,
    ``--seed``, ``--option``/``-o`` each followed by its value (``--name value`` or
    ``--name=value``; repeated options: the last wins, ``--option`` accumulates).
    Returns None for anything else, and for values that Typer should judge: empty,
    starting with ``-`` (as a separate word), a whole number not spelt plainly, or a
    FILE that exists but cannot be read.
    """
    found: dict[str, Any] = {}
    options: list[str] = []
    file: str | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg in _FLAGS:
            found[_FLAGS[arg]] = True
            continue
        if not arg.startswith("-"):
            if file is not None:
                return None  # an extra argument: Typer's error
            file = arg
            continue
        name, eq, value = arg.partition("=")
        if not (name in _TEXT or name in _WHOLE or name in _REPEATED) or name == "-o" and eq:
            return None  # --help, --rctab, -oVALUE, an unknown option...
        if not eq:
            if i == len(args) or args[i].startswith("-"):
                return None
            value = args[i]
            i += 1
        if not value:
            return None
        if name in _TEXT:
            found[_TEXT[name]] = value
        elif name in _WHOLE:
            if not _INTEGER.fullmatch(value):
                return None
            found[_WHOLE[name]] = int(value)
        else:
            options.append(value)
    if file is None or not file.strip() or os.path.exists(file) and not os.access(file, os.R_OK):
        return None  # Typer says so (an unreadable FILE is its error) or ours does
    return CountRequest(file=Path(file), options=tuple(options), **found)


def parse_options(pairs: Sequence[str]) -> dict[str, object]:
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


def _console() -> Console:
    from rich.console import Console

    return Console()


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _rctab(config: Path, as_json: bool) -> None:
    rctab_config = importlib.import_module("tellers.formats.rctab_config")
    rctab_report = importlib.import_module("tellers.formats.rctab_report")
    contest = rctab_config.load_rctab_contest(config)
    if as_json:
        reports: list[dict[str, Any]] = rctab_report.tabulate_rctab(contest)
        payload: object = reports if len(reports) > 1 else reports[0]
        _write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    from tellers.cli.render import render_result

    console = _console()
    for n, result in enumerate(rctab_report.count_rctab(contest), start=1):
        title = contest.config.contest_name + (f" (pass {n})" if n > 1 else "")
        render_result(result, console, title=title)


def run_count(request: CountRequest) -> None:
    """Count a ballot file (or an RCTab configuration) and print the result.

    Raises:
        TellersError: the user's mistake (a bad file, an unknown method or option...),
            for the caller to report in one line.
    """
    if request.rctab is not None:
        _rctab(request.rctab, request.as_json)
        return
    if request.file is None:
        msg = "give a ballot FILE to count, or --rctab CONFIG.json"
        raise InvalidCountOptions(msg)
    from tellers.counting.methods import CountParams, count
    from tellers.formats.detect import load_election

    options = parse_options(request.options)
    loaded = load_election(
        request.file, request.fmt, counts=request.counts, contest_id=request.contest_id
    )
    params = CountParams(
        seats=request.seats if request.seats is not None else (loaded.seats or 1),
        seed=request.seed,
        options={**loaded.options, **options},
    )
    result = count(loaded.profile, request.method, params)
    if request.as_json:
        from tellers.formats.results_json import dump_result

        _write(dump_result(result))
    else:
        from tellers.cli.render import render_result

        render_result(result, _console(), title=loaded.title or request.file.name)
