"""`SqlPrivacy`: one person's data exported or deleted, and the retention purge.

What Sild stores about a person, and where:

- `users`: their platform id, language and country;
- `conversations`: where each of their chats stands, with its small bag of data (the last few
  questions, a sign-up being made); linked to them by the chat and by `user_id`;
- `event_signups`: their sign-ups (platform id, chat, party size, a name if the event asked);
- `tickets` and `ticket_messages`: their requests to talk to a person, and every message in them;
- `outbox`: messages to them (and, about their requests, to the facilitators) waiting to go out
  or already sent;
- `transport_state`: for Matrix, the last message answered in their room.

`forget` deletes or blanks all of it in one transaction. Sign-ups and tickets stay as anonymous
rows (an event's attendance, a request's language, times and rating count in the statistics),
with every id, name and text removed. Questions nobody could answer and Helpful votes are never
linked to a person in the first place.

`purge` applies the retention period: messages of requests closed longer ago than that (unless a
facilitator preserves the request), the request's link to the person, delivered outbox messages,
the questions kept in idle conversations, and the names given for events long past.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, delete, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.messages import ChatRef
from bot.core.personal import mask_personal
from bot.core.ports import ForgetReport
from bot.storage.models import (
    ConversationState,
    EventRow,
    OutboxMessage,
    SignUpRow,
    TicketMessage,
    TicketRow,
    TransportState,
    User,
    utcnow,
)

DELETED = "deleted"
"""What replaces a person's ids in the rows kept for statistics."""
MATRIX_LAST_EVENT = "last_event:"
"""The Matrix transport's per-room key prefix (see `bot.transports.matrix.state`)."""


def matrix_room_key(room_id: str) -> str:
    """The transport-state key under which the Matrix transport keeps a room's last event."""
    return MATRIX_LAST_EVENT + hashlib.sha256(room_id.encode()).hexdigest()[:32]


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """What one retention purge removed."""

    ticket_messages: int = 0
    tickets: int = 0
    outbox: int = 0
    conversations: int = 0
    names: int = 0

    def __str__(self) -> str:
        return (
            f"{self.ticket_messages} ticket messages, {self.tickets} tickets made anonymous, "
            f"{self.outbox} delivered outbox messages, {self.conversations} idle conversations, "
            f"{self.names} names of past sign-ups"
        )


class SqlPrivacy:
    """The engine's `PrivacyStore` port, and the retention purge."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def _chats(
        self, session: AsyncSession, platform: str, user_id: str, chats: Sequence[ChatRef]
    ) -> set[str]:
        """Every chat of the person on `platform` that Sild knows of."""
        found = {chat.chat_id for chat in chats if chat.platform.value == platform}
        if platform != "matrix":
            found.add(user_id)  # a private chat on Telegram (and the terminal) is the person's id
        for column, table_platform, table_user in (
            (ConversationState.chat_id, ConversationState.platform, ConversationState.user_id),
            (SignUpRow.chat_id, SignUpRow.platform, SignUpRow.user_id),
            (TicketRow.chat_id, TicketRow.platform, TicketRow.user_id),
        ):
            rows = await session.scalars(
                select(column).where(table_platform == platform, table_user == user_id)
            )
            found.update(chat for chat in rows if chat)
        return found

    async def _ticket_ids(
        self, session: AsyncSession, platform: str, user_id: str, chats: set[str]
    ) -> list[int]:
        rows = await session.scalars(
            select(TicketRow.id).where(
                TicketRow.platform == platform,
                or_(TicketRow.user_id == user_id, TicketRow.chat_id.in_(chats)),
            )
        )
        return sorted(set(rows))

    # -- export ------------------------------------------------------------------------------

    async def export(
        self, platform: str, user_id: str, chats: Sequence[ChatRef] = ()
    ) -> dict[str, Any]:
        """Everything stored about the person, as JSON-ready values."""
        async with self.sessions() as session:
            known = await self._chats(session, platform, user_id, chats)
            user = await session.scalar(
                select(User).where(User.platform == platform, User.platform_user_id == user_id)
            )
            conversations = list(
                await session.scalars(
                    select(ConversationState).where(
                        ConversationState.platform == platform,
                        or_(
                            ConversationState.chat_id.in_(known),
                            ConversationState.user_id == user_id,
                        ),
                    )
                )
            )
            signups = (
                await session.execute(
                    select(SignUpRow, EventRow.definition)
                    .join(EventRow, EventRow.id == SignUpRow.event_id)
                    .where(SignUpRow.platform == platform, SignUpRow.user_id == user_id)
                    .order_by(SignUpRow.id)
                )
            ).all()
            ticket_ids = await self._ticket_ids(session, platform, user_id, known)
            tickets = list(
                await session.scalars(
                    select(TicketRow).where(TicketRow.id.in_(ticket_ids)).order_by(TicketRow.id)
                )
            )
            messages = list(
                await session.scalars(
                    select(TicketMessage)
                    .where(TicketMessage.ticket_id.in_(ticket_ids))
                    .order_by(TicketMessage.id)
                )
            )
            outbox = list(
                await session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.platform == platform, OutboxMessage.chat_id.in_(known))
                    .order_by(OutboxMessage.id)
                )
            )
        by_ticket: dict[int, list[dict[str, Any]]] = {}
        for message in messages:
            by_ticket.setdefault(message.ticket_id, []).append(
                {
                    "from": "you" if message.direction == "in" else "facilitator",
                    "text": message.text,
                    "when": _iso(message.created),
                }
            )
        return {
            "about": "Everything Sild holds about you.",
            "exported": _iso(utcnow()),
            "platform": platform,
            "user_id": user_id,
            "profile": (
                {
                    "language": user.language,
                    "country": user.country,
                    "first_contact": _iso(user.created),
                    "reachable": user.active,
                }
                if user is not None
                else None
            ),
            "conversations": [
                {
                    "chat": row.chat_id,
                    "state": row.state,
                    "data": row.data or {},
                    "updated": _iso(row.updated),
                }
                for row in conversations
            ],
            "sign_ups": [
                {
                    "event": row.event_id,
                    "title": (definition.get("title") or {}).get("en"),
                    "status": row.status,
                    "adults": row.adults,
                    "children": row.children,
                    "name": row.name,
                    "signed_up": _iso(row.created),
                }
                for row, definition in signups
            ],
            "requests_to_a_person": [
                {
                    "number": ticket.id,
                    "status": ticket.status,
                    "language": ticket.language,
                    "country": ticket.country,
                    "description": ticket.description,
                    "urgent": ticket.urgent,
                    "opened": _iso(ticket.created),
                    "closed": _iso(ticket.closed),
                    "rating": ticket.rating,
                    "facilitator": ticket.claimed_by_name,
                    "preserved": ticket.preserve,
                    "messages": by_ticket.get(ticket.id, []),
                }
                for ticket in tickets
            ],
            "messages_to_you": [
                {"text": row.text, "status": row.status, "queued": _iso(row.created)}
                for row in outbox
            ],
            "kept_without_a_link_to_you": (
                "Questions Sild could not answer and Helpful / Not helpful votes are counted "
                "without any link to who sent them, so they cannot be found by person."
            ),
        }

    # -- deletion ----------------------------------------------------------------------------

    async def forget(
        self, platform: str, user_id: str, chats: Sequence[ChatRef] = ()
    ) -> ForgetReport:
        """Delete everything about the person; keep anonymous rows for statistics."""
        now = utcnow()
        async with self.sessions.begin() as session:
            known = await self._chats(session, platform, user_id, chats)
            ticket_ids = await self._ticket_ids(session, platform, user_id, known)
            threads = [f"ticket:{number}" for number in ticket_ids]
            messages = await session.execute(
                delete(TicketMessage).where(TicketMessage.ticket_id.in_(ticket_ids))
            )
            await session.execute(
                update(TicketRow)
                .where(TicketRow.id.in_(ticket_ids), TicketRow.status != "closed")
                .values(status="closed", closed=now)
            )
            tickets = await session.execute(
                update(TicketRow)
                .where(TicketRow.id.in_(ticket_ids))
                .values(chat_id=DELETED, user_id=DELETED, description="", preserve=False)
            )
            outbox = await session.execute(
                delete(OutboxMessage).where(
                    or_(
                        (OutboxMessage.platform == platform) & OutboxMessage.chat_id.in_(known),
                        OutboxMessage.thread.in_(threads),
                        *(OutboxMessage.dedupe_key.like(f"{thread}:%") for thread in threads),
                    )
                )
            )
            signups = await session.execute(
                update(SignUpRow)
                .where(SignUpRow.platform == platform, SignUpRow.user_id == user_id)
                .values(
                    platform=DELETED,
                    user_id=literal(f"{DELETED}-") + cast(SignUpRow.id, String),
                    chat_id=DELETED,
                    name=None,
                )
            )
            conversations = await session.execute(
                delete(ConversationState).where(
                    ConversationState.platform == platform,
                    or_(
                        ConversationState.chat_id.in_(known),
                        ConversationState.user_id == user_id,
                    ),
                )
            )
            profiles = await session.execute(
                delete(User).where(User.platform == platform, User.platform_user_id == user_id)
            )
            if platform == "matrix":
                await session.execute(
                    delete(TransportState).where(
                        TransportState.platform == platform,
                        TransportState.key.in_([matrix_room_key(chat) for chat in known]),
                    )
                )
        return ForgetReport(
            profiles=_count(profiles),
            conversations=_count(conversations),
            sign_ups=_count(signups),
            tickets=_count(tickets),
            ticket_messages=_count(messages),
            outbox=_count(outbox),
        )

    # -- retention ---------------------------------------------------------------------------

    async def purge(self, retention_days: int, now: datetime | None = None) -> PurgeReport:
        """Apply the retention period; running it again removes nothing more."""
        now = now or utcnow()
        cutoff = now - timedelta(days=retention_days)
        async with self.sessions.begin() as session:
            old = select(TicketRow.id).where(
                TicketRow.status == "closed",
                TicketRow.closed < cutoff,
                TicketRow.preserve.is_(False),
            )
            messages = await session.execute(
                delete(TicketMessage).where(TicketMessage.ticket_id.in_(old))
            )
            rows = list(
                await session.scalars(
                    select(TicketRow).where(
                        TicketRow.id.in_(old),
                        or_(TicketRow.user_id != DELETED, TicketRow.chat_id != DELETED),
                    )
                )
            )
            for row in rows:
                row.description = mask_personal(row.description)
                row.user_id = row.chat_id = DELETED
            outbox = await session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.status != "pending", OutboxMessage.created < cutoff
                )
            )
            idle = list(
                await session.scalars(
                    select(ConversationState).where(ConversationState.updated < cutoff)
                )
            )
            conversations = 0
            for conversation in idle:
                data = dict(conversation.data or {})
                if data.pop("recent", None) is not None:
                    conversation.data = data
                    conversations += 1
            names = await session.execute(
                update(SignUpRow)
                .where(
                    SignUpRow.name.is_not(None),
                    SignUpRow.event_id.in_(select(EventRow.id).where(EventRow.ends_at < cutoff)),
                )
                .values(name=None)
            )
        return PurgeReport(
            ticket_messages=_count(messages),
            tickets=len(rows),
            outbox=_count(outbox),
            conversations=conversations,
            names=_count(names),
        )


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
