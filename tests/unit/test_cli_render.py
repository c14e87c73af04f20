"""The round-by-round rendering prints the same text whatever the console can show."""

from __future__ import annotations

import io

from rich.console import Console

from tellers.cli.render import render_result
from tellers.counting.methods import CountParams, count
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult


def _result() -> CountResult:
    profile = Profile.from_rankings(
        ["Ada", "Bo", "Cy", "Dee"],
        [["Ada", "Bo"]] * 4 + [["Bo", "Cy"]] * 3 + [["Cy", "Dee"]] * 2 + [["Dee", "Cy"]] * 2,
    )
    return count(profile, "irv", CountParams(seed=3))


def test_a_console_without_colours_prints_the_text_a_colour_terminal_shows() -> None:
    # Without a colour system the lines are printed without Rich's highlighting (which
    # only adds styles); the text must be what a colour terminal shows, styles aside.
    result = _result()
    plain = Console(file=io.StringIO(), width=80)
    colour = Console(
        file=io.StringIO(), width=80, force_terminal=True, color_system="truecolor", record=True
    )
    assert plain.color_system is None
    render_result(result, plain, title="Test")
    render_result(result, colour, title="Test")
    shown = plain.file.getvalue()  # type: ignore[attr-defined]
    assert shown == colour.export_text()
    assert "Elected: Ada" in shown
    assert "\x1b[1;36m" in colour.file.getvalue()  # type: ignore[attr-defined]  # highlighted
