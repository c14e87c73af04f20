"""Generates the rule reference pages' content, for cog (see docs/rules/*.md).

Each page shows the rule module's own docstring (so the text cannot drift from the
code) and a worked example counted by the real engine from a file in docs/examples/.
`cog --check` in scripts/check fails when a page no longer matches what the code says.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from tellers.counting.amounts import format_amount
from tellers.counting.methods import METHODS, CountParams, count
from tellers.formats.detect import load_election

ROOT = Path(__file__).resolve().parents[1]


def docstring(method: str) -> str:
    """The rule module's docstring, as the page's description."""
    module = importlib.import_module(METHODS[method])
    return (module.__doc__ or "").strip()


def example(
    method: str,
    csv_name: str,
    *,
    seats: int = 1,
    seed: int | None = None,
    options: dict[str, object] | None = None,
) -> str:
    """A worked example: the ballots, the command, and the count round by round."""
    path = ROOT / "docs" / "examples" / csv_name
    loaded = load_election(path, "csv", counts=True)
    params = CountParams(seats=seats, seed=seed, options=options or {})
    result = count(loaded.profile, method, params)
    lines = ["Ballots (`docs/examples/" + csv_name + "`, a count then the preferences):", ""]
    lines.append("```")
    lines.extend(path.read_text(encoding="utf-8").splitlines())
    lines.append("```")
    lines.append("")
    command = f"tellers count docs/examples/{csv_name} --counts --method {method}"
    if seats != 1:
        command += f" --seats {seats}"
    if seed is not None:
        command += f" --seed {seed}"
    for key, value in (options or {}).items():
        command += f" -o {key}={value}"
    lines += ["```sh", command, "```", ""]
    names = list(result.candidates)
    header = "| Candidate | " + " | ".join(f"Round {r.number}" for r in result.rounds) + " |"
    lines.append(header)
    lines.append("|---|" + "---:|" * len(result.rounds))
    for name in names:
        cells = []
        for rnd in result.rounds:
            value = rnd.tallies.get(name)
            text = "" if value is None else format_amount(value)
            if name in rnd.elected:
                text += " elected"
            if name in rnd.eliminated:
                text += " excluded"
            cells.append(text)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append(
        "| *exhausted* | " + " | ".join(format_amount(r.exhausted) for r in result.rounds) + " |"
    )
    if any(r.threshold is not None for r in result.rounds):
        lines.append(
            "| *threshold* | "
            + " | ".join(
                "" if r.threshold is None else format_amount(r.threshold) for r in result.rounds
            )
            + " |"
        )
    lines.append("")
    if result.quota is not None:
        lines.append(f"Quota: {format_amount(result.quota)}.")
    lines.append(f"Elected, in order: **{', '.join(result.winners) or 'none'}**.")
    if result.tie_breaks:
        for tie in result.tie_breaks:
            lines.append(
                f"Tie in round {tie.round} ({tie.purpose}) between {', '.join(tie.tied)}: "
                f"{tie.chosen}, by {tie.how}."
            )
    return "\n".join(lines)


def cli_reference() -> str:
    """Every ``tellers`` command with its arguments and options, from the Typer app itself."""
    import typer

    from tellers.cli.main import app

    root = typer.main.get_command(app)
    out: list[str] = []

    def walk(command: Any, path: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name in sorted(subcommands):
                walk(subcommands[name], [*path, name])
            return
        usage = " ".join(["tellers", *path])
        out.append(f"## `{usage}`\n")
        out.append((command.help or "").strip().split("\n\n")[0] + "\n")
        rows = []
        for param in command.params:
            if param.param_type_name == "argument":
                meaning = getattr(param, "help", None) or ""
                rows.append(f"| `{(param.name or '').upper()}` | argument | {meaning} |")
            elif param.param_type_name == "option" and param.name != "help":
                names = ", ".join(f"`{n}`" for n in param.opts)
                helptext = (param.help or "").replace("|", "\\|")
                rows.append(f"| {names} | option | {helptext} |")
        if rows:
            out.append("| name | kind | meaning |\n|---|---|---|")
            out.extend(rows)
            out.append("")

    walk(root, [])
    return "\n".join(out)
