"""What the Matrix transport keeps in the database."""

from __future__ import annotations

from bot.storage.repository import SqlStore
from bot.transports.matrix.state import PLATFORM, SESSION_KEY, MatrixState, Session


async def test_session_and_sync_token_round_trip(store: SqlStore) -> None:
    state = MatrixState(store)
    assert await state.session() is None and await state.next_batch() is None
    session = Session("https://example.org sild", "@sild:example.org", "DEVICE", "token")
    await state.save_session(session)
    await state.save_next_batch("s1_2_3")
    assert await state.session() == session
    assert await state.next_batch() == "s1_2_3"
    assert "token" not in repr(session)


async def test_an_unreadable_session_counts_as_none(store: SqlStore) -> None:
    await store.set_transport_value(PLATFORM, SESSION_KEY, "{not json")
    assert await MatrixState(store).session() is None
    await store.set_transport_value(PLATFORM, SESSION_KEY, '{"unexpected": 1}')
    assert await MatrixState(store).session() is None


async def test_last_event_per_room_also_for_long_room_ids(store: SqlStore) -> None:
    state = MatrixState(store)
    long_room = "!" + "x" * 80 + ":a-very-long-homeserver-name.example.org"
    await state.save_last_event(long_room, "$one")
    await state.save_last_event("!short:example.org", "$two")
    assert await state.last_event(long_room) == "$one"
    assert await state.last_event("!short:example.org") == "$two"
    assert await state.last_event("!other:example.org") is None
