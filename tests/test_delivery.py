"""The outbox: queued once, delivered once, retried on temporary failures, given up on permanent."""

from __future__ import annotations

from datetime import timedelta

from bot.core.messages import Button, ChatRef, Outbound, Platform
from bot.delivery import DeliveryError, Dispatcher
from bot.storage.models import OutboxMessage, utcnow
from bot.storage.repository import SqlStore

ANNA = ChatRef(Platform.TELEGRAM, "100")


def _message(text: str = "Reminder") -> Outbound:
    return Outbound(ANNA, text, ((Button("Menu", "menu"),),))


async def test_dedupe_key_queues_once_and_delivers_once(store: SqlStore) -> None:
    dispatcher = Dispatcher(store.sessions)
    sent: list[Outbound] = []

    async def sender(message: Outbound) -> None:
        sent.append(message)

    assert await dispatcher.enqueue([_message()], dedupe_key="reminder:1:100:24h") == 1
    assert await dispatcher.enqueue([_message()], dedupe_key="reminder:1:100:24h") == 0
    assert await dispatcher.deliver_due() == 0  # no sender registered yet: nothing lost
    dispatcher.register(Platform.TELEGRAM, sender)
    assert await dispatcher.deliver_due() == 1
    assert await dispatcher.deliver_due() == 0
    assert sent == [_message()]


async def test_temporary_failure_is_retried_later(store: SqlStore) -> None:
    now = utcnow()
    clock = [now]
    dispatcher = Dispatcher(store.sessions, clock=lambda: clock[0])
    attempts: list[str] = []

    async def flaky(message: Outbound) -> None:
        attempts.append(message.text)
        if len(attempts) == 1:
            raise DeliveryError("429", retry_after=30)

    dispatcher.register(Platform.TELEGRAM, flaky)
    await dispatcher.enqueue([_message()])
    assert await dispatcher.deliver_due() == 0
    assert await dispatcher.deliver_due() == 0  # not due yet
    clock[0] = now + timedelta(seconds=31)
    assert await dispatcher.deliver_due() == 1
    assert attempts == ["Reminder", "Reminder"]


async def test_permanent_failure_is_given_up(store: SqlStore) -> None:
    dispatcher = Dispatcher(store.sessions)

    async def blocked(message: Outbound) -> None:
        raise DeliveryError("Forbidden: bot was blocked by the user", permanent=True)

    dispatcher.register(Platform.TELEGRAM, blocked)
    await dispatcher.enqueue([_message()])
    await dispatcher.deliver_due()
    async with store.sessions() as session:
        row = await session.get(OutboxMessage, 1)
        assert row is not None and row.status == "failed" and "blocked" in (row.error or "")
