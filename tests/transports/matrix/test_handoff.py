"""Handoff on Matrix, against the real Synapse: a ticket's thread in the facilitator room."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from tests.transports.matrix.conftest import PASSWORD
from tests.transports.matrix.desk import choice, person, running_desk
from tests.transports.matrix.person import Person
from tests.transports.matrix.synapse import Synapse

pytestmark = pytest.mark.slow


@pytest.fixture
async def desk(synapse: Synapse, tmp_path: Path) -> AsyncIterator[tuple[App, Person, Person, str]]:
    bot_name = synapse.unique_name("sild")
    synapse.register(bot_name, PASSWORD)
    bot_id = f"@{bot_name}:localhost"
    facilitator = await person(synapse, tmp_path, bot_id, "mari")
    room = await facilitator.open_direct_chat(bot_id, encrypted=False)
    async with running_desk(synapse, tmp_path, bot_name, room, facilitator) as app:
        olga = await person(synapse, tmp_path, bot_id, "olga")
        try:
            yield app, facilitator, olga, room
        finally:
            await olga.stop()
            await facilitator.stop()


async def test_ticket_thread_claim_answer_close(desk: tuple[App, Person, Person, str]) -> None:
    app, mari, olga, room = desk
    bot_id = app.settings.matrix_user
    assert bot_id
    direct = await olga.open_direct_chat(f"@{bot_id}:localhost", encrypted=True)
    welcome = await olga.reply()
    await olga.say(direct, choice(welcome.body, "English"))
    country = await olga.reply()
    await olga.say(direct, choice(country.body, "Finland"))
    menu = await olga.reply()
    await olga.say(direct, choice(menu.body, "Talk to a person"))
    await olga.reply()  # asks for a description
    await olga.say(direct, "I need help with my <b>Kela</b> card")
    opened = await olga.reply()
    assert "request number is 1" in opened.body

    note = await mari.reply()
    assert "#1" in note.body and "!claim 1" in note.body and "!close 1" in note.body
    assert "<b>Kela</b>" not in (note.formatted_body or "")
    root = note.event_id

    await mari.say(room, "!claim 1")
    claimed = await mari.reply()
    assert _thread_of(claimed.source) == root and "Mari" in claimed.body
    taken = await olga.reply()
    assert "taken your request" in taken.body

    await mari.send(
        room,
        {
            "msgtype": "m.text",
            "body": "Hello Olga, Mari here.",
            "m.relates_to": {"rel_type": "m.thread", "event_id": root},
        },
    )
    answer = await olga.reply()
    assert "Mari" in answer.body and "Hello Olga" in answer.body

    await olga.say(direct, "Thank you, my question is about the card")
    relayed = await mari.reply()
    assert "about the card" in relayed.body and _thread_of(relayed.source) == root

    await mari.say(room, "!close 1")
    closing = await olga.reply()
    assert "from 1 to 5" in closing.body
    await olga.say(direct, "5")
    thanks = await olga.reply()
    assert "Thank you for your rating" in thanks.body


def _thread_of(source: dict[str, Any]) -> str | None:
    relates = source.get("content", {}).get("m.relates_to", {})
    return relates.get("event_id") if relates.get("rel_type") == "m.thread" else None
