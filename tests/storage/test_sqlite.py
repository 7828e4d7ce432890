"""SQLite's runner: the per-message read and write run on the event loop's own connection, which
never waits, and on a thread only when they must wait for a lock; same file and settings as the
async engine."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from bot.core.messages import ChatRef, Platform
from bot.core.ports import Conversation, UserProfile
from bot.storage.db import open_store
from bot.storage.models import User
from bot.storage.repository import LOAD_TURN, SqlStore
from bot.storage.sqlite import Prepared, SqliteRunner

CHAT = ChatRef(Platform.TELEGRAM, "42")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    sql = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'sild.db'}")
    yield sql
    await sql.close()


def runner_of(store: SqlStore) -> SqliteRunner:
    assert store._sqlite is not None
    return store._sqlite


def pragmas(engine: Engine) -> tuple[str, tuple[Any, ...]]:
    """The thread it runs on, and journal mode, foreign keys, synchronous, busy timeout (ms) and
    the WAL's auto-checkpoint (pages) of a connection of `engine`."""
    names = ("journal_mode", "foreign_keys", "synchronous", "busy_timeout", "wal_autocheckpoint")
    with engine.connect() as connection:
        values = tuple(connection.execute(text(f"PRAGMA {name}")).scalar_one() for name in names)
    return threading.current_thread().name, values


async def test_the_thread_runs_off_the_loop_with_the_same_pragmas(store: SqlStore) -> None:
    name, values = await runner_of(store).run(pragmas)
    assert name.startswith("sild-sqlite") and name != threading.current_thread().name
    assert values == ("wal", 1, 1, 30_000, 1000)  # synchronous 1 is NORMAL


def test_the_loops_connection_never_waits_for_a_lock_or_a_checkpoint(store: SqlStore) -> None:
    name, values = pragmas(runner_of(store).here)
    assert name == threading.current_thread().name
    assert values == ("wal", 1, 1, 0, 0)


async def test_both_engines_see_each_others_writes(store: SqlStore) -> None:
    await store.save_user(UserProfile("telegram", "7", "ru", "EE"))  # async engine
    user, conversation = await store.load_turn("telegram", "7", CHAT)  # the runner
    assert user is not None and (user.language, user.country) == ("ru", "EE")
    assert conversation.state == Conversation(CHAT).state

    conversation.state = "answer:health-doctor"
    conversation.data["recent"] = ["где найти врача"]
    conversation.user_id = "7"
    await store.save_turn(conversation, UserProfile("telegram", "7", "et", "EE"))
    again = await store.load_conversation(CHAT)  # async engine
    assert (again.state, again.data, again.user_id) == (
        "answer:health-doctor",
        {"recent": ["где найти врача"]},
        "7",
    )
    profile = await store.get_user("telegram", "7")
    assert profile is not None and profile.language == "et"


async def test_a_locked_database_waits_on_the_thread_not_the_loop(
    store: SqlStore, tmp_path: Path
) -> None:
    """Another process holding the write lock must not freeze every other conversation."""
    trips = count_trips(store)
    other = sqlite3.connect(tmp_path / "sild.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0
    save = asyncio.create_task(store.save_turn(Conversation(CHAT, "menu")))
    while not save.done() and ticks < 20:
        await asyncio.sleep(0.01)  # the loop keeps running while the save waits for the lock
        ticks += 1
    assert ticks == 20 and not save.done()
    # Reading needs no lock under WAL: the next message of another chat is read on the loop.
    user, conversation = await store.load_turn("telegram", "8", ChatRef(Platform.TELEGRAM, "8"))
    assert user is None and conversation.state == "new"
    assert trips.thread == 1  # only the waiting save
    other.execute("COMMIT")
    other.close()
    await save
    assert (await store.load_conversation(CHAT)).state == "menu"


async def test_a_message_is_read_and_written_without_a_trip_to_the_thread(
    store: SqlStore,
) -> None:
    trips = count_trips(store)
    _, conversation = await store.load_turn("telegram", "7", CHAT)
    conversation.state = "menu"
    await store.save_turn(conversation, UserProfile("telegram", "7", "fi", "FI"))
    assert (trips.batches, trips.thread) == (2, 0)
    assert (await store.load_conversation(CHAT)).state == "menu"


async def test_the_thread_checkpoints_what_the_loop_wrote(store: SqlStore, tmp_path: Path) -> None:
    runner = runner_of(store)
    runner._checkpoint_every = 5
    trips = count_trips(store)
    for chat in chats(12):
        await store.save_turn(Conversation(chat, "menu"))
    await asyncio.sleep(0.1)  # let the second checkpoint run
    assert trips.works.count("_checkpoint") == 2  # after the 5th and the 10th write
    other = sqlite3.connect(tmp_path / "sild.db")
    _, in_wal, _ = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    other.close()
    # The WAL starts again after a checkpoint: it holds the last two writes (a few pages), not
    # everything since the database was created (about 80 pages here without the checkpoints).
    assert in_wal < 20


async def test_a_store_can_be_closed_and_the_file_opened_again(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'again.db'}"
    first = await open_store(url)
    await first.save_turn(Conversation(CHAT, "menu"))
    await first.close()
    second = await open_store(url)
    try:
        _, conversation = await second.load_turn("telegram", "1", CHAT)
        assert conversation.state == "menu"
    finally:
        await second.close()


def chats(count: int) -> list[ChatRef]:
    return [ChatRef(Platform.TELEGRAM, str(100 + number)) for number in range(count)]


@dataclass
class Trips:
    """What the runner did from some moment on."""

    batches: int = 0
    """Batches run (on the loop, and again on the thread for what was locked)."""
    thread: int = 0
    """Trips to the thread."""
    works: list[str] = field(default_factory=list)
    """The names of the functions run on the thread."""


def count_trips(store: SqlStore) -> Trips:
    """Count the runner's batches and thread trips from now on."""
    runner = runner_of(store)
    trips = Trips()
    run, run_batch = runner.run, runner.run_batch

    async def counted_run(work):  # type: ignore[no-untyped-def]
        trips.thread += 1
        trips.works.append(getattr(work, "__name__", "?"))
        return await run(work)

    async def counted_batch(work, items, *, writes):  # type: ignore[no-untyped-def]
        trips.batches += 1
        return await run_batch(work, items, writes=writes)

    runner.run = counted_run  # type: ignore[method-assign]
    runner.run_batch = counted_batch  # type: ignore[method-assign]
    return trips


async def test_turns_handled_at_once_share_trips_and_one_commit(store: SqlStore) -> None:
    many = chats(50)
    trips = count_trips(store)
    loaded = await asyncio.gather(*(store.load_turn("telegram", c.chat_id, c) for c in many))
    assert [conversation.chat for _, conversation in loaded] == many
    await asyncio.gather(
        *(store.save_turn(Conversation(c, f"answer:{c.chat_id}", user_id=c.chat_id)) for c in many)
    )
    assert trips.batches == 2  # 100 reads and writes: one batch of each
    for chat in many:
        assert (await store.load_conversation(chat)).state == f"answer:{chat.chat_id}"


async def test_one_bad_write_fails_only_its_own_turn(store: SqlStore) -> None:
    good, bad, also_good = chats(3)
    unstorable = Conversation(bad, "menu", {"not json": {1, 2}})  # a set has no JSON form
    results = await asyncio.gather(
        store.save_turn(Conversation(good, "menu")),
        store.save_turn(unstorable),
        store.save_turn(Conversation(also_good, "menu")),
        return_exceptions=True,
    )
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], Exception)
    assert (await store.load_conversation(good)).state == "menu"
    assert (await store.load_conversation(also_good)).state == "menu"
    assert (await store.load_conversation(bad)).state == Conversation(bad).state


async def test_a_cancelled_caller_does_not_lose_or_block_the_others(store: SqlStore) -> None:
    first, second = chats(2)
    cancelled = asyncio.create_task(store.save_turn(Conversation(first, "menu")))
    other = asyncio.create_task(store.save_turn(Conversation(second, "menu")))
    await asyncio.sleep(0)
    cancelled.cancel()
    await other
    assert (await store.load_conversation(second)).state == "menu"


async def test_closing_finishes_the_writes_under_way(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'drain.db'}"
    store = await open_store(url)
    many = chats(20)
    saves = [asyncio.create_task(store.save_turn(Conversation(c, "menu"))) for c in many]
    await asyncio.sleep(0)
    await store.close()
    await asyncio.gather(*saves)
    again = await open_store(url)
    try:
        for chat in many:
            assert (await again.load_conversation(chat)).state == "menu"
    finally:
        await again.close()


# Prepared statements: SQLAlchemy's statement, SQL and conversions, run on the driver's cursor.


def _both_ways(
    engine: Engine, statement: Any, values: dict[str, Any]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """A query's rows through SQLAlchemy and as prepared, on the same connection."""
    prepared = Prepared(statement, engine.dialect, hide_parameters=True)
    with engine.connect() as connection:
        through = [tuple(row) for row in connection.execute(statement, values)]
        return through, prepared.run(connection, values)


async def test_a_prepared_read_gives_what_sqlalchemy_gives(store: SqlStore) -> None:
    await store.save_turn(
        Conversation(CHAT, "suggest", {"choices": ["a", "b"], "n": 2.5, "ё": None}, "42"),
        UserProfile("telegram", "42", "ru", "EE"),
    )
    await store.set_user_active("telegram", "42", False)
    values = {"platform": "telegram", "user_id": "42", "chat_platform": "telegram"}
    for chat_id in ("42", "nobody"):  # a conversation, and the NULLs of none
        through, prepared = _both_ways(
            runner_of(store).here, LOAD_TURN, {**values, "chat_id": chat_id}
        )
        assert prepared == through
    (row,) = prepared
    assert isinstance(row[3], datetime) and row[4] is False  # the columns' own conversions
    user, conversation = await store.load_turn("telegram", "42", CHAT)
    assert user is not None and (user.language, user.active) == ("ru", False)
    assert conversation.data == {"choices": ["a", "b"], "n": 2.5, "ё": None}


async def test_a_prepared_write_stores_what_sqlalchemy_stores(store: SqlStore) -> None:
    engine = runner_of(store).here
    statement = store._save_conversation_sql
    when = datetime(2026, 11, 24, 18, 30, 5, 123456, tzinfo=UTC)
    stored = []
    for chat_id, prepared in (("through", False), ("prepared", True)):
        values = {
            "platform": "matrix",
            "chat_id": chat_id,
            "user_id": None,
            "state": "menu",
            "data": {"a": [1, "ü"]},
            "updated": when,
        }
        with engine.begin() as connection:
            if prepared:
                Prepared(statement, engine.dialect, hide_parameters=True).run(connection, values)
            else:
                connection.execute(statement, values)
        with engine.connect() as connection:
            query = text(
                "SELECT user_id, state, data, updated FROM conversations WHERE chat_id = :chat"
            )
            stored.append(tuple(connection.execute(query, {"chat": chat_id}).one()))
    assert stored[0] == stored[1] == (None, "menu", '{"a": [1, "\\u00fc"]}', str(when)[:26])


async def test_a_prepared_statement_keeps_its_own_values(store: SqlStore) -> None:
    # `count = 1` on insert and `count + 1` on conflict are values of the statement itself.
    for _ in range(3):
        await store.record_unanswered("kas koer tohib bussi", "et")
    assert [(text_, count) for text_, _, count, _ in await store.unanswered()] == [
        ("kas koer tohib bussi", 3)
    ]


def test_what_sqlalchemy_must_execute_itself_is_not_prepared(store: SqlStore) -> None:
    dialect = runner_of(store).here.dialect
    with pytest.raises(ValueError, match="compiled"):  # `created` has a Python-side default
        Prepared(store._save_user_sql, dialect, hide_parameters=True)
    expanding = select(User.id).where(User.platform.in_(bindparam("platforms", expanding=True)))
    with pytest.raises(ValueError, match="expands"):
        Prepared(expanding, dialect, hide_parameters=True)


async def test_a_prepared_statement_fails_as_sqlalchemy_would(store: SqlStore) -> None:
    engine = runner_of(store).here
    statement = store._save_conversation_sql
    prepared = Prepared(statement, engine.dialect, hide_parameters=True)
    values = {"platform": "telegram", "chat_id": "9", "user_id": None, "state": "menu"}
    values |= {"data": {}, "updated": datetime.now(UTC)}
    with engine.begin() as connection:
        with pytest.raises(StatementError, match="set is not JSON"):
            prepared.run(connection, {**values, "data": {"not", "json"}})
        with pytest.raises(StatementError, match="required") as missing:
            prepared.run(connection, {k: v for k, v in values.items() if k != "state"})
        assert "menu" not in str(missing.value)
        with pytest.raises(IntegrityError) as refused:  # `state` is NOT NULL
            prepared.run(connection, {**values, "state": None})
        assert isinstance(refused.value.orig, sqlite3.IntegrityError)
        assert "telegram" not in str(refused.value)  # the values stay out of the message
