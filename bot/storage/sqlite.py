"""SQLite specifics: the connection settings, and one database thread for the per-message work.

The async engine (aiosqlite) runs every driver call (open a cursor, execute, fetch, close,
commit) as its own trip to the connection's thread and back to the event loop: about ten trips
for a message's read and write, each a queue hand-over and a wake-up on both sides. That was
most of Sild's own cost per message in the end-to-end benchmark. `DatabaseThread` runs a whole
unit of work with the synchronous driver on one thread of its own instead: one trip per unit,
and the event loop never waits on SQLite (a lock held by another process waits on that thread).

Both engines open the same file; WAL lets readers and the writer work side by side, and the
busy timeout makes a writer wait for the other's transaction rather than fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL

BUSY_TIMEOUT_S = 30
"""How long a writer waits for another connection's transaction before giving up."""

T = TypeVar("T")


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

    async def run(self, work: Callable[[Engine], T]) -> T:
        """Run `work(engine)` on the database thread and return what it returns."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, work, self.engine)

    async def close(self) -> None:
        """Close the thread's connections (on the thread that opened them), then the thread."""
        await self.run(lambda engine: engine.dispose())
        self._thread.shutdown(wait=False)
