"""SQLite specifics: the connection settings, and how the per-message work reaches the file.

The async engine (aiosqlite) runs every driver call (open a cursor, execute, fetch, close,
commit) as its own trip to the connection's thread and back to the event loop: about ten trips
for a message's read and write. That was most of Sild's own cost per message in the end-to-end
benchmark, so the two units of work of every message (`load_turn`, `save_turn`), and the reads
that lists of events make (`SqlStore.rows`), take another road, `SqliteRunner`:

- **On the event loop, with a connection that never waits.** SQLite's work for a message is a
  few dozen microseconds from the page cache. Handing it to a thread costs more than that: each
  driver call releases Python's lock (the GIL) and takes it back, and while the loop is busy every
  one of those hand-overs is a forced switch between the two threads (in the benchmark, Sild
  spent five times the echo bot's system time on them). So the loop's connection does the work
  itself. Its busy timeout is zero, so it can never wait for a lock, and it never checkpoints, so
  it never waits for the disk: with WAL and `synchronous=NORMAL`, a commit only appends to the WAL.
- **On a thread of its own, whatever has to wait.** When another connection holds the lock the
  loop's connection would need (another process, or the async engine's writer), SQLite answers
  "busy" at once and the same work goes to the thread, whose connection waits for the lock (the
  busy timeout) while the loop goes on. The thread also checkpoints the WAL into the database
  file, every `CHECKPOINT_EVERY` items written on the loop.

Under load many messages are handled at once. A `Batch` waits `GATHER_S` for the calls of the
next moments and runs everything that arrived in one go: the reads together, the writes together
in one transaction (a "group commit"). With one person writing, that adds two milliseconds to a
message; with hundreds, the trips and commits per message fall by as much as the batches are large.

Both engines open the same file as the async engine; WAL lets readers and the writer work side
by side.

The statements every message runs are `Prepared`: compiled by SQLAlchemy once, then run on the
driver's cursor. SQLAlchemy's execution of a statement (its execution context, the parameters'
and the result's processing) costs several times what SQLite takes to run it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine, Executable, event, exc
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30
"""How long a writer waits for another connection's transaction before giving up."""
GATHER_S = 0.002
"""How long a batch waits for more calls before it runs."""
CHECKPOINT_EVERY = 200
"""Items written on the loop between two checkpoints on the thread: a message writes a handful
of pages, so this is about SQLite's own default of a checkpoint every 1,000 pages."""

T = TypeVar("T")
Item = TypeVar("Item")
Result = TypeVar("Result")

Outcomes = list[Any]
"""Per item of a batch, in order: its result, or the exception it raised."""
Work = Callable[[Engine, Sequence[Any]], Outcomes]


def set_pragmas(dbapi_connection: Any, *, checkpoints: bool = True) -> None:
    """Foreign keys on, WAL, and commits that sync at checkpoints rather than every time.

    With WAL, `synchronous=NORMAL` keeps the database consistent after a power cut; only the
    last transactions may be lost (and none when only the process dies). A connection opened with
    `checkpoints=False` leaves checkpoints to the others (`SqliteRunner` does them on its thread).
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    if not checkpoints:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def is_locked(error: object) -> bool:
    """Whether `error` is SQLite saying another connection holds a lock (busy or locked)."""
    if isinstance(error, exc.DBAPIError):
        error = error.orig
    if not isinstance(error, sqlite3.Error):
        return False
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) in (
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
    )


def _checkpoint(engine: Engine) -> None:
    """Copy what the WAL holds into the database file, as far as readers allow."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").close()


Convert = Callable[[Any], Any] | None
"""A type's conversion of a value for this dialect (None: the value goes as it is)."""


class Prepared:
    """A Core statement compiled once for SQLite, then run on the driver's cursor itself.

    In the end-to-end benchmark a message's read took 60–90 µs through SQLAlchemy's execution of
    the statement and 9 µs on the cursor; its write, 66 µs against 20. What SQLAlchemy does is
    still what decides the SQL and the values: its compiler writes the statement once, and each
    parameter and each result column is converted by its column type's own processor for this
    dialect (JSON, dates, booleans), as SQLAlchemy's execution would. Errors come as SQLAlchemy's:
    `StatementError` for a value that cannot be converted, the driver's errors wrapped as
    `IntegrityError`, `OperationalError` and so on. A statement that needs more of the execution
    than that (Python-side column defaults, expanding `IN` parameters) is refused here and is
    run through SQLAlchemy instead.
    """

    def __init__(self, statement: Executable, dialect: Dialect, *, hide_parameters: bool) -> None:
        if not isinstance(statement, ClauseElement):
            raise TypeError(f"not a Core statement: {statement!r}")
        compiled = statement.compile(dialect=dialect)
        if (
            not isinstance(compiled, SQLCompiler)
            or not compiled.positional
            or compiled.positiontup is None
            or compiled.insert_prefetch
            or compiled.update_prefetch
        ):
            raise ValueError("only a statement SQLite runs as compiled can be prepared")
        self.sql: str = compiled.string
        self._dialect = dialect
        self._hide_parameters = hide_parameters
        self._parameters: list[tuple[str, str, bool, Any, Convert]] = []
        for name in compiled.positiontup:
            bind = compiled.binds[name]
            if bind.expanding:
                raise ValueError(f"the parameter {name!r} expands: run it through SQLAlchemy")
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            self._parameters.append((bind.key, name, bind.required, bind.effective_value, convert))
        columns = getattr(statement, "selected_columns", ())
        self._columns: list[Convert] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]
        self._converts_rows = any(self._columns)

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The driver's parameters, in order, from the named values (converted by their types);
        a value the statement itself holds (`count + 1`) unless `values` names it too."""
        found: list[Any] = []
        for key, name, required, fixed, convert in self._parameters:
            if key in values:
                value = values[key]
            elif name in values:
                value = values[name]
            elif required:
                raise KeyError(f"a value is required for the parameter {name!r}")
            else:
                value = fixed
            found.append(value if convert is None else convert(value))
        return tuple(found)

    def run(self, connection: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run the statement on the connection's driver connection (in its transaction); its
        rows, converted by the columns' types (none for a statement that returns none)."""
        try:
            parameters = self.parameters(values)
        except Exception as error:  # a missing value, or one its type cannot convert
            raise exc.StatementError(
                f"({type(error).__module__}.{type(error).__name__}) {error}",
                self.sql,
                None,
                error,
                hide_parameters=self._hide_parameters,
            ) from error
        cursor = connection.connection.cursor()
        try:
            cursor.execute(self.sql, parameters)
            rows = cursor.fetchall() if self._columns else []
        except sqlite3.Error as error:
            raise exc.DBAPIError.instance(
                self.sql,
                parameters,
                error,
                sqlite3.Error,
                hide_parameters=self._hide_parameters,
                dialect=self._dialect,
            ) from error
        finally:
            cursor.close()
        if not self._converts_rows:
            return [tuple(row) for row in rows]
        columns = self._columns
        return [
            tuple(
                value if convert is None else convert(value)
                for convert, value in zip(columns, row, strict=True)
            )
            for row in rows
        ]


class SqliteRunner:
    """Two synchronous engines on one SQLite file: one used on the event loop (it never waits),
    one on a thread of its own (for what has to wait: locks and checkpoints)."""

    def __init__(
        self, url: URL, *, hide_parameters: bool = True, checkpoint_every: int = CHECKPOINT_EVERY
    ) -> None:
        url = url.set(drivername="sqlite")
        self.engine: Engine = create_sync_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_S}, hide_parameters=hide_parameters
        )
        """The thread's engine."""
        event.listen(self.engine, "connect", lambda connection, _record: set_pragmas(connection))
        self.here: Engine = create_sync_engine(
            url, connect_args={"timeout": 0}, hide_parameters=hide_parameters
        )
        """The event loop's engine: a lock held elsewhere is an immediate "busy", never a wait."""
        event.listen(
            self.here,
            "connect",
            lambda connection, _record: set_pragmas(connection, checkpoints=False),
        )
        self._hide_parameters = hide_parameters
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sild-sqlite")
        self._batches: list[Batch[Any, Any]] = []
        self._checkpoint_every = checkpoint_every
        self._written = 0
        self._checkpointing: asyncio.Task[None] | None = None

    def prepare(self, statement: Executable) -> Prepared:
        """`statement` compiled for this file's dialect, to run on the driver's cursor."""
        return Prepared(statement, self.here.dialect, hide_parameters=self._hide_parameters)

    async def run(self, work: Callable[[Engine], T]) -> T:
        """Run `work(engine)` on the thread and return what it returns."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, work, self.engine)

    async def run_batch(self, work: Work, items: Sequence[Any], *, writes: bool) -> Outcomes:
        """`work(engine, items)` on the loop; the items SQLite found locked, again on the thread.

        `work` returns one outcome per item (a result or an exception). An exception raised by
        `work` itself fails every item, unless it is a lock: then every item goes to the thread.
        """
        try:
            outcomes = work(self.here, items)
        except Exception as error:
            if not is_locked(error):
                raise
            outcomes = [error] * len(items)
        locked = [number for number, outcome in enumerate(outcomes) if is_locked(outcome)]
        if writes:
            self._wrote(len(items) - len(locked))
        if locked:
            waited = [items[number] for number in locked]
            again = await self.run(lambda engine: work(engine, waited))
            for number, outcome in zip(locked, again, strict=True):
                outcomes[number] = outcome
        return outcomes

    def _wrote(self, count: int) -> None:
        """Count items written on the loop; checkpoint on the thread every so many."""
        self._written += count
        if self._written >= self._checkpoint_every and self._checkpointing is None:
            self._written = 0
            self._checkpointing = asyncio.create_task(self._checkpoint())

    async def _checkpoint(self) -> None:
        try:
            await self.run(_checkpoint)
        except Exception as error:  # the next checkpoint catches up; a full disk shows here first
            log.warning("SQLite: checkpointing the WAL failed: %s", error)
        finally:
            self._checkpointing = None

    def batch(self, work: Work, *, writes: bool = False) -> Batch[Item, Result]:
        """A `Batch` of this runner: `work(engine, items)` handles every item that waited.

        `writes` says that `work` writes, so that the items it handles count towards the next
        checkpoint.
        """
        batch: Batch[Item, Result] = Batch(self, work, writes=writes)
        self._batches.append(batch)
        return batch

    async def close(self) -> None:
        """Finish the batches under way and the checkpoint, close both engines' connections (each
        on the thread that opened them), then the thread."""
        for batch in self._batches:
            await batch.drained()
        if self._checkpointing is not None:
            await self._checkpointing
        self.here.dispose()
        await self.run(lambda engine: engine.dispose())
        self._thread.shutdown(wait=False)


class Batch(Generic[Item, Result]):
    """Calls that arrive within a moment of each other, or while the last batch is still under
    way, run together in one go; each caller gets its own item's result or exception."""

    def __init__(self, runner: SqliteRunner, work: Work, *, writes: bool = False) -> None:
        self._runner = runner
        self._work = work
        self._writes = writes
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def __call__(self, item: Item) -> Result:
        """Hand `item` to the next batch and return its result (or raise its exception)."""
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
                await asyncio.sleep(GATHER_S)
                batch, self._waiting = self._waiting, []
                items = [item for item, _ in batch]
                try:
                    outcomes = await self._runner.run_batch(self._work, items, writes=self._writes)
                except Exception as error:  # the batch itself failed: so did every item
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
