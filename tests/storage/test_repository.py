"""The repository on SQLite and, when SILD_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, literal_column, select
from sqlalchemy.exc import DBAPIError, StatementError

from bot.core.messages import ChatRef, Platform
from bot.core.ports import Conversation, UserProfile
from bot.storage.db import migrate
from bot.storage.models import User
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


async def test_topics_chosen_under_the_honest_no_are_counted(sql: SqlStore) -> None:
    question = "soitin numeroon 0401234567 ja kukaan ei vastannut"
    await asyncio.gather(
        *(sql.record_related_pick(question, "fi", "health-helpline") for _ in range(3))
    )
    await sql.record_related_pick(question, "fi", "health-emergency")
    await sql.record_related_pick("muu kysymys", "et", "jobs-tax")
    picks = await sql.related_picks("fi")
    assert [(entry, n) for _, _, entry, n in picks] == [
        ("health-helpline", 3),
        ("health-emergency", 1),
    ]
    assert all("0401234567" not in text for text, _, _, _ in picks)  # masked like the question
    assert len(await sql.related_picks()) == 3


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


async def test_a_turn_loads_and_saves_person_and_conversation_together(sql: SqlStore) -> None:
    chat = ChatRef(Platform.TELEGRAM, "51")
    user, conversation = await sql.load_turn("telegram", "51", chat)
    assert user is None
    assert (conversation.chat, conversation.state, conversation.data) == (chat, "new", {})
    conversation.user_id = "51"
    conversation.state = "answer:jobs-tax"
    conversation.data["choices"] = ["fb+:jobs-tax", "menu"]
    await sql.save_turn(conversation, UserProfile("telegram", "51", "fi", "FI"))
    user, loaded = await sql.load_turn("telegram", "51", chat)
    assert user is not None and (user.language, user.country, user.active) == ("fi", "FI", True)
    assert user.created is not None
    assert (loaded.state, loaded.data, loaded.user_id) == (
        "answer:jobs-tax",
        {"choices": ["fb+:jobs-tax", "menu"]},
        "51",
    )
    # Without a profile only the conversation is written; the profile stays as it was.
    loaded.state = "menu"
    await sql.save_turn(loaded)
    user, again = await sql.load_turn("telegram", "51", chat)
    assert user is not None and user.language == "fi" and again.state == "menu"
    # The profile and the conversation are found each on its own: one without the other.
    stranger, empty = await sql.load_turn("telegram", "52", chat)
    assert stranger is None and empty.state == "menu"
    known, fresh = await sql.load_turn("telegram", "51", ChatRef(Platform.TELEGRAM, "53"))
    assert known is not None and fresh.state == "new" and fresh.user_id is None


async def test_reads_see_every_write_before_them_and_run_together(sql: SqlStore) -> None:
    query = select(User.platform_user_id, User.language).order_by(User.platform_user_id)
    assert list(await sql.rows(query)) == []
    await sql.save_user(UserProfile("telegram", "1", "et", "EE"))  # through the async engine
    await sql.save_turn(Conversation(ChatRef(Platform.TELEGRAM, "2")), UserProfile("telegram", "2"))
    many = await asyncio.gather(*(sql.rows(query) for _ in range(20)))
    for rows in many:
        assert [(row.platform_user_id, row.language) for row in rows] == [("1", "et"), ("2", None)]
    # On SQLite both go in one batch: the broken query fails its own caller only.
    broken, fine = await asyncio.gather(
        sql.rows(select(literal_column("missing"))), sql.rows(query), return_exceptions=True
    )
    assert isinstance(broken, DBAPIError)
    assert not isinstance(fine, BaseException) and len(fine) == 2


async def test_sqlite_reads_skip_the_async_engines_thread(sql: SqlStore) -> None:
    if sql.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL reads go through the async engine")
    statements: list[str] = []

    def record(connection: object, cursor: object, statement: str, *rest: object) -> None:
        statements.append(statement)

    event.listen(sql.engine.sync_engine, "before_cursor_execute", record)
    try:
        await sql.rows(select(User.platform_user_id))
        await sql.load_turn("telegram", "1", ChatRef(Platform.TELEGRAM, "1"))
    finally:
        event.remove(sql.engine.sync_engine, "before_cursor_execute", record)
    assert statements == []


async def test_a_turn_writes_both_or_neither(sql: SqlStore) -> None:
    chat = ChatRef(Platform.TELEGRAM, "61")
    await sql.save_turn(Conversation(chat, "menu", {}, "61"), UserProfile("telegram", "61", "et"))
    broken = Conversation(chat, "suggest", {"choices": {"not", "json"}}, "61")
    with pytest.raises(StatementError):  # the profile is written first, then this fails
        await sql.save_turn(broken, UserProfile("telegram", "61", "ru", "EE"))
    user, conversation = await sql.load_turn("telegram", "61", chat)
    assert user is not None and (user.language, user.country) == ("et", None)
    assert conversation.state == "menu"


async def test_saving_a_turn_keeps_who_talks_in_the_chat(sql: SqlStore) -> None:
    chat = ChatRef(Platform.MATRIX, "!room:example.org")
    await sql.save_turn(Conversation(chat, "menu", {}, "@ann:example.org"))
    await sql.save_turn(Conversation(chat, "suggest", {"choices": []}))  # no one given
    _, conversation = await sql.load_turn("matrix", "@ann:example.org", chat)
    assert (conversation.state, conversation.user_id) == ("suggest", "@ann:example.org")


async def test_concurrent_first_turns_do_not_collide(sql: SqlStore) -> None:
    chat = ChatRef(Platform.TELEGRAM, "71")
    await asyncio.gather(
        *(
            sql.save_turn(
                Conversation(chat, f"s{n}", {}, "71"), UserProfile("telegram", "71", "en")
            )
            for n in range(8)
        )
    )
    user, conversation = await sql.load_turn("telegram", "71", chat)
    assert user is not None and conversation.state.startswith("s")


async def test_a_blocked_person_who_writes_again_is_active(sql: SqlStore) -> None:
    await sql.save_user(UserProfile("telegram", "81", "et", "EE"))
    await sql.set_user_active("telegram", "81", False)
    user, _ = await sql.load_turn("telegram", "81", ChatRef(Platform.TELEGRAM, "81"))
    assert user is not None and not user.active
    await sql.save_turn(Conversation(ChatRef(Platform.TELEGRAM, "81")), user)
    assert await sql.is_user_active("telegram", "81")


async def test_transport_values_and_counts_survive_many_writers(sql: SqlStore) -> None:
    await asyncio.gather(*(sql.set_transport_value("matrix", "device", f"d{n}") for n in range(6)))
    assert (await sql.get_transport_value("matrix", "device") or "").startswith("d")
    await asyncio.gather(*(sql.record_unanswered("kas on tasuta", "et") for _ in range(6)))
    assert [n for _, _, n, _ in await sql.unanswered("et")] == [6]
