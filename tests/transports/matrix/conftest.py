"""Fixtures for the Matrix tests: one real Synapse per session, Sild bots and people on it."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, build_app
from bot.settings import Settings
from bot.transports.matrix import MatrixTransport
from bot.transports.matrix.retry import Backoff
from tests.transports.matrix.person import Person
from tests.transports.matrix.synapse import Synapse, start_synapse

PASSWORD = "correct horse battery staple"
INSTALL_HINT = (
    "Synapse is not installed: install the test extra (`pip install -e '.[test]'`, which "
    "includes matrix-synapse) to run the Matrix end-to-end tests"
)


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    """A real Synapse homeserver, started once for the whole test session."""
    if importlib.util.find_spec("synapse") is None:
        pytest.skip(INSTALL_HINT)
    server = start_synapse(tmp_path_factory.mktemp("synapse"))
    print(f"\nSynapse answered after {server.started_in:.1f}s at {server.url}")
    yield server
    server.stop()


@dataclass
class BotFactory:
    """Builds, starts and finally stops Sild's Matrix transport over one database and data dir."""

    synapse: Synapse
    app: App
    registered: dict[str, Any]
    transports: list[MatrixTransport] = field(default_factory=list)

    @property
    def user_id(self) -> str:
        """Sild's Matrix user id."""
        return f"@{self.app.settings.matrix_user}:localhost"

    async def start(self) -> MatrixTransport:
        """Start a new transport instance (as after a restart of Sild)."""
        transport = MatrixTransport(
            self.app, sync_timeout_ms=5_000, backoff=Backoff(base=0.05, cap=0.5)
        )
        await transport.start()
        self.transports.append(transport)
        return transport

    async def stop_all(self) -> None:
        """Stop every transport that is still running, then close the database."""
        for transport in self.transports:
            await transport.stop()
        await self.app.close()


def _settings(synapse: Synapse, data_dir: Path, user: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": f"sqlite+aiosqlite:///{data_dir / 'sild.db'}",
        "matrix_homeserver": synapse.url,
        "matrix_user": user,
        "matrix_password": PASSWORD,
    }
    return Settings(_env_file=None, **(values | extra))  # type: ignore[call-arg]


@pytest.fixture
async def make_bot(
    synapse: Synapse, tmp_path: Path
) -> AsyncIterator[Callable[..., Coroutine[Any, Any, BotFactory]]]:
    """`await make_bot(**settings)`: a new Sild user, wired by `build_app` over its own data."""
    factories: list[BotFactory] = []

    async def make(use_access_token: bool = False, **extra: Any) -> BotFactory:
        user = synapse.unique_name("sild")
        registered = synapse.register(user, PASSWORD)
        if use_access_token:
            extra |= {"matrix_password": None, "matrix_access_token": registered["access_token"]}
        data_dir = tmp_path / f"data-{user}"
        data_dir.mkdir()
        app = await build_app(_settings(synapse, data_dir, user, **extra))
        factory = BotFactory(synapse, app, registered)
        factories.append(factory)
        return factory

    yield make
    for factory in factories:
        await factory.stop_all()


@pytest.fixture
async def make_person(
    synapse: Synapse, tmp_path: Path
) -> AsyncIterator[Callable[[str], Coroutine[Any, Any, Person]]]:
    """`await make_person(bot_user_id)`: a registered, logged-in, syncing person."""
    people: list[Person] = []

    async def make(watching: str) -> Person:
        name = synapse.unique_name("person")
        registered = synapse.register(name, PASSWORD)
        person = Person(synapse.url, registered["user_id"], PASSWORD, tmp_path / f"nio-{name}")
        people.append(person)
        await person.start(watching)
        return person

    yield make
    for person in people:
        await person.stop()
