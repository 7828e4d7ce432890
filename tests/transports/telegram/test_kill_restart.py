"""`bot run` killed with SIGKILL in the middle of things, then started again.

The bot runs as a real subprocess against the fake Bot API in this process. The fake makes the
bot's next message to a chat hang (the request is never carried out), the test waits until the
bot is stuck in it, then SIGKILLs it and starts it again. Killed in the middle of onboarding, of
a sign-up, of a reminder and of a handoff: the conversation continues where it was, no sign-up is
half-made or doubled, the reminder arrives exactly once, and no ticket message is lost.

(A reply that was being sent at the moment of the kill is not sent again: Telegram confirmed the
update when it was fetched, so after the restart the person's next message is answered as usual.
What Sild sends on its own goes through the outbox in the database and survives the kill.)
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.settings import PROJECT_ROOT
from tests.transports.telegram.fake_bot_api import TOKEN, FakeBotApi, Fault, Sent, user

pytestmark = pytest.mark.slow

PERSON = 4242
ANNA = 900
GROUP = -1001234
HELSINKI = ZoneInfo("Europe/Helsinki")
GROUP_EVENT = "kill-test-group"
CAFE_EVENT = "kill-test-cafe"
LANGS = ("et", "fi", "ru", "en")


def _event_file(event_id: str, kind: str, start: datetime, capacity: str) -> str:
    title = "Kill test group" if kind == "peer-group" else "Kill test cafe"
    texts = "\n".join(f"  {lang}: {title} {lang}" for lang in LANGS)
    about = "\n".join(f"  {lang}: What happens when Sild is killed." for lang in LANGS)
    return (
        f"id: {event_id}\nkind: {kind}\ncountry: FI\ntime_zone: Europe/Helsinki\n"
        f"title:\n{texts}\ndescription:\n{about}\n"
        f"start: {start:%Y-%m-%d %H:%M}\nend: {start + timedelta(hours=1):%Y-%m-%d %H:%M}\n"
        "place:\n  name: Caisa\n  address: Kulttuuriaukio 2, 00100 Helsinki\n"
        "  map: https://www.openstreetmap.org/search?query=Kulttuuriaukio\n"
        f"languages: [et, fi]\ncapacity: {capacity}\n"
        "late_cancel_contact: Kadri, ryhmat@sild.example\n"
    )


class Bot:
    """`bot run` as a subprocess, started, killed and started again over the same data."""

    def __init__(self, api: FakeBotApi, folder: Path, start: datetime) -> None:
        self.api = api
        self.folder = folder
        self.start_time = start
        self.process: asyncio.subprocess.Process | None = None
        self.log = folder / "bot.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SILD_")}
        self.env.update(
            {
                "SILD_TELEGRAM_TOKEN": TOKEN,
                "SILD_TELEGRAM_BASE_URL": api.base_url,
                "SILD_TELEGRAM_POLL_TIMEOUT": "1",
                "SILD_TELEGRAM_FACILITATOR_CHAT": str(GROUP),
                "SILD_FACILITATORS": f"telegram:{ANNA}=Anna",
                "SILD_OFFICE_HOURS": "Mon-Sun 00:00-23:59",
                "SILD_DATA_DIR": str(folder / "data"),
                "SILD_CONTENT_DIR": str(folder / "content"),
                "SILD_QUIET_HOURS": "",
                "SILD_REMINDER_HOURS": "24",
                "SILD_EVENTS_SCHEDULER_SECONDS": "0.3",
                "SILD_LOG_LEVEL": "INFO",
            }
        )

    @property
    def database(self) -> Path:
        """The bot's SQLite file."""
        return self.folder / "data" / "sild.db"

    async def start(self) -> None:
        """Start `bot run` and wait until it polls for updates."""
        polls = len(self.api.requests("getUpdates"))
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=self.folder,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        await self.api.wait_until(lambda: len(self.api.requests("getUpdates")) > polls, 60)

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def restart(self) -> None:
        """Kill and start again."""
        await self.kill()
        await self.start()

    async def stop(self) -> int:
        """A clean stop (SIGTERM); returns the exit status."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await self.process.wait()

    def rows(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        """Rows from the bot's database (it is SQLite in WAL mode: reading alongside is fine)."""
        with sqlite3.connect(self.database) as connection:
            return list(connection.execute(query, args))


@pytest.fixture
async def bot(bot_api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Bot]:
    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", content, ignore=shutil.ignore_patterns("events"))
    (content / "events").mkdir()
    start = (datetime.now(HELSINKI) + timedelta(hours=3)).replace(second=0, microsecond=0)
    (content / "events" / f"{GROUP_EVENT}.yaml").write_text(
        _event_file(GROUP_EVENT, "peer-group", start, "5")
    )
    (content / "events" / f"{CAFE_EVENT}.yaml").write_text(
        _event_file(CAFE_EVENT, "family-cafe", start, "\n  adults: 10\n  children: 10")
    )
    running = Bot(bot_api, tmp_path, start)
    yield running
    if running.process is not None and running.process.returncode is None:
        running.process.kill()
        await running.process.wait()
    log = running.log.read_text(errors="replace") if running.log.exists() else ""
    assert "Traceback" not in log, log[-3000:]


async def _until(condition: Callable[[], bool]) -> None:
    """Wait until `condition()` holds (it reads the bot's database, which tells nobody)."""
    for _ in range(1200):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never held")


class Talk:
    """The person and the facilitator, through the fake server."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.person = user(PERSON, "Olga", "en")
        self.anna = user(ANNA, "Anna", "en")

    def hang_next(self, chat_id: int) -> Fault:
        """The bot's next message to `chat_id` hangs."""
        return self.api.fail("sendMessage", 0, "", chat_id=chat_id, hang=True)

    async def stuck(self, fault: Fault) -> None:
        """Wait until the bot is stuck sending the message `fault` holds."""
        await self.api.wait_until(lambda: fault.times == 0, 60)

    async def reply(self, chat_id: int, before: int, containing: str = "") -> Sent:
        """Wait for a new message in `chat_id` (containing `containing`) and return it."""

        def arrived() -> bool:
            return any(containing in m.text for m in self.api.sent(chat_id)[before:])

        await self.api.wait_until(arrived, 60)
        return next(m for m in self.api.sent(chat_id)[before:] if containing in m.text)

    async def says(self, text: str, containing: str = "") -> Sent:
        """The person writes; returns Sild's reply."""
        before = len(self.api.sent(PERSON))
        await self.api.text(self.person, text)
        return await self.reply(PERSON, before, containing)

    async def presses(self, message: Sent, data: str, containing: str = "") -> Sent:
        """The person presses a button; returns Sild's reply."""
        before = len(self.api.sent(PERSON))
        await self.api.press(self.person, message, data)
        return await self.reply(PERSON, before, containing)

    def count(self, chat_id: int, text: str) -> int:
        """How many of the bot's messages in a chat contain `text`."""
        return sum(text in m.text for m in self.api.sent(chat_id))


async def test_killed_in_the_middle_of_everything_it_carries_on(
    bot: Bot, bot_api: FakeBotApi
) -> None:
    talk = Talk(bot_api)
    await bot.start()

    # Onboarding: killed while the main menu (after the country) is being sent.
    country = await talk.says("/start", "Where do you live")
    stuck = talk.hang_next(PERSON)
    await bot_api.press(talk.person, country, "country:FI")
    await talk.stuck(stuck)
    before = len(bot_api.sent(PERSON))
    await bot.restart()
    # The press may come again after the restart (an update is delivered until the next poll
    # confirms it): then the person also gets the menu the kill cut off.
    helped = await talk.says("/help", "/help: this help")
    assert "/menu: the main menu" in helped.text
    asked = [m.text for m in bot_api.sent(PERSON)[before:] if "Where do you live" in m.text]
    assert asked == []  # onboarded: not asked for a country again

    # A café sign-up: killed after "2 adults", while the children question is being sent.
    event = await talk.says(f"/start event_{CAFE_EVENT}", "Kill test cafe")
    adults = await talk.presses(event, f"join:{CAFE_EVENT}", "How many adults")
    stuck = talk.hang_next(PERSON)
    await bot_api.press(talk.person, adults, "ad:2")
    await talk.stuck(stuck)
    await bot.restart()
    await talk.says("1", "You are signed up")  # one child: the question it never got to see
    assert bot.rows("SELECT adults, children, status FROM event_signups") == [(2, 1, "confirmed")]
    assert bot.rows("SELECT taken_adults, taken_children FROM events WHERE id = ?", CAFE_EVENT) == [
        (2, 1)
    ]

    # A group sign-up: killed while "you are signed up" is being sent; pressing again is harmless.
    stuck = talk.hang_next(PERSON)
    await bot_api.press(talk.person, event, f"join:{GROUP_EVENT}")
    await talk.stuck(stuck)
    await bot.restart()
    again = await talk.presses(event, f"join:{GROUP_EVENT}", "Kill test group")
    assert "Cancel my place" in again.labels()  # it shows the sign-up that was made
    signups = "SELECT count(*) FROM event_signups WHERE event_id = ?"
    assert bot.rows(signups, GROUP_EVENT) == [(1,)]
    assert bot.rows("SELECT taken_adults FROM events WHERE id = ?", GROUP_EVENT) == [(1,)]

    # A reminder, due a few seconds after the next start: killed while it is being sent.
    await bot.kill()
    due = datetime.now(HELSINKI) + timedelta(seconds=4)
    bot.env["SILD_REMINDER_HOURS"] = f"{(bot.start_time - due).total_seconds() / 3600:.6f}"
    stuck = talk.hang_next(PERSON)
    await bot.start()
    await talk.stuck(stuck)
    await bot.restart()
    # One per sign-up (the café and the group), whether queued before the kill or after it.
    await bot_api.wait_until(lambda: talk.count(PERSON, "Reminder") == 2, 60)
    query = "SELECT status FROM outbox WHERE dedupe_key LIKE 'reminder:%'"
    await _until(lambda: bot.rows(query) == [("sent",), ("sent",)])  # marked after sending
    assert bot.rows("SELECT count(*) FROM event_reminders") == [(2,)]

    # A handoff: killed while the person's message is on its way to the facilitators ...
    menu = await talk.says("/menu", "What would you like")
    await talk.presses(menu, "human", "what would you like help with")
    in_group = len(bot_api.sent(GROUP))
    await talk.says("I need help with my papers", "request number is 1")
    note = await talk.reply(GROUP, in_group, "New request #1")
    stuck = talk.hang_next(GROUP)
    await bot_api.text(talk.person, "kill-message-one")
    await talk.stuck(stuck)
    await bot.restart()
    await talk.reply(GROUP, 0, "kill-message-one")
    # ... and while the facilitator's answer is on its way to the person.
    stuck = talk.hang_next(PERSON)
    await bot_api.text(talk.anna, "Hello from Anna", GROUP, reply_to=note)
    await talk.stuck(stuck)
    await bot.restart()
    await talk.reply(PERSON, 0, "Hello from Anna")
    texts = [row[0] for row in bot.rows("SELECT text FROM ticket_messages ORDER BY id")]
    assert texts == ["I need help with my papers", "kill-message-one", "Hello from Anna"]
    assert await bot.stop() == 0  # and a clean stop is clean

    # Nothing went out twice.
    assert talk.count(GROUP, "kill-message-one") == 1
    assert talk.count(PERSON, "Hello from Anna") == 1
    assert talk.count(PERSON, "Reminder") == 2
    assert talk.count(PERSON, "You are signed up") == 1
