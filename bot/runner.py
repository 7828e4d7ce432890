"""Running every configured transport in one event loop, stopping them in reverse order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Protocol

from bot.app import App

log = logging.getLogger(__name__)


class Transport(Protocol):
    """A platform adapter with a lifecycle: started once, stopped once."""

    name: str

    async def start(self) -> None:
        """Connect and begin receiving messages (returns once running)."""
        ...

    async def stop(self) -> None:
        """Stop receiving, finish sending, disconnect."""
        ...


def configured_transports(app: App) -> list[Transport]:
    """The transports whose settings are present."""
    transports: list[Transport] = []
    if app.settings.telegram_configured:
        from bot.transports.telegram import TelegramTransport

        transports.append(TelegramTransport(app))
    if app.settings.matrix_configured:
        from bot.transports.matrix import MatrixTransport

        transports.append(MatrixTransport(app))
    return transports


async def run_transports(app: App) -> None:
    """Start the configured transports and the content watcher; run until SIGINT or SIGTERM."""
    transports = configured_transports(app)
    if not transports:
        return
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    watcher = asyncio.create_task(app.library.watch(app.settings.content_reload_seconds))
    delivery = asyncio.create_task(app.dispatcher.run())
    started: list[Transport] = []
    try:
        for transport in transports:
            await transport.start()
            started.append(transport)
            log.info("%s is running", transport.name)
        await stop.wait()
    finally:
        watcher.cancel()
        delivery.cancel()
        for transport in reversed(started):
            try:
                await transport.stop()
            except Exception:
                log.exception("stopping %s failed", transport.name)
