"""S2: the 2016 challenge nomination gate with an incumbent, replayed through the services.

Expected: ``shared/scenarios/README.md``, S2: 20% of the combined PLP+EPLP, rounded up;
denominator 251, so 51 needed; Smith 90, Eagle 72, Eagle withdraws before the close; the
ballot is {Corbyn (incumbent, 0 nominations), Smith}; Eagle withdrawn (qualified); the
register exportable; with the incumbent flag off Corbyn is excluded unless he has 51;
the audit log records the NEC ruling "18-14, 12 Jul 2016".
"""

from __future__ import annotations

import json
from pathlib import Path

from tellers.cli.replay import outcome_json, replay_scenario
from tellers.services.contests import nomination_register_of
from tellers.storage.sql import Database, SqlUnitOfWork

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "s2-challenge-nominations-2016"


def test_s2_gate_register_and_ballot(database: Database) -> None:
    uow = SqlUnitOfWork(database)
    try:
        outcome = replay_scenario(EXAMPLE, uow=uow)
        d = outcome_json(outcome)
        assert d["gate"]["denominator"] == 251
        assert d["gate"]["required"] == 51
        assert d["gate"]["threshold"] == "1/5"
        rows = {r["candidate"]: r for r in d["register"]}
        assert rows["smith"]["nominations"] == 90
        assert rows["smith"]["standing"] == "qualified"
        assert rows["eagle"]["nominations"] == 72
        assert rows["eagle"]["standing"] == "withdrawn (qualified)"
        assert rows["corbyn"]["nominations"] == 0
        assert rows["corbyn"]["standing"] == "incumbent (on the ballot by rule)"
        assert sorted(d["ballot"]) == ["Jeremy Corbyn", "Owen Smith"]
        exported = [
            r.as_dict() for r in nomination_register_of(uow=uow, contest_id=outcome.contest.id)
        ]
        assert json.loads(json.dumps(exported)) == d["register"]
        with uow:
            rulings = [e for e in uow.audit.iter() if e.action == "amend_incumbent_rule"]
        assert len(rulings) == 1
        assert "18-14, 12 Jul 2016" in rulings[0].parameters["ruling"]
    finally:
        uow.close()


def test_s2_variant_without_the_incumbent_flag_leaves_smith_unopposed(database: Database) -> None:
    uow = SqlUnitOfWork(database)
    try:
        outcome = replay_scenario(
            EXAMPLE,
            uow=uow,
            overrides={
                "ruling": {
                    "incumbent_on_ballot": False,
                    "text": "variant: the incumbent must be nominated like any challenger",
                }
            },
        )
        rows = {r.candidate: r for r in outcome.register}
        assert rows["corbyn"].standing.value == "not qualified"
        assert outcome.contest.ballot == ("smith",)
        assert outcome.declaration is not None
        d = json.loads(outcome.declaration.json)
        assert d["unopposed"] is True
        assert d["winners"] == ["Owen Smith"]
    finally:
        uow.close()
