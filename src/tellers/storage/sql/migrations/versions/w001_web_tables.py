"""Web tables: officers (argon2 hashes, lock-out), the mail outbox, ballot presentation.

Revision ID: w001
Revises: 0001
Create Date: 2026-11-29 08:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "w001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "web_officers",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "web_outbox",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("contest_id", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.String(length=40), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.String(length=40), nullable=True),
        sa.Column("server_reply", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("web_outbox_due", "web_outbox", ["status", "next_attempt_at"])
    op.create_index("web_outbox_contest", "web_outbox", ["contest_id"])
    op.create_table(
        "web_presentation",
        sa.Column("contest_id", sa.String(length=200), nullable=False),
        sa.Column("ballot_order", sa.String(length=40), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("contest_id"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("web_presentation")
    op.drop_index("web_outbox_contest", table_name="web_outbox")
    op.drop_index("web_outbox_due", table_name="web_outbox")
    op.drop_table("web_outbox")
    op.drop_table("web_officers")
