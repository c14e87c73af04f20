"""Election keys: one sealed Ed25519 key per organisation, the signer of its boards.

Before this revision ``tellers board`` and ``tellers serve`` made the table on first use
(``CREATE TABLE IF NOT EXISTS election_keys (organisation_id VARCHAR(200) PRIMARY KEY,
stored TEXT NOT NULL)``), outside Alembic. A database that already has it keeps it, and
its keys, as they are: the shape is the same, and a key cannot be made again (every
board it signed names it).

Revision ID: w002
Revises: w001
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "w002"
down_revision: str | None = "w001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (adopting a table made on first use by older versions)."""
    if sa.inspect(op.get_bind()).has_table("election_keys"):
        return
    op.create_table(
        "election_keys",
        sa.Column("organisation_id", sa.String(length=200), nullable=False),
        sa.Column("stored", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id"),
    )


def downgrade() -> None:
    """Revert this revision: the table stays.

    Dropping it would destroy the organisations' private keys, which cannot be made
    again; the code before this revision uses the table as it finds it.
    """
