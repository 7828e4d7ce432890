"""Handoff tickets and their messages.

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tickets and ticket_messages tables."""
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("claimed_by", sa.String(255)),
        sa.Column("claimed_by_name", sa.String(100)),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_response", sa.DateTime(timezone=True)),
        sa.Column("closed", sa.DateTime(timezone=True)),
        sa.Column("rating", sa.Integer),
        sa.Column("reminded", sa.Boolean, nullable=False),
    )
    op.create_index("ix_tickets_chat", "tickets", ["platform", "chat_id", "status"])
    op.create_table(
        "ticket_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ticket_messages_ticket_id", "ticket_messages", ["ticket_id"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_ticket_messages_ticket_id", "ticket_messages")
    op.drop_table("ticket_messages")
    op.drop_index("ix_tickets_chat", "tickets")
    op.drop_table("tickets")
