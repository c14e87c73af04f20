"""SQL adapter of the election keys that sign the bulletin boards.

``election_keys`` holds one row per organisation: its Ed25519 key in the stored form of
:mod:`tellers.crypto.signing` (sealed under the sealing key, or marked unsealed). The
table is made by the migration ``w002_election_keys``; before it, ``tellers board``
made it on first use with ``CREATE TABLE IF NOT EXISTS`` outside Alembic, and that
migration adopts such a table (and its keys) as it finds it.

Each method is one short transaction on the shared :class:`Database`, apart from the
lifecycle's unit of work (see :class:`tellers.services.board.ElectionKeyStore`).
"""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, Text, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from tellers.domain.errors import AlreadyExists
from tellers.domain.ids import OrganisationId
from tellers.errors import ConfigError
from tellers.storage.sql.engine import Database

__all__ = ["SqlElectionKeys", "board_metadata", "election_keys_table"]

board_metadata = MetaData()

election_keys_table = Table(
    "election_keys",
    board_metadata,
    Column("organisation_id", String(200), primary_key=True),
    Column("stored", Text, nullable=False),
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
