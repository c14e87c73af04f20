"""The lifecycle CLI end to end on a SQLite file: one command per officer or voter action.

Also ``tellers roll import``: a file with errors stores nothing and names line and field;
``--skip-invalid`` stores the valid people and reports the skipped rows.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tellers.cli.main import app
from tellers.formats.roll_csv import RollFileError

SPEC = """
id = "conf"
kind = "motion"
title = "Confidence"
question = "That this group has no confidence in its chair."
[motion]
binding = false
[electorate]
version = "test"
[[electorate.sections]]
name = "group"
kind = "seat"
bodies = ["grp"]
channels = ["online", "post"]
"""

GOOD_ROLL = """person_id,name,email,kind,start,body
a1,Ann,ann@example.org,seat,2015-05-07,grp
b2,Bob,,seat,2015-05-07,grp
c3,Cat,,seat,2015-05-07,grp
d4,Dan,,member,2010-01-01,
"""

BAD_ROLL = """person_id,name,kind,start,body,fee_paid_at
x1,Xan,seat,2015-05-07,grp,
x2,,seat,2015-05-07,grp,
x3,Xia,seat,07/05/2015,grp,
x4,Xo,seat,2015-05-07,nope,
x5,Xu,registered supporter,2016-07-19,,2016-07-19T12:00:00
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TELLERS_DATABASE_URL", f"sqlite:///{tmp_path / 'tellers.db'}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_motion_from_init_to_declaration(env: Path) -> None:
    run("init")
    run("org", "create", "org", "--name", "Org")
    run("org", "body", "org", "grp", "--name", "Group")
    (env / "roll.csv").write_text(GOOD_ROLL)
    assert "imported 4 people" in run("roll", "import", "roll.csv", "--org", "org")
    (env / "spec.toml").write_text(SPEC)
    run("contest", "create", "spec.toml", "--org", "org")
    assert "ballot yes, no" in run("open", "voting", "conf")
    assert "issued 3 credentials" in run("credentials", "issue", "conf", "--out", "codes.csv")
    with (env / "codes.csv").open() as handle:
        codes = list(csv.DictReader(handle))
    assert {c["person_id"] for c in codes} == {"a1", "b2", "c3"}
    assert oct((env / "codes.csv").stat().st_mode & 0o777) == "0o600"
    assert "tracking code" in run("cast", "conf", "yes", "--credential", codes[0]["code"])
    papers = [c for c in codes[1:]]
    (env / "batch.csv").write_text(
        "paper_number,marks,rejection\n"
        f"{papers[0]['paper_number']},no,\n"
        f"{papers[1]['paper_number']},,unmarked\n"
    )
    out = run("papers", "enter", "conf", "batch.csv")
    assert "counted 1" in out
    assert "spoilt 1" in out
    run("close", "voting", "conf")
    assert "returned 3" in run("contest", "count", "conf")
    text = run("declare", "conf")
    assert "turnout 100.0%" in text
    assert "advisory" in text
    assert "matches the first count" in run("recount", "conf")
    assert "audit log verified" in run("audit", "verify")
    assert "declare" in run("audit", "show")


def test_a_roll_file_with_errors_stores_nothing_and_names_line_and_field(env: Path) -> None:
    run("init")
    run("org", "create", "org", "--name", "Org")
    run("org", "body", "org", "grp", "--name", "Group")
    (env / "bad.csv").write_text(BAD_ROLL)
    with pytest.raises(RollFileError) as caught:
        CliRunner().invoke(
            app, ["roll", "import", "bad.csv", "--org", "org"], catch_exceptions=False
        )
    found = {(e.line, e.field) for e in caught.value.errors}
    assert found == {(3, "name"), (4, "start"), (5, "body"), (6, "fee_paid_at")}
    assert "line 4, field start" in str(caught.value)
    out = run("roll", "import", "bad.csv", "--org", "org", "--skip-invalid")
    assert "imported 1 people" in out
    assert "skipped 4 people" in out


def test_user_mistakes_exit_2_with_one_line(env: Path) -> None:
    environment = {**os.environ, "TELLERS_DATABASE_URL": f"sqlite:///{env / 'tellers.db'}"}
    tellers = [str(Path(sys.executable).parent / "tellers")]
    missing = subprocess.run(
        [*tellers, "open", "voting", "nope"], capture_output=True, text=True, env=environment
    )
    assert missing.returncode == 2
    assert "run `tellers init` first" in missing.stderr
    assert not (env / "tellers.db").exists()
    subprocess.run([*tellers, "init"], check=True, capture_output=True, env=environment)
    unknown = subprocess.run(
        [*tellers, "open", "voting", "nope"], capture_output=True, text=True, env=environment
    )
    assert unknown.returncode == 2
    assert unknown.stderr.count("\n") == 1
    assert "nope" in unknown.stderr
