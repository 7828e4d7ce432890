"""`SqlStore`: the engine's `Store` port on SQLAlchemy 2.0 async, SQLite or PostgreSQL.

Every method is one unit of work with its own connection (never shared between tasks). A message
costs two: `load_turn` reads the person and the conversation with one query, `save_turn` writes
them back in one transaction. Rows are created or updated with one atomic `INSERT ... ON CONFLICT
DO UPDATE` (SQLite and PostgreSQL both have it), so two concurrent writers can neither collide
nor lose a count.

The hot paths use SQLAlchemy Core on a connection rather than an ORM session: the statements
are built once, and the ORM's bookkeeping would only cost time for rows that never stay around.
On SQLite those two units of work run with the synchronous driver through `SqliteRunner`: on the
event loop's own connection, batched, and on a thread only when they must wait for a lock; and
their statements are `Prepared`, run on the driver's cursor (see `bot.storage.sqlite`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Engine,
    Executable,
    Row,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.messages import ChatRef
from bot.core.personal import mask_personal
from bot.core.ports import Conversation, UserProfile
from bot.storage.models import (
    AnswerFeedback,
    Base,
    ConversationState,
    RelatedPick,
    TransportState,
    UnansweredQuestion,
    User,
    utcnow,
)
from bot.storage.sqlite import Batch, Outcomes, Prepared, SqliteRunner

Upsert = sqlite.Insert | postgresql.Insert
"""An `INSERT ... ON CONFLICT DO UPDATE` of either dialect."""
Writes = Sequence[tuple[Upsert, dict[str, Any]]]
"""One turn's statements and their parameters, written in one transaction."""
Read = tuple[Executable | Prepared, dict[str, Any] | None]
"""A read-only query and its parameters."""
Runnable = Sequence[tuple[Upsert | Prepared, dict[str, Any]]]
"""`Writes` as they go to SQLite: the statements every message runs are prepared."""
AnyRow = Row[*tuple[Any, ...]]
"""A row of any number of columns."""

_INSERTS: dict[str, Callable[[Any], Upsert]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}

_ONE_ROW = select(literal_column("1").label("one")).subquery("one_row")

LOAD_TURN = (
    select(
        User.id,
        User.language,
        User.country,
        User.created,
        User.active,
        ConversationState.id,
        ConversationState.state,
        ConversationState.data,
        ConversationState.user_id,
    )
    .select_from(_ONE_ROW)
    .outerjoin(
        User,
        and_(
            User.platform == bindparam("platform"),
            User.platform_user_id == bindparam("user_id"),
        ),
    )
    .outerjoin(
        ConversationState,
        and_(
            ConversationState.platform == bindparam("chat_platform"),
            ConversationState.chat_id == bindparam("chat_id"),
        ),
    )
)
"""The person and the chat's conversation in one row (each side NULL when there is none): the
two outer joins hang off a one-row table, so the row is there even when neither is."""


def _save_user_statement(insert: Callable[[Any], Upsert]) -> Upsert:
    """Create or update a profile from the parameters `platform`, `user_id`, `language` and
    `country`; writing again marks the person active."""
    statement = insert(User).values(
        platform=bindparam("platform"),
        platform_user_id=bindparam("user_id"),
        language=bindparam("language"),
        country=bindparam("country"),
    )
    return statement.on_conflict_do_update(
        index_elements=["platform", "platform_user_id"],
        set_={
            "language": statement.excluded.language,
            "country": statement.excluded.country,
            "active": true(),
        },
    )


def _count_statement(
    insert: Callable[[Any], Upsert],
    model: type[UnansweredQuestion] | type[RelatedPick],
    keys: tuple[str, ...],
    dates: tuple[str, ...],
) -> Upsert:
    """Count one more of the row named by the parameters `keys`: a new row starts at 1 with each
    column of `dates` set from the parameter `now`; a row already there counts up and takes `now`
    as its `last_seen`."""
    statement = insert(model).values(
        **{key: bindparam(key) for key in keys},
        count=1,
        **{column: bindparam("now") for column in dates},
    )
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={"count": model.count + 1, "last_seen": statement.excluded.last_seen},
    )


def _save_conversation_statement(insert: Callable[[Any], Upsert]) -> Upsert:
    """Create or update a conversation from the parameters `platform`, `chat_id`, `state`,
    `data`, `updated` and `user_id` (a NULL `user_id` keeps the one stored)."""
    statement = insert(ConversationState).values(
        platform=bindparam("platform"),
        chat_id=bindparam("chat_id"),
        user_id=bindparam("user_id"),
        state=bindparam("state"),
        data=bindparam("data"),
        updated=bindparam("updated"),
    )
    return statement.on_conflict_do_update(
        index_elements=["platform", "chat_id"],
        set_={
            "state": statement.excluded.state,
            "data": statement.excluded.data,
            "updated": statement.excluded.updated,
            "user_id": func.coalesce(statement.excluded.user_id, ConversationState.user_id),
        },
    )


class SqlStore:
    """Repository functions over one database (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        dialect = engine.dialect.name
        if dialect not in _INSERTS:
            raise ValueError(f"Sild stores its data in SQLite or PostgreSQL, not {dialect}")
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine, expire_on_commit=False
        )
        self._insert = _INSERTS[dialect]
        # Built once: building a statement costs more than running it on SQLite.
        self._save_user_sql = _save_user_statement(self._insert)
        self._save_conversation_sql = _save_conversation_statement(self._insert)
        self._count_unanswered_sql = _count_statement(
            self._insert,
            UnansweredQuestion,
            ("normalised", "language"),
            ("first_seen", "last_seen"),
        )
        self._count_pick_sql = _count_statement(
            self._insert, RelatedPick, ("normalised", "language", "entry_id"), ("last_seen",)
        )
        self._sqlite: SqliteRunner | None = None
        if dialect == "sqlite":
            self._sqlite = SqliteRunner(
                engine.url, hide_parameters=engine.sync_engine.hide_parameters
            )
            self._write_batch: Batch[Runnable, None] = self._sqlite.batch(_write_each, writes=True)
            self._read_batch: Batch[Read, list[Sequence[Any]]] = self._sqlite.batch(_read_each)
        # The statements of every message, run on the driver's cursor (SQLite only).
        self._prepared: dict[Executable, Prepared] = {}
        if self._sqlite is not None:
            for statement in (
                LOAD_TURN,
                self._save_conversation_sql,
                self._count_unanswered_sql,
                self._count_pick_sql,
            ):
                self._prepared[statement] = self._sqlite.prepare(statement)

    async def close(self) -> None:
        """Close every pooled connection."""
        if self._sqlite is not None:
            await self._sqlite.close()
        await self.engine.dispose()

    async def get_user(self, platform: str, user_id: str) -> UserProfile | None:
        """The person's profile, or None."""
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(User.language, User.country, User.created, User.active).where(
                        User.platform == platform, User.platform_user_id == user_id
                    )
                )
            ).first()
        if row is None:
            return None
        language, country, created, active = row
        return UserProfile(platform, user_id, language, country, created, bool(active))

    async def save_user(self, profile: UserProfile) -> None:
        """Create or update a profile (and mark the person reachable again)."""
        async with self.engine.begin() as connection:
            await self._save_user(connection, profile)

    async def _save_user(self, connection: AsyncConnection, profile: UserProfile) -> None:
        await connection.execute(self._save_user_sql, _user_parameters(profile))

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
        now = utcnow()
        async with self.engine.begin() as connection:
            await connection.execute(
                self._upsert(
                    TransportState,
                    ("platform", "key"),
                    {"platform": platform, "key": key, "value": value, "updated": now},
                    {"value": value, "updated": now},
                )
            )

    async def load_conversation(self, chat: ChatRef) -> Conversation:
        """The chat's state, or a new conversation."""
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(
                        ConversationState.state,
                        ConversationState.data,
                        ConversationState.user_id,
                    ).where(
                        ConversationState.platform == chat.platform.value,
                        ConversationState.chat_id == chat.chat_id,
                    )
                )
            ).first()
        if row is None:
            return Conversation(chat)
        state, data, user_id = row
        return Conversation(chat, state, dict(data or {}), user_id)

    async def save_conversation(self, conversation: Conversation) -> None:
        """Persist the chat's state."""
        async with self.engine.begin() as connection:
            await self._save_conversation(connection, conversation)

    async def _save_conversation(
        self, connection: AsyncConnection, conversation: Conversation
    ) -> None:
        await connection.execute(
            self._save_conversation_sql, _conversation_parameters(conversation)
        )

    async def load_turn(
        self, platform: str, user_id: str, chat: ChatRef
    ) -> tuple[UserProfile | None, Conversation]:
        """The person's profile (None if unknown) and the chat's conversation, in one query."""
        parameters = {
            "platform": platform,
            "user_id": user_id,
            "chat_platform": chat.platform.value,
            "chat_id": chat.chat_id,
        }
        if self._sqlite is not None:
            (found,) = await self._read_batch((self._prepared[LOAD_TURN], parameters))
        else:
            (found,) = await self.rows(LOAD_TURN, parameters)
        user_row, language, country, created, active, chat_row, state, data, talker = found
        user = None
        if user_row is not None:
            user = UserProfile(platform, user_id, language, country, created, bool(active))
        if chat_row is None:
            return user, Conversation(chat)
        return user, Conversation(chat, state, dict(data or {}), talker)

    async def rows(
        self, query: Executable, parameters: dict[str, Any] | None = None
    ) -> Sequence[AnyRow]:
        """Every row of a read-only query (not ORM entities). On SQLite it goes through
        `SqliteRunner` with the other reads of the moment, a turn's own read among them: the
        async engine's trips to its thread cost more than the query."""
        if self._sqlite is not None:
            # A query that is not prepared comes back as SQLAlchemy's rows.
            return cast(list[AnyRow], await self._read_batch((query, parameters)))
        async with self.engine.connect() as connection:
            return (await connection.execute(query, parameters)).all()

    async def save_turn(self, conversation: Conversation, user: UserProfile | None = None) -> None:
        """Persist the conversation, and the profile when one is given, in one transaction."""
        writes = [(self._save_conversation_sql, _conversation_parameters(conversation))]
        if user is not None:
            writes.insert(0, (self._save_user_sql, _user_parameters(user)))
        await self._write_together(writes)

    async def _write_together(self, writes: Writes) -> None:
        """Run the statements in one transaction: on SQLite, through `SqliteRunner`, together
        with the other writes that are waiting (each keeps its own outcome)."""
        if self._sqlite is not None:
            prepared = self._prepared
            await self._write_batch([(prepared.get(st, st), values) for st, values in writes])
            return
        async with self.engine.begin() as connection:
            for statement, parameters in writes:
                await connection.execute(statement, parameters)

    async def record_unanswered(self, normalised: str, language: str) -> None:
        """Count an unanswered question; phone numbers and identity codes in it are masked."""
        parameters = {
            "normalised": mask_personal(normalised)[:500],
            "language": language,
            "now": utcnow(),
        }
        await self._write_together([(self._count_unanswered_sql, parameters)])

    async def record_related_pick(self, normalised: str, language: str, entry_id: str) -> None:
        """Count that someone refused an answer to `normalised` chose `entry_id` from the topics
        offered instead (masked like the unanswered question itself)."""
        parameters = {
            "normalised": mask_personal(normalised)[:500],
            "language": language,
            "entry_id": entry_id[:100],
            "now": utcnow(),
        }
        await self._write_together([(self._count_pick_sql, parameters)])

    async def related_picks(self, language: str | None = None) -> list[tuple[str, str, str, int]]:
        """The topics chosen under the honest no: (question, language, entry id, count)."""
        query = select(
            RelatedPick.normalised, RelatedPick.language, RelatedPick.entry_id, RelatedPick.count
        ).order_by(RelatedPick.count.desc())
        if language:
            query = query.where(RelatedPick.language == language)
        async with self.engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(query)]  # type: ignore[misc]

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

    def _upsert(
        self,
        model: type[Base],
        keys: Sequence[str],
        values: Mapping[str, Any],
        changes: Mapping[str, Any],
    ) -> Upsert:
        """INSERT `values`; when a row with the same `keys` exists, UPDATE it with `changes`.

        One atomic statement: `keys` must be the columns of a primary key or unique constraint.
        """
        statement = self._insert(model).values(**values)
        return statement.on_conflict_do_update(index_elements=list(keys), set_=dict(changes))


def _user_parameters(profile: UserProfile) -> dict[str, Any]:
    """The parameters of the save-user statement for a profile."""
    return {
        "platform": profile.platform,
        "user_id": profile.user_id,
        "language": profile.language,
        "country": profile.country,
    }


def _conversation_parameters(conversation: Conversation) -> dict[str, Any]:
    """The parameters of the save-conversation statement for a conversation."""
    return {
        "platform": conversation.chat.platform.value,
        "chat_id": conversation.chat.chat_id,
        "user_id": conversation.user_id,
        "state": conversation.state,
        "data": dict(conversation.data),
        "updated": utcnow(),
    }


def _read_each(engine: Engine, batch: Sequence[Read]) -> Outcomes:
    """Each query's rows, on one connection (SQLite, through `SqliteRunner`)."""
    outcomes: Outcomes = []
    with engine.connect() as connection:
        for query, parameters in batch:
            try:
                if isinstance(query, Prepared):
                    outcomes.append(query.run(connection, parameters or {}))
                else:
                    outcomes.append(connection.execute(query, parameters).all())
            except Exception as error:
                outcomes.append(error)
    return outcomes


def _write_each(engine: Engine, batch: Sequence[Runnable]) -> Outcomes:
    """Every caller's writes in one transaction (SQLite, through `SqliteRunner`); if that fails,
    each caller's in a transaction of its own, so that one bad write fails only its own."""
    try:
        _write(engine, [write for writes in batch for write in writes])
        return [None] * len(batch)
    except Exception:
        if len(batch) == 1:
            raise
    outcomes: Outcomes = []
    for writes in batch:
        try:
            _write(engine, writes)
            outcomes.append(None)
        except Exception as error:
            outcomes.append(error)
    return outcomes


def _write(engine: Engine, writes: Runnable) -> None:
    """Run the statements in one transaction on a synchronous engine."""
    with engine.begin() as connection:
        for statement, parameters in writes:
            if isinstance(statement, Prepared):
                statement.run(connection, parameters)
            else:
                connection.execute(statement, parameters)
