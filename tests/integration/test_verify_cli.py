"""``tellers board``, ``tellers audit export`` and ``tellers verify`` end to end on SQLite.

The election of :mod:`tests.unit.test_board_world` is run through the services on a
real SQLite database; the boards and the audit log are exported with the CLI; then
``tellers verify`` (no database) must pass them, fail a tampered copy naming what
changed (exit code 1), and answer a voter's receipt.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tellers.bootstrap import initialise
from tellers.cli.main import app
from tellers.storage.memory import FixedClock
from tellers.storage.sql import SqlUnitOfWork
from tests.unit.test_board_world import run_lifecycle

runner = CliRunner()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    where = tmp_path_factory.mktemp("cli")
    url = f"sqlite:///{where / 'tellers.db'}"
    database = initialise(url)
    uow = SqlUnitOfWork(database)
    receipts = run_lifecycle(uow, FixedClock(datetime(2024, 6, 1, 9, 0, tzinfo=UTC)))
    uow.close()
    database.dispose()
    boards = where / "boards"
    audit = where / "audit.jsonl"
    done = runner.invoke(
        app,
        ["board", "--all", "--out", str(boards), "--audit-out", str(audit), "--database", url],
    )
    assert done.exit_code == 0, done.output
    full = where / "full.jsonl"
    exported = runner.invoke(app, ["audit", "export", "--out", str(full), "--database", url])
    assert exported.exit_code == 0, exported.output
    key = runner.invoke(app, ["public-key", "branch", "--database", url])
    return {
        "url": url,
        "boards": boards,
        "audit": audit,
        "full": full,
        "receipts": receipts,
        "key": key.output.strip(),
        "where": where,
    }


def test_tellers_board_writes_one_signed_file_per_closed_contest(
    published: dict[str, object],
) -> None:
    boards = published["boards"]
    assert isinstance(boards, Path)
    assert sorted(p.name for p in boards.iterdir()) == ["rule-7.board", "sec-2024.board"]
    assert len(str(published["key"])) == 64


def test_tellers_verify_passes_the_published_boards_and_log(published: dict[str, object]) -> None:
    done = runner.invoke(
        app,
        [
            "verify",
            str(published["boards"]),
            "--audit",
            str(published["audit"]),
            "--public-key",
            str(published["key"]),
        ],
    )
    assert done.exit_code == 0, done.output
    assert done.output.count("VERIFIED: every check holds") == 2
    assert "the log's head equals the board's head" in done.output
    assert "elected: Bo" in done.output


def test_a_later_full_export_still_verifies_up_to_the_boards_head(
    published: dict[str, object],
) -> None:
    board = Path(str(published["boards"])) / "sec-2024.board"
    done = runner.invoke(app, ["verify", str(board), "--audit", str(published["full"])])
    assert done.exit_code == 0, done.output
    assert "entries after it" in done.output


def test_tellers_verify_fails_a_tampered_board_naming_what_changed(
    published: dict[str, object], tmp_path: Path
) -> None:
    board = Path(str(published["boards"])) / "sec-2024.board"
    line1, rest = board.read_bytes().split(b"\n", 1)
    body = json.loads(line1)
    lines = body["ballots"]["lines"]
    i = lines.index("0 0 0 1")
    lines[i] = "0 0 1 0"
    from tellers.crypto.hashing import canonical_json

    forged = tmp_path / "forged.board"
    forged.write_bytes(canonical_json(body) + b"\n" + rest)
    done = runner.invoke(app, ["verify", str(forged), "--audit", str(published["audit"])])
    assert done.exit_code == 1
    assert "NOT VERIFIED: first discrepancy: signature" in done.output
    assert "changed since the digests were made: ballots" in done.output
    assert "round 1, tally of Ada: published '9', recount '8'" in done.output


def test_tellers_verify_fails_a_tampered_audit_log(
    published: dict[str, object], tmp_path: Path
) -> None:
    lines = Path(str(published["audit"])).read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b'"officer":"returning-officer"', b'"officer":"someone-else"')
    log = tmp_path / "audit.jsonl"
    log.write_bytes(b"".join(lines))
    board = Path(str(published["boards"])) / "sec-2024.board"
    done = runner.invoke(app, ["verify", str(board), "--audit", str(log)])
    assert done.exit_code == 1
    assert "audit chain: audit entry 4: hash does not match the entry's contents" in done.output


def test_a_voter_checks_a_receipt(published: dict[str, object]) -> None:
    receipts = published["receipts"]
    assert isinstance(receipts, list)
    found = runner.invoke(
        app, ["verify", str(published["boards"]), "--receipt", receipts[3].lower()]
    )
    assert found.exit_code == 0, found.output
    assert "RECEIPT FOUND" in found.output
    assert "sec-2024.board" in found.output
    missing = runner.invoke(
        app, ["verify", str(published["boards"]), "--receipt", "ZZZZ-ZZZZ-ZZZZ-ZZZZ"]
    )
    assert missing.exit_code == 1
    assert "RECEIPT NOT FOUND" in missing.output


def test_an_unreadable_board_is_a_users_mistake(tmp_path: Path) -> None:
    bad = tmp_path / "x.board"
    bad.write_bytes(b"not a board\n")
    done = runner.invoke(app, ["verify", str(bad)])
    assert done.exit_code == 1
    assert "NOT VERIFIED: first discrepancy: form" in done.output


def test_the_demo_elections_declared_contest_verifies(tmp_path: Path) -> None:
    """The demonstration election (``tellers serve --demo``): its declared STV contest.

    ``tellers demo`` itself is not written yet; this uses the same demo election as the
    web pages (:mod:`tellers.web.demo`), published with the web context's election keys.
    """
    from tellers.domain.ids import OfficerId
    from tellers.domain.officer import LockoutPolicy
    from tellers.services.board import election_public_key, export_audit_log, publish_board
    from tellers.storage.memory import MemoryStore
    from tellers.web.app import memory_context
    from tellers.web.demo import seed_demo
    from tellers.web.deps import WebSettings

    clock = FixedClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    ctx = memory_context(
        settings=WebSettings(
            secret_key="test-secret-" + "k" * 40,
            secure_cookies=False,
            base_url="http://testserver",
            lockout=LockoutPolicy(attempts=3),
        ),
        clock=clock,
        store=MemoryStore(),
    )
    demo = seed_demo(ctx)
    with ctx.uow() as uow:
        board = publish_board(
            uow=uow,
            clock=clock,
            officer=OfficerId("returning-officer"),
            keys=ctx.keys,
            contest_id="nec-2026",
        )
        audit = b"".join(export_audit_log(uow=uow))
    (tmp_path / "nec-2026.board").write_bytes(board.data)
    (tmp_path / "audit.jsonl").write_bytes(audit)
    key = election_public_key(keys=ctx.keys, organisation_id=demo.organisation_id)
    done = runner.invoke(
        app,
        [
            "verify",
            str(tmp_path / "nec-2026.board"),
            "--audit",
            str(tmp_path / "audit.jsonl"),
            "--public-key",
            str(key),
        ],
    )
    assert done.exit_code == 0, done.output
    assert "VERIFIED: every check holds" in done.output
    assert "recount of 40 ballots equals the published result" in done.output
