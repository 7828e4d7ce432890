"""Thread mapping: created once under concurrency, found again in both directions."""

from __future__ import annotations

import asyncio

from bot.storage.repository import SqlStore
from bot.threads import ThreadMap


async def test_created_once_and_mapped_both_ways(store: SqlStore) -> None:
    threads = ThreadMap(store, "telegram")
    created: list[int] = []

    async def create() -> str:
        await asyncio.sleep(0)
        created.append(1)
        return "77"

    ids = await asyncio.gather(*(threads.remote_id("-100", "ticket:5", create) for _ in range(10)))
    assert ids == ["77"] * 10 and len(created) == 1
    assert await threads.thread_for("-100", "77") == "ticket:5"
    assert await threads.thread_for("-100", "78") is None
    assert await ThreadMap(store, "telegram").remote_id("-100", "ticket:5", create) == "77"


async def test_chat_without_threads_stores_nothing(store: SqlStore) -> None:
    threads = ThreadMap(store, "telegram")

    async def cannot() -> None:
        return None

    assert await threads.remote_id("-100", "ticket:1", cannot) is None
    assert await threads.thread_for("-100", "ticket:1") is None
