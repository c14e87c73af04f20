"""The documentation keeps up with the code: every rule and command is documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from tellers.cli.main import app
from tellers.counting.methods import METHODS

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_counting_rule_has_a_page_with_a_worked_example(method: str) -> None:
    page = DOCS / "rules" / f"{method}.md"
    assert page.is_file(), f"docs/rules/{method}.md is missing"
    text = page.read_text(encoding="utf-8")
    assert "## Worked example" in text
    assert "Elected, in order:" in text, "the worked example was never generated (run cog)"


def _commands(command: object, path: tuple[str, ...] = ()) -> list[str]:
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        return [" ".join(("tellers", *path))]
    out: list[str] = []
    for name, sub in subcommands.items():
        out.extend(_commands(sub, (*path, name)))
    return out


@pytest.mark.parametrize("command", sorted(_commands(typer.main.get_command(app))))
def test_every_cli_command_is_in_the_reference(command: str) -> None:
    reference = (DOCS / "cli-reference.md").read_text(encoding="utf-8")
    assert f"## `{command}`" in reference
