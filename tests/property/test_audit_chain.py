"""Properties of the audit log's hash chain and of its canonical encoding."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tellers.crypto.hashing import GENESIS, ChainBroken, canonical_json, verify_chain
from tellers.domain.audit import AuditEntry
from tellers.domain.ids import OfficerId

json_scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
actions = st.tuples(
    st.sampled_from(["ro", "teller", "scrutineer"]),
    st.sampled_from(["open_voting", "issue_credentials", "enter_postal_batch", "count"]),
    st.dictionaries(st.text(max_size=8), json_values, max_size=4),
)

START = datetime(2016, 7, 12, 9, 0, tzinfo=UTC)


def build(steps: list[tuple[str, str, dict[str, object]]]) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    head = None
    for i, (officer, action, params) in enumerate(steps):
        head = AuditEntry.after(
            head,
            officer=OfficerId(officer),
            action=action,
            parameters=params,
            at=START + timedelta(minutes=i),
        )
        entries.append(head)
    return entries


@given(json_values)
def test_canonical_json_is_json_that_reads_back_to_the_same_value(value: object) -> None:
    assert json.loads(canonical_json(value)) == json.loads(json.dumps(value))


@given(st.dictionaries(st.text(), json_values, max_size=6))
def test_canonical_json_does_not_depend_on_insertion_order(value: dict[str, object]) -> None:
    reversed_order = dict(reversed(list(value.items())))
    assert canonical_json(value) == canonical_json(reversed_order)


@given(st.lists(actions, max_size=8))
def test_an_untouched_chain_verifies_to_its_last_hash(
    steps: list[tuple[str, str, dict[str, object]]],
) -> None:
    entries = build(steps)
    assert verify_chain(entries) == (entries[-1].hash if entries else GENESIS)


@settings(max_examples=150)
@given(
    st.lists(actions, min_size=1, max_size=8),
    st.data(),
    st.sampled_from(["officer", "action", "parameters", "time"]),
)
def test_changing_any_field_of_any_entry_breaks_the_chain_there(
    steps: list[tuple[str, str, dict[str, object]]], data: st.DataObject, field: str
) -> None:
    entries = build(steps)
    i = data.draw(st.integers(0, len(entries) - 1))
    original = entries[i]
    changed_value: object = {
        "officer": original.officer + "x",
        "action": original.action + "x",
        "parameters": {**original.parameters, "tampered-with-after-hashing": True},
        "time": "2099-01-01T00:00:00.000000Z",
    }[field]
    changes: dict[str, Any] = {field: changed_value}
    entries[i] = replace(original, **changes)
    with pytest.raises(ChainBroken) as caught:
        verify_chain(entries)
    assert caught.value.sequence == original.sequence


@given(st.lists(actions, min_size=2, max_size=8), st.data())
def test_removing_or_swapping_entries_breaks_the_chain(
    steps: list[tuple[str, str, dict[str, object]]], data: st.DataObject
) -> None:
    entries = build(steps)
    i = data.draw(st.integers(0, len(entries) - 2))
    removed = entries[:i] + entries[i + 1 :]
    swapped = entries[:i] + [entries[i + 1], entries[i]] + entries[i + 2 :]
    for broken in (removed, swapped):
        with pytest.raises(ChainBroken):
            verify_chain(broken)


@given(st.lists(actions, min_size=1, max_size=6))
def test_rehashing_a_forged_entry_still_breaks_the_next_link(
    steps: list[tuple[str, str, dict[str, object]]],
) -> None:
    entries = build([*steps, ("ro", "declare", {})])
    first = entries[0]
    forged = AuditEntry.after(
        None,
        officer=OfficerId("forger"),
        action=first.action,
        parameters=first.parameters,
        at=START,
    )
    with pytest.raises(ChainBroken) as caught:
        verify_chain([forged, *entries[1:]])
    assert caught.value.sequence == 2


def test_the_first_entry_hash_is_sha256_of_the_documented_encoding() -> None:
    import hashlib

    entry = AuditEntry.after(
        None,
        officer=OfficerId("ro"),
        action="create_organisation",
        parameters={"organisation": "labour", "name": "Labour Party"},
        at=datetime(2016, 7, 12, 9, 0, tzinfo=UTC),
    )
    document = (
        '{"action":"create_organisation","officer":"ro",'
        '"parameters":{"name":"Labour Party","organisation":"labour"},'
        '"previous":"' + "0" * 64 + '","sequence":1,"time":"2016-07-12T09:00:00.000000Z"}'
    )
    assert entry.hash == hashlib.sha256(document.encode("utf-8")).hexdigest()
