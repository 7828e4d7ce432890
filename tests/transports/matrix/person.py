"""A person on Matrix for end-to-end tests: a second matrix-nio client, with encryption."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from pathlib import Path
from typing import Any

from nio import (
    Api,
    AsyncClient,
    AsyncClientConfig,
    LoginResponse,
    MegolmEvent,
    RoomCreateResponse,
    RoomEncryptedFile,
    RoomMessageFile,
    RoomMessageText,
    RoomPreset,
    RoomSendResponse,
)
from nio.store import SqliteStore

ENCRYPTION = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


class Person:
    """Logs in, syncs in the background and collects what one other user (Sild) writes."""

    def __init__(self, homeserver: str, user_id: str, password: str, store_dir: Path) -> None:
        store_dir.mkdir(parents=True, exist_ok=True)
        config = AsyncClientConfig(store=SqliteStore, encryption_enabled=True)
        self.client = AsyncClient(homeserver, user_id, store_path=str(store_dir), config=config)
        self.password = password
        self.watching: str | None = None
        self.inbox: asyncio.Queue[Any] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def start(self, watching: str) -> None:
        """Log in and start syncing; messages from `watching` are collected."""
        self.watching = watching
        response = await self.client.login(self.password, device_name="test person")
        assert isinstance(response, LoginResponse), response
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        self.client.add_event_callback(
            self._collect, (RoomMessageText, MegolmEvent, RoomMessageFile, RoomEncryptedFile)
        )
        first = await self.client.sync(timeout=0, full_state=True)
        assert hasattr(first, "next_batch"), first
        self._task = asyncio.create_task(self.client.sync_forever(timeout=1000))

    async def _collect(self, room: Any, event: Any) -> None:
        if event.sender == self.watching:
            await self.inbox.put(event)

    async def stop(self) -> None:
        """Stop syncing and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.close()

    async def open_direct_chat(self, with_user: str, *, encrypted: bool) -> str:
        """Create a direct room (encrypted or not) and invite `with_user`; returns the room id."""
        response = await self.client.room_create(
            is_direct=True,
            invite=[with_user],
            preset=RoomPreset.trusted_private_chat,
            initial_state=[ENCRYPTION] if encrypted else [],
        )
        assert isinstance(response, RoomCreateResponse), response
        return str(response.room_id)

    async def send(self, room_id: str, content: dict[str, Any]) -> str:
        """Send an `m.room.message` (encrypted if the room is); returns the event id."""
        if self.client.should_query_keys:
            await self.client.keys_query()
        response = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        assert isinstance(response, RoomSendResponse), response
        return str(response.event_id)

    async def say(self, room_id: str, text: str) -> str:
        """Type a text message."""
        return await self.send(room_id, {"msgtype": "m.text", "body": text})

    async def send_raw(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        """Send an event exactly as given, without encrypting it."""
        method, path, data = Api.room_send(
            self.client.access_token, room_id, event_type, content, uuid.uuid4()
        )
        response = await self.client._send(RoomSendResponse, method, path, data, (room_id,))
        assert isinstance(response, RoomSendResponse), response
        return str(response.event_id)

    async def event(self, wait: float = 30) -> Any:
        """The next message event Sild sent (text, file, or one that could not be decrypted)."""
        try:
            return await asyncio.wait_for(self.inbox.get(), wait)
        except TimeoutError:
            raise AssertionError(f"no reply within {wait}s") from None

    async def reply(self, wait: float = 30) -> RoomMessageText:
        """The next text message Sild sent; fails on one this person could not decrypt."""
        event = await self.event(wait)
        assert isinstance(event, RoomMessageText), f"could not read Sild's message: {event}"
        return event

    async def no_reply(self, seconds: float) -> None:
        """Assert that Sild says nothing for `seconds`."""
        with contextlib.suppress(TimeoutError):
            event = await asyncio.wait_for(self.inbox.get(), seconds)
            raise AssertionError(f"unexpected message: {getattr(event, 'body', event)}")
