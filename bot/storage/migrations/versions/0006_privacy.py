"""Privacy: who talks in a conversation (for export and deletion) and preserved tickets.

Merges the events (0004) and tickets (0005) branches back into one head.

Revision ID: 0006
Revises: 0004, 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = ("0004", "0005")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add conversations.user_id (with an index) and tickets.preserve."""
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("user_id", sa.String(255), nullable=True))
    op.create_index("ix_conversations_user", "conversations", ["platform", "user_id"])
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(
            sa.Column("preserve", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    """Remove them again."""
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("preserve")
    op.drop_index("ix_conversations_user", "conversations")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("user_id")
