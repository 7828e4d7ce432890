"""The composition root: settings in, a running Sild out. The only module that wires everything."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.engine import Engine
from bot.core.eventdesk import EventDesk
from bot.core.flows.handoff import HandoffDesk
from bot.core.messages import ChatRef, Outbound, Platform
from bot.delivery import Dispatcher
from bot.i18n import translations
from bot.knowledge import LiveLibrary
from bot.office_hours import parse_office_hours
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.storage.db import open_store
from bot.storage.events import SqlEvents
from bot.storage.repository import SqlStore
from bot.storage.tickets import SqlTicketStore


@dataclass
class App:
    """A wired Sild: settings, content, storage and the engine."""

    settings: Settings
    library: LiveLibrary
    store: SqlStore
    engine: Engine
    dispatcher: Dispatcher
    desk: HandoffDesk
    events: EventDesk | None = None
    scheduler: Scheduler | None = None

    async def close(self) -> None:
        """Release the database connections."""
        await self.store.close()


async def build_app(settings: Settings) -> App:
    """Load content, open and migrate the database, and build the engine."""
    library = LiveLibrary(settings.content_dir, settings.thresholds)
    store = await open_store(settings.effective_database_url)
    desk = build_desk(settings, SqlTicketStore(store.sessions))
    dispatcher = Dispatcher(store.sessions)
    dispatcher.on_give_up = _report_in_ticket(desk, dispatcher)
    events = EventDesk(SqlEvents(store.sessions), dispatcher, translations, quiet=settings.quiet)
    scheduler = Scheduler(
        events,
        hours=settings.reminders,
        content=lambda: library().content,
        interval=settings.events_scheduler_seconds,
    )
    await scheduler.sync_content()  # events are in the database before the first message
    engine = Engine(
        store,
        library,
        translations,
        dispatcher,
        desk,
        events=events,
        facilitators=settings.facilitator_ids(),
    )
    return App(settings, library, store, engine, dispatcher, desk, events, scheduler)


def build_desk(settings: Settings, tickets: SqlTicketStore) -> HandoffDesk:
    """The handoff desk: facilitator places and people from the settings, and office hours."""
    places = []
    if settings.telegram_facilitator_chat:
        places.append(ChatRef(Platform.TELEGRAM, settings.telegram_facilitator_chat))
    if settings.matrix_facilitator_room:
        places.append(ChatRef(Platform.MATRIX, settings.matrix_facilitator_room))
    return HandoffDesk(
        tickets=tickets,
        hours=parse_office_hours(settings.office_hours, settings.office_timezone),
        places=tuple(places),
        facilitators=settings.facilitator_names(),
    )


def _report_in_ticket(
    desk: HandoffDesk, dispatcher: Dispatcher
) -> Callable[[Outbound, str | None, str], Awaitable[None]]:
    """When a message to a person cannot be delivered, say so in the ticket's thread."""

    async def _report(message: Outbound, key: str | None, error: str) -> None:
        if not key or not key.startswith("ticket:") or message.to in desk.places:
            return
        number = key.split(":")[1]
        text = f"⚠️ #{number}: the message could not be delivered to the person ({error})."
        await dispatcher.enqueue(
            [Outbound(place, text, thread=f"ticket:{number}") for place in desk.places]
        )

    return _report


def configure_logging(level: str) -> None:
    """Log to stderr; message text never goes into the log unless the level is DEBUG."""
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Libraries log request URLs, and Telegram's contain the bot token.
    for noisy in ("httpx", "httpcore", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
