"""`bot events`: the facilitators' command line over a real SQLite database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.core.ports import PersonRef
from bot.storage.db import open_store
from bot.storage.events import SqlEvents
from bot.storage.models import OutboxMessage
from tests.eventdata import NOW

EVENT = "health-services-evening-tallinn"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sild.db'}"
    monkeypatch.setenv("SILD_DATABASE_URL", url)
    monkeypatch.setenv("SILD_QUIET_HOURS", "")
    return url


def _run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


async def _sign_up(url: str, *names: str) -> None:
    store = await open_store(url)
    try:
        events = SqlEvents(store.sessions, store.rows)
        for number, name in enumerate(names):
            who = PersonRef("telegram", str(number), str(number))
            await events.sign_up(
                EVENT, who, adults=1, children=0, name=name, waitlist=True, now=NOW
            )
    finally:
        await store.close()


async def _outbox_count(url: str) -> int:
    store = await open_store(url)
    try:
        async with store.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)
    finally:
        await store.close()


def test_list_show_export_message_and_cancel(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["events", "list"]) == 0
    listing = capsys.readouterr().out
    assert EVENT in listing and "0/30, waitlist 0" in listing
    _run(_sign_up(database, "Olga", "=HYPERLINK()"))
    assert main(["events", "show", EVENT]) == 0
    shown = capsys.readouterr().out
    assert "Olga · confirmed" in shown and "2/30" in shown
    out = tmp_path / "list.csv"
    assert main(["events", "export", EVENT, "--out", str(out)]) == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 3 and ",'=HYPERLINK()," in lines[2]  # no formula in a spreadsheet
    assert main(["events", "message", EVENT, "Bring", "your", "ID"]) == 0
    assert main(["events", "message", EVENT, "Bring", "your", "ID"]) == 0
    assert "0 new message(s) queued for 2 people" in capsys.readouterr().out
    assert _run(_outbox_count(database)) == 2
    assert main(["events", "cancel", EVENT, "--yes"]) == 0
    assert main(["events", "cancel", EVENT, "--yes"]) == 1
    assert _run(_outbox_count(database)) == 4
    assert main(["events", "list"]) == 0
    assert "CANCELLED" in capsys.readouterr().out


def test_unknown_event_is_an_error(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "show", "no-such-event"]) == 2
    assert "no event" in capsys.readouterr().err
