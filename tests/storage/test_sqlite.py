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


def chats(count: int) -> list[ChatRef]:
    return [ChatRef(Platform.TELEGRAM, str(100 + number)) for number in range(count)]


def count_trips(store: SqlStore) -> list[int]:
    """Count the database thread's trips from now on (a list, so the count can be read later)."""
    thread = thread_of(store)
    trips = [0]
    run = thread.run

    async def counted(work):  # type: ignore[no-untyped-def]
        trips[0] += 1
        return await run(work)

    thread.run = counted  # type: ignore[method-assign]
    return trips


async def test_turns_handled_at_once_share_trips_and_one_commit(store: SqlStore) -> None:
    many = chats(50)
    trips = count_trips(store)
    loaded = await asyncio.gather(*(store.load_turn("telegram", c.chat_id, c) for c in many))
    assert [conversation.chat for _, conversation in loaded] == many
    await asyncio.gather(
        *(store.save_turn(Conversation(c, f"answer:{c.chat_id}", user_id=c.chat_id)) for c in many)
    )
    assert trips[0] < 10  # 100 reads and writes, a handful of trips
    for chat in many:
        assert (await store.load_conversation(chat)).state == f"answer:{chat.chat_id}"


async def test_one_bad_write_fails_only_its_own_turn(store: SqlStore) -> None:
    good, bad, also_good = chats(3)
    unstorable = Conversation(bad, "menu", {"not json": {1, 2}})  # a set has no JSON form
    results = await asyncio.gather(
        store.save_turn(Conversation(good, "menu")),
        store.save_turn(unstorable),
        store.save_turn(Conversation(also_good, "menu")),
        return_exceptions=True,
    )
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], Exception)
    assert (await store.load_conversation(good)).state == "menu"
    assert (await store.load_conversation(also_good)).state == "menu"
    assert (await store.load_conversation(bad)).state == Conversation(bad).state


async def test_a_cancelled_caller_does_not_lose_or_block_the_others(store: SqlStore) -> None:
    first, second = chats(2)
    cancelled = asyncio.create_task(store.save_turn(Conversation(first, "menu")))
    other = asyncio.create_task(store.save_turn(Conversation(second, "menu")))
    await asyncio.sleep(0)
    cancelled.cancel()
    await other
    assert (await store.load_conversation(second)).state == "menu"


async def test_closing_finishes_the_writes_under_way(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'drain.db'}"
    store = await open_store(url)
    many = chats(20)
    saves = [asyncio.create_task(store.save_turn(Conversation(c, "menu"))) for c in many]
    await asyncio.sleep(0)
    await store.close()
    await asyncio.gather(*saves)
    again = await open_store(url)
    try:
        for chat in many:
            assert (await again.load_conversation(chat)).state == "menu"
    finally:
        await again.close()
