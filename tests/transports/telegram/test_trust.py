"""Trust over the real Telegram transport and the fake Bot API: refusals, faults, privacy.

- Everything only facilitators may do is refused to anyone else, in the facilitators' group and
  in a private chat, and nothing of the person whose request it is leaks.
- A fault schedule on `sendMessage` (5xx, 429, a timeout, a lost answer, Telegram down for longer
  than the retries): every reply arrives exactly once, some late, none never.
- `/mydata` arrives as a JSON document.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

import bot.transports.telegram.transport as telegram_transport
from bot.core.messages import ChatRef, Platform
from bot.i18n import translations
from bot.knowledge import Library
from bot.storage.models import OutboxMessage
from bot.storage.repository import SqlStore
from tests.transports.telegram import conftest as telegram_harness
from tests.transports.telegram.conftest import FAST_RETRY, Harness, telegram_settings
from tests.transports.telegram.fake_bot_api import FakeBotApi, user
from tests.trust import ANNA, CAFE, GROUP, SMALL, World, make_world

pytestmark = pytest.mark.slow

PERSON = 4242
STRANGER = 666
GROUP_ID = int(GROUP.chat_id)
SECRETS = ("zebra-quartz", "Ülle Kõiv")


@pytest.fixture
async def tg(
    bot_api: FakeBotApi, store: SqlStore, library: Library, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Harness, World]]:
    # A short read timeout, so the fault schedule's "timeout" does not take long.
    monkeypatch.setattr(telegram_transport, "READ_TIMEOUT", 0.5)
    world = await make_world(store, library, retry_delay=0.05)
    settings = telegram_settings(
        bot_api,
        telegram_facilitator_chat=GROUP.chat_id,
        facilitators=f"telegram:{ANNA}=Anna,matrix:@mari:example.org=Mari",
    )
    app = telegram_harness.TestApp(settings, world.engine, store, world.dispatcher)
    transport = telegram_transport.TelegramTransport(app, retry=FAST_RETRY)
    await transport.start()
    delivery = asyncio.create_task(world.dispatcher.run(interval=0.05))
    try:
        yield Harness(bot_api, transport, app), world
    finally:
        delivery.cancel()
        await transport.stop()


async def _wait_for_more(api: FakeBotApi, chat_id: int, before: int) -> None:
    """Wait (without a time limit that matters) until a new message is in the chat."""
    await api.wait_until(lambda: len(api.sent(chat_id)) > before, patience=120)


async def _outbox_size(store: SqlStore) -> int:
    async with store.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def _person_with_a_request(harness: Harness, world: World) -> None:
    """The person signs up for the café with their name and asks for a person."""
    me = ChatRef(Platform.TELEGRAM, str(PERSON))
    person = harness.person(PERSON, "Ülle")
    await person.says("/start")
    await person.presses("Finland")
    await world.press(me, str(PERSON), f"join:{CAFE}")
    await world.press(me, str(PERSON), "ad:1")
    await world.press(me, str(PERSON), "ch:0")
    await world.say(me, str(PERSON), "Ülle Kõiv")
    await person.presses("Talk to a person")
    await person.says("zebra-quartz: I need help")
    api = harness.api
    await api.wait_until(lambda: any("#1" in m.text for m in api.sent(GROUP_ID)))


GROUP_ATTEMPTS = [
    "/claim 1",
    "!claim 1",
    "/close 1",
    "/unclaim 1",
    "/handover 1 telegram:666",
    "/preserve 1",
    "/unpreserve 1",
    "/tickets",
    "/reply 1 I am not a facilitator",
    f"/signups {CAFE}",
    f"/export {CAFE}",
    f"/broadcast {CAFE} hello everyone",
    f"/cancel_event {SMALL}",
    "/events",
]
REPLY_ATTEMPTS = ["claim", "close", "preserve", "hello, I answer instead"]
BUTTON_ATTEMPTS = ["tk:claim:1", "tk:close:1", "tk:unclaim:1", f"fsu:{CAFE}", f"fcsv:{CAFE}"]
BUTTON_ATTEMPTS += [f"fcx:{SMALL}"]


async def test_a_non_facilitator_is_refused_every_facilitator_action(
    tg: tuple[Harness, World],
) -> None:
    harness, world = tg
    api = harness.api
    await _person_with_a_request(harness, world)
    note = next(m for m in api.sent(GROUP_ID) if "#1" in m.text)
    in_group, to_person = len(api.sent(GROUP_ID)), len(api.sent(PERSON))
    queued = await _outbox_size(world.store)
    eve = user(STRANGER, "Eve", "en")

    for text in GROUP_ATTEMPTS:
        await api.text(eve, text, GROUP_ID)
    for text in REPLY_ATTEMPTS:
        await api.text(eve, text, GROUP_ID, reply_to=note)
    for data in BUTTON_ATTEMPTS:
        await api.press(eve, note, data)
    await harness.settle()
    assert len(api.sent(GROUP_ID)) == in_group  # not a word in the group
    assert await _outbox_size(world.store) == queued  # and nothing queued for anyone

    # The same from a private chat: refused politely, with nothing of anyone else's.
    stranger = harness.person(STRANGER, "Eve")
    await stranger.says("/start")
    await stranger.presses("Finland")
    refusals: list[str] = []
    for text in GROUP_ATTEMPTS:
        refusals += [event.text for event in await stranger.says(text)]
    own = api.sent(STRANGER)[-1]
    for data in BUTTON_ATTEMPTS:
        before = len(stranger.events)
        await api.press(eve, own, data)
        await harness.settle()
        refusals += [event.text for event in stranger.events[before:]]
    only = translations("en").gettext("Sorry, only facilitators can do that.")
    assert sum(only in text for text in refusals) >= 7  # /signups, /export, … and their buttons
    assert not any(secret in text for text in refusals for secret in SECRETS)
    assert not any("#1 ·" in text for text in refusals)  # not even the list of requests
    assert api.requests("sendDocument", STRANGER) == []  # no CSV export
    assert len(api.sent(PERSON)) == to_person  # the person heard nothing from the stranger

    ticket = await world.tickets.get_ticket(1)
    assert ticket is not None and ticket.status == "waiting" and not ticket.preserve
    for event_id in (CAFE, SMALL):
        state = await world.events.store.get(event_id)
        assert state is not None and not state.cancelled
    mine = await world.events.store.sign_up_of(CAFE, "telegram", str(PERSON))
    assert mine is not None and mine.name == "Ülle Kõiv"

    # The same command from a facilitator works: the refusals were not a broken path.
    await api.text(user(int(ANNA), "Anna"), "/preserve 1", GROUP_ID)
    await harness.settle()
    assert "#1 is preserved" in api.sent(GROUP_ID)[-1].text


SCHEDULE: list[tuple[str, str, dict[str, Any]]] = [
    ("/menu", "two 502s", {"status": 502, "description": "Bad Gateway", "times": 2}),
    (
        "/help",
        "a 429",
        {"status": 429, "description": "Too Many Requests: retry after 1", "retry_after": 1},
    ),
    ("/privacy", "a timeout (Telegram slow, carries it out)", {"status": 200, "delay": 1.5}),
    ("/country", "the answer lost on the way back", {"status": 200, "drop": True}),
    (
        "/language",
        "Telegram down for longer than the retries",
        {"status": 500, "description": "Internal Server Error", "times": FAST_RETRY.attempts + 2},
    ),
    ("/menu", "a 503 and a 502", {"status": 503, "description": "Unavailable", "times": 1}),
]
"""Each message the person sends, with the faults `sendMessage` answers its reply with."""


async def test_a_fault_schedule_delivers_every_reply_once_late_rather_than_never(
    tg: tuple[Harness, World],
) -> None:
    harness, _ = tg
    api = harness.api
    person = await harness.onboarded(PERSON)
    expected: list[str] = []
    for text, _, fault in SCHEDULE:
        options = dict(fault)
        status, description = options.pop("status"), options.pop("description", "")
        api.fail("sendMessage", status, description, chat_id=PERSON, **options)
        before = len(api.sent(PERSON))
        await api.text(person.user, text)
        await _wait_for_more(api, PERSON, before)
        expected.append(api.sent(PERSON)[-1].text)
    await harness.settle()
    await asyncio.sleep(0)  # let the outbox finish what it started
    texts = [m.text for m in api.sent(PERSON)]
    assert len(texts) == len(SCHEDULE)  # one reply per message: none lost, none twice
    assert texts == expected
    assert "Your privacy in Sild" in texts[2] and "Where do you live" in texts[3]
    assert texts[4].startswith("Tere! · Hei!")  # the language question, through the outbox
    failed = [c for c in api.requests("sendMessage", PERSON) if c.status >= 500]
    assert len(failed) == 2 + (FAST_RETRY.attempts + 2) + 1


async def test_mydata_arrives_as_a_json_document(tg: tuple[Harness, World]) -> None:
    harness, world = tg
    api = harness.api
    await _person_with_a_request(harness, world)
    await harness.person(PERSON).says("/end")
    await harness.person(PERSON).says("/mydata")
    (document,) = api.requests("sendDocument", PERSON)
    assert document.status == 200
    ((chat, filename, body),) = api.documents
    assert (chat, filename) == (PERSON, "sild-my-data.json")
    data = json.loads(body)
    assert data["user_id"] == str(PERSON) and data["requests_to_a_person"][0]["messages"]
    assert any(s["name"] == "Ülle Kõiv" for s in data["sign_ups"])
