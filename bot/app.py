"""The composition root: settings in, a running Sild out. The only module that wires everything."""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.core.engine import Engine
from bot.core.eventdesk import EventDesk
from bot.core.faq import LANGUAGES
from bot.core.flows.handoff import HandoffDesk
from bot.core.messages import ChatRef, Outbound, Platform
from bot.delivery import Dispatcher
from bot.errors import StartupError
from bot.i18n import translations
from bot.knowledge import LiveLibrary
from bot.office_hours import parse_office_hours
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.storage.db import open_store
from bot.storage.events import SqlEvents
from bot.storage.privacy import SqlPrivacy
from bot.storage.repository import SqlStore
from bot.storage.tickets import SqlTicketStore

__all__ = ["App", "StartupError", "build_app", "build_desk", "configure_logging"]


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
    privacy: SqlPrivacy | None = None

    async def close(self) -> None:
        """Release the database connections."""
        await self.store.close()


def check_content_dir(root: Path) -> None:
    """Raise `StartupError` when the content folder is missing, unreadable or has no FAQ."""
    fix = "set SILD_CONTENT_DIR to Sild's content folder"
    if not root.exists():
        raise StartupError(f"the content folder {root} does not exist: {fix}")
    if not root.is_dir():
        raise StartupError(f"the content folder {root} is not a folder: {fix}")
    try:
        if not os.access(root, os.R_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
        folders = [root / f"faq_{lang}" for lang in LANGUAGES]
        readable = [folder for folder in folders if folder.is_dir()]
        for folder in readable:
            next(folder.iterdir(), None)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise StartupError(f"cannot read the content folder {root} ({reason}): {fix}") from None
    if not readable:
        raise StartupError(
            f"the content folder {root} has no FAQ folders (faq_et, faq_fi, faq_ru, faq_en): {fix}"
        )


async def open_database(settings: Settings) -> SqlStore:
    """Open and migrate the database; `StartupError` with the reason when that fails."""
    from sqlalchemy.engine import make_url

    url = settings.effective_database_url
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:
        shown = "(SILD_DATABASE_URL)"
    try:
        return await open_store(url, hide_parameters=settings.log_level.upper() != "DEBUG")
    except Exception as error:  # a refused connection, a driver's error, a failed migration
        reason = _reason(error)
    raise StartupError(
        f"cannot open the database {shown} ({reason}): check SILD_DATABASE_URL, "
        "and that the database server is running and reachable"
    )


def _reason(error: BaseException) -> str:
    """A short, one-line reason for a failure to open the database."""
    cause = getattr(error, "orig", None) or error
    if isinstance(cause, OSError) and cause.strerror:
        text = cause.strerror
    else:
        text = str(cause).strip() or type(cause).__name__
    first = text.splitlines()[0] if text else type(cause).__name__
    return first[:200]


async def build_app(settings: Settings) -> App:
    """Load content, open and migrate the database, and build the engine.

    Raises `StartupError` (one line: what is wrong, what to fix) when the content folder cannot
    be read or the database cannot be opened.
    """
    check_content_dir(settings.content_dir)
    library = LiveLibrary(settings.content_dir, settings.thresholds)
    store = await open_database(settings)
    desk = build_desk(settings, SqlTicketStore(store.sessions))
    dispatcher = Dispatcher(store.sessions)
    dispatcher.on_give_up = _report_in_ticket(desk, dispatcher)
    events = EventDesk(
        SqlEvents(store.sessions, store.rows), dispatcher, translations, quiet=settings.quiet
    )
    scheduler = Scheduler(
        events,
        hours=settings.reminders,
        content=lambda: library().content,
        interval=settings.events_scheduler_seconds,
    )
    await scheduler.sync_content()  # events are in the database before the first message
    privacy = SqlPrivacy(store.sessions)
    engine = Engine(
        store,
        library,
        translations,
        dispatcher,
        desk,
        events=events,
        facilitators=settings.facilitator_ids(),
        privacy=privacy,
        policy=settings.policy,
    )
    return App(settings, library, store, engine, dispatcher, desk, events, scheduler, privacy)


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
        retention_days=settings.retention_days,
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
