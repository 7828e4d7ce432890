"""Events, sign-ups and the reminders queued for them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the events, event_signups and event_reminders tables."""
    op.create_table(
        "events",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("capacity_adults", sa.Integer, nullable=False),
        sa.Column("capacity_children", sa.Integer, nullable=False),
        sa.Column("taken_adults", sa.Integer, nullable=False),
        sa.Column("taken_children", sa.Integer, nullable=False),
        sa.Column("next_position", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("listed", sa.Boolean, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("taken_adults >= 0 AND taken_children >= 0", name="ck_events_taken"),
    )
    op.create_table(
        "event_signups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.String(64), sa.ForeignKey("events.id"), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("chat_id", sa.String(255), nullable=False),
        sa.Column("adults", sa.Integer, nullable=False),
        sa.Column("children", sa.Integer, nullable=False),
        sa.Column("name", sa.String(100), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("event_id", "platform", "user_id", name="uq_signups_person"),
        sa.UniqueConstraint("event_id", "position", name="uq_signups_position"),
    )
    op.create_index("ix_signups_person", "event_signups", ["platform", "user_id"])
    op.create_index("ix_signups_event_status", "event_signups", ["event_id", "status", "position"])
    op.create_table(
        "event_reminders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("signup_id", sa.Integer, sa.ForeignKey("event_signups.id"), nullable=False),
        sa.Column("session_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes_before", sa.Integer, nullable=False),
        sa.Column("queued", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("signup_id", "session_start", "minutes_before", name="uq_reminders"),
    )


def downgrade() -> None:
    """Drop the event tables."""
    op.drop_table("event_reminders")
    op.drop_index("ix_signups_event_status", "event_signups")
    op.drop_index("ix_signups_person", "event_signups")
    op.drop_table("event_signups")
    op.drop_table("events")
