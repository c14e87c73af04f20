"""Refused imports change nothing: fuzzed roll files and contest specs through the services.

A roll file is imported as ``tellers roll import`` does (the streaming reader feeding the
import service, one transaction); a contest spec is created as ``tellers contest create``
does. Whatever the input, either the import succeeds or it raises a ``TellersError`` with
a message -- and then the store holds exactly what it held before.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tellers.domain.ids import OfficerId
from tellers.formats.roll_csv import RollReader
from tellers.services import contests, organisations, people
from tellers.services.people import MembershipRow, PersonRow
from tellers.storage.memory import FixedClock, MemoryStore, MemoryUnitOfWork

from .support import counted, fuzz_settings, mutated, rejects_cleanly
from .test_fuzz_readers import CLI_ROLL_SEED, _put, _roll_rows, _spec_json

RO = OfficerId("ro")
CLOCK = FixedClock(datetime(2024, 1, 1, tzinfo=UTC))


def _world() -> tuple[MemoryStore, MemoryUnitOfWork]:
    store = MemoryStore()
    uow = MemoryUnitOfWork(store)
    organisations.create_organisation(
        uow=uow, clock=CLOCK, officer=RO, organisation_id="org", name="Org"
    )
    organisations.add_body(
        uow=uow, clock=CLOCK, officer=RO, organisation_id="org", body_id="plp", name="PLP"
    )
    return store, uow


def _content(value: Any) -> Any:
    """The value with empty tables dropped (the memory store makes them on first use)."""
    if isinstance(value, dict):
        kept = {k: _content(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ({}, [], (), set())}
    return value


def _snapshot(store: MemoryStore) -> str:
    return repr(sorted((k, repr(_content(v))) for k, v in vars(store).items()))


@fuzz_settings(weight=1)
@given(data=st.one_of(st.binary(max_size=200), mutated((CLI_ROLL_SEED,)), _roll_rows()))
@counted("roll import through the services (store unchanged)")
def test_a_refused_roll_import_leaves_the_store_unchanged(data: bytes) -> None:
    store, uow = _world()
    path = _put(data, "import.csv")
    before = _snapshot(store)
    reader = RollReader(
        path=path,
        bodies=frozenset({"plp"}),
        affiliates=frozenset(),
        person_factory=PersonRow,
        membership_factory=MembershipRow,
    )
    err = rejects_cleanly(
        lambda: people.import_people(
            uow=uow, clock=CLOCK, officer=RO, organisation_id="org", rows=reader.rows()
        )
    )
    if err is not None:
        assert _snapshot(store) == before, f"refused ({err}) but the store changed"


@fuzz_settings(weight=1)
@given(spec=_spec_json)
@counted("contest creation through the services (store unchanged)")
def test_a_refused_contest_spec_leaves_the_store_unchanged(spec: Any) -> None:
    store, uow = _world()
    before = _snapshot(store)
    value = json.loads(json.dumps(spec, default=str))
    err = rejects_cleanly(
        lambda: contests.create_contest(
            uow=uow,
            clock=CLOCK,
            officer=RO,
            organisation_id="org",
            contest_id="c1",
            spec=value if isinstance(value, dict) else {"spec": value},
        )
    )
    if err is not None:
        assert _snapshot(store) == before, f"refused ({err}) but the store changed"
