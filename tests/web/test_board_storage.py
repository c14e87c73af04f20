"""The SQL stores of the election keys and of the published boards they sign, on SQLite
and PostgreSQL: the tables come from Alembic migrations (as do the web tables, import
jobs included), and databases from before those migrations keep working (their keys
included)."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from tellers.crypto.signing import new_election_key, seal_election_key
from tellers.domain.errors import AlreadyExists
from tellers.domain.ids import ContestId, OrganisationId
from tellers.domain.publication import StoredBoard
from tellers.errors import ConfigError
from tellers.services.board import election_key, election_public_key
from tellers.storage.sql import Database, connect, migrate
from tellers.storage.sql.board import SqlBoards, SqlElectionKeys, board_metadata
from tellers.storage.sql.engine import alembic_config, schema_revision
from tellers.storage.sql.web import web_metadata
from tests.web.conftest import scratch_database

BACKENDS = ["sqlite", "postgresql"]
ORG = OrganisationId("org")

OLD_CREATE = (
    "CREATE TABLE IF NOT EXISTS election_keys ("
    "organisation_id VARCHAR(200) PRIMARY KEY, stored TEXT NOT NULL)"
)
"""What ``tellers board`` ran on first use before the migration ``w002`` existed."""


@pytest.fixture(params=BACKENDS)
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    with scratch_database(request.param, tmp_path) as (url, schema):
        db = connect(url, schema=schema)
        try:
            yield db  # type: ignore[misc]
        finally:
            db.dispose()


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_the_migrations_make_the_board_tables_as_declared(empty: Database) -> None:
    migrate(empty)
    assert schema_revision(empty) == _head()
    for declared in (board_metadata, web_metadata):
        with empty.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), declared)
        ours = [d for d in diff if d[0] != "remove_table" and d[0] != "remove_index"]
        assert ours == []
    keys = SqlElectionKeys(empty)
    made = election_key(keys=keys, organisation_id=ORG)
    assert election_public_key(keys=keys, organisation_id=ORG) == made.public_key_hex
    with pytest.raises(AlreadyExists):
        keys.add(ORG, seal_election_key(new_election_key(), None))
    assert election_key(keys=keys, organisation_id=ORG) == made


def test_a_database_whose_key_table_was_made_on_first_use_keeps_its_key(
    empty: Database,
) -> None:
    migrate(empty, "w001")
    old_key = new_election_key()
    with empty.engine.begin() as conn:
        conn.execute(text(OLD_CREATE))
        conn.execute(
            text("INSERT INTO election_keys (organisation_id, stored) VALUES (:o, :s)"),
            {"o": ORG, "s": seal_election_key(old_key, b"s" * 32)},
        )
    migrate(empty)
    assert schema_revision(empty) == _head()
    keys = SqlElectionKeys(empty)
    assert election_key(keys=keys, organisation_id=ORG, sealing_key=b"s" * 32) == old_key


def test_a_database_from_before_the_key_table_is_told_to_upgrade_then_works(
    empty: Database,
) -> None:
    migrate(empty, "w001")
    with pytest.raises(ConfigError, match="tellers init"):
        SqlElectionKeys(empty)
    migrate(empty)
    with empty.engine.connect() as conn:
        assert inspect(conn).has_table("election_keys")
    keys = SqlElectionKeys(empty)
    assert election_key(keys=keys, organisation_id=ORG).public_key_hex == election_public_key(
        keys=keys, organisation_id=ORG
    )


def test_board_files_round_trip_newest_first_and_the_same_file_is_kept_once(
    empty: Database,
) -> None:
    migrate(empty)
    boards = SqlBoards(empty)
    cid = ContestId("c")

    def board(n: int, data: bytes) -> StoredBoard:
        return StoredBoard(
            contest_id=cid,
            sha256=hashlib.sha256(data).hexdigest(),
            audit_sequence=n,
            published_at=f"2026-06-0{n}T12:00:00Z",
            ballots=n,
            data=data,
        )

    older, newer = board(3, b"\x00older\xff"), board(7, b"newer\n" * 1000)
    for b in (older, newer, older):
        boards.add(b)
    listed = boards.for_contest(cid)
    assert [b.audit_sequence for b in listed] == [7, 3]
    assert all(b.data == b"" for b in listed)
    assert boards.get(cid, newer.sha256) == newer
    assert boards.get(cid, older.sha256) == older
    boards.discard(cid, newer.sha256)
    assert boards.for_contest(ContestId("c")) == (dataclasses.replace(older, data=b""),)
    assert boards.for_contest(ContestId("other")) == ()
