"""SQLite's database thread: the per-message read and write run off the event loop, on the same
file as the async engine, with the same settings."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.core.messages import ChatRef, Platform
from bot.core.ports import Conversation, UserProfile
from bot.storage.db import open_store
from bot.storage.repository import SqlStore
from bot.storage.sqlite import DatabaseThread

CHAT = ChatRef(Platform.TELEGRAM, "42")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    sql = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'sild.db'}")
    yield sql
    await sql.close()


def thread_of(store: SqlStore) -> DatabaseThread:
    assert store._thread is not None
    return store._thread


async def test_the_thread_runs_off_the_loop_with_the_same_pragmas(store: SqlStore) -> None:
    def read(engine: Engine) -> tuple[str, str, int, int]:
        with engine.connect() as connection:
            mode = connection.execute(text("PRAGMA journal_mode")).scalar_one()
            keys = connection.execute(text("PRAGMA foreign_keys")).scalar_one()
            sync = connection.execute(text("PRAGMA synchronous")).scalar_one()
        return threading.current_thread().name, mode, keys, sync

    name, mode, keys, sync = await thread_of(store).run(read)
    assert name.startswith("sild-sqlite") and name != threading.current_thread().name
    assert (mode, keys, sync) == ("wal", 1, 1)  # 1 is NORMAL


async def test_both_engines_see_each_others_writes(store: SqlStore) -> None:
    await store.save_user(UserProfile("telegram", "7", "ru", "EE"))  # async engine
    user, conversation = await store.load_turn("telegram", "7", CHAT)  # database thread
    assert user is not None and (user.language, user.country) == ("ru", "EE")
    assert conversation.state == Conversation(CHAT).state

    conversation.state = "answer:health-doctor"
    conversation.data["recent"] = ["где найти врача"]
    conversation.user_id = "7"
    await store.save_turn(conversation, UserProfile("telegram", "7", "et", "EE"))
    again = await store.load_conversation(CHAT)  # async engine
    assert (again.state, again.data, again.user_id) == (
        "answer:health-doctor",
        {"recent": ["где найти врача"]},
        "7",
    )
    profile = await store.get_user("telegram", "7")
    assert profile is not None and profile.language == "et"


async def test_a_locked_database_waits_on_the_thread_not_the_loop(
    store: SqlStore, tmp_path: Path
) -> None:
    """Another process holding the write lock must not freeze every other conversation."""
    other = sqlite3.connect(tmp_path / "sild.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0
    save = asyncio.create_task(store.save_turn(Conversation(CHAT, "menu")))
    while not save.done() and ticks < 20:
        await asyncio.sleep(0.01)  # the loop keeps running while the save waits for the lock
        ticks += 1
    assert ticks == 20 and not save.done()
    other.execute("COMMIT")
    other.close()
    await save
    assert (await store.load_conversation(CHAT)).state == "menu"


async def test_a_store_can_be_closed_and_the_file_opened_again(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'again.db'}"
    first = await open_store(url)
    await first.save_turn(Conversation(CHAT, "menu"))
    await first.close()
    second = await open_store(url)
    try:
        _, conversation = await second.load_turn("telegram", "1", CHAT)
        assert conversation.state == "menu"
    finally:
        await second.close()
