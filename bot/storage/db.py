"""Opening the database and bringing its schema up to date with Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import PoolResetState

from bot.storage.repository import SqlStore
from bot.storage.sqlite import BUSY_TIMEOUT_S, set_pragmas

MIGRATIONS = Path(__file__).parent / "migrations"


def create_engine(url: str, *, hide_parameters: bool = True) -> AsyncEngine:
    """An async engine for `url`; SQLite gets foreign keys on, a busy timeout and WAL.

    `hide_parameters` keeps the values of a statement (what people wrote) out of database error
    messages, and so out of the log; turn it off only for debugging.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_S},
            hide_parameters=hide_parameters,
            pool_reset_on_return=None,  # `_reset` below does it, only when needed
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            set_pragmas(dbapi_connection)

        @event.listens_for(engine.sync_engine, "reset")
        def _reset(dbapi_connection: Any, record: Any, state: PoolResetState) -> None:
            """Roll back a connection coming back to the pool only if it is in a transaction.

            The unit of work that used it has nearly always committed or rolled back already,
            and every call to aiosqlite is a round trip to the connection's thread.
            """
            if not state.asyncio_safe or state.terminate_only:
                return  # the pool closes the connection instead
            try:
                clean = not record.driver_connection.in_transaction
            except Exception:  # no longer open: let the rollback find out
                clean = False
            if not clean:
                dbapi_connection.rollback()

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
        return SqlStore(engine)
    except BaseException:
        await engine.dispose()
        raise
