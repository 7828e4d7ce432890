"""`SqlStore`: the engine's `Store` port on SQLAlchemy 2.0 async, SQLite or PostgreSQL.

Every method is one unit of work with its own session (sessions are never shared between tasks).
Counters are bumped with a conditional UPDATE first and an INSERT only when there is no row, so
two concurrent writers cannot lose a count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.messages import ChatRef
from bot.core.personal import mask_personal
from bot.core.ports import Conversation, UserProfile
from bot.storage.models import (
    AnswerFeedback,
    ConversationState,
    TransportState,
    UnansweredQuestion,
    User,
    utcnow,
)


class SqlStore:
    """Repository functions over one database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine, expire_on_commit=False
        )

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    async def get_user(self, platform: str, user_id: str) -> UserProfile | None:
        """The person's profile, or None."""
        async with self.sessions() as session:
            row = await session.scalar(
                select(User).where(User.platform == platform, User.platform_user_id == user_id)
            )
            if row is None:
                return None
            return UserProfile(
                platform, user_id, row.language, row.country, row.created, bool(row.active)
            )

    async def save_user(self, profile: UserProfile) -> None:
        """Create or update a profile."""
        values = {"language": profile.language, "country": profile.country}
        where = (User.platform == profile.platform, User.platform_user_id == profile.user_id)
        await self._upsert(
            update(User).where(*where).values(active=True, **values),
            lambda: User(platform=profile.platform, platform_user_id=profile.user_id, **values),
        )

    async def set_user_active(self, platform: str, user_id: str, active: bool) -> None:
        """Mark a person reachable or not (for example after they blocked the bot)."""
        async with self.sessions.begin() as session:
            await session.execute(
                update(User)
                .where(User.platform == platform, User.platform_user_id == user_id)
                .values(active=active)
            )

    async def is_user_active(self, platform: str, user_id: str) -> bool:
        """Whether messages to this person are still delivered (unknown people count as active)."""
        async with self.sessions() as session:
            active = await session.scalar(
                select(User.active).where(
                    User.platform == platform, User.platform_user_id == user_id
                )
            )
            return active is None or bool(active)

    async def get_transport_value(self, platform: str, key: str) -> str | None:
        """A value a transport stored, such as the Matrix `next_batch` sync token."""
        async with self.sessions() as session:
            row = await session.get(TransportState, (platform, key))
            return row.value if row is not None else None

    async def set_transport_value(self, platform: str, key: str, value: str) -> None:
        """Store a value for a transport, replacing the old one."""
        await self._upsert(
            update(TransportState)
            .where(TransportState.platform == platform, TransportState.key == key)
            .values(value=value, updated=utcnow()),
            lambda: TransportState(platform=platform, key=key, value=value),
        )

    async def load_conversation(self, chat: ChatRef) -> Conversation:
        """The chat's state, or a new conversation."""
        async with self.sessions() as session:
            row = await session.scalar(
                select(ConversationState).where(
                    ConversationState.platform == chat.platform.value,
                    ConversationState.chat_id == chat.chat_id,
                )
            )
            if row is None:
                return Conversation(chat)
            return Conversation(chat, row.state, dict(row.data or {}), row.user_id)

    async def save_conversation(self, conversation: Conversation) -> None:
        """Persist the chat's state."""
        chat = conversation.chat
        values: dict[str, Any] = {
            "state": conversation.state,
            "data": dict(conversation.data),
            "updated": utcnow(),
        }
        if conversation.user_id is not None:
            values["user_id"] = conversation.user_id
        await self._upsert(
            update(ConversationState)
            .where(
                ConversationState.platform == chat.platform.value,
                ConversationState.chat_id == chat.chat_id,
            )
            .values(**values),
            lambda: ConversationState(platform=chat.platform.value, chat_id=chat.chat_id, **values),
        )

    async def record_unanswered(self, normalised: str, language: str) -> None:
        """Count an unanswered question; phone numbers and identity codes in it are masked."""
        normalised = mask_personal(normalised)[:500]
        now = utcnow()
        await self._upsert(
            update(UnansweredQuestion)
            .where(
                UnansweredQuestion.normalised == normalised,
                UnansweredQuestion.language == language,
            )
            .values(count=UnansweredQuestion.count + 1, last_seen=now),
            lambda: UnansweredQuestion(
                normalised=normalised, language=language, count=1, first_seen=now, last_seen=now
            ),
        )

    async def record_feedback(self, entry_id: str, language: str, helpful: bool) -> None:
        """Store one vote on an answer."""
        async with self.sessions.begin() as session:
            session.add(AnswerFeedback(entry_id=entry_id, language=language, helpful=helpful))

    async def unanswered(self, language: str | None = None) -> list[tuple[str, str, int, datetime]]:
        """Unanswered questions, most asked first: (text, language, count, last seen)."""
        query = select(
            UnansweredQuestion.normalised,
            UnansweredQuestion.language,
            UnansweredQuestion.count,
            UnansweredQuestion.last_seen,
        ).order_by(UnansweredQuestion.count.desc(), UnansweredQuestion.last_seen.desc())
        if language:
            query = query.where(UnansweredQuestion.language == language)
        async with self.sessions() as session:
            return [tuple(row) for row in await session.execute(query)]  # type: ignore[misc]

    async def feedback_summary(self) -> list[tuple[str, str, int, int]]:
        """Votes per entry and language: (entry id, language, helpful, not helpful)."""
        helpful = func.sum(case((AnswerFeedback.helpful, 1), else_=0))
        query = (
            select(AnswerFeedback.entry_id, AnswerFeedback.language, helpful, func.count())
            .group_by(AnswerFeedback.entry_id, AnswerFeedback.language)
            .order_by(AnswerFeedback.entry_id)
        )
        async with self.sessions() as session:
            rows = await session.execute(query)
            return [(e, lang, int(h or 0), int(n) - int(h or 0)) for e, lang, h, n in rows]

    async def _upsert(self, statement: Any, make_row: Any) -> None:
        """Run a conditional UPDATE; INSERT when it matched nothing; retry once on a race."""
        for _ in range(2):
            async with self.sessions.begin() as session:
                result = await session.execute(statement)
                if result.rowcount:  # type: ignore[attr-defined]
                    return
            try:
                async with self.sessions.begin() as session:
                    session.add(make_row())
                return
            except IntegrityError:
                continue  # someone inserted the same row meanwhile: update it instead
