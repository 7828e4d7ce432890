"""Trust on Matrix: a fault schedule over a fake client, and refusals against the real Synapse.

The fault schedule: `/sync` fails (a lost connection, a 502, `M_LIMIT_EXCEEDED`) before each
batch arrives, and sending a reply is rate limited, fails with a 502, or fails for longer than the
retries last (then the outbox delivers it). Every reply arrives exactly once; the homeserver
deduplicates repeated transaction ids, as Synapse does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from nio import (
    DeviceList,
    DeviceOneTimeKeyCount,
    Rooms,
    RoomSendError,
    RoomSendResponse,
    SyncError,
    SyncResponse,
)

from bot.app import App
from bot.core.engine import Engine
from bot.core.messages import Platform
from bot.delivery import Dispatcher
from bot.settings import Settings
from bot.storage.repository import SqlStore
from bot.transports.matrix import MatrixTransport
from bot.transports.matrix.retry import Backoff
from bot.transports.matrix.state import MatrixState
from tests.transports.matrix.conftest import PASSWORD
from tests.transports.matrix.desk import choice, person, running_desk
from tests.transports.matrix.person import Person
from tests.transports.matrix.synapse import Synapse
from tests.transports.matrix.test_transport import (
    ANNA,
    DM,
    SILD,
    FakeClient,
    FakeRoom,
    own_join,
    text,
)


class Homeserver(FakeClient):
    """A fake client whose server keeps each transaction once, as a homeserver does."""

    def __init__(self) -> None:
        super().__init__()
        self.delivered: list[str] = []
        self._transactions: set[str] = set()

    async def room_send(
        self, room_id: str, message_type: str, content: dict[str, Any], tx_id: str, **_: Any
    ) -> Any:
        answer = await super().room_send(room_id, message_type, content, tx_id)
        if isinstance(answer, RoomSendResponse) and tx_id not in self._transactions:
            self._transactions.add(tx_id)
            self.delivered.append(content["body"])
        return answer


def batch(token: str, *events: Any) -> SyncResponse:
    """A sync response with new events in the direct room."""
    info = SimpleNamespace(timeline=SimpleNamespace(events=list(events), limited=False))
    rooms = Rooms({}, {DM: info}, {})  # type: ignore[dict-item]
    return SyncResponse(token, rooms, DeviceOneTimeKeyCount(None, None), DeviceList([], []), [], [])


def error(errcode: str, status: int | None, retry_after_ms: int | None = None) -> Any:
    answer = RoomSendError("error", errcode, retry_after_ms, room_id=DM)
    answer.transport_response = SimpleNamespace(status=status) if status else None
    return answer


def sync_error(errcode: str, status: int | None, retry_after_ms: int | None = None) -> Any:
    answer = SyncError("error", errcode, retry_after_ms)
    answer.transport_response = SimpleNamespace(status=status) if status else None
    return answer


async def test_a_fault_schedule_delivers_every_reply_once(
    store: SqlStore, engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        matrix_homeserver="https://example.org",
        matrix_user="sild",
        matrix_password="secret",
    )
    dispatcher = Dispatcher(store.sessions, base_delay=0.01)
    app = SimpleNamespace(settings=settings, store=store, engine=engine, dispatcher=dispatcher)
    backoff = Backoff(base=0.001, cap=0.01, max_attempts=4)
    matrix = MatrixTransport(app, backoff=backoff)  # type: ignore[arg-type]
    client = Homeserver()
    client.rooms[DM] = FakeRoom(DM, [SILD, ANNA])
    matrix._client = client  # type: ignore[assignment]
    dispatcher.register(Platform.MATRIX, matrix.deliver)
    client.syncs = [
        aiohttp.ClientConnectionError("connection refused"),
        sync_error("M_UNKNOWN", 502),
        sync_error("M_LIMIT_EXCEEDED", 429, retry_after_ms=5),
        batch("s2", own_join()),
        sync_error("M_LIMIT_EXCEEDED", None, retry_after_ms=5),
        batch("s3", text("4", "$english")),
        TimeoutError(),
        batch("s4", text("1", "$finland")),
    ]
    client.script = [
        error("M_LIMIT_EXCEEDED", 429, retry_after_ms=5),  # the welcome: rate limited,
        error("M_UNKNOWN", 502),  # then a server error, then it goes through
        *[error("M_UNKNOWN", 503)] * backoff.max_attempts,  # the country question: down for long
    ]
    matrix._since = "s1"
    matrix._task = asyncio.create_task(matrix._sync_loop())
    state = MatrixState(store)
    for _ in range(10_000):  # the faults are waited out quickly; this only bounds a hang
        if await state.next_batch() == "s4":
            break
        await asyncio.sleep(0.01)
    while await dispatcher.deliver_due():
        pass
    await matrix.stop()

    bodies = client.delivered
    assert len(bodies) == 3  # welcome, country question, main menu: each once
    assert sum("choose your language" in body for body in bodies) == 1
    assert sum("Where do you live" in body for body in bodies) == 1  # late, through the outbox
    assert sum("What would you like to know" in body for body in bodies) == 1
    assert client.sync_calls[:4] == ["s1"] * 4


# --- against Synapse ---------------------------------------------------------------------------


@pytest.fixture
async def place(
    synapse: Synapse, tmp_path: Path
) -> AsyncIterator[tuple[App, Person, Person, Person, str]]:
    """Sild with a facilitator room in which a stranger also sits, and a person to help."""
    bot_name = synapse.unique_name("sild")
    synapse.register(bot_name, PASSWORD)
    bot_id = f"@{bot_name}:localhost"
    mari = await person(synapse, tmp_path, bot_id, "mari")
    eve = await person(synapse, tmp_path, bot_id, "eve")
    room = await mari.open_direct_chat(bot_id, encrypted=False)
    invited = await mari.client.room_invite(room, eve.client.user_id)
    assert not hasattr(invited, "status_code"), invited
    joined = await eve.client.join(room)
    assert not hasattr(joined, "status_code"), joined
    async with running_desk(synapse, tmp_path, bot_name, room, mari) as app:
        olga = await person(synapse, tmp_path, bot_id, "olga")
        try:
            yield app, mari, eve, olga, room
        finally:
            for someone in (olga, eve, mari):
                await someone.stop()


async def _reply_containing(person: Person, needle: str) -> Any:
    """The next message of Sild's that contains `needle` (the person also sees the room)."""
    for _ in range(20):
        message = await person.reply()
        if needle in message.body:
            return message
    raise AssertionError(f"no message with {needle!r}")


@pytest.mark.slow
async def test_a_non_facilitator_is_refused_in_the_room_and_in_a_direct_chat(
    place: tuple[App, Person, Person, Person, str],
) -> None:
    app, mari, eve, olga, room = place
    bot_id = f"@{app.settings.matrix_user}:localhost"
    direct = await olga.open_direct_chat(bot_id, encrypted=True)
    welcome = await olga.reply()
    await olga.say(direct, choice(welcome.body, "English"))
    country = await olga.reply()
    await olga.say(direct, choice(country.body, "Finland"))
    menu = await olga.reply()
    await olga.say(direct, choice(menu.body, "Talk to a person"))
    await olga.reply()
    await olga.say(direct, "zebra-quartz: help with my papers")
    await olga.reply()
    note = await mari.reply()
    assert "#1" in note.body
    assert app.events is not None
    event_id = (await app.events.store.listed())[0].id

    attempts = [
        "!claim 1",
        "!close 1",
        "!unclaim 1",
        f"!handover 1 matrix:{eve.client.user_id}",
        "!preserve 1",
        "!reply 1 I answer instead",
        "!tickets",
        f"/signups {event_id}",
        f"/export {event_id}",
        f"/broadcast {event_id} hello",
        f"/cancel_event {event_id}",
        "/events",
    ]
    for attempt in attempts:
        await eve.say(room, attempt)
    # Sild answers the room's messages in order: the first thing it says now is Mari's answer.
    await mari.say(room, "!tickets")
    listing = await mari.reply()
    assert "#1 · waiting" in listing.body
    ticket = await app.desk.tickets.get_ticket(1)
    assert ticket is not None and ticket.status == "waiting" and not ticket.preserve
    assert not any(state.cancelled for state in await app.events.store.all_events())

    # In her own direct chat the stranger is told no, and sees nothing of anyone.
    bot_chat = await eve.open_direct_chat(bot_id, encrypted=False)
    eve_welcome = await _reply_containing(eve, "choose your language")  # skip the room's
    await eve.say(bot_chat, choice(eve_welcome.body, "English"))
    eve_country = await eve.reply()
    await eve.say(bot_chat, choice(eve_country.body, "Finland"))
    await eve.reply()
    await eve.say(bot_chat, f"/signups {event_id}")
    refused = await eve.reply()
    assert "only facilitators" in refused.body
    await eve.say(bot_chat, "!claim 1")
    unknown = await eve.reply()
    assert "zebra" not in unknown.body and "#1" not in unknown.body
