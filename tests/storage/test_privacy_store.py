"""Deleting, exporting and purging personal data, row by row, on SQLite and PostgreSQL.

On PostgreSQL each test works in a schema of its own (dropped afterwards), so it does not touch
what other tests keep in `public`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.core.events import SignUpStatus
from bot.core.messages import ChatRef, Platform
from bot.knowledge import Library
from bot.storage.db import alembic_config, create_engine, migrate
from bot.storage.models import (
    ConversationState,
    EventRow,
    OutboxMessage,
    SignUpRow,
    TicketMessage,
    TicketRow,
    utcnow,
)
from bot.storage.privacy import matrix_room_key
from bot.storage.repository import SqlStore
from bot.transports.matrix.state import MatrixState
from bot.transports.matrix.state import _room_key as matrix_state_key
from tests.eventdata import NOW
from tests.trust import (
    ANNA,
    CAFE,
    GROUP,
    SMALL,
    World,
    make_world,
    onboard,
)


def test_the_migrations_have_one_head() -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_heads() == ["0007"]


def test_the_matrix_room_key_is_the_transports_own() -> None:
    for room in ("!a:example.org", "!" + "x" * 200 + ":example.org"):
        assert matrix_room_key(room) == matrix_state_key(room)


# The person: everything that could identify them, as it would be searched for in the database.
TG_USER = "8675309001"
MX_USER = "@ulle.koiv:example.org"
MX_ROOM = "!ullesroom4711:example.org"
NAME = "Ülle Kõiv-Zebrafield"
SECRETS = ("zebra-quartz", "nebula-otter", "Zebrafield", "38001085718", "5551 2345", "55512345")


def _leaks(rows: dict[str, list[dict[str, Any]]], needles: tuple[str, ...]) -> list[str]:
    """Every cell of every row that contains one of `needles`."""
    found = []
    for table, table_rows in rows.items():
        for row in table_rows:
            for column, value in row.items():
                cell = str(value)
                for needle in needles:
                    if needle.casefold() in cell.casefold():
                        found.append(f"{table}.{column} contains {needle!r}: {cell[:120]!r}")
    return found


async def _live_a_little(world: World, chat: ChatRef, user: str) -> None:
    """The person uses everything: an unanswered question, sign-ups, a request, messages."""
    await onboard(world, chat, user, "et")
    await world.say(chat, user, "qqqzzz xxyy wwvv +372 5551 2345", display_name=NAME)
    await world.press(chat, user, f"join:{SMALL}")
    await world.press(chat, user, f"join:{CAFE}")
    await world.press(chat, user, "ad:1")
    await world.press(chat, user, "ch:2")
    await world.say(chat, user, NAME)
    await world.press(chat, user, "human")
    await world.say(chat, user, "zebra-quartz: isikukood 38001085718", display_name=NAME)
    await world.say(chat, user, "nebula-otter is my second message")
    await world.say(GROUP, ANNA, "/claim 1")
    await world.say(GROUP, ANNA, "/reply 1 Tere! Saan aidata.")
    await world.flush()
    # A reminder for the small group (the scheduler queues these through the outbox).
    participant = await world.events.store.sign_up_of(SMALL, chat.platform.value, user)
    state = await world.events.store.get(SMALL)
    assert participant is not None and state is not None
    session = state.event.sessions[0]
    await world.events.remind(state, participant, session, 24, NOW)
    await world.events.store.mark_reminded(participant.signup_id, session.start, 24)


@pytest.mark.parametrize(
    ("chat", "user"),
    [
        pytest.param(ChatRef(Platform.TELEGRAM, TG_USER), TG_USER, id="telegram"),
        pytest.param(ChatRef(Platform.MATRIX, MX_ROOM), MX_USER, id="matrix"),
    ],
)
async def test_after_deletion_no_row_identifies_the_person(
    sql: SqlStore, library: Library, chat: ChatRef, user: str
) -> None:
    world = await make_world(sql, library)
    other = ChatRef(Platform.TELEGRAM, "5151")
    await onboard(world, other, "5151")
    await _live_a_little(world, chat, user)
    await world.press(other, "5151", f"wait:{SMALL}")
    if chat.platform is Platform.MATRIX:
        await MatrixState(sql).save_last_event(MX_ROOM, "$lastanswered")
    needles = (user, chat.chat_id, *SECRETS)
    before = await world.rows()
    assert len(_leaks(before, needles)) > 10  # the person is all over the database
    tickets_before = len(before["tickets"])

    await world.say(chat, user, "/delete_my_data")
    (done,) = await world.press(chat, user, "forgetyes")
    assert "deleted" in done.text or "kustutatud" in done.text
    await world.flush()

    after = await world.rows()
    assert _leaks(after, needles) == []
    # What stays for statistics stays, without a link to anyone.
    assert len(after["tickets"]) == tickets_before
    (ticket,) = after["tickets"]
    assert ticket["language"] == "et" and ticket["status"] == "closed"
    assert ticket["user_id"] == "deleted" and ticket["description"] == ""
    assert after["ticket_messages"] == []
    assert after["unanswered_questions"]  # kept, masked
    signups = {row["event_id"]: row for row in after["event_signups"] if row["user_id"] != "5151"}
    assert all(row["platform"] == "deleted" and row["name"] is None for row in signups.values())
    # The place went to the person waiting.
    waiter = await world.events.store.sign_up_of(SMALL, "telegram", "5151")
    assert waiter is not None and waiter.status is SignUpStatus.CONFIRMED
    # Someone else's data is untouched.
    assert await sql.get_user("telegram", "5151") is not None


async def test_export_holds_the_person_and_nobody_else(sql: SqlStore, library: Library) -> None:
    world = await make_world(sql, library)
    chat = ChatRef(Platform.TELEGRAM, TG_USER)
    await _live_a_little(world, chat, TG_USER)
    other = ChatRef(Platform.TELEGRAM, "5151")
    await onboard(world, other, "5151")
    await world.say(other, "5151", "I am someone else: moonbeam")
    data = await world.privacy.export("telegram", TG_USER)  # as `bot export-user` asks
    flat = str(data)
    assert data["profile"]["language"] == "et"
    assert {s["event"] for s in data["sign_ups"]} == {SMALL, CAFE}
    assert any(s["name"] == NAME for s in data["sign_ups"])
    (ticket,) = data["requests_to_a_person"]
    assert [m["from"] for m in ticket["messages"]] == ["you", "you", "facilitator"]
    assert data["conversations"] and data["conversations"][0]["chat"] == TG_USER
    assert any("Saan aidata" in m["text"] for m in data["messages_to_you"])
    assert "moonbeam" not in flat and "5151" not in flat


async def test_purge_applies_the_retention_period_and_spares_preserved_tickets(
    sql: SqlStore, library: Library
) -> None:
    world = await make_world(sql, library)
    asker = ChatRef(Platform.TELEGRAM, "444")
    await onboard(world, asker, "444")
    await world.say(asker, "444", "how do I find a family doctor")
    for number, user in enumerate(("111", "222", "333"), 1):
        chat = ChatRef(Platform.TELEGRAM, user)
        await onboard(world, chat, user)
        await world.press(chat, user, "human")
        await world.say(chat, user, f"request {number}: call +358 40 765 432{number}")
        await world.say(chat, user, f"more words {number}")
    await world.say(GROUP, ANNA, "/close 1")
    await world.say(GROUP, ANNA, "/close 2")
    await world.say(GROUP, ANNA, "/preserve 2")  # a safeguarding case
    await world.flush()
    long_ago = utcnow() - timedelta(days=120)
    async with sql.sessions.begin() as session:
        await session.execute(update(TicketRow).values(closed=long_ago).where(TicketRow.id < 3))
        await session.execute(update(OutboxMessage).values(created=long_ago))
        await session.execute(update(ConversationState).values(updated=long_ago))
        await session.execute(update(EventRow).values(ends_at=long_ago))
    await world.press(ChatRef(Platform.TELEGRAM, "111"), "111", f"join:{SMALL}")
    async with sql.sessions.begin() as session:
        await session.execute(update(SignUpRow).values(name="Old Name"))

    report = await world.privacy.purge(90)
    assert report.ticket_messages == 2 and report.tickets == 1
    assert report.outbox > 0 and report.names == 1 and report.conversations == 1
    assert await world.tickets.messages(1) == []
    assert len(await world.tickets.messages(2)) == 2  # preserved
    assert len(await world.tickets.messages(3)) == 2  # still open
    first = await world.tickets.get_ticket(1)
    assert first is not None and first.user_id == "deleted"
    assert first.description == "request 1: call [phone]"  # kept for statistics, masked
    async with sql.sessions() as session:
        assert list(await session.scalars(select(SignUpRow.name))) == [None]
        kept = list(await session.scalars(select(OutboxMessage.status)))
        assert "sent" not in kept
        data = list(await session.scalars(select(ConversationState.data)))
        assert not any("recent" in item for item in data)
        assert len(list(await session.scalars(select(TicketMessage)))) == 4
    again = await world.privacy.purge(90)
    assert (again.ticket_messages, again.tickets, again.outbox, again.names) == (0, 0, 0, 0)


async def test_database_errors_do_not_quote_what_people_wrote(tmp_path: Path) -> None:
    """Statement values stay out of error messages (and so out of the log)."""
    store = SqlStore(create_engine(f"sqlite+aiosqlite:///{tmp_path / 'hidden.db'}"))
    await migrate(store.engine)
    try:
        with pytest.raises(IntegrityError) as raised:
            async with store.sessions.begin() as session:
                await session.execute(
                    insert(TicketMessage).values(
                        ticket_id=None, author="x", direction="in", text="secret-walrus"
                    )
                )
        assert "secret-walrus" not in str(raised.value)
        assert "hidden" in str(raised.value)
    finally:
        await store.close()
