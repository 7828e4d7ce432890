"""Handoff on Matrix, against the real Synapse: a ticket's thread in the facilitator room."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, build_app
from bot.transports.matrix import MatrixTransport
from bot.transports.matrix.retry import Backoff
from tests.transports.matrix.conftest import PASSWORD, _settings
from tests.transports.matrix.person import Person
from tests.transports.matrix.synapse import Synapse

pytestmark = pytest.mark.slow


def choice(body: str, label: str) -> str:
    """The number in front of `label` in a numbered list of choices."""
    found = re.search(rf"^(\d+)\) {re.escape(label)}$", body, re.MULTILINE)
    assert found, f"no choice {label!r} in {body!r}"
    return found.group(1)


async def _person(synapse: Synapse, tmp_path: Path, watching: str, name: str) -> Person:
    registered = synapse.register(synapse.unique_name(name), PASSWORD)
    person = Person(synapse.url, registered["user_id"], PASSWORD, tmp_path / f"nio-{name}")
    await person.start(watching)
    return person


@pytest.fixture
async def desk(synapse: Synapse, tmp_path: Path) -> AsyncIterator[tuple[App, Person, Person, str]]:
    bot_name = synapse.unique_name("sild")
    synapse.register(bot_name, PASSWORD)
    bot_id = f"@{bot_name}:localhost"
    facilitator = await _person(synapse, tmp_path, bot_id, "mari")
    room = await facilitator.open_direct_chat(bot_id, encrypted=False)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    app = await build_app(
        _settings(
            synapse,
            data_dir,
            bot_name,
            matrix_facilitator_room=room,
            facilitators=f"matrix:{facilitator.client.user_id}=Mari",
            office_hours="Mon-Sun 00:00-23:59",
        )
    )
    transport = MatrixTransport(app, sync_timeout_ms=2_000, backoff=Backoff(base=0.05, cap=0.5))
    await transport.start()
    delivery = asyncio.create_task(app.dispatcher.run(interval=0.1))
    person = await _person(synapse, tmp_path, bot_id, "olga")
    try:
        yield app, facilitator, person, room
    finally:
        delivery.cancel()
        await transport.stop()
        await person.stop()
        await facilitator.stop()
        await app.close()


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
