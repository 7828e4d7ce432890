"""Handoff over Telegram: a person asks for help, a facilitator answers from the group's topic."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_desk
from bot.core.engine import Engine
from bot.core.ports import UserProfile
from bot.delivery import Dispatcher
from bot.i18n import translations
from bot.knowledge import Library
from bot.storage.repository import SqlStore
from bot.storage.tickets import SqlTicketStore
from bot.transports.telegram.transport import TelegramTransport
from tests.transports.telegram import conftest as harness
from tests.transports.telegram.conftest import FAST_RETRY, telegram_settings
from tests.transports.telegram.fake_bot_api import FakeBotApi, user

pytestmark = pytest.mark.slow

GROUP = -1001234
ANNA = 900
PERSON = 4242


@pytest.fixture
async def handoff(
    bot_api: FakeBotApi, store: SqlStore, library: Library, tmp_path: Path
) -> AsyncIterator[tuple[FakeBotApi, Dispatcher, SqlTicketStore]]:
    settings = telegram_settings(
        bot_api,
        telegram_facilitator_chat=str(GROUP),
        facilitators=f"telegram:{ANNA}=Anna",
        office_hours="Mon-Sun 00:00-23:59",
    )
    tickets = SqlTicketStore(store.sessions)
    desk = build_desk(settings, tickets)
    dispatcher = Dispatcher(store.sessions)
    engine = Engine(store, lambda: library, translations, dispatcher, desk)
    transport = TelegramTransport(
        harness.TestApp(settings, engine, store, dispatcher), retry=FAST_RETRY
    )
    await transport.start()
    delivery = asyncio.create_task(dispatcher.run(interval=0.05))
    try:
        yield bot_api, dispatcher, tickets
    finally:
        delivery.cancel()
        await transport.stop()


async def _ask_for_a_person(api: FakeBotApi, person: dict[str, object]) -> None:
    """Open the menu and press "Talk to a person"."""
    await api.text(person, "/menu")
    await api.wait_until(lambda: bool(api.sent(PERSON)))
    menu = api.sent(PERSON)[-1]
    await api.press(person, menu, "human")
    await api.wait_until(lambda: len(api.sent(PERSON)) >= 2 or menu.edits > 0)


async def test_ticket_in_its_own_topic_answered_from_the_group(
    handoff: tuple[FakeBotApi, Dispatcher, SqlTicketStore], store: SqlStore
) -> None:
    api, _, tickets = handoff
    api.forums.add(GROUP)
    await store.save_user(UserProfile("telegram", str(PERSON), "ru", "EE"))
    person = user(PERSON, "Ольга <script>", "ru")
    anna = user(ANNA, "Anna", "et")
    await _ask_for_a_person(api, person)
    await api.text(person, "Нужна помощь с работой")
    await api.wait_until(lambda: any(m.thread_id for m in api.sent(GROUP)))
    note = next(m for m in api.sent(GROUP) if m.thread_id)
    assert "#1" in note.text and "&lt;script&gt;" in note.html
    topic = note.thread_id
    assert api.topics[(GROUP, topic)].startswith("#1")

    # Several messages at once still make one topic.
    await asyncio.gather(*(api.text(person, f"ещё {n}") for n in range(3)))
    await api.wait_until(lambda: sum("ещё" in m.text for m in api.sent(GROUP)) == 3)
    assert len([key for key in api.topics if key[0] == GROUP]) == 1
    assert all(m.thread_id == topic for m in api.sent(GROUP))

    claim = next(
        b["callback_data"] for b in note.buttons() if b["callback_data"].startswith("tk:claim")
    )
    await api.press(anna, note, claim)
    await api.wait_until(lambda: "Anna" in api.topics[(GROUP, topic)])

    # A stranger in the group cannot answer.
    await api.text(user(666, "Eve"), "I am not a facilitator", GROUP, thread_id=topic)
    await api.text(anna, "Здравствуйте, я Анна. Чем помочь?", GROUP, thread_id=topic)
    await api.wait_until(lambda: any("Чем помочь" in m.text for m in api.sent(PERSON)))
    assert not any("not a facilitator" in m.text for m in api.sent(PERSON))
    answer = next(m for m in api.sent(PERSON) if "Чем помочь" in m.text)
    assert "Anna" in answer.text

    await api.text(anna, "close", GROUP, thread_id=topic)
    await api.wait_until(lambda: any("1 до 5" in m.text for m in api.sent(PERSON)))
    ticket = await tickets.get_ticket(1)
    assert ticket is not None and ticket.status == "closed"


async def test_group_without_topics_gets_plain_messages_and_replies_work(
    handoff: tuple[FakeBotApi, Dispatcher, SqlTicketStore], store: SqlStore
) -> None:
    api, _, tickets = handoff
    await store.save_user(UserProfile("telegram", str(PERSON), "en", "FI"))
    person = user(PERSON, "Olga", "en")
    anna = user(ANNA, "Anna", "en")
    await _ask_for_a_person(api, person)
    await api.text(person, "help with Kela please")
    await api.wait_until(lambda: any("#1" in m.text for m in api.sent(GROUP)))
    note = next(m for m in api.sent(GROUP) if "#1" in m.text)
    assert note.thread_id is None
    await api.text(anna, "Hi Olga, Anna here.", GROUP, reply_to=note)
    await api.wait_until(lambda: any("Anna here" in m.text for m in api.sent(PERSON)))
    ticket = await tickets.get_ticket(1)
    assert (
        ticket is not None
        and ticket.status == "claimed"
        and ticket.claimed_by == f"telegram:{ANNA}"
    )
