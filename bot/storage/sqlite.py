"""SQLite specifics: the connection settings, and one database thread for the per-message work.

The async engine (aiosqlite) runs every driver call (open a cursor, execute, fetch, close,
commit) as its own trip to the connection's thread and back to the event loop: about ten trips
for a message's read and write, each a queue hand-over and a wake-up on both sides. That was
most of Sild's own cost per message in the end-to-end benchmark. `DatabaseThread` runs a whole
unit of work with the synchronous driver on one thread of its own instead: one trip per unit,
and the event loop never waits on SQLite (a lock held by another process waits on that thread).

Under load many messages are handled at once, and their reads (and writes) arrive while the
thread is busy with the last trip. A `Batch` sends everything that waited to the thread together:
the reads in one trip, the writes in one trip and one transaction (a "group commit"). With one
person writing, a batch is one call and nothing changes; with hundreds, the trips and commits
per message fall by as much as the batches are large.

Both engines open the same file; WAL lets readers and the writer work side by side, and the
busy timeout makes a writer wait for the other's transaction rather than fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL

BUSY_TIMEOUT_S = 30
"""How long a writer waits for another connection's transaction before giving up."""

T = TypeVar("T")
Item = TypeVar("Item")
Result = TypeVar("Result")

Outcomes = list[Any]
"""Per item of a batch, in order: its result, or the exception it raised."""


def set_pragmas(dbapi_connection: Any) -> None:
    """Foreign keys on, WAL, and commits that sync at checkpoints rather than every time.

    With WAL, `synchronous=NORMAL` keeps the database consistent after a power cut; only the
    last transactions may be lost (and none when only the process dies).
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class DatabaseThread:
    """A synchronous engine on a SQLite file, used only from one thread of its own."""

    def __init__(self, url: URL, *, hide_parameters: bool = True) -> None:
        self.engine: Engine = create_sync_engine(
            url.set(drivername="sqlite"),
            connect_args={"timeout": BUSY_TIMEOUT_S},
            hide_parameters=hide_parameters,
        )
        event.listen(self.engine, "connect", lambda connection, _record: set_pragmas(connection))
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sild-sqlite")
        self._batches: list[Batch[Any, Any]] = []

    async def run(self, work: Callable[[Engine], T]) -> T:
        """Run `work(engine)` on the database thread and return what it returns."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, work, self.engine)

    def batch(self, work: Callable[[Engine, Sequence[Item]], Outcomes]) -> Batch[Item, Result]:
        """A `Batch` on this thread: `work(engine, items)` handles every item that waited."""
        batch: Batch[Item, Result] = Batch(self, work)
        self._batches.append(batch)
        return batch

    async def close(self) -> None:
        """Finish the batches under way, close the thread's connections (on the thread that
        opened them), then the thread."""
        for batch in self._batches:
            await batch.drained()
        await self.run(lambda engine: engine.dispose())
        self._thread.shutdown(wait=False)


class Batch(Generic[Item, Result]):
    """Calls that arrive while the database thread is busy wait for each other, then go to it
    together in one trip; each caller gets its own item's result or exception."""

    def __init__(
        self, thread: DatabaseThread, work: Callable[[Engine, Sequence[Item]], Outcomes]
    ) -> None:
        self._thread = thread
        self._work = work
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def __call__(self, item: Item) -> Result:
        """Hand `item` to the next trip and return its result (or raise its exception)."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._draining is None:
            self._draining = asyncio.create_task(self._drain())
        return await future

    async def drained(self) -> None:
        """Wait until every item handed in so far has been handled."""
        if self._draining is not None:
            await asyncio.shield(self._draining)

    async def _drain(self) -> None:
        batch: list[tuple[Item, asyncio.Future[Result]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                items = [item for item, _ in batch]
                try:
                    outcomes = await self._thread.run(
                        lambda engine, items=items: self._work(engine, items)  # type: ignore[misc]
                    )
                except Exception as error:  # the trip itself failed: so did every item
                    outcomes = [error] * len(batch)
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():  # its caller was cancelled; the work was done all the same
                        continue
                    if isinstance(outcome, BaseException):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
                batch = []
        finally:
            self._draining = None
            for _, future in [*batch, *self._waiting]:
                future.cancel()  # only when this task itself was cancelled (the loop is closing)
            self._waiting = []
