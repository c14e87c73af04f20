"""SQL adapters of the bulletin boards: the election keys that sign them, and the
published board files.

``election_keys`` holds one row per organisation: its Ed25519 key in the stored form of
:mod:`tellers.crypto.signing` (sealed under the sealing key, or marked unsealed). The
table is made by the migration ``w002_election_keys``; before it, ``tellers board``
made it on first use with ``CREATE TABLE IF NOT EXISTS`` outside Alembic, and that
migration adopts such a table (and its keys) as it finds it.

``published_boards`` (migration ``w003_published_boards``) keeps each published board
file byte for byte, with its SHA-256 and the sequence of the audit entry meant to log
its publication; :func:`tellers.services.board.published_board` serves a file only if
the log holds that entry with that hash.

Each method is one short transaction on the shared :class:`Database`, apart from the
lifecycle's unit of work (see :class:`tellers.services.board.ElectionKeyStore` and
:class:`~tellers.services.board.BoardStore`).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    inspect,
    select,
)
from sqlalchemy.exc import IntegrityError

from tellers.domain.errors import AlreadyExists
from tellers.domain.ids import ContestId, OrganisationId
from tellers.domain.publication import StoredBoard
from tellers.errors import ConfigError
from tellers.storage.sql.engine import Database

__all__ = [
    "SqlBoards",
    "SqlElectionKeys",
    "board_metadata",
    "election_keys_table",
    "published_boards_table",
]

board_metadata = MetaData()

election_keys_table = Table(
    "election_keys",
    board_metadata,
    Column("organisation_id", String(200), primary_key=True),
    Column("stored", Text, nullable=False),
)

published_boards_table = Table(
    "published_boards",
    board_metadata,
    Column("contest_id", String(200), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("audit_sequence", Integer, nullable=False),
    Column("published_at", String(40), nullable=False),
    Column("ballots", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)


def _require_table(database: Database, name: str) -> None:
    """Raise a clear error for a database whose schema predates ``name``.

    Raises:
        ConfigError: the table is missing (the schema needs ``tellers init``).
    """
    with database.engine.connect() as conn:
        present = inspect(conn).has_table(name)
    if not present:
        msg = (
            f"the database at {database.url} has no {name} table: its schema is older than "
            "this tellers; run `tellers init` to upgrade it"
        )
        raise ConfigError(msg)


class SqlElectionKeys:
    """The organisations' election keys in ``election_keys``.

    Args:
        database: a database migrated to at least ``w002``.

    Raises:
        ConfigError: the schema predates the table (run ``tellers init``).
    """

    def __init__(self, database: Database) -> None:
        _require_table(database, election_keys_table.name)
        self._db = database

    def find(self, organisation_id: OrganisationId) -> str | None:
        """The stored key of the organisation, if any."""
        t = election_keys_table
        with self._db.engine.connect() as conn:
            found = conn.execute(
                select(t.c.stored).where(t.c.organisation_id == organisation_id)
            ).scalar_one_or_none()
        return None if found is None else str(found)

    def add(self, organisation_id: OrganisationId, stored: str) -> None:
        """Store the organisation's key; the primary key refuses a second one.

        Raises:
            AlreadyExists: the organisation has a key (another officer made it first).
        """
        try:
            with self._db.engine.begin() as conn:
                conn.execute(
                    insert(election_keys_table).values(
                        organisation_id=organisation_id, stored=stored
                    )
                )
        except IntegrityError as err:
            msg = f"organisation {organisation_id} already has an election key"
            raise AlreadyExists(msg) from err


class SqlBoards:
    """Published board files in ``published_boards``.

    Args:
        database: a database migrated to at least ``w003``.

    Raises:
        ConfigError: the schema predates the table (run ``tellers init``).
    """

    def __init__(self, database: Database) -> None:
        _require_table(database, published_boards_table.name)
        self._db = database

    def add(self, board: StoredBoard) -> None:
        """Keep a board file; the same file (same contest and hash) twice is kept once."""
        t = published_boards_table
        try:
            with self._db.engine.begin() as conn:
                conn.execute(
                    insert(t).values(
                        contest_id=board.contest_id,
                        sha256=board.sha256,
                        audit_sequence=board.audit_sequence,
                        published_at=board.published_at,
                        ballots=board.ballots,
                        data=board.data,
                    )
                )
        except IntegrityError:
            return  # the very same bytes are already kept (the hash is in the key)

    def discard(self, contest_id: ContestId, sha256: str) -> None:
        """Forget a file whose publication was not logged."""
        t = published_boards_table
        with self._db.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.contest_id == contest_id, t.c.sha256 == sha256))

    def for_contest(self, contest_id: ContestId) -> tuple[StoredBoard, ...]:
        """The contest's files without their bytes, newest first."""
        t = published_boards_table
        with self._db.engine.connect() as conn:
            rows = conn.execute(
                select(
                    t.c.contest_id, t.c.sha256, t.c.audit_sequence, t.c.published_at, t.c.ballots
                )
                .where(t.c.contest_id == contest_id)
                .order_by(t.c.audit_sequence.desc(), t.c.sha256)
            ).all()
        return tuple(
            StoredBoard(
                contest_id=ContestId(r.contest_id),
                sha256=r.sha256,
                audit_sequence=int(r.audit_sequence),
                published_at=r.published_at,
                ballots=int(r.ballots),
            )
            for r in rows
        )

    def get(self, contest_id: ContestId, sha256: str) -> StoredBoard | None:
        """One file with its bytes."""
        t = published_boards_table
        with self._db.engine.connect() as conn:
            r = conn.execute(
                select(t).where(t.c.contest_id == contest_id, t.c.sha256 == sha256)
            ).first()
        if r is None:
            return None
        return StoredBoard(
            contest_id=ContestId(r.contest_id),
            sha256=r.sha256,
            audit_sequence=int(r.audit_sequence),
            published_at=r.published_at,
            ballots=int(r.ballots),
            data=bytes(r.data),
        )
