"""The transport's event handling over a fake nio client and the real engine and database.

What the end-to-end tests cannot easily provoke: a batch handled twice (a crash before the sync
token was stored), a rate-limited send repeated with the same transaction id, rooms where Sild
stays quiet.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from nio import (
    DeviceList,
    DeviceOneTimeKeyCount,
    Event,
    Rooms,
    RoomSendError,
    RoomSendResponse,
    SyncError,
    SyncResponse,
)

from bot.core.engine import Engine
from bot.core.flows.handoff import HandoffDesk
from bot.core.messages import ChatRef, Platform
from bot.i18n import translations
from bot.knowledge import Library
from bot.office_hours import parse_office_hours
from bot.settings import Settings
from bot.storage.repository import SqlStore
from bot.storage.tickets import SqlTicketStore
from bot.transports.matrix.retry import Backoff
from bot.transports.matrix.state import MatrixState
from bot.transports.matrix.transport import MatrixTransport, server_of, transaction_id

SILD = "@sild:example.org"
ANNA = "@anna:example.org"
DM = "!dm:example.org"


def parse(type: str, content: dict[str, Any], *, sender: str = ANNA, id: str, **extra: Any) -> Any:
    return Event.parse_event(
        {
            "type": type,
            "event_id": id,
            "sender": sender,
            "origin_server_ts": 1,
            "content": content,
            **extra,
        }
    )


def text(body: str, id: str, sender: str = ANNA) -> Any:
    return parse("m.room.message", {"msgtype": "m.text", "body": body}, id=id, sender=sender)


def own_join(id: str = "$join") -> Any:
    return parse("m.room.member", {"membership": "join"}, sender=SILD, id=id, state_key=SILD)


class FakeRoom:
    def __init__(self, room_id: str, users: list[str]) -> None:
        self.room_id = room_id
        self.users = dict.fromkeys(users)
        self.encrypted = False

    @property
    def member_count(self) -> int:
        return len(self.users)

    def user_name(self, user_id: str) -> str | None:
        return None


class FakeClient:
    """Answers `room_send` from a script (default: success) and records every call."""

    def __init__(self) -> None:
        self.user_id = SILD
        self.rooms: dict[str, FakeRoom] = {}
        self.outgoing_key_requests: dict[str, Any] = {}
        self.sent: list[tuple[str, dict[str, Any], str]] = []
        self.script: list[Any] = []
        self.syncs: list[Any] = []  # answers to `sync`: a response, an exception, or "hang"
        self.sync_calls: list[str | None] = []
        self.invited_rooms: dict[str, Any] = {}
        self.should_upload_keys = self.should_query_keys = self.should_claim_keys = False
        self.closed = False

    async def sync(self, since: str | None = None, **_: Any) -> Any:
        self.sync_calls.append(since)
        answer = self.syncs.pop(0) if self.syncs else "hang"
        if answer == "hang":
            await asyncio.Event().wait()
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def send_to_device_messages(self) -> list[Any]:
        return []

    async def close(self) -> None:
        self.closed = True

    async def room_send(
        self, room_id: str, message_type: str, content: dict[str, Any], tx_id: str, **_: Any
    ) -> Any:
        self.sent.append((room_id, content, tx_id))
        if self.script:
            return self.script.pop(0)
        return RoomSendResponse(f"$reply{len(self.sent)}", room_id)


def timeline(*events: Any) -> Any:
    return SimpleNamespace(timeline=SimpleNamespace(events=list(events), limited=False))


@pytest.fixture
def transport(store: SqlStore, engine: Engine, tmp_path: Path) -> MatrixTransport:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        matrix_homeserver="https://example.org",
        matrix_user="sild",
        matrix_password="secret",
        matrix_facilitator_room="!facilitators:example.org",
    )
    app = SimpleNamespace(settings=settings, store=store, engine=engine, dispatcher=None)
    matrix = MatrixTransport(app, backoff=Backoff(base=0.001, cap=0.01))  # type: ignore[arg-type]
    client = FakeClient()
    client.rooms[DM] = FakeRoom(DM, [SILD, ANNA])
    matrix._client = client  # type: ignore[assignment]
    matrix._facilitator_room = "!facilitators:example.org"
    return matrix


def sent(matrix: MatrixTransport) -> list[tuple[str, dict[str, Any], str]]:
    return matrix.client.sent  # type: ignore[no-any-return]


async def test_joining_starts_onboarding_and_history_before_the_join_is_ignored(
    transport: MatrixTransport,
) -> None:
    transport._inviters[DM] = ANNA
    await transport._on_room_events(DM, timeline(text("said before Sild came", "$old"), own_join()))
    (only,) = sent(transport)
    assert "choose your language" in only[1]["body"]
    assert only[2] == transaction_id("$join", 0)


async def test_a_batch_handled_again_after_a_crash_is_not_answered_twice(
    transport: MatrixTransport, store: SqlStore
) -> None:
    batch = timeline(own_join(), text("2", "$m1"))
    await transport._on_room_events(DM, batch)
    assert len(sent(transport)) == 2
    assert await MatrixState(store).last_event(DM) == "$m1"
    # The same batch again, as after a crash before `next_batch` was stored, plus a new message:
    await transport._on_room_events(DM, timeline(own_join(), text("2", "$m1"), text("1", "$m2")))
    assert len(sent(transport)) == 3
    assert sent(transport)[-1][2] == transaction_id("$m2", 0)


async def test_a_rate_limited_reply_is_repeated_with_the_same_transaction_id(
    transport: MatrixTransport,
) -> None:
    limited = RoomSendError("slow down", "M_LIMIT_EXCEEDED", 5, room_id=DM)
    transport.client.script = [limited]
    await transport._on_room_events(DM, timeline(own_join()))
    first, second = sent(transport)
    assert first[2] == second[2] == transaction_id("$join", 0)
    assert first[1] == second[1]


async def test_sild_stays_quiet_in_group_rooms_and_the_facilitator_room(
    transport: MatrixTransport, store: SqlStore, library: Library
) -> None:
    # The facilitator room is a place of the handoff desk: someone who is not a facilitator
    # saying hello there gets no answer.
    desk = HandoffDesk(
        tickets=SqlTicketStore(store.sessions),
        hours=parse_office_hours("Mon-Fri 09:00-17:00", "Europe/Helsinki"),
        places=(ChatRef(Platform.MATRIX, "!facilitators:example.org"),),
    )
    transport._app.engine = Engine(store, lambda: library, translations, None, desk)  # type: ignore[misc]
    group = "!group:example.org"
    transport.client.rooms[group] = FakeRoom(group, [SILD, ANNA, "@boris:example.org"])
    facilitators = "!facilitators:example.org"
    transport.client.rooms[facilitators] = FakeRoom(facilitators, [SILD, ANNA])
    for room in (group, facilitators):
        await transport._on_room_events(room, timeline(own_join(), text("hello", "$hi")))
    assert sent(transport) == []


async def test_undecryptable_message_is_answered_and_its_key_requested(
    transport: MatrixTransport,
) -> None:
    requested: list[str] = []

    async def request_room_key(event: Any) -> Any:
        requested.append(event.session_id)
        return SimpleNamespace()

    transport.client.request_room_key = request_room_key  # type: ignore[attr-defined]
    megolm = parse(
        "m.room.encrypted",
        {
            "algorithm": "m.megolm.v1.aes-sha2",
            "ciphertext": "AwgA",
            "sender_key": "key",
            "session_id": "lost-session",
            "device_id": "PHONE",
        },
        id="$secret",
    )
    await transport._on_room_events(DM, timeline(megolm))
    (reply,) = sent(transport)
    assert "could not decrypt" in reply[1]["body"]
    assert requested == ["lost-session"]


def sync_response(token: str) -> SyncResponse:
    return SyncResponse(
        token, Rooms({}, {}, {}), DeviceOneTimeKeyCount(None, None), DeviceList([], []), [], []
    )


async def test_sync_errors_and_a_lost_connection_are_waited_out(
    transport: MatrixTransport,
) -> None:
    bad_gateway = SyncError("bad gateway", "M_UNKNOWN")
    bad_gateway.transport_response = SimpleNamespace(status=502)
    limited = SyncError("slow down", "M_LIMIT_EXCEEDED", retry_after_ms=10)
    transport.client.syncs = [
        aiohttp.ClientConnectionError("connection refused"),
        bad_gateway,
        limited,
        sync_response("s2"),
    ]
    response = await transport._sync_until_ok("s1", 1000)
    assert response is not None and response.next_batch == "s2"
    assert transport.client.sync_calls == ["s1"] * 4


async def test_the_token_is_stored_after_the_batch_and_stop_is_prompt(
    transport: MatrixTransport, store: SqlStore
) -> None:
    transport._since = "s1"
    transport.client.syncs = [sync_response("s2")]  # then the next long poll hangs
    transport._task = asyncio.create_task(transport._sync_loop())
    for _ in range(200):
        if await MatrixState(store).next_batch() == "s2":
            break
        await asyncio.sleep(0.01)
    assert await MatrixState(store).next_batch() == "s2"
    assert transport.client.sync_calls[-1] == "s2"
    client = transport.client
    began = time.monotonic()
    await transport.stop()
    assert time.monotonic() - began < 1 and client.closed


def test_transaction_ids_are_stable_and_safe_in_a_url() -> None:
    assert transaction_id("$abc:example.org", 1) == transaction_id("$abc:example.org", 1)
    assert transaction_id("$abc:example.org", 1) != transaction_id("$abc:example.org", 2)
    assert transaction_id("$a/b?c", 0).replace(".", "").isalnum()


def test_server_of_a_user_id() -> None:
    assert server_of("@Anna:Example.ORG") == "example.org"
    assert server_of("@anna:localhost:8448") == "localhost:8448"
