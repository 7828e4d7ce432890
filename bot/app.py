"""The composition root: settings in, a running Sild out. The only module that wires everything."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.core.engine import Engine
from bot.delivery import Dispatcher
from bot.i18n import translations
from bot.knowledge import LiveLibrary
from bot.settings import Settings
from bot.storage.db import open_store
from bot.storage.repository import SqlStore


@dataclass
class App:
    """A wired Sild: settings, content, storage and the engine."""

    settings: Settings
    library: LiveLibrary
    store: SqlStore
    engine: Engine
    dispatcher: Dispatcher

    async def close(self) -> None:
        """Release the database connections."""
        await self.store.close()


async def build_app(settings: Settings) -> App:
    """Load content, open and migrate the database, and build the engine."""
    library = LiveLibrary(settings.content_dir, settings.thresholds)
    store = await open_store(settings.effective_database_url)
    dispatcher = Dispatcher(store.sessions)
    engine = Engine(store, library, translations, dispatcher)
    return App(settings, library, store, engine, dispatcher)


def configure_logging(level: str) -> None:
    """Log to stderr; message text never goes into the log unless the level is DEBUG."""
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Libraries log request URLs, and Telegram's contain the bot token.
    for noisy in ("httpx", "httpcore", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
