"""Opening the database and bringing its schema up to date with Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage.repository import SqlStore

MIGRATIONS = Path(__file__).parent / "migrations"


def create_engine(url: str, *, hide_parameters: bool = True) -> AsyncEngine:
    """An async engine for `url`; SQLite gets foreign keys on and a busy timeout.

    `hide_parameters` keeps the values of a statement (what people wrote) out of database error
    messages, and so out of the log; turn it off only for debugging.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, hide_parameters=hide_parameters
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True, hide_parameters=hide_parameters)


def alembic_config() -> Config:
    """Alembic configuration pointing at Sild's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "heads")  # feature branches of the schema may stand side by side


async def migrate(engine: AsyncEngine) -> None:
    """Apply every pending migration."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def open_store(url: str, *, hide_parameters: bool = True) -> SqlStore:
    """Open the database at `url`, migrate it, and return the repository."""
    engine = create_engine(url, hide_parameters=hide_parameters)
    try:
        await migrate(engine)
    except BaseException:
        await engine.dispose()
        raise
    return SqlStore(engine)
