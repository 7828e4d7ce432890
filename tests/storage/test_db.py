"""Opening SQLite: the pragmas, and what happens to a connection given back to the pool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.storage.db import create_engine, migrate


async def test_sqlite_runs_in_wal_with_normal_sync_and_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'pragmas.db'}")
    try:
        async with engine.connect() as connection:
            pragmas = [
                (await connection.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys")
            ]
        assert pragmas == ["wal", 1, 1]  # synchronous 1 is NORMAL
    finally:
        await engine.dispose()


async def test_a_connection_given_back_in_a_transaction_is_rolled_back(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'reset.db'}", hide_parameters=False)
    try:
        await migrate(engine)

        def write_without_committing(connection: Any) -> None:
            """Below SQLAlchemy's transaction: only the pool's reset can end this one."""
            driver = connection.connection
            cursor = driver.cursor()
            cursor.execute("INSERT INTO transport_state VALUES ('t', 'k', 'v', '2024-01-01')")
            cursor.close()
            assert driver.driver_connection.in_transaction

        async with engine.connect() as connection:
            await connection.run_sync(write_without_committing)
        # The same connection comes back out: without the rollback it would see (and commit) the
        # row; another one would wait for the write lock.
        async with engine.begin() as connection:
            rows = await connection.execute(text("SELECT count(*) FROM transport_state"))
            count = rows.scalar()
            await connection.execute(
                text("INSERT INTO transport_state VALUES ('t', 'k2', 'v', '2024-01-01')")
            )
        assert count == 0
    finally:
        await engine.dispose()
