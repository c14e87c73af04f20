"""S4: Labour leadership 2015, one member one vote in three sections, won in round 1.

Expected: ``shared/scenarios/README.md``, S4 (and section 1.3): Corbyn 251,417 / Burnham
80,462 / Cooper 71,928 / Kendall 18,857 = 422,664 valid; eligible 553,954; returned
422,871; Corbyn elected in round 1 with 59.5%; no transfer rounds; per-section shares
(Corbyn 49.6% of members, 83.8% registered, 57.6% affiliates); 207 invalid; turnout 76.3%.

About 420,000 ballots are cast one transaction each, so this runs on SQLite only (the
storage tests cover PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tellers.cli.replay import outcome_json, replay_scenario
from tellers.storage.sql import SqlUnitOfWork, connect, migrate

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "s4-corbyn-2015-first-round"


@pytest.fixture(scope="module")
def declared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    database = connect(f"sqlite:///{tmp_path_factory.mktemp('s4') / 'tellers.db'}")
    migrate(database)
    uow = SqlUnitOfWork(database)
    try:
        yield outcome_json(replay_scenario(EXAMPLE, uow=uow))
    finally:
        uow.close()
        database.dispose()


def test_s4_totals_turnout_and_invalid(declared: dict[str, Any]) -> None:
    d = declared
    assert d["eligible"] == 553_954
    assert d["returned"] == 422_871
    assert d["valid"] == 422_664
    assert d["returned"] - d["valid"] == 207
    assert d["turnout"]["percent"] == "76.3"
    votes = {d["options"][k]: v["votes"] for k, v in d["tallies"].items()}
    assert votes == {
        "Andy Burnham": 80_462,
        "Yvette Cooper": 71_928,
        "Jeremy Corbyn": 251_417,
        "Liz Kendall": 18_857,
    }
    assert d["tallies"]["corbyn"]["of_valid"]["percent"] == "59.5"
    assert d["tallies"]["burnham"]["of_valid"]["percent"] == "19.0"
    assert d["tallies"]["cooper"]["of_valid"]["percent"] == "17.0"
    assert d["tallies"]["kendall"]["of_valid"]["percent"] == "4.5"


def test_s4_corbyn_elected_in_round_one_without_transfers(declared: dict[str, Any]) -> None:
    assert declared["winners"] == ["Jeremy Corbyn"]
    rounds = declared["count"]["rounds"]
    assert len(rounds) == 1
    assert rounds[0]["transfers"] == []


def test_s4_section_tables(declared: dict[str, Any]) -> None:
    sections = {s["section"]: s for s in declared["sections"]}
    published = {
        "members": {"burnham": 55_698, "cooper": 54_470, "corbyn": 121_751, "kendall": 13_601},
        "registered supporters": {
            "burnham": 6_160,
            "cooper": 8_415,
            "corbyn": 88_449,
            "kendall": 2_574,
        },
        "affiliated supporters": {
            "burnham": 18_604,
            "cooper": 9_043,
            "corbyn": 41_217,
            "kendall": 2_682,
        },
    }
    for name, votes in published.items():
        got = {k: v["votes"] for k, v in sections[name]["tallies"].items()}
        assert got == votes
    assert sections["members"]["valid"] == 245_520
    assert sections["registered supporters"]["valid"] == 105_598
    assert sections["affiliated supporters"]["valid"] == 71_546
    share = {n: sections[n]["tallies"]["corbyn"]["of_valid"]["percent"] for n in published}
    assert share == {
        "members": "49.6",
        "registered supporters": "83.8",
        "affiliated supporters": "57.6",
    }
