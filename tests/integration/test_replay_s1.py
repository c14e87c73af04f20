"""S1: the PLP confidence motion of 28 June 2016, replayed through the services.

Expected figures: ``shared/scenarios/README.md``, S1 (and section 1.2): 172 for, 40
against, 4 spoilt, 13 did not vote of 229; carried by a simple majority of valid votes
(81.1% of valid, 79.6% of cast); margin 132; turnout 216/229 = 94.3%; advisory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tellers.cli.replay import ReplayOutcome, outcome_json, replay_scenario
from tellers.domain.ids import ContestId, OfficerId
from tellers.services.contests import participation_list
from tellers.storage.memory import SystemClock
from tellers.storage.sql import Database, SqlUnitOfWork

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "s1-plp-confidence-2016"


@pytest.fixture
def replayed(database: Database) -> tuple[ReplayOutcome, dict[str, Any], SqlUnitOfWork]:
    uow = SqlUnitOfWork(database)
    outcome = replay_scenario(EXAMPLE, uow=uow)
    yield outcome, outcome_json(outcome), uow
    uow.close()


def test_s1_reproduces_every_published_figure(
    replayed: tuple[ReplayOutcome, dict[str, Any], SqlUnitOfWork],
) -> None:
    _, d, _ = replayed
    assert d["eligible"] == 229
    assert d["returned"] == 216
    assert d["eligible"] - d["returned"] == 13
    assert d["tallies"]["yes"]["votes"] == 172
    assert d["tallies"]["no"]["votes"] == 40
    assert d["spoilt"] == 4
    assert d["turnout"]["percent"] == "94.3"
    assert d["tallies"]["yes"]["of_valid"]["percent"] == "81.1"
    motion = d["motion"]
    assert motion["carried"] is True
    assert motion["margin"] == 132
    assert motion["yes_of_cast"]["percent"] == "79.6"
    assert motion["binding"] is False
    assert "advisory" in motion["status"]


def test_s1_declaration_text_prints_943_not_the_press_95(
    replayed: tuple[ReplayOutcome, dict[str, Any], SqlUnitOfWork],
) -> None:
    outcome, _, _ = replayed
    assert outcome.declaration is not None
    assert "turnout 94.3%" in outcome.declaration.text
    assert "95%" not in outcome.declaration.text


def test_s1_publishes_who_voted_but_no_ballot_names_a_voter(
    replayed: tuple[ReplayOutcome, dict[str, Any], SqlUnitOfWork],
) -> None:
    outcome, d, uow = replayed
    voters = participation_list(
        uow=uow, clock=SystemClock(), officer=OfficerId("scrutineer"), contest_id=outcome.contest.id
    )
    assert len(voters) == 216
    with uow:
        ballots = list(uow.ballots.iter(ContestId(outcome.contest.id)))
        audit = list(uow.audit.iter())
    assert len(ballots) == 216
    # reading the marked register is on record: who, which contest, how many names
    assert (audit[-1].officer, audit[-1].action) == ("scrutineer", "read_participation_list")
    assert dict(audit[-1].parameters) == {"contest": outcome.contest.id, "names": 216}
    names = set(voters)
    for b in ballots:
        assert not names & {b.id, b.tracking_code, b.section, *b.ranking}
    logged = json.dumps([dict(e.parameters) for e in audit])
    assert not any(b.tracking_code in logged or b.id in logged for b in ballots)
    assert d["audit_head"] == outcome.audit_head
