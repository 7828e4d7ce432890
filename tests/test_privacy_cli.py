"""`bot export-user` (a request for one's data by email) and `bot purge` (retention, for cron)."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.cli import main
from bot.core.messages import ChatRef, Platform
from bot.knowledge import Library
from bot.storage.db import open_store
from bot.storage.models import TicketRow, utcnow
from bot.storage.tickets import SqlTicketStore
from tests.trust import ANNA, GROUP, make_world, onboard

ME = ChatRef(Platform.TELEGRAM, "4242")


@pytest.fixture
async def database(tmp_path: Path, library: Library, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database where person 4242 asked for help (request #1, closed 100 days ago)."""
    for name in list(os.environ):
        if name.startswith("SILD_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'sild.db'}"
    monkeypatch.setenv("SILD_DATABASE_URL", url)
    store = await open_store(url)
    try:
        world = await make_world(store, library)
        await onboard(world, ME, "4242", "ru")
        await world.press(ME, "4242", "human")
        await world.say(ME, "4242", "помогите с документами, тел. 040 123 4567")
        await world.say(GROUP, ANNA, "/close 1")
        async with store.sessions.begin() as session:
            long_ago = utcnow() - timedelta(days=100)
            await session.execute(update(TicketRow).values(closed=long_ago))
    finally:
        await store.close()
    return url


async def test_export_user_writes_a_private_file(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "4242.json"
    assert await _run(["export-user", "telegram", "4242", "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # personal data: readable only by you
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["profile"]["language"] == "ru"
    assert data["requests_to_a_person"][0]["description"].startswith("помогите")
    assert "written to" in capsys.readouterr().err


async def test_export_user_prints_and_says_when_there_is_nothing(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _run(["export-user", "matrix", "@nobody:example.org"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["profile"] is None
    assert "holds nothing" in captured.err


async def test_purge_applies_the_retention(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _run(["purge"]) == 0  # 90 days by default
    assert "1 tickets made anonymous" in capsys.readouterr().out
    store = await open_store(database)
    try:
        tickets = SqlTicketStore(store.sessions)
        assert await tickets.messages(1) == []
        ticket = await tickets.get_ticket(1)
        assert ticket is not None and ticket.description == "помогите с документами, тел. [phone]"
    finally:
        await store.close()
    assert await _run(["purge", "--days", "1"]) == 0
    assert "0 ticket messages" in capsys.readouterr().out


async def _run(argv: list[str]) -> int:
    """`main` runs its own event loop: run it in a thread, away from the test's loop."""
    return await asyncio.to_thread(main, argv)
