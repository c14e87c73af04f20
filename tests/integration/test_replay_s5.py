"""S5: Corbyn v Smith 2016, two candidates, three sections, spoilt papers and two channels.

Expected: ``shared/scenarios/README.md``, S5 (and section 1.4): Corbyn 313,209 (61.8%) v
Smith 193,229 (38.2%) of 506,438 valid; spoilt 1,042; distributed 654,006; turnout 77.6%
on returned including spoilt (never 77.4%); per-section results (members 168,216 /
116,960; registered 84,918 / 36,599; affiliated 60,075 / 39,670); members by post and
online, supporters online only, with the channel split shown. The nominations of S2 come
first (51 needed of 251; Corbyn on the ballot by rule; Eagle withdrawn, qualified).

About 500,000 ballots are cast one transaction each, so this runs on SQLite only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tellers.cli.replay import ReplayOutcome, outcome_json, replay_scenario
from tellers.storage.sql import SqlUnitOfWork, connect, migrate

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "s5-corbyn-smith-2016"


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplayOutcome]:
    database = connect(f"sqlite:///{tmp_path_factory.mktemp('s5') / 'tellers.db'}")
    migrate(database)
    uow = SqlUnitOfWork(database)
    try:
        yield replay_scenario(EXAMPLE, uow=uow)
    finally:
        uow.close()
        database.dispose()


@pytest.fixture(scope="module")
def declared(replayed: ReplayOutcome) -> dict[str, Any]:
    return outcome_json(replayed)


def test_s5_result_spoilt_and_turnout(declared: dict[str, Any]) -> None:
    d = declared
    assert d["winners"] == ["Jeremy Corbyn"]
    assert d["tallies"]["corbyn"]["votes"] == 313_209
    assert d["tallies"]["smith"]["votes"] == 193_229
    assert d["tallies"]["corbyn"]["of_valid"]["percent"] == "61.8"
    assert d["tallies"]["smith"]["of_valid"]["percent"] == "38.2"
    assert d["valid"] == 506_438
    assert d["spoilt"] == 1_042
    assert d["eligible"] == 654_006
    assert d["turnout"]["percent"] == "77.6"


def test_s5_text_prints_776_and_never_774(replayed: ReplayOutcome) -> None:
    assert replayed.declaration is not None
    text = replayed.declaration.text
    assert "77.6%" in text
    assert "77.4" not in text


def test_s5_sections_and_channels(declared: dict[str, Any]) -> None:
    sections = {s["section"]: s for s in declared["sections"]}
    published = {
        "members": (168_216, 116_960, 285_176),
        "registered supporters": (84_918, 36_599, 121_517),
        "affiliated supporters": (60_075, 39_670, 99_745),
    }
    for name, (corbyn, smith, valid) in published.items():
        s = sections[name]
        assert s["tallies"]["corbyn"]["votes"] == corbyn
        assert s["tallies"]["smith"]["votes"] == smith
        assert s["valid"] == valid
    assert set(sections["members"]["by_channel"]) == {"online", "post"}
    assert set(sections["registered supporters"]["by_channel"]) == {"online"}
    assert set(sections["affiliated supporters"]["by_channel"]) == {"online"}
    assert sum(declared["by_channel"].values()) == 506_438 + 1_042


def test_s5_gate_from_s2_is_declared(declared: dict[str, Any], replayed: ReplayOutcome) -> None:
    rows = {r.candidate: r for r in replayed.register}
    assert rows["corbyn"].standing.value == "incumbent (on the ballot by rule)"
    assert rows["eagle"].standing.value == "withdrawn (qualified)"
    assert rows["smith"].nominations == 90
    assert rows["eagle"].nominations == 72
    assert replayed.contest.ballot == ("corbyn", "smith")
    text = replayed.declaration.text if replayed.declaration else ""
    assert "51 needed" in text
    assert "251" in text
