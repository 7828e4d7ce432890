"""Mapping Sild's logical threads (`ticket:12`) to a platform's own (a forum topic, a thread root).

Both directions are kept in the transport state table, so a restart keeps every ticket in its
topic or thread, and a facilitator's message in a topic finds its ticket again. A lock per thread
makes sure a topic is created once even when several messages for it go out at the same moment.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from typing import Protocol


class TransportState(Protocol):
    """Where transports keep small values across restarts (`SqlStore` is one)."""

    async def get_transport_value(self, platform: str, key: str) -> str | None:
        """A stored value, or None."""
        ...

    async def set_transport_value(self, platform: str, key: str, value: str) -> None:
        """Store a value, replacing the old one."""
        ...


def state_key(prefix: str, *parts: str) -> str:
    """A key for the transport state table (64 characters at most, unique for its parts)."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:48]
    return f"{prefix}{digest}"


class ThreadMap:
    """Logical thread ⇄ platform thread id, per chat, for one platform."""

    def __init__(self, store: TransportState, platform: str) -> None:
        self._store = store
        self._platform = platform
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    @staticmethod
    def _forward(chat_id: str, thread: str) -> str:
        return state_key("thread>", chat_id, thread)

    @staticmethod
    def _backward(chat_id: str, remote: str) -> str:
        return state_key("thread<", chat_id, remote)

    async def remote_id(
        self, chat_id: str, thread: str, create: Callable[[], Awaitable[str | None]]
    ) -> str | None:
        """The platform's id of `thread` in `chat_id`, created by `create()` the first time.

        `create` may return None (the chat cannot have threads); nothing is stored then.
        """
        lock = self._locks.setdefault((chat_id, thread), asyncio.Lock())
        async with lock:
            known = await self._store.get_transport_value(
                self._platform, self._forward(chat_id, thread)
            )
            if known is not None:
                return known
            remote = await create()
            if remote is not None:
                await self.remember(chat_id, thread, remote)
            return remote

    async def remember(self, chat_id: str, thread: str, remote: str) -> None:
        """Store both directions of a mapping."""
        await self._store.set_transport_value(
            self._platform, self._forward(chat_id, thread), remote
        )
        await self._store.set_transport_value(
            self._platform, self._backward(chat_id, remote), thread
        )

    async def remember_event(self, chat_id: str, remote: str, thread: str) -> None:
        """Remember that a platform message (not a thread root) belongs to `thread`."""
        await self._store.set_transport_value(
            self._platform, self._backward(chat_id, remote), thread
        )

    async def thread_for(self, chat_id: str, remote: str) -> str | None:
        """The logical thread a platform thread id belongs to, if Sild made it."""
        return await self._store.get_transport_value(
            self._platform, self._backward(chat_id, remote)
        )
