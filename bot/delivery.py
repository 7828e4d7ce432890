"""Reliable delivery of the messages Sild sends on its own: reminders, notices, relayed replies.

`Dispatcher.enqueue` writes messages to the `outbox` table (idempotently, by a dedupe key) and
returns at once; `Dispatcher.run` delivers due messages through the sender each transport
registered for its platform, retrying temporary failures with backoff and giving up on permanent
ones (a person who blocked the bot). A message is marked sent only after its sender returned, so
a crash at the wrong moment can repeat a message once but never lose one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.messages import Button, ChatRef, Outbound, Platform
from bot.storage.models import OutboxMessage, utcnow

log = logging.getLogger(__name__)

Sender = Callable[[Outbound], Awaitable[None]]
"""Delivers one message on one platform; raises `DeliveryError` when it could not."""


class DeliveryError(Exception):
    """A message could not be delivered. `permanent` means retrying will not help."""

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(reason)
        self.permanent = permanent
        self.retry_after = retry_after


def _buttons_to_json(message: Outbound) -> list[list[list[str]]]:
    return [[[b.label, b.action] for b in row] for row in message.buttons]


def _row_to_outbound(row: OutboxMessage) -> Outbound:
    buttons = tuple(tuple(Button(label, action) for label, action in r) for r in row.buttons)
    chat = ChatRef(Platform(row.platform), row.chat_id)
    return Outbound(chat, row.text, buttons, thread=row.thread, thread_title=row.thread_title)


class Dispatcher:
    """The outbox and its delivery worker."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        max_attempts: int = 8,
        base_delay: float = 2.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._senders: dict[Platform, Sender] = {}
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._clock = clock
        self._wake = asyncio.Event()
        self.on_give_up: Callable[[Outbound, str | None, str], Awaitable[None]] | None = None
        """Called when a message is given up on (to report it where it belongs)."""

    def register(self, platform: Platform, sender: Sender) -> None:
        """Deliver messages for `platform` through `sender` (a transport calls this at start)."""
        self._senders[platform] = sender
        self._wake.set()

    async def enqueue(
        self,
        messages: Sequence[Outbound],
        *,
        dedupe_key: str | None = None,
        not_before: datetime | None = None,
    ) -> int:
        """Queue messages for delivery; a dedupe key already used queues nothing again."""
        queued = 0
        when = not_before or self._clock()
        for number, message in enumerate(messages):
            key = None
            if dedupe_key is not None:
                key = dedupe_key if len(messages) == 1 else f"{dedupe_key}#{number}"
            row = OutboxMessage(
                dedupe_key=key,
                platform=message.to.platform.value,
                chat_id=message.to.chat_id,
                text=message.text,
                buttons=_buttons_to_json(message),
                thread=message.thread,
                thread_title=message.thread_title,
                status="pending",
                attempts=0,
                not_before=when,
                created=self._clock(),
            )
            try:
                async with self._sessions.begin() as session:
                    session.add(row)
                queued += 1
            except IntegrityError:
                continue  # queued before: exactly once
        if queued:
            self._wake.set()
        return queued

    async def deliver_due(self, limit: int = 100) -> int:
        """Deliver the messages that are due and have a sender; returns how many were sent."""
        if not self._senders:
            return 0
        now = self._clock()
        async with self._sessions() as session:
            rows = list(
                await session.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.status == "pending",
                        OutboxMessage.not_before <= now,
                        OutboxMessage.platform.in_([p.value for p in self._senders]),
                    )
                    .order_by(OutboxMessage.id)
                    .limit(limit)
                )
            )
        sent = 0
        for row in rows:
            sent += await self._deliver(row)
        return sent

    async def _deliver(self, row: OutboxMessage) -> int:
        sender = self._senders[Platform(row.platform)]
        try:
            await sender(_row_to_outbound(row))
        except DeliveryError as exc:
            await self._failed(row, exc)
            return 0
        except Exception as exc:
            log.exception("sending outbox message %s failed unexpectedly", row.id)
            await self._failed(row, DeliveryError(type(exc).__name__))
            return 0
        async with self._sessions.begin() as session:
            stored = await session.get(OutboxMessage, row.id)
            if stored is not None:
                stored.status, stored.sent_at, stored.attempts = (
                    "sent",
                    self._clock(),
                    row.attempts + 1,
                )
        return 1

    async def _failed(self, row: OutboxMessage, exc: DeliveryError) -> None:
        attempts = row.attempts + 1
        give_up = exc.permanent or attempts >= self._max_attempts
        delay = exc.retry_after or self._base_delay * 2 ** min(attempts - 1, 10)
        async with self._sessions.begin() as session:
            stored = await session.get(OutboxMessage, row.id)
            if stored is None:
                return
            stored.attempts = attempts
            stored.error = str(exc)[:500]
            if give_up:
                stored.status = "failed"
                log.warning(
                    "outbox message %s given up after %d attempts: %s", row.id, attempts, exc
                )
            else:
                stored.not_before = self._clock() + timedelta(seconds=delay)
        if give_up and self.on_give_up is not None:
            try:
                await self.on_give_up(_row_to_outbound(row), row.dedupe_key, str(exc)[:200])
            except Exception:
                log.exception("reporting the undelivered outbox message %s failed", row.id)

    async def run(self, interval: float = 1.0) -> None:
        """Deliver due messages until cancelled, waking early when something is queued."""
        while True:
            try:
                while await self.deliver_due():
                    pass
            except Exception:
                log.exception("outbox delivery pass failed; trying again")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=interval)
