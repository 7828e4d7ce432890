"""The topics people chose from those offered under the honest no.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create related_picks."""
    op.create_table(
        "related_picks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("normalised", sa.String(500), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("entry_id", sa.String(100), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("normalised", "language", "entry_id"),
    )


def downgrade() -> None:
    """Drop it again."""
    op.drop_table("related_picks")
