"""Helpers for the Matrix tests that need a facilitator room: people, choices, a running Sild."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

from bot.app import App, build_app
from bot.transports.matrix import MatrixTransport
from bot.transports.matrix.retry import Backoff
from tests.transports.matrix.conftest import PASSWORD, _settings
from tests.transports.matrix.person import Person
from tests.transports.matrix.synapse import Synapse


def choice(body: str, label: str) -> str:
    """The number in front of `label` in a numbered list of choices."""
    found = re.search(rf"^(\d+)\) {re.escape(label)}$", body, re.MULTILINE)
    assert found, f"no choice {label!r} in {body!r}"
    return found.group(1)


async def person(synapse: Synapse, tmp_path: Path, watching: str, name: str) -> Person:
    """A newly registered, logged-in, syncing person who collects what `watching` writes."""
    registered = synapse.register(synapse.unique_name(name), PASSWORD)
    someone = Person(synapse.url, registered["user_id"], PASSWORD, tmp_path / f"nio-{name}")
    await someone.start(watching)
    return someone


@contextlib.asynccontextmanager
async def running_desk(
    synapse: Synapse, tmp_path: Path, bot_name: str, room: str, facilitator: Person
) -> AsyncIterator[App]:
    """Sild (already registered as `bot_name`) with `room` as its facilitator room, running.

    `facilitator` is the only facilitator (shown as Mari); facilitators are always on duty, and
    the outbox delivers as the runner's would.
    """
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
    try:
        yield app
    finally:
        delivery.cancel()
        await transport.stop()
        await app.close()
