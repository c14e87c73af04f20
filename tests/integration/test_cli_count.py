"""``tellers count`` as a whole process: its path without Typer agrees with the Typer app.

Plain invocations of ``tellers count`` are parsed and run by
:mod:`tellers.cli.count_fast` without starting Typer (see there); everything else goes
to the Typer app. Both must print the same thing, end with the same exit code and say
the same thing on stderr, and the plain ``--json`` count must not import Typer, click,
pydantic or Rich (the point of the exercise).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TELLERS = str(Path(sys.executable).parent / "tellers")
THROUGH_TYPER = (
    "import sys, tellers.cli.count_fast as fast\n"
    "fast.parse_count_args = lambda args: None  # every invocation goes to Typer\n"
    "from tellers.cli.main import main\n"
    "main()\n"
)
BALLOTS = "Ada,Bo,Cy\nBo,Ada\nCy,Bo\nAda\nBo,Cy,Ada\nCy,Ada\nAda,Cy\nBo\nAda,Bo\n"
COUNTED = "3,Ada,Bo\n2,Bo,Ada\n2,Cy,Bo\n"


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLUMNS")}
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env, check=False)


@pytest.fixture
def ballots(tmp_path: Path) -> Path:
    (tmp_path / "ballots.csv").write_text(BALLOTS, encoding="utf-8")
    (tmp_path / "counted.csv").write_text(COUNTED, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ["ballots.csv", "--json"],
        ["ballots.csv", "--method", "irv", "--json", "--seed", "1"],
        ["--json", "ballots.csv", "--method=plurality"],
        ["ballots.csv"],  # the Rich table
        ["ballots.csv", "--method", "borda"],
        ["ballots.csv", "-o", "engine=reference", "--json", "--seed", "7"],
        ["counted.csv", "--counts", "--json", "--format", "csv"],
        ["ballots.csv", "--method", "block", "--seats", "2", "--json"],
        ["missing.csv", "--json"],  # user mistakes: exit 2, one line on stderr
        ["ballots.csv", "--method", "nope"],
        ["ballots.csv", "-o", "no-equals-sign"],
        ["ballots.csv", "--format", "odt"],
    ],
)
def test_count_without_typer_does_what_the_typer_app_does(ballots: Path, args: list[str]) -> None:
    fast = _run([TELLERS, "count", *args], ballots)
    typer = _run([sys.executable, "-c", THROUGH_TYPER, "count", *args], ballots)
    assert (fast.returncode, fast.stdout, fast.stderr) == (
        typer.returncode,
        typer.stdout,
        typer.stderr,
    )
    if fast.returncode:
        assert fast.returncode == 2
        assert fast.stderr.startswith("tellers: ")
        assert fast.stderr.count("\n") == 1


def test_a_json_count_imports_no_cli_framework(ballots: Path) -> None:
    script = (
        "import json, os, sys\n"
        "sys.argv = ['tellers', 'count', 'ballots.csv', '--json']\n"
        "from tellers.cli.main import main\n"
        "main()\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'typer', 'click', 'pydantic', 'rich', 'sqlalchemy'})\n"
        "print(json.dumps([loaded, os.environ.get('OPENBLAS_NUM_THREADS')]), file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ballots, env=env
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["winners"] == ["Ada"]
    assert json.loads(done.stderr) == [[], "1"]


def test_help_and_unusual_arguments_still_go_to_typer(ballots: Path) -> None:
    shown = _run([TELLERS, "count", "--help"], ballots)
    assert shown.returncode == 0
    assert "--method" in shown.stdout
    extra = _run([TELLERS, "count", "ballots.csv", "other.csv"], ballots)
    assert extra.returncode == 2
    assert "unexpected extra argument" in extra.stderr.lower()
