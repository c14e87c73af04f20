"""Tampering with a published board or audit log is caught, and named; a clean one verifies.

Two kinds of attacker: one who edits the published file (no key: the signature and the
part digests catch it, and the recount says what the edit did), and one who holds the
election key and re-signs an altered board (the signature then holds, so the recount,
the roll, the tracking codes and the audit log must catch it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tellers.crypto.hashing import canonical_json
from tellers.crypto.signing import new_election_key
from tellers.formats.board import BODY_FIELDS, write_board
from tellers.services.board import election_key, election_public_key
from tellers.services.verification import (
    BoardVerification,
    has_tracking_code,
    verify_audit_export,
    verify_board,
)

from .test_board_world import Election, run_election


@pytest.fixture(scope="module")
def election() -> Election:
    return run_election()


def _body(data: bytes) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(data.split(b"\n", 1)[0])
    return body


def _line1(data: bytes) -> bytes:
    return data.split(b"\n", 1)[0]


def _with_line1(data: bytes, line1: bytes) -> bytes:
    return line1 + b"\n" + data.split(b"\n", 1)[1]


def _edited(data: bytes, edit: Callable[[dict[str, Any]], None]) -> bytes:
    """The board with ``edit`` applied to its body, *not* re-signed (canonical form kept)."""
    body = _body(data)
    edit(body)
    return _with_line1(data, canonical_json(body))


def _resigned(election: Election, edit: Callable[[dict[str, Any]], None]) -> bytes:
    """The board with ``edit`` applied and re-signed with the organisation's own key."""
    body = _body(election.board.data)
    edit(body)
    del body["digests"], body["public_key"]
    key = election_key(keys=election.keys, organisation_id="branch")
    return write_board(body, key)


def _failed(report: BoardVerification) -> dict[str, str]:
    return {f.check: f.detail for f in report.discrepancies}


def test_a_clean_board_and_its_audit_log_verify(election: Election) -> None:
    public = election_public_key(keys=election.keys, organisation_id="branch")
    for board in (election.board, election.motion_board):
        report = verify_board(board.data, audit=election.audit, public_key=public)
        assert report.ok, report.discrepancies
    report = verify_board(election.board.data, audit=election.audit)
    assert report.winners == ("Bo",)
    assert report.rounds_compared == 3


def test_the_published_key_is_the_one_that_signed(election: Election) -> None:
    public = election_public_key(keys=election.keys, organisation_id="branch")
    assert public == election.board.public_key
    assert verify_board(election.board.data).public_key == public


# -- edits without the key ---------------------------------------------------------------


def _flip_first_preference(body: dict[str, Any]) -> None:
    lines = body["ballots"]["lines"]
    i = lines.index("0 0 0 1")  # Ada then Bo
    lines[i] = "0 0 1 0"  # Bo then Ada


def test_altering_one_ballot_breaks_the_signature_and_names_the_ballots(
    election: Election,
) -> None:
    report = verify_board(_edited(election.board.data, _flip_first_preference))
    failed = _failed(report)
    assert report.first_discrepancy is not None
    assert report.first_discrepancy.check == "signature"
    assert "ballots" in failed["digests"]
    assert (
        "first differing round: round 1, tally of Ada: published '9', recount '8'"
        in (failed["recount"])
    )


def test_dropping_one_ballot_is_named(election: Election) -> None:
    report = verify_board(_edited(election.board.data, lambda b: b["ballots"]["lines"].pop()))
    failed = _failed(report)
    assert "signature" in failed
    assert "ballots" in failed["digests"]
    assert "33 ballot lines but count says 34" in failed["ballots"]
    assert "34 tracking codes for 33 ballots" in failed["tracking codes"]


def test_adding_one_ballot_is_named(election: Election) -> None:
    report = verify_board(
        _edited(election.board.data, lambda b: b["ballots"]["lines"].append("0 0 2 1"))
    )
    failed = _failed(report)
    assert "ballots" in failed["digests"]
    assert "35 ballot lines" in failed["ballots"]
    assert "roll says 34 returned, 35 ballots" in failed["roll"]


def test_reordering_two_ballots_breaks_the_signature_though_the_count_stands(
    election: Election,
) -> None:
    def swap(body: dict[str, Any]) -> None:
        lines = body["ballots"]["lines"]
        j = next(i for i, line in enumerate(lines) if line != lines[0])
        lines[0], lines[j] = lines[j], lines[0]

    report = verify_board(_edited(election.board.data, swap))
    failed = _failed(report)
    assert set(failed) == {"signature", "digests"}
    assert failed["digests"].endswith("ballots")


@pytest.mark.parametrize("where", ["title", "tracking_code", "signature"])
def test_changing_a_single_byte_is_caught(election: Election, where: str) -> None:
    data = bytearray(election.board.data)
    if where == "title":
        i = data.index(b"Branch secretary")
        data[i] = ord("b")
        expected_part = "contest"
    elif where == "tracking_code":
        codes = _body(election.board.data)["tracking_codes"]
        i = data.index(codes[5].encode())
        data[i] = ord("0") if data[i] != ord("0") else ord("1")
        expected_part = "tracking_codes"
    else:
        i = data.rindex(b'"signature":"') + len(b'"signature":"')
        data[i] = ord("0") if data[i] != ord("0") else ord("1")
        expected_part = ""
    report = verify_board(bytes(data))
    failed = _failed(report)
    assert report.first_discrepancy is not None
    assert report.first_discrepancy.check == "signature"
    if expected_part:
        assert expected_part in failed["digests"]
    else:
        assert "digests" not in failed


def test_a_byte_that_breaks_the_json_is_a_form_error(election: Election) -> None:
    data = election.board.data.replace(b'"format":', b'"format" :', 1)
    report = verify_board(data)
    assert report.first_discrepancy is not None
    assert report.first_discrepancy.check == "form"
    assert "canonical" in report.first_discrepancy.detail


def test_changing_a_result_figure_is_named_by_round_and_candidate(election: Election) -> None:
    def edit(body: dict[str, Any]) -> None:
        body["result"]["count"]["rounds"][1]["tallies"]["Ada"] = "12"

    report = verify_board(_edited(election.board.data, edit))
    failed = _failed(report)
    assert "result" in failed["digests"]
    assert "round 2, tally of Ada: published '12', recount '9'" in failed["recount"]


# -- a publisher who holds the key and re-signs ------------------------------------------


def test_a_resigned_board_with_an_altered_ballot_fails_the_recount(election: Election) -> None:
    report = verify_board(_resigned(election, _flip_first_preference))
    failed = _failed(report)
    assert "signature" not in failed
    assert "digests" not in failed
    assert report.first_discrepancy is not None
    assert report.first_discrepancy.check == "recount"
    assert "round 1, tally of Ada: published '9', recount '8'" in failed["recount"]


def test_a_resigned_board_missing_a_ballot_fails_codes_roll_and_recount(
    election: Election,
) -> None:
    def drop(body: dict[str, Any]) -> None:
        body["ballots"]["lines"].pop()
        body["ballots"]["count"] -= 1

    failed = _failed(verify_board(_resigned(election, drop)))
    assert "34 tracking codes for 33 ballots" in failed["tracking codes"]
    assert "roll" in failed
    assert "returned" in failed["recount"] or "tally" in failed["recount"]


def test_a_resigned_board_with_a_false_result_fails_the_recount(election: Election) -> None:
    def edit(body: dict[str, Any]) -> None:
        body["result"]["winners"] = ["Ada"]

    failed = _failed(verify_board(_resigned(election, edit)))
    assert "winners: published ['Ada'], recount ['Bo']" in failed["recount"]
    assert "declaration" in failed


def test_a_consistent_forgery_is_caught_by_the_audit_log(election: Election) -> None:
    """Ballot and result changed together and re-signed: only the logged count hash differs."""

    def flip(body: dict[str, Any]) -> None:
        lines = body["ballots"]["lines"]
        lines[lines.index("0 0 2 1")] = "0 0 0 1"  # a Cy-Bo ballot becomes Ada-Bo

    def unpublish(body: dict[str, Any]) -> None:
        flip(body)
        body["result"] = None
        body["declaration"] = None
        body["phase"] = "voting closed"

    unpublished = _resigned(election, unpublish)
    recount = verify_board(unpublished).recount
    assert recount is not None

    def forge(body: dict[str, Any]) -> None:
        flip(body)
        body["result"] = recount
        body["declaration"] = None
        body["phase"] = "counted"

    forged = _resigned(election, forge)
    assert verify_board(forged).ok  # signed, self-consistent, recounts to its result...
    failed = _failed(verify_board(forged, audit=election.audit))
    assert set(failed) == {"audit v board"}  # ...but not the count the officers logged
    assert "has result SHA-256" in failed["audit v board"]
    assert (
        "a declaration is logged at entry 14 but the board publishes none"
        in (failed["audit v board"])
    )


def test_a_board_signed_by_another_key_fails_when_the_published_key_is_given(
    election: Election,
) -> None:
    body = _body(election.board.data)
    del body["digests"], body["public_key"]
    data = write_board(body, new_election_key())
    public = election_public_key(keys=election.keys, organisation_id="branch")
    assert verify_board(data).ok  # self-consistent, but...
    failed = _failed(verify_board(data, public_key=public))
    assert "not by the organisation's published key" in failed["signature"]


# -- the audit log -----------------------------------------------------------------------


def _audit_lines(election: Election) -> list[bytes]:
    return election.audit.splitlines(keepends=True)


def test_altering_one_audit_entry_is_named_by_its_sequence(election: Election) -> None:
    lines = _audit_lines(election)
    entry = json.loads(lines[5])
    entry["parameters"]["eligible"] = 41 if entry["parameters"].get("eligible") != 41 else 42
    lines[5] = canonical_json(entry) + b"\n"
    failed = _failed(verify_board(election.board.data, audit=b"".join(lines)))
    assert failed["audit chain"] == "audit entry 6: hash does not match the entry's contents"


def test_dropping_or_reordering_audit_entries_breaks_the_chain(election: Election) -> None:
    lines = _audit_lines(election)
    dropped = b"".join(lines[:3] + lines[4:])
    failed = _failed(verify_board(election.board.data, audit=dropped))
    assert failed["audit chain"] == "audit entry 5: expected sequence 4"
    swapped = b"".join([*lines[:3], lines[4], lines[3], *lines[5:]])
    failed = _failed(verify_board(election.board.data, audit=swapped))
    assert failed["audit chain"] == "audit entry 5: expected sequence 4"


def test_a_log_cut_before_the_boards_head_is_refused(election: Election) -> None:
    lines = _audit_lines(election)
    failed = _failed(verify_board(election.board.data, audit=b"".join(lines[:10])))
    assert "the log has no entry 16" in failed["audit head"]


def test_a_rewritten_log_does_not_reach_the_published_head(election: Election) -> None:
    """Rewriting an entry and re-chaining every later one gives a different head."""
    from tellers.crypto.hashing import chain_hash

    entries = [json.loads(line) for line in _audit_lines(election)]
    entries[2]["parameters"]["seed"] = 1
    previous = "0" * 64
    for e in entries:
        e["previous"] = previous
        body = {k: v for k, v in e.items() if k != "hash"}
        e["hash"] = chain_hash(**body)
        previous = e["hash"]
    rewritten = b"".join(canonical_json(e) + b"\n" for e in entries)
    assert verify_audit_export(rewritten) == previous
    failed = _failed(verify_board(election.board.data, audit=rewritten))
    assert "entry 16 has hash" in failed["audit head"]


# -- receipts ----------------------------------------------------------------------------


def test_a_voter_finds_their_tracking_code_typed_loosely(election: Election) -> None:
    code = election.receipts[7]
    assert has_tracking_code(election.board.data, code)
    assert has_tracking_code(election.board.data, code.lower().replace("-", " "))
    assert not has_tracking_code(election.board.data, "0000-0000-0000-0000")
    assert not has_tracking_code(election.motion_board.data, code)


def test_the_published_file_is_recognised_in_the_log(election: Election) -> None:
    report = verify_board(election.board.data, audit=election.audit)
    details = {f.check: f.detail for f in report.findings}
    assert "this file is the board published at entry 17" in details["audit v board"]


def test_a_resigned_change_the_count_cannot_see_is_caught_by_the_logged_board_hash(
    election: Election,
) -> None:
    """Bo is never eliminated, so a Bo voter's later preferences never count."""

    def reorder_lower_preferences(body: dict[str, Any]) -> None:
        lines = body["ballots"]["lines"]
        lines[lines.index("0 0 1 0 2")] = "0 0 1 2 0"  # Bo, Ada, Cy -> Bo, Cy, Ada

    forged = _resigned(election, reorder_lower_preferences)
    assert verify_board(forged).ok  # the count is unchanged...
    failed = _failed(verify_board(forged, audit=election.audit))
    assert set(failed) == {"audit v board"}  # ...but it is not the file that was published
    assert "the board published at entry 17 has SHA-256" in failed["audit v board"]


_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    field=st.sampled_from(sorted(set(BODY_FIELDS) - {"format", "digests", "public_key"})),
    value=_ANY_JSON,
)
def test_any_shape_of_any_part_gives_a_verdict_never_a_crash(
    election: Election, field: str, value: Any
) -> None:
    forged = _resigned(election, lambda body: body.__setitem__(field, value))
    report = verify_board(forged, audit=election.audit)
    assert report.findings
    if value != _body(election.board.data)[field] and field != "published_at":
        assert not report.ok  # (a board built again later has another time: that is fine)
