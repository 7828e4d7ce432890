"""A fully wired engine for the trust tests: events, handoff, privacy, outbox, fixed clock.

`make_world` builds it over a given store; `Sandbox` runs one in its own event loop for the
hypothesis tests (which are plain functions: each example is one `run(...)`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import inspect, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.engine import Engine
from bot.core.eventdesk import EventDesk
from bot.core.events import EventKind
from bot.core.flows.handoff import HandoffDesk
from bot.core.guard import Policy
from bot.core.messages import ChatRef, Inbound, Outbound, Platform
from bot.delivery import Dispatcher
from bot.i18n import translations
from bot.knowledge import Library
from bot.office_hours import parse_office_hours
from bot.storage.db import migrate, open_store
from bot.storage.events import SqlEvents
from bot.storage.privacy import SqlPrivacy
from bot.storage.repository import SqlStore
from bot.storage.tickets import SqlTicketStore
from tests.eventdata import NOW, make_event

T = TypeVar("T")

GROUP = ChatRef(Platform.TELEGRAM, "-100200")
"""The facilitators' Telegram group."""
ROOM = ChatRef(Platform.MATRIX, "!facilitators:example.org")
"""The facilitators' Matrix room."""
ANNA = "900"
"""A facilitator on Telegram."""
MARI = "@mari:example.org"
"""A facilitator on Matrix."""
SMALL = "small-group"
"""A peer group with one place (so a second person waits)."""
CAFE = "names-cafe"
"""A café that asks for names."""
APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."


@dataclass
class World:
    """The engine and everything behind it."""

    store: SqlStore
    engine: Engine
    dispatcher: Dispatcher
    events: EventDesk
    desk: HandoffDesk
    tickets: SqlTicketStore
    privacy: SqlPrivacy
    clock: list[datetime]
    delivered: list[Outbound] = field(default_factory=list)

    async def flush(self) -> list[Outbound]:
        """Deliver what the outbox holds; returns it."""
        before = len(self.delivered)
        while await self.dispatcher.deliver_due():
            pass
        return self.delivered[before:]

    async def say(self, chat: ChatRef, user: str, text: str, **extra: Any) -> list[Outbound]:
        """A typed message."""
        return await self.engine.handle(Inbound(chat, user, text=text, **extra))

    async def press(self, chat: ChatRef, user: str, action: str, **extra: Any) -> list[Outbound]:
        """A button press."""
        return await self.engine.handle(Inbound(chat, user, action=action, **extra))

    async def rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table, as dictionaries (for the row-by-row checks)."""
        async with self.store.engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            found: dict[str, list[dict[str, Any]]] = {}
            for table in sorted(tables):
                result = await connection.execute(text(f'SELECT * FROM "{table}"'))
                found[table] = [dict(row._mapping) for row in result]
            return found


async def make_world(
    store: SqlStore, library: Library, policy: Policy | None = None, retry_delay: float = 2.0
) -> World:
    """An engine with every part wired, over `store`, with the clock at `NOW`."""
    clock = [NOW]
    dispatcher = Dispatcher(store.sessions, base_delay=retry_delay)
    events = EventDesk(
        SqlEvents(store.sessions, store.rows), dispatcher, translations, clock=lambda: clock[0]
    )
    await events.store.sync(
        [
            make_event(SMALL, capacity=1, title="Small group"),
            make_event(
                CAFE, kind=EventKind.FAMILY_CAFE, capacity=10, children=10, names=True, title="Cafe"
            ),
        ]
    )
    tickets = SqlTicketStore(store.sessions)
    desk = HandoffDesk(
        tickets=tickets,
        hours=parse_office_hours("Mon-Sun 00:00-23:59", "Europe/Helsinki"),
        places=(GROUP, ROOM),
        facilitators={f"telegram:{ANNA}": "Anna", f"matrix:{MARI}": "Mari"},
        clock=lambda: clock[0],
    )
    privacy = SqlPrivacy(store.sessions)
    engine = Engine(
        store,
        lambda: library,
        translations,
        dispatcher,
        desk,
        events=events,
        facilitators=frozenset(desk.facilitators),
        privacy=privacy,
        policy=policy,
    )
    world = World(store, engine, dispatcher, events, desk, tickets, privacy, clock)

    async def record(message: Outbound) -> None:
        world.delivered.append(message)

    for platform in Platform:
        dispatcher.register(platform, record)
    return world


async def onboard(world: World, chat: ChatRef, user: str, lang: str = "en") -> None:
    """Choose a language and Finland by buttons."""
    await world.say(chat, user, "/start")
    await world.press(chat, user, f"lang:{lang}")
    await world.press(chat, user, "country:FI")


def replies_text(replies: list[Outbound]) -> str:
    """Every text, button and file of some replies, as one string to search."""
    parts: list[str] = []
    for reply in replies:
        parts.append(reply.text)
        parts.extend(f"{b.label} {b.action}" for b in reply.choices())
        parts.extend(a.data.decode("utf-8", "replace") for a in reply.attachments)
    return "\n".join(parts)


async def count_rows(store: SqlStore, table: Any) -> int:
    """How many rows a model's table has."""
    async with store.sessions() as session:
        return len(list(await session.scalars(select(table))))


async def postgres_store(url: str, schema: str) -> SqlStore:
    """A migrated store in a new PostgreSQL schema of its own (other tests use `public`)."""
    admin = create_async_engine(url)
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        await admin.dispose()
    engine = create_async_engine(
        url, connect_args={"server_settings": {"search_path": schema}}, hide_parameters=True
    )
    await migrate(engine)
    return SqlStore(engine)


async def drop_schema(url: str, schema: str) -> None:
    """Drop a schema made by `postgres_store`."""
    admin = create_async_engine(url)
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        await admin.dispose()


class Sandbox:
    """A world in its own event loop, for tests that hypothesis calls many times."""

    def __init__(
        self,
        directory: Path,
        library: Library,
        policy: Policy | None = None,
        postgres_url: str | None = None,
    ) -> None:
        self.loop = asyncio.new_event_loop()
        self._postgres: tuple[str, str] | None = None
        if postgres_url is None:
            self.store = self.run(open_store(f"sqlite+aiosqlite:///{directory / 'sild.db'}"))
        else:
            schema = f"sandbox_{uuid.uuid4().hex[:12]}"
            self._postgres = (postgres_url, schema)
            self.store = self.run(postgres_store(postgres_url, schema))
        self.world = self.run(make_world(self.store, library, policy))

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine in the sandbox's loop."""
        return self.loop.run_until_complete(coroutine)

    def close(self) -> None:
        """Close the database (dropping a PostgreSQL schema) and the loop."""
        self.run(self.store.close())
        if self._postgres is not None:
            self.run(drop_schema(*self._postgres))
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()
