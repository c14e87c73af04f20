"""The board file format, the audit export and the election key, piece by piece."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tellers.crypto.hashing import canonical_json, verify_chain
from tellers.crypto.signing import (
    KeySealError,
    new_election_key,
    seal_election_key,
    sign,
    stored_public_key,
    unseal_election_key,
    verify_signature,
)
from tellers.domain.audit import AuditEntry
from tellers.domain.ballot import Ballot, Channel, RejectionReason
from tellers.domain.ids import (
    BallotId,
    ContestId,
    OfficerId,
    OrganisationId,
    SectionName,
    TrackingCode,
)
from tellers.domain.spec import contest_from_spec
from tellers.formats.audit_jsonl import AuditLogFormatError, audit_lines, read_audit_log
from tellers.formats.board import (
    BODY_FIELDS,
    BoardBallot,
    BoardFormatError,
    canonical_bytes,
    contest_definition,
    decode_ballots,
    encode_ballots,
    read_board,
    write_board,
)
from tellers.services.board import MemoryElectionKeys, election_key, election_public_key

from .test_board_world import ELECTION_SPEC, MOTION_SPEC

# -- canonical JSON through the fast encoder ----------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_the_fast_encoder_writes_exactly_the_canonical_form(value: Any) -> None:
    assert canonical_bytes(value) == canonical_json(value)


def test_keys_beyond_the_basic_plane_fall_back_to_utf16_order() -> None:
    # U+1F600 is D83D DE00 in UTF-16, before U+FB01; by code point it comes after.
    value = {"\ufb01": 2, "\U0001f600": 1}
    out = canonical_bytes(value)
    assert out == canonical_json(value)
    assert out.index("\U0001f600".encode()) < out.index("\ufb01".encode())


def test_a_float_is_never_written() -> None:
    with pytest.raises(TypeError):
        canonical_bytes({"a": 0.5})


# -- ballots ----------------------------------------------------------------------------


def _ballot(section: str, channel: Channel, ranking: tuple[str, ...] = (), **kw: Any) -> Ballot:
    return Ballot(
        id=BallotId("x"),
        contest_id=ContestId("c"),
        section=SectionName(section),
        channel=channel,
        ranking=ranking,
        tracking_code=TrackingCode("t"),
        **kw,
    )


def test_ballot_lines_round_trip_valid_abstaining_and_spoilt_papers() -> None:
    box = [
        _ballot("members", Channel.ONLINE, ("bo", "ada")),
        _ballot("members", Channel.ONLINE, ("bo", "ada")),
        _ballot("retired", Channel.POST, rejection=RejectionReason.TOO_MANY_MARKS),
        _ballot("members", Channel.ONLINE),
    ]
    part = encode_ballots(box, sections=["members", "retired"], options=["ada", "bo"])
    assert part["lines"] == ["0 0 1 0", "0 0 1 0", "1 1 r1", "0 0"]
    assert part["count"] == 4
    decoded = decode_ballots(part)
    assert decoded == {
        BoardBallot(section="members", channel="online", ranking=("bo", "ada")): 2,
        BoardBallot(section="retired", channel="post", rejection="too-many-marks"): 1,
        BoardBallot(section="members", channel="online"): 1,
    }


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("0", "needs a section and a channel"),
        ("0 0 7", "option index 7 is out of range"),
        ("0 0 1 1", "an option is ranked twice"),
        ("0 0 01", "not a decimal number"),
        ("0 0 r1 0", "a spoilt paper has no marks"),
        ("0  0 1", "not a decimal number"),
        ("9 0 1", "section index 9 is out of range"),
    ],
)
def test_a_malformed_ballot_line_is_named(line: str, problem: str) -> None:
    part = encode_ballots([], sections=["members"], options=["ada", "bo"])
    part["lines"] = ["0 0 1", line]
    with pytest.raises(BoardFormatError) as err:
        decode_ballots(part)
    assert err.value.where == "ballots.lines[1]"
    assert problem in err.value.problem


# -- the contest definition --------------------------------------------------------------


COLLEGE_SPEC = {
    **ELECTION_SPEC,
    "re_open_nominations": True,
    "college": {
        "mode": "combined elimination",
        "sections": [
            {"name": "members", "weight": "2/3"},
            {"name": "new members", "weight": "1/3"},
        ],
    },
    "exhaustive": {"remain": 2, "floors": [17, 33]},
    "reissue_cutoff": "2024-06-10T12:00:00+01:00",
}


@pytest.mark.parametrize("spec", [ELECTION_SPEC, MOTION_SPEC, COLLEGE_SPEC])
def test_the_published_contest_reads_back_as_the_same_rules(spec: dict[str, Any]) -> None:
    contest = contest_from_spec(
        spec, contest_id=ContestId("c1"), organisation_id=OrganisationId("org")
    )
    definition = json.loads(canonical_bytes(contest_definition(contest)))
    again = contest_from_spec(
        definition, contest_id=ContestId("c1"), organisation_id=OrganisationId("org")
    )
    assert again == replace(contest)


# -- the file ---------------------------------------------------------------------------


def _minimal_body() -> dict[str, Any]:
    body: dict[str, Any] = {name: None for name in BODY_FIELDS}
    del body["digests"], body["public_key"]
    body.update(format="tellers-board-1", tracking_codes=[], contest={"id": "c"})
    return body


def test_a_written_board_is_two_canonical_lines_and_the_signature_covers_line_one() -> None:
    key = new_election_key()
    data = write_board(_minimal_body(), key)
    line1, line2, end = data.split(b"\n")
    assert end == b""
    assert canonical_json(json.loads(line1)) == line1
    sig = json.loads(line2)
    assert sig["algorithm"] == "Ed25519"
    assert sig["public_key"] == key.public_key_hex
    assert verify_signature(key.public_key, line1, bytes.fromhex(sig["signature"]))
    board = read_board(data)
    assert board.signed == line1
    assert board.body["public_key"] == key.public_key_hex


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda d: d[:-1], "must end with a newline"),
        (lambda d: d + b"\n", "expected 2 lines"),
        (lambda d: d.replace(b'"format":', b'"format": ', 1), "not in canonical JSON form"),
        (lambda d: d.replace(b'"audit":null,', b'"audit":null,"audit":null,', 1), "twice"),
        (lambda d: d.replace(b'"audit":null', b'"audit":0.5', 1), "fraction or exponent"),
        (lambda d: d.replace(b'"audit":null,', b"", 1), "missing fields: audit"),
    ],
)
def test_a_malformed_board_file_is_refused_saying_why(mangle: Any, message: str) -> None:
    data = write_board(_minimal_body(), new_election_key())
    with pytest.raises(BoardFormatError) as err:
        read_board(mangle(data))
    assert message in str(err.value)


# -- the election key --------------------------------------------------------------------


def test_a_sealed_key_opens_only_with_its_sealing_key() -> None:
    key = new_election_key()
    sealing, other = bytes(range(32)), bytes(32)
    stored = seal_election_key(key, sealing)
    assert key.seed.hex() not in stored
    assert stored.startswith("ed25519-sealed-v1:")
    assert unseal_election_key(stored, sealing) == key
    assert stored_public_key(stored) == key.public_key
    with pytest.raises(KeySealError, match="does not open"):
        unseal_election_key(stored, other)
    with pytest.raises(KeySealError, match="no sealing key"):
        unseal_election_key(stored, None)


def test_a_stored_key_whose_public_half_was_swapped_is_refused() -> None:
    key, other = new_election_key(), new_election_key()
    stored = seal_election_key(key, None)
    swapped = stored.replace(key.public_key.hex(), other.public_key.hex())
    with pytest.raises(KeySealError, match="does not match"):
        unseal_election_key(swapped, None)


def test_the_key_never_shows_its_seed() -> None:
    key = new_election_key()
    assert key.seed.hex() not in repr(key)


def test_a_signature_fails_on_another_message_or_key() -> None:
    key = new_election_key()
    signature = sign(key, b"board")
    assert verify_signature(key.public_key, b"board", signature)
    assert not verify_signature(key.public_key, b"board!", signature)
    assert not verify_signature(new_election_key().public_key, b"board", signature)
    assert not verify_signature(key.public_key, b"board", signature[:-1])


def test_an_organisation_gets_one_key_made_on_first_use() -> None:
    keys = MemoryElectionKeys()
    assert election_public_key(keys=keys, organisation_id="org") is None
    first = election_key(keys=keys, organisation_id="org", sealing_key=bytes(32))
    again = election_key(keys=keys, organisation_id="org", sealing_key=bytes(32))
    assert first == again
    assert election_public_key(keys=keys, organisation_id="org") == first.public_key_hex


# -- the audit export --------------------------------------------------------------------


def _chain(n: int) -> list[AuditEntry]:
    out: list[AuditEntry] = []
    for i in range(n):
        out.append(
            AuditEntry.after(
                out[-1] if out else None,
                officer=OfficerId("ro"),
                action="step",
                parameters={"i": i, "note": "é\n"},
                at=datetime(2024, 1, 1, tzinfo=UTC),
            )
        )
    return out


def test_the_audit_export_round_trips_and_its_chain_verifies() -> None:
    entries = _chain(5)
    data = b"".join(audit_lines(entries))
    assert data.count(b"\n") == 5
    read = read_audit_log(data)
    assert [e.hash for e in read] == [e.hash for e in entries]
    assert verify_chain(read) == entries[-1].hash


def test_a_non_canonical_audit_line_is_refused_by_number() -> None:
    lines = b"".join(audit_lines(_chain(3))).splitlines(keepends=True)
    lines[1] = lines[1].replace(b'"action":', b'"action" :')
    with pytest.raises(AuditLogFormatError) as err:
        read_audit_log(b"".join(lines))
    assert err.value.line == 2
