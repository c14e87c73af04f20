"""The bulletin-board download is the file stored when it was published, byte for byte:
its SHA-256 is the one the audit log's ``publish_board`` entry holds, on every download,
on the in-memory store and on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from tellers.cli.main import app
from tellers.domain.errors import StaleWrite
from tellers.domain.ids import ContestId, OfficerId
from tellers.domain.publication import StoredBoard
from tellers.services import contests
from tellers.services.audit import record
from tellers.services.board import MemoryBoards, publish_board
from tellers.services.verification import verify_board
from tellers.storage.memory import MemoryUnitOfWork
from tellers.storage.sql import connect
from tests.web.conftest import Site, SqlSite, TestClient, officer_login, page

NEC = "nec-2026"
RO = ("returning-officer", "demo-returning-officer")


def _publish(client: TestClient) -> None:
    token = officer_login(client, *RO)
    r = client.post(
        f"/officer/contests/{NEC}/action/publish-board",
        data={"csrf": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    client.post("/officer/logout", data={"csrf": token})


def _logged(client: TestClient) -> list[dict[str, Any]]:
    """The ``publish_board`` entries of the contest in the public audit log."""
    lines = client.get("/audit/log.jsonl").content.splitlines()
    entries = [json.loads(line) for line in lines]
    return [
        e for e in entries if e["action"] == "publish_board" and e["parameters"]["contest"] == NEC
    ]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_download_hashes_to_the_logged_hash_every_time(client) -> None:  # type: ignore[no-untyped-def]
    downloads = [client.get(f"/contests/{NEC}/board.json") for _ in range(3)]
    assert all(d.status_code == 200 for d in downloads)
    assert len({d.content for d in downloads}) == 1  # not built again on each request
    (logged,) = _logged(client)  # the demo published it once
    assert _sha256(downloads[0].content) == logged["parameters"]["board_sha256"]
    assert downloads[0].headers["x-tellers-board-sha256"] == logged["parameters"]["board_sha256"]
    assert downloads[0].headers["x-tellers-audit-sequence"] == str(logged["sequence"])
    report = verify_board(downloads[0].content, audit=client.get("/audit/log.jsonl").content)
    assert report.ok, report.first_discrepancy
    audit_check = next(f for f in report.findings if f.check == "audit v board")
    assert f"this file is the board published at entry {logged['sequence']}" in audit_check.detail


def test_a_new_publication_replaces_the_download_and_the_pages_name_its_entry(client) -> None:  # type: ignore[no-untyped-def]
    first = client.get(f"/contests/{NEC}/board.json").content
    _publish(client)
    second = client.get(f"/contests/{NEC}/board.json").content
    assert second != first  # a fresh random order, a later head
    newest = _logged(client)[-1]
    assert _sha256(second) == newest["parameters"]["board_sha256"]
    for url in (f"/contests/{NEC}/results", f"/contests/{NEC}/check"):
        shown = page(client.get(url)).find("p", class_="board-publication")
        assert shown.find("code", class_="board-sha256").text() == _sha256(second), url
        assert shown.find("strong", class_="audit-sequence").text() == str(newest["sequence"])


def test_a_stored_file_whose_publication_was_never_logged_is_not_served(site: Site, client) -> None:  # type: ignore[no-untyped-def]
    served = client.get(f"/contests/{NEC}/board.json").content
    (logged,) = _logged(client)
    forged = b'{"not": "a published board"}\n'
    site.ctx.boards.add(
        StoredBoard(
            contest_id=ContestId(NEC),
            sha256=_sha256(forged),
            audit_sequence=logged["sequence"] + 1,
            published_at="2026-06-01T12:00:00Z",
            ballots=0,
            data=forged,
        )
    )
    assert client.get(f"/contests/{NEC}/board.json").content == served


class _Interrupting(MemoryBoards):
    """Stores boards; the first time, another officer's action is logged right after
    the file is stored (between building the board and logging its publication)."""

    def __init__(self, site: Site) -> None:
        super().__init__()
        self.site = site
        self.interrupted = 0

    def add(self, board: StoredBoard) -> None:
        super().add(board)
        if self.interrupted == 0:
            self.interrupted += 1
            uow = MemoryUnitOfWork(self.site.store)
            with uow:
                record(
                    uow,
                    clock=self.site.clock,
                    officer=OfficerId("returning-officer"),
                    action="note",
                    parameters={"contest": "elsewhere"},
                )
                uow.commit()


def test_a_board_overtaken_by_the_log_is_built_again_and_the_stale_file_dropped(
    site: Site,
) -> None:
    boards = _Interrupting(site)
    board = publish_board(
        uow=MemoryUnitOfWork(site.store),
        clock=site.clock,
        officer=OfficerId("returning-officer"),
        keys=site.ctx.keys,
        contest_id=NEC,
        boards=boards,
    )
    assert boards.interrupted == 1
    stored = boards.for_contest(ContestId(NEC))
    assert [(b.sha256, b.audit_sequence) for b in stored] == [(board.sha256, board.audit_sequence)]
    uow = MemoryUnitOfWork(site.store)
    with uow:
        head = uow.audit.head()
    assert head is not None
    assert head.sequence == board.audit_sequence
    assert head.parameters["board_sha256"] == board.sha256
    assert json.loads(board.data.split(b"\n", 1)[0])["audit"]["head_sequence"] == (
        board.audit_sequence - 1
    )


def test_publishing_gives_up_when_the_log_keeps_moving(site: Site) -> None:
    class _Always(_Interrupting):
        def add(self, board: StoredBoard) -> None:
            self.interrupted = 0
            super().add(board)

    boards = _Always(site)
    with pytest.raises(StaleWrite):
        publish_board(
            uow=MemoryUnitOfWork(site.store),
            clock=site.clock,
            officer=OfficerId("returning-officer"),
            keys=site.ctx.keys,
            contest_id=NEC,
            boards=boards,
        )
    assert boards.for_contest(ContestId(NEC)) == ()


def test_the_download_on_a_sql_store_is_the_logged_file(sql_site: SqlSite) -> None:
    with sql_site.client() as client:
        _publish(client)
        body = client.get(f"/contests/{NEC}/board.json").content
        again = client.get(f"/contests/{NEC}/board.json").content
        logged = _logged(client)
        assert len(logged) == 2  # the demo's publication and ours
        assert body == again
        assert _sha256(body) == logged[-1]["parameters"]["board_sha256"]
        report = verify_board(body, audit=client.get("/audit/log.jsonl").content)
        assert report.ok, report.first_discrepancy


def test_a_stored_file_altered_in_the_database_is_refused(sql_site: SqlSite) -> None:
    db = connect(sql_site.url, schema=sql_site.schema)
    try:
        with db.engine.begin() as conn:
            conn.execute(
                text("UPDATE published_boards SET data = :d WHERE contest_id = :c"),
                {"d": b'{"altered": true}\n', "c": NEC},
            )
    finally:
        db.dispose()
    with sql_site.client() as client:
        r = client.get(f"/contests/{NEC}/board.json")
        assert r.status_code == 500
        assert page(r).find("code").text() == "stored-board-mismatch"


def test_a_board_published_with_the_cli_is_the_one_the_web_serves(
    sql_site: SqlSite, tmp_path: Path
) -> None:
    with sql_site.ctx.uow() as uow:
        contests.close_voting(
            uow=uow, clock=sql_site.ctx.clock, officer=OfficerId(RO[0]), contest_id="leader-2026"
        )
    url = sql_site.url
    if sql_site.schema is not None:  # the CLI takes a URL: put the schema on libpq's path
        url += f"?options=-csearch_path%3D{sql_site.schema}"
    out = tmp_path / "leader.board"
    result = CliRunner().invoke(
        app,
        ["board", "leader-2026", "--out", str(out), "--database", url],
        env={"TELLERS_OFFICER": RO[0]},
    )
    assert result.exit_code == 0, result.output
    with sql_site.client() as client:
        served = client.get("/contests/leader-2026/board.json").content
    assert served == out.read_bytes()
