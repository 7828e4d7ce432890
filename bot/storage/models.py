"""Database tables. Rows never leave `bot.storage`: the repository returns core values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every Sild table."""


class User(Base):
    """A person: their platform identity, language and country."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_user_id: Mapped[str] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class ConversationState(Base):
    """Where one chat stands in its flows."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("platform", "chat_id"),
        Index("ix_conversations_user", "platform", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255))
    """The person who talks in the chat (None in facilitator places), for export and deletion."""
    state: Mapped[str] = mapped_column(String(120), default="new")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UnansweredQuestion(Base):
    """A question nobody could answer, counted; deliberately without any link to a person."""

    __tablename__ = "unanswered_questions"
    __table_args__ = (UniqueConstraint("normalised", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    normalised: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(8))
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RelatedPick(Base):
    """A topic someone chose from those offered under the honest no, counted per unanswered
    question (in its stored form): a hint for the editors, with no link to a person."""

    __tablename__ = "related_picks"
    __table_args__ = (UniqueConstraint("normalised", "language", "entry_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    normalised: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(8))
    entry_id: Mapped[str] = mapped_column(String(100))
    count: Mapped[int] = mapped_column(Integer, default=1)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AnswerFeedback(Base):
    """One Helpful / Not helpful vote on an answer, without any link to who voted."""

    __tablename__ = "answer_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(8))
    helpful: Mapped[bool] = mapped_column(Boolean)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TransportState(Base):
    """Small values a transport must keep across restarts (a Matrix sync token, a device id)."""

    __tablename__ = "transport_state"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutboxMessage(Base):
    """A message Sild sends on its own initiative, kept until it is delivered or given up on.

    `dedupe_key` makes enqueueing idempotent (a reminder is queued once, however often the
    scheduler runs); `status` is `pending`, `sent` or `failed`.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[list[list[str]]]] = mapped_column(JSON, default=list)
    thread: Mapped[str | None] = mapped_column(String(64))
    thread_title: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(String(500))


class TicketRow(Base):
    """A handoff ticket. `status` is waiting, claimed or closed."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_chat", "platform", "chat_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_by: Mapped[str | None] = mapped_column(String(255))
    claimed_by_name: Mapped[str | None] = mapped_column(String(100))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    first_response: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rating: Mapped[int | None] = mapped_column(Integer)
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    preserve: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """A facilitator keeps this ticket (a safeguarding case): no automatic purge."""


class TicketMessage(Base):
    """One message of a ticket: `in` from the person, `out` from a facilitator."""

    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    author: Mapped[str] = mapped_column(String(255))
    direction: Mapped[str] = mapped_column(String(3))
    text: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EventRow(Base):
    """An event: its definition (from content, by stable id) and its sign-up counters.

    `taken_adults` and `taken_children` only change through one conditional UPDATE each, so they
    never pass the capacity; `next_position` numbers sign-ups in the order they arrived.
    """

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("taken_adults >= 0 AND taken_children >= 0", name="ck_events_taken"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    capacity_adults: Mapped[int] = mapped_column(Integer)
    capacity_children: Mapped[int] = mapped_column(Integer, default=0)
    taken_adults: Mapped[int] = mapped_column(Integer, default=0)
    taken_children: Mapped[int] = mapped_column(Integer, default=0)
    next_position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="active")
    listed: Mapped[bool] = mapped_column(Boolean, default=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SignUpRow(Base):
    """One person's sign-up for one event: confirmed, waitlisted or cancelled.

    Unique per event and person (nobody is signed up twice) and per event and position (the
    order of arrival, which is also the waitlist order).
    """

    __tablename__ = "event_signups"
    __table_args__ = (
        UniqueConstraint("event_id", "platform", "user_id", name="uq_signups_person"),
        UniqueConstraint("event_id", "position", name="uq_signups_position"),
        Index("ix_signups_person", "platform", "user_id"),
        Index("ix_signups_event_status", "event_id", "status", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"))
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(255))
    chat_id: Mapped[str] = mapped_column(String(255))
    adults: Mapped[int] = mapped_column(Integer)
    children: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReminderRow(Base):
    """A reminder queued for one sign-up and one meeting, `minutes_before` its start."""

    __tablename__ = "event_reminders"
    __table_args__ = (
        UniqueConstraint("signup_id", "session_start", "minutes_before", name="uq_reminders"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signup_id: Mapped[int] = mapped_column(ForeignKey("event_signups.id"))
    session_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    minutes_before: Mapped[int] = mapped_column(Integer)
    queued: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
