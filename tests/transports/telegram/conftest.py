"""Telegram test fixtures: the fake Bot API server, and the real transport started against it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

import bot.transports.telegram  # noqa: F401  (sets PTB_TIMEDELTA before any Telegram object is made)
from bot.core.engine import Engine
from bot.core.ports import UserProfile
from bot.delivery import Dispatcher
from bot.settings import Settings
from bot.storage.repository import SqlStore
from bot.transports.telegram.sender import RetryPolicy
from bot.transports.telegram.transport import TelegramTransport
from tests.transports.telegram.fake_bot_api import TOKEN, Event, FakeBotApi, Sent, user

FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)


def telegram_settings(api: FakeBotApi, **extra: Any) -> Settings:
    """Settings that point Sild at the fake server, with short long polls."""
    values: dict[str, Any] = {
        "telegram_token": SecretStr(TOKEN),
        "telegram_base_url": api.base_url,
        "telegram_poll_timeout": 1,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class TestApp:
    """The parts of `bot.app.App` the transport uses, wired by hand over the test database."""

    settings: Settings
    engine: Engine
    store: SqlStore
    dispatcher: Dispatcher


def make_app(settings: Settings, engine: Engine, store: SqlStore) -> TestApp:
    """An app over the fixtures' engine and database."""
    return TestApp(settings, engine, store, Dispatcher(store.sessions))


@dataclass
class Harness:
    """The fake server, the running transport, and the database behind it."""

    api: FakeBotApi
    transport: TelegramTransport
    app: TestApp

    @property
    def store(self) -> SqlStore:
        """The test database."""
        return self.app.store

    async def settle(self) -> None:
        """Wait until every injected update has been fetched and fully handled."""
        await self.api.all_fetched()
        await self.transport.application.update_queue.join()

    def person(self, user_id: int, first_name: str = "Test", language: str | None = "en") -> Person:
        """A Telegram user in a private chat with Sild."""
        return Person(self, user(user_id, first_name, language))

    async def onboarded(self, user_id: int, language: str = "en", country: str = "FI") -> Person:
        """A person who chose their language and country before."""
        await self.store.save_user(UserProfile("telegram", str(user_id), language, country))
        return self.person(user_id, language=language)


@dataclass
class Person:
    """One person talking to the running bot; each step waits until Sild has answered."""

    harness: Harness
    user: dict[str, Any]

    @property
    def chat_id(self) -> int:
        """The private chat's id (the person's id)."""
        return int(self.user["id"])

    @property
    def events(self) -> list[Event]:
        """Everything Sild did in this chat."""
        return self.harness.api.chat(self.chat_id)

    async def _step(self, act: Callable[[], Awaitable[object]]) -> list[Event]:
        before = len(self.events)
        await act()
        await self.harness.settle()
        return self.events[before:]

    async def says(self, text: str) -> list[Event]:
        """Send a text message; returns what Sild did in reply."""
        return await self._step(lambda: self.harness.api.text(self.user, text))

    async def sends_sticker(self) -> list[Event]:
        """Send a sticker."""
        return await self._step(lambda: self.harness.api.sticker(self.user))

    def button(self, label: str) -> tuple[Sent, str]:
        """The newest message with a button labelled `label`, and the button's data."""
        for message in reversed(self.harness.api.sent(self.chat_id)):
            for button in message.buttons():
                if button["text"] == label:
                    return message, button["callback_data"]
        raise AssertionError(f"no button {label!r}")

    async def presses(self, label: str) -> list[Event]:
        """Press the newest button labelled `label`."""
        message, data = self.button(label)
        return await self._step(lambda: self.harness.api.press(self.user, message, data))


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API server, listening on 127.0.0.1."""
    api = FakeBotApi()
    await api.start()
    yield api
    await api.stop()


@contextlib.asynccontextmanager
async def running(
    api: FakeBotApi,
    store: SqlStore,
    engine: Engine,
    settings: Settings | None = None,
    **options: Any,
) -> AsyncIterator[Harness]:
    """Start the real transport against the fake server; stop it afterwards."""
    app = make_app(settings or telegram_settings(api), engine, store)
    transport = TelegramTransport(app, **{"retry": FAST_RETRY, **options})
    await transport.start()
    try:
        yield Harness(api, transport, app)
    finally:
        await transport.stop()


@pytest.fixture
async def telegram(bot_api: FakeBotApi, store: SqlStore, engine: Engine) -> AsyncIterator[Harness]:
    """The real Telegram transport, started against the fake server."""
    async with running(bot_api, store, engine) as harness:
        yield harness
