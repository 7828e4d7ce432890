"""The storage backends every storage test runs on: SQLite always, PostgreSQL when configured.

On PostgreSQL each test gets a schema of its own (dropped afterwards), so storage tests never see
each other's rows, also when other suites use the same database.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.db import create_engine, migrate
from bot.storage.repository import SqlStore
from tests.conftest import POSTGRES_URL
from tests.trust import drop_schema, postgres_store

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(
                POSTGRES_URL is None,
                reason="no PostgreSQL URL given: set SILD_TEST_POSTGRES_URL (for example "
                "postgresql+asyncpg://postgres@127.0.0.1:5432/test) to run these on PostgreSQL",
            ),
        ],
    ),
]


@pytest.fixture(params=BACKENDS)
async def sql(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    """A freshly migrated store on each backend."""
    if request.param == "sqlite":
        store = SqlStore(create_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"))
        await migrate(store.engine)
        yield store
        await store.close()
        return
    assert POSTGRES_URL is not None
    schema = f"test_{uuid.uuid4().hex[:12]}"
    store = await postgres_store(POSTGRES_URL, schema)
    try:
        yield store
    finally:
        await store.close()
        await drop_schema(POSTGRES_URL, schema)
