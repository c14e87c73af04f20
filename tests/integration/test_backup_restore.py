"""Backing up a running election and restoring it (``scripts/backup``, docs/backup.md).

On each backend: voters keep casting while the backup is taken; the backup restores into
an empty database; in the restored copy every stored ballot has its roll entry marked
and its credential used (nothing half-written), the audit chain verifies, and after the
close the published board passes ``tellers verify`` (signature, recount, audit log).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from tellers.cli.main import app
from tellers.cli.verify import SqlElectionKeys
from tellers.domain.ids import ContestId
from tellers.services import audit, board, contests, voting
from tellers.storage.sql import Database, SqlUnitOfWork, connect
from tests.conftest import REPO
from tests.integration.conftest import POSTGRES_ENV
from tests.integration.test_concurrency import CLOCK, RO, election

BACKUP = REPO / "scripts" / "backup"
VOTERS = 120


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BACKUP), *args], capture_output=True, text=True, check=False
    )


def _cast(database: Database, codes: list[str]) -> list[str]:
    uow = SqlUnitOfWork(database)
    try:
        return [
            voting.cast_ballot(uow=uow, contest_id="m", credential=c, ranking=["yes"]).tracking_code
            for c in codes
        ]
    finally:
        uow.close()


def _backup_while_casting(database: Database, url: str, out: Path, *extra: str) -> None:
    codes = election(database, VOTERS)
    _cast(database, codes[:40])
    receipts: list[str] = []
    caster = threading.Thread(target=lambda: receipts.extend(_cast(database, codes[40:])))
    caster.start()
    done = _run("backup", url, str(out), *extra)
    caster.join()
    assert done.returncode == 0, done.stderr
    assert len(receipts) == VOTERS - 40


def store_figures(database: Database, contest_id: str) -> tuple[int, int, int]:
    """Ballots stored, roll entries marked voted, credentials used: one snapshot."""
    with database.engine.connect() as conn:
        (row,) = conn.execute(
            text(
                "SELECT (SELECT COUNT(*) FROM ballots WHERE contest_id = :c), "
                "(SELECT COUNT(*) FROM roll WHERE contest_id = :c AND voted), "
                "(SELECT COUNT(*) FROM credentials WHERE contest_id = :c AND status = 'used')"
            ),
            {"c": contest_id},
        )
    return int(row[0]), int(row[1]), int(row[2])


def _check_restored(restored: Database, where: Path) -> None:
    uow = SqlUnitOfWork(restored)
    try:
        cid = ContestId("m")
        stored, voted, used = store_figures(restored, cid)
        assert 40 <= stored <= VOTERS
        assert stored == voted == used, (stored, voted, used)
        audit.verify_audit_log(uow=uow)
        contests.close_voting(uow=uow, clock=CLOCK, officer=RO, contest_id="m")
        published = board.publish_board(
            uow=uow, clock=CLOCK, officer=RO, keys=SqlElectionKeys(restored), contest_id="m"
        )
        head = max(
            int(line.split(b'"sequence":')[1].split(b",")[0])
            for line in board.export_audit_log(uow=uow)
        )
        log = b"".join(board.export_audit_log(uow=uow, up_to=head - 1))
    finally:
        uow.close()
    (where / "m.board").write_bytes(published.data)
    (where / "audit.jsonl").write_bytes(log)
    result = CliRunner().invoke(
        app, ["verify", str(where / "m.board"), "--audit", str(where / "audit.jsonl")]
    )
    assert result.exit_code == 0, result.output
    assert "VERIFIED" in result.output


def test_a_sqlite_election_backed_up_while_casting_restores_and_verifies(tmp_path: Path) -> None:
    from tellers.storage.sql import migrate

    url = f"sqlite:///{tmp_path / 'tellers.db'}"
    database = connect(url)
    migrate(database)
    _backup_while_casting(database, url, tmp_path / "backup.db")
    database.dispose()
    (tmp_path / "tellers.db").rename(tmp_path / "lost.db")  # the disaster
    restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
    done = _run("restore", str(tmp_path / "backup.db"), restored_url)
    assert done.returncode == 0, done.stderr
    assert _run("restore", str(tmp_path / "backup.db"), restored_url).returncode == 1
    restored = connect(restored_url)
    try:
        _check_restored(restored, tmp_path)
    finally:
        restored.dispose()


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    return url


def test_a_postgresql_election_backed_up_while_casting_restores_and_verifies(
    postgres_url: str, tmp_path: Path
) -> None:
    from tellers.storage.sql import migrate

    schema = f"b_{secrets.token_hex(6)}"
    target_db = f"restore_{secrets.token_hex(6)}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        conn.execute(text(f'CREATE DATABASE "{target_db}"'))
    base, _, _ = postgres_url.rpartition("/")
    restored_url = f"{base}/{target_db}"
    database = connect(postgres_url, schema=schema)
    restored: Database | None = None
    try:
        migrate(database)
        out = tmp_path / "backup.dump"
        _backup_while_casting(database, postgres_url, out, "--schema", schema)
        database.dispose()
        done = _run("restore", str(out), restored_url)
        assert done.returncode == 0, done.stderr
        restored = connect(restored_url, schema=schema)
        _check_restored(restored, tmp_path)
    finally:
        database.dispose()
        if restored is not None:
            restored.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target_db}" WITH (FORCE)'))
        admin.dispose()


def test_a_postgresql_dump_does_not_carry_the_live_link_between_roll_and_ballots(
    postgres_url: str, tmp_path: Path
) -> None:
    """On the live server a cast's ballot and roll rows share a transaction id (xmin): a
    known gap (docs/security.md). A logical dump restored elsewhere must not keep it."""
    from tellers.storage.sql import migrate

    schema = f"x_{secrets.token_hex(6)}"
    target_db = f"restore_{secrets.token_hex(6)}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        conn.execute(text(f'CREATE DATABASE "{target_db}"'))
    database = connect(postgres_url, schema=schema)
    restored: Database | None = None
    link = text("SELECT COUNT(*) FROM ballots b JOIN roll r ON b.xmin = r.xmin WHERE r.voted")
    try:
        migrate(database)
        _cast(database, election(database, 6)[:4])
        with database.engine.connect() as conn:
            live = conn.execute(link).scalar_one()
        assert live == 4  # the gap on the live server, as documented
        out = tmp_path / "backup.dump"
        assert _run("backup", postgres_url, str(out), "--schema", schema).returncode == 0
        restored_url = f"{postgres_url.rpartition('/')[0]}/{target_db}"
        assert _run("restore", str(out), restored_url).returncode == 0
        restored = connect(restored_url, schema=schema)
        with restored.engine.connect() as conn:
            distinct = conn.execute(
                text("SELECT COUNT(DISTINCT xmin::text) FROM ballots")
            ).scalar_one()
        # restored rows were all written by the restore: no per-cast transaction survives
        assert distinct == 1
    finally:
        database.dispose()
        if restored is not None:
            restored.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target_db}" WITH (FORCE)'))
        admin.dispose()
