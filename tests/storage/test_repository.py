"""The repository on SQLite and, when SILD_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

import asyncio

from bot.core.messages import ChatRef, Platform
from bot.core.ports import Conversation, UserProfile
from bot.storage.db import migrate
from bot.storage.repository import SqlStore


async def test_migrating_again_changes_nothing(sql: SqlStore) -> None:
    await migrate(sql.engine)
    assert await sql.get_user("telegram", "1") is None


async def test_users_round_trip(sql: SqlStore) -> None:
    assert await sql.get_user("telegram", "42") is None
    await sql.save_user(UserProfile("telegram", "42", "ru", "EE"))
    await sql.save_user(UserProfile("matrix", "42", "fi", "FI"))
    user = await sql.get_user("telegram", "42")
    assert user is not None and (user.language, user.country) == ("ru", "EE")
    assert user.created is not None
    await sql.save_user(UserProfile("telegram", "42", "et", "EE"))
    again = await sql.get_user("telegram", "42")
    assert again is not None and again.language == "et"


async def test_conversation_state_round_trip(sql: SqlStore) -> None:
    chat = ChatRef(Platform.MATRIX, "!room:example.org")
    fresh = await sql.load_conversation(chat)
    assert fresh.state == "new" and fresh.data == {}
    await sql.save_conversation(Conversation(chat, "category:jobs", {"choices": ["faq:a", "menu"]}))
    loaded = await sql.load_conversation(chat)
    assert (loaded.state, loaded.data) == ("category:jobs", {"choices": ["faq:a", "menu"]})


async def test_unanswered_counts_without_people(sql: SqlStore) -> None:
    await asyncio.gather(*(sql.record_unanswered("kuinka paljon maksaa", "fi") for _ in range(10)))
    await sql.record_unanswered("other", "et")
    rows = await sql.unanswered("fi")
    assert [(q, lang, n) for q, lang, n, _ in rows] == [("kuinka paljon maksaa", "fi", 10)]
    assert len(await sql.unanswered()) == 2


async def test_feedback_summary(sql: SqlStore) -> None:
    await sql.record_feedback("jobs-tax", "fi", True)
    await sql.record_feedback("jobs-tax", "fi", False)
    await sql.record_feedback("jobs-tax", "fi", True)
    assert await sql.feedback_summary() == [("jobs-tax", "fi", 2, 1)]


async def test_concurrent_first_saves_do_not_collide(sql: SqlStore) -> None:
    await asyncio.gather(
        *(sql.save_user(UserProfile("telegram", "7", "en", None)) for _ in range(8))
    )
    assert (await sql.get_user("telegram", "7")) is not None


async def test_inactive_users_and_transport_state(sql: SqlStore) -> None:
    await sql.save_user(UserProfile("telegram", "9", "et", "EE"))
    assert await sql.is_user_active("telegram", "9")
    await sql.set_user_active("telegram", "9", False)
    assert not await sql.is_user_active("telegram", "9")
    await sql.save_user(UserProfile("telegram", "9", "et", "EE"))  # they wrote again
    assert await sql.is_user_active("telegram", "9")
    assert await sql.get_transport_value("matrix", "next_batch") is None
    await sql.set_transport_value("matrix", "next_batch", "s1")
    await sql.set_transport_value("matrix", "next_batch", "s2")
    assert await sql.get_transport_value("matrix", "next_batch") == "s2"
