"""What the Matrix transport keeps in Sild's database between runs.

The login (user id, device id, access token), the sync token (`next_batch`) after the events of a
sync were handled, and per room the last event that was answered. Everything goes through the
store's transport key-value pairs under the `matrix` platform.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Protocol

from bot.core.messages import Platform

PLATFORM = Platform.MATRIX.value
SESSION_KEY = "session"
NEXT_BATCH_KEY = "next_batch"
LAST_EVENT_PREFIX = "last_event:"


def _room_key(room_id: str) -> str:
    # Keys are at most 64 characters and room ids can be longer: use a digest.
    return LAST_EVENT_PREFIX + hashlib.sha256(room_id.encode()).hexdigest()[:32]


class KeyValueStore(Protocol):
    """The part of `SqlStore` this module needs."""

    async def get_transport_value(self, platform: str, key: str) -> str | None:
        """A stored value, or None."""
        ...

    async def set_transport_value(self, platform: str, key: str, value: str) -> None:
        """Store a value, replacing the old one."""
        ...


@dataclass(frozen=True, slots=True)
class Session:
    """A login to keep: the same device (and its encryption keys) on every start.

    `login` is the homeserver and user as configured, so a changed setting starts a new session.
    `access_token` is empty when the token comes from the settings (it is not copied).
    """

    login: str
    user_id: str
    device_id: str
    access_token: str = ""

    def __repr__(self) -> str:
        return f"Session(user_id={self.user_id!r}, device_id={self.device_id!r})"


class MatrixState:
    """Typed access to the Matrix transport's stored values."""

    def __init__(self, store: KeyValueStore) -> None:
        self._store = store

    async def session(self) -> Session | None:
        """The stored login, or None (also when the stored value is unreadable)."""
        raw = await self._store.get_transport_value(PLATFORM, SESSION_KEY)
        if not raw:
            return None
        try:
            return Session(**json.loads(raw))
        except (ValueError, TypeError):
            return None

    async def save_session(self, session: Session) -> None:
        """Remember the login."""
        await self._store.set_transport_value(PLATFORM, SESSION_KEY, json.dumps(asdict(session)))

    async def next_batch(self) -> str | None:
        """The sync token up to which every event has been handled."""
        return await self._store.get_transport_value(PLATFORM, NEXT_BATCH_KEY) or None

    async def save_next_batch(self, token: str) -> None:
        """Advance the sync token (after the events before it were handled)."""
        await self._store.set_transport_value(PLATFORM, NEXT_BATCH_KEY, token)

    async def last_event(self, room_id: str) -> str | None:
        """The id of the last event answered in a room."""
        return await self._store.get_transport_value(PLATFORM, _room_key(room_id))

    async def save_last_event(self, room_id: str, event_id: str) -> None:
        """Remember that an event was answered, so a repeated sync does not answer it again."""
        await self._store.set_transport_value(PLATFORM, _room_key(room_id), event_id)
