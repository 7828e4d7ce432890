"""Shared fixtures: the shipped content, a real SQLite store, and an engine wired to both."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.i18n import translations
from bot.knowledge import Library, LiveLibrary, load_checked
from bot.settings import PROJECT_ROOT
from bot.storage.db import open_store
from bot.storage.repository import SqlStore

CONTENT = PROJECT_ROOT / "content"
POSTGRES_URL = os.environ.get("SILD_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def library() -> Library:
    """The shipped content, loaded and indexed once."""
    content, _ = load_checked(CONTENT)
    return Library(content)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    """A fresh, migrated SQLite database in a temporary folder."""
    sql = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'sild.db'}")
    yield sql
    await sql.close()


@pytest.fixture
def engine(store: SqlStore, library: Library) -> Engine:
    """The engine over the shipped content and a fresh database."""
    return Engine(store, lambda: library, translations)


@pytest.fixture
def live_library() -> LiveLibrary:
    """A reloadable library over the shipped content."""
    return LiveLibrary(CONTENT)
