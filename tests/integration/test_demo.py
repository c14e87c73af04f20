"""``tellers demo``'s wiring, on the real S1 motion and a scaled-down copy of S5.

The full-size demo (654,006 voters) is timed by hand and in the S5 replay test; here the
S5 folder is copied with every count divided by 1,000 so the story runs in seconds: the
books are loaded once, the PLP motion (full size, published figures) and the leadership
contest (nominations as published) run on them, and the audit log verifies.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tellers.cli.demo import S1, S5, examples_dir, run_demo
from tellers.cli.replay import outcome_json


def _scaled(src: Path, dst: Path) -> None:
    dst.mkdir()
    for name in ("contest.toml", "SOURCE.md"):
        shutil.copy(src / name, dst / name)
    roll = (src / "roll.toml").read_text()
    roll = re.sub(r"count = (\d{4,})", lambda m: f"count = {int(m.group(1)) // 1000}", roll)
    (dst / "roll.toml").write_text(roll)
    ballots = (src / "ballots.toml").read_text()
    ballots = re.sub(r"count = (\d{4,})", lambda m: f"count = {int(m.group(1)) // 1000}", ballots)
    (dst / "ballots.toml").write_text(ballots)


def test_the_demo_story_runs_end_to_end(tmp_path: Path) -> None:
    examples = tmp_path / "examples"
    examples.mkdir()
    shutil.copytree(examples_dir() / S1, examples / S1)
    _scaled(examples_dir() / S5, examples / S5)
    done = run_demo(f"sqlite:///{tmp_path / 'demo.db'}", examples=examples)
    motion = outcome_json(done["motion"])
    assert (motion["eligible"], motion["returned"], motion["spoilt"]) == (229, 216, 4)
    assert motion["motion"]["carried"] is True
    assert motion["turnout"]["percent"] == "94.3"
    leader = done["leadership"]
    assert leader.contest.ballot == ("corbyn", "smith")
    rows = {r.candidate: r.standing.value for r in leader.register}
    assert rows == {
        "corbyn": "incumbent (on the ballot by rule)",
        "eagle": "withdrawn (qualified)",
        "smith": "qualified",
    }
    data = outcome_json(leader)
    assert (
        data["eligible"] == 343 + 128 + 100 + 81 + 60 + 40
    )  # 100 new members who paid: not scaled
    assert data["winners"] == ["Jeremy Corbyn"]
    assert (
        done["audit_head_verified"] == data["audit_head"] or len(done["audit_head_verified"]) == 64
    )


def test_the_demo_roll_applies_the_freeze_date_and_the_fee_window(tmp_path: Path) -> None:
    """S3 on the demo's books: joined 13 Jan 2016 -> not a member; 17:00:01 -> refused."""
    from tellers.domain.ids import ContestId
    from tellers.storage.sql import SqlUnitOfWork, connect

    examples = tmp_path / "examples"
    examples.mkdir()
    shutil.copytree(examples_dir() / S1, examples / S1)
    _scaled(examples_dir() / S5, examples / S5)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    run_demo(url, examples=examples)
    database = connect(url)
    uow = SqlUnitOfWork(database)
    try:
        with uow:
            entries = {e.person_id: e for e in uow.roll.iter(ContestId("leader-2016"))}
    finally:
        uow.close()
        database.dispose()
    late = entries["late-supporter-0000001"]
    assert late.section is None
    assert "outside the window" in late.reason
    new = entries["new-member-0000001"]
    assert new.section is None
    assert "joined 2016-01-13 after 2016-01-12" in new.reason
    switched = entries["new-member-supporter-0000001"]
    assert switched.section == "registered supporters"
    assert "joined 2016-01-13 after 2016-01-12" in switched.reason
    assert all(e.rule_version.startswith("NEC procedures 2016") for e in entries.values())
