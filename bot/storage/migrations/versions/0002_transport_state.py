"""Active flag on users (a person who blocked the bot) and a key-value store for transports.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add users.active and the transport_state table."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()))
    op.create_table(
        "transport_state",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Remove them again."""
    op.drop_table("transport_state")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("active")
