"""`SqlTicketStore`: handoff tickets, with claims decided by one conditional UPDATE."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.messages import ChatRef, Platform
from bot.core.ports import ClaimResult, Ticket
from bot.storage.models import TicketMessage, TicketRow, utcnow

OPEN = ("waiting", "claimed")


def _ticket(row: TicketRow) -> Ticket:
    return Ticket(
        id=row.id,
        chat=ChatRef(Platform(row.platform), row.chat_id),
        user_id=row.user_id,
        language=row.language,
        country=row.country,
        description=row.description,
        status=row.status,
        urgent=row.urgent,
        claimed_by=row.claimed_by,
        claimed_by_name=row.claimed_by_name,
        created=row.created,
        first_response=row.first_response,
        closed=row.closed,
        rating=row.rating,
        preserve=bool(row.preserve),
    )


class SqlTicketStore:
    """The engine's `TicketStore` port."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def open_ticket(
        self,
        chat: ChatRef,
        user_id: str,
        language: str,
        country: str | None,
        description: str,
        urgent: bool,
    ) -> Ticket:
        """Create a waiting ticket."""
        async with self.sessions.begin() as session:
            row = TicketRow(
                platform=chat.platform.value,
                chat_id=chat.chat_id,
                user_id=user_id,
                language=language,
                country=country,
                description=description,
                status="waiting",
                urgent=urgent,
                created=utcnow(),
                reminded=False,
            )
            session.add(row)
            await session.flush()
            return _ticket(row)

    async def get_ticket(self, ticket_id: int) -> Ticket | None:
        """A ticket by number."""
        async with self.sessions() as session:
            row = await session.get(TicketRow, ticket_id)
            return _ticket(row) if row else None

    async def open_ticket_for(self, chat: ChatRef) -> Ticket | None:
        """The chat's ticket that is not closed, if any."""
        async with self.sessions() as session:
            row = await session.scalar(
                select(TicketRow)
                .where(
                    TicketRow.platform == chat.platform.value,
                    TicketRow.chat_id == chat.chat_id,
                    TicketRow.status.in_(OPEN),
                )
                .order_by(TicketRow.id.desc())
                .limit(1)
            )
            return _ticket(row) if row else None

    async def list_open(self) -> list[Ticket]:
        """Open tickets, oldest first."""
        async with self.sessions() as session:
            rows = await session.scalars(
                select(TicketRow).where(TicketRow.status.in_(OPEN)).order_by(TicketRow.id)
            )
            return [_ticket(row) for row in rows]

    async def claim(self, ticket_id: int, facilitator: str, name: str | None) -> ClaimResult:
        """Claim a waiting ticket; of two facilitators at once exactly one succeeds."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(TicketRow)
                .where(TicketRow.id == ticket_id, TicketRow.status == "waiting")
                .values(
                    status="claimed",
                    claimed_by=facilitator,
                    claimed_by_name=name,
                    first_response=func.coalesce(TicketRow.first_response, utcnow()),
                )
            )
            ok = bool(result.rowcount)  # type: ignore[attr-defined]
        return ClaimResult(ok, await self.get_ticket(ticket_id))

    async def unclaim(self, ticket_id: int, facilitator: str) -> bool:
        """Put a ticket back in the queue (only whoever claimed it)."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(TicketRow)
                .where(
                    TicketRow.id == ticket_id,
                    TicketRow.status == "claimed",
                    TicketRow.claimed_by == facilitator,
                )
                .values(status="waiting", claimed_by=None, claimed_by_name=None)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def hand_over(self, ticket_id: int, to: str, name: str | None) -> Ticket | None:
        """Give an open ticket to another facilitator."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(TicketRow)
                .where(TicketRow.id == ticket_id, TicketRow.status.in_(OPEN))
                .values(status="claimed", claimed_by=to, claimed_by_name=name)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
        return await self.get_ticket(ticket_id)

    async def close(self, ticket_id: int) -> Ticket | None:
        """Close an open ticket; None when it was closed already or does not exist."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(TicketRow)
                .where(TicketRow.id == ticket_id, TicketRow.status.in_(OPEN))
                .values(status="closed", closed=utcnow())
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
        return await self.get_ticket(ticket_id)

    async def mark_urgent(self, ticket_id: int) -> None:
        """Mark a ticket urgent."""
        async with self.sessions.begin() as session:
            await session.execute(
                update(TicketRow).where(TicketRow.id == ticket_id).values(urgent=True)
            )

    async def add_message(self, ticket_id: int, author: str, direction: str, text: str) -> None:
        """Store one message of a ticket; a facilitator's first one sets the first-response time."""
        async with self.sessions.begin() as session:
            session.add(
                TicketMessage(ticket_id=ticket_id, author=author, direction=direction, text=text)
            )
            if direction == "out":
                await session.execute(
                    update(TicketRow)
                    .where(TicketRow.id == ticket_id, TicketRow.first_response.is_(None))
                    .values(first_response=utcnow())
                )

    async def messages(self, ticket_id: int) -> list[tuple[str, str, str, datetime]]:
        """A ticket's messages in order: (author, direction, text, when)."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(
                    TicketMessage.author,
                    TicketMessage.direction,
                    TicketMessage.text,
                    TicketMessage.created,
                )
                .where(TicketMessage.ticket_id == ticket_id)
                .order_by(TicketMessage.id)
            )
            return [(a, d, t, c) for a, d, t, c in rows]

    async def rate(self, ticket_id: int, chat: ChatRef, rating: int) -> bool:
        """Store the person's rating of their closed ticket, once."""
        if not 1 <= rating <= 5:
            return False
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(TicketRow)
                .where(
                    TicketRow.id == ticket_id,
                    TicketRow.platform == chat.platform.value,
                    TicketRow.chat_id == chat.chat_id,
                    TicketRow.status == "closed",
                    TicketRow.rating.is_(None),
                )
                .values(rating=rating)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_preserve(self, ticket_id: int, preserve: bool) -> bool:
        """Exempt a ticket from the automatic purge, or end the exemption."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(TicketRow).where(TicketRow.id == ticket_id).values(preserve=preserve)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def unclaimed_since(self, older_than: timedelta) -> list[Ticket]:
        """Waiting tickets older than `older_than` that have not been reminded about yet."""
        cutoff = utcnow() - older_than
        async with self.sessions.begin() as session:
            rows = list(
                await session.scalars(
                    select(TicketRow).where(
                        TicketRow.status == "waiting",
                        TicketRow.created <= cutoff,
                        TicketRow.reminded.is_(False),
                    )
                )
            )
            for row in rows:
                row.reminded = True
            return [_ticket(row) for row in rows]

    async def all_tickets(self) -> list[Ticket]:
        """Every ticket (for statistics)."""
        async with self.sessions() as session:
            return [_ticket(row) for row in await session.scalars(select(TicketRow))]
