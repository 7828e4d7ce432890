"""Running every configured transport in one event loop, stopping them in reverse order."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from typing import Protocol

from bot.app import App
from bot.core.guard import error_summary
from bot.storage.tickets import SqlTicketStore

log = logging.getLogger(__name__)

PURGE_INTERVAL_SECONDS = 3600.0
"""How often the retention purge runs (and once at start)."""


class Transport(Protocol):
    """A platform adapter with a lifecycle: started once, stopped once."""

    name: str

    async def start(self) -> None:
        """Connect and begin receiving messages (returns once running)."""
        ...

    async def stop(self) -> None:
        """Stop receiving, finish sending, disconnect."""
        ...


async def cancel_and_wait(tasks: list[asyncio.Task[None] | None], grace: float = 10.0) -> None:
    """Cancel background tasks and wait until they have finished, before the database closes.

    A task cancelled in the middle of a database call rolls its connection back as it unwinds;
    if the engine were disposed first, that rollback would wait forever and so would the exit.
    """
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()
    if running:
        _, stuck = await asyncio.wait(running, timeout=grace)
        for task in stuck:
            log.warning("a background task did not stop within %.0f s: %s", grace, task)


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


def settle_heap() -> None:
    """Put everything made at start-up (modules, the content index) out of the collector's way.

    A running bot allocates for every message, and every full collection would walk the whole
    index again, hundreds of thousands of objects that never become garbage (`gc.freeze`). A
    later content reload builds its index among the collected objects, as before, and the old
    one is freed by reference counting.
    """
    gc.collect()
    gc.freeze()


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
    scheduler = asyncio.create_task(app.scheduler.run()) if app.scheduler else None
    reminders = asyncio.create_task(remind_unclaimed(app))
    purge = asyncio.create_task(purge_periodically(app))
    settle_heap()
    started: list[Transport] = []
    try:
        for transport in transports:
            await transport.start()
            started.append(transport)
            log.info("%s is running", transport.name)
        await stop.wait()
    finally:
        await cancel_and_wait([watcher, delivery, scheduler, reminders, purge])
        for transport in reversed(started):
            try:
                await transport.stop()
            except Exception:
                log.exception("stopping %s failed", transport.name)


async def purge_periodically(app: App, interval: float = PURGE_INTERVAL_SECONDS) -> None:
    """Apply the retention period now and then every `interval` seconds, until cancelled."""
    if app.privacy is None:
        return
    while True:
        try:
            report = await app.privacy.purge(app.settings.retention_days)
            log.info("retention purge: %s", report)
        except Exception as error:
            log.error("the retention purge failed: %s", error_summary(error))
        await asyncio.sleep(interval)


async def remind_unclaimed(app: App, interval: float = 60.0) -> None:
    """Remind the facilitator places of tickets nobody claimed within the set time."""
    from datetime import timedelta

    from bot.core.flows.handoff import unclaimed_reminders
    from bot.core.messages import Outbound
    from bot.i18n import translations

    tickets = app.desk.tickets
    while True:
        await asyncio.sleep(interval)
        if not app.desk.places or not isinstance(tickets, SqlTicketStore):
            continue
        try:
            waiting = await tickets.unclaimed_since(
                timedelta(minutes=app.settings.handoff_reminder_minutes)
            )
            t = translations(app.desk.language)
            for place, text, thread in unclaimed_reminders(app.desk, waiting, t):
                await app.dispatcher.enqueue(
                    [Outbound(place, text, thread=thread)], dedupe_key=f"{thread}:reminder:{place}"
                )
        except Exception:
            log.exception("reminding about unclaimed tickets failed")
