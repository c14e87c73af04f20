"""Published boards: each board file kept byte for byte, as its publication was logged.

The public download serves this file (when the audit log's ``publish_board`` entry at
``audit_sequence`` names its SHA-256), not a board built again on request.

Revision ID: w003
Revises: w002
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "w003"
down_revision: str | None = "w002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "published_boards",
        sa.Column("contest_id", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("audit_sequence", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.String(length=40), nullable=False),
        sa.Column("ballots", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("contest_id", "sha256"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("published_boards")
