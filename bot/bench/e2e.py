"""End to end on Telegram: Sild's real transport against a bare echo bot, through one fake server.

The measurement runs in a fresh interpreter (`python -m bot.bench.e2e`, started by `measure_e2e`).
The fake Bot API server and the simulated users run in a child process of it
(`bot.bench.fake_telegram`); it runs one bot at a time against them, and both bots get the very
same load:

- the bare python-telegram-bot echo bot (one `MessageHandler` that answers every text with
  `reply_text`): the framework's ceiling on this machine;
- Sild: `bot.app.build_app` (content, a fresh SQLite database, the engine) and the real
  `bot.transports.telegram.TelegramTransport`, started and stopped by its own lifecycle. Every
  simulated user already chose a language and country (profiles stored before the run), so every
  message is a question that goes through matching, the FAQ flow, the database and rendering.
  The outbox loop (`Dispatcher.run`), which only carries messages Sild sends on its own
  (reminders, notices to another platform), is not started: no reply here goes through it.

Both bots poll with the same long-poll timeout and handle the same number of updates at once
(Sild's settings are copied to the echo bot), and neither has a rate limiter: in production
Sild's `AIORateLimiter` keeps to Telegram's limit of about 30 messages a second, which would
make both bots measure that limit rather than themselves. The messages are the question sets'
texts, each user writing in one language.

Each bot first gets an untimed warm-up as long as the load, with other questions of the same
languages (`warmup_scripts`). Sild is restarted for every round, and a freshly started Sild has
not yet resolved the words people type (stems in every language, typos, spelling vectors), which
a bot that has been running has remembered: measured in process, Sild's first pass over 2,000
questions costs 0.2–0.4 ms more CPU per update than its second. With a short
warm-up, the figure would be that of a bot just restarted into a crowd, not of a running one.

A shared machine slows one run and not the next, so the bots take turns (Sild, echo, Sild,
echo, ...) and each bot's best round counts: noise only ever slows a bot down. Each round also
records the bot process's CPU time per update, which depends much less on the neighbours.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.bench.fake_telegram import FIRST_USER_ID
from bot.bench.fresh import run_fresh
from bot.core.faq import COUNTRIES, LANGUAGES

Script = tuple[str, list[str]]
"""One simulated user: the language they write in and their messages in order."""


def scripts(
    users: int, messages: int, questions: Sequence[tuple[str, str]], skip: int = 0
) -> list[Script]:
    """What each user sends: user i writes in the i-th language (in turn), cycling its questions,
    starting after the first `skip` questions of that language."""
    by_lang: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    for text, lang in questions:
        if lang in by_lang and text.strip():
            by_lang[lang].append(text)
    fallback = ["hello", "how do I find a doctor", "thank you"]
    plays: list[Script] = []
    for number in range(users):
        lang = LANGUAGES[number % len(LANGUAGES)]
        pool = by_lang[lang] or fallback
        start = skip + (number // len(LANGUAGES)) * messages
        plays.append((lang, [pool[(start + k) % len(pool)] for k in range(messages)]))
    return plays


def warmup_scripts(users: int, messages: int, questions: Sequence[tuple[str, str]]) -> list[Script]:
    """The untimed warm-up: the same users, as many messages each as the measured load, with the
    questions of their language that come after the load's (other questions, where there are
    enough), so that Sild's caches are as full as a running bot's and no measured question was
    asked before."""
    per_language = -(-users // len(LANGUAGES)) * messages
    return scripts(users, messages, questions, skip=per_language)


def measure_e2e(
    users: int,
    messages: int,
    content_dir: Path,
    questions: Sequence[tuple[str, str]] = (),
    rounds: int = 2,
) -> dict[str, Any]:
    """Run Sild and the echo bot through the fake server with the same load, taking turns for
    `rounds` rounds, in a fresh interpreter; return the figures (each bot's best round, and
    every round).

    A fresh interpreter, because the rest of `bot bench` leaves hundreds of megabytes of its own
    objects behind (synthetic content, the baselines' indexes), which can weigh on the bots
    differently: in one full run the echo bot measured a third slower there than in a fresh
    process just after.
    Returns `{"skipped": why}` when the Telegram transport is not there to measure.
    """
    request = {
        "users": users,
        "messages": messages,
        "content_dir": str(content_dir),
        "questions": [list(question) for question in questions],
        "rounds": max(1, rounds),
    }
    return run_fresh("bot.bench.e2e", request=request, what="end-to-end measurement", timeout=1800)


def measure_here(request: dict[str, Any]) -> dict[str, Any]:
    """The measurement itself, in this process (`measure_e2e` runs it in a fresh one)."""
    try:
        import bot.transports.telegram as telegram

        transport_class = telegram.TelegramTransport
    except ImportError as exc:
        return {"skipped": f"the Telegram transport cannot be imported ({exc})"}
    del transport_class
    questions = [(str(text), str(lang)) for text, lang in request["questions"]]
    return asyncio.run(
        _measure(
            int(request["users"]),
            int(request["messages"]),
            Path(request["content_dir"]),
            questions,
            int(request["rounds"]),
        )
    )


async def _measure(
    users: int,
    messages: int,
    content_dir: Path,
    questions: Sequence[tuple[str, str]],
    rounds: int,
) -> dict[str, Any]:
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.bench.fake_telegram",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=16 * 1024 * 1024,
    )
    assert server.stdin is not None and server.stdout is not None
    stdin, stdout = server.stdin, server.stdout

    async def read() -> dict[str, Any]:
        """The next JSON line from the server."""
        line = await stdout.readline()
        if not line:
            raise RuntimeError("the fake Bot API server stopped")
        figures: dict[str, Any] = json.loads(line)
        return figures

    async def load(plays: list[Script]) -> dict[str, Any]:
        """Have the server play these users against the running bot; its figures, with the
        CPU time this process (the bot, all its threads) spent per update."""
        cpu = time.process_time()
        stdin.write((json.dumps({"do": "run", "scripts": plays}) + "\n").encode())
        await stdin.drain()
        figures = await read()
        spent = time.process_time() - cpu
        figures["cpu_ms_per_update"] = round(1000 * spent / max(1, figures["updates"]), 3)
        return figures

    sild_rounds: list[dict[str, Any]] = []
    echo_rounds: list[dict[str, Any]] = []
    try:
        hello = await read()
        base_url, token = str(hello["base_url"]), str(hello["token"])
        plays = scripts(users, messages, questions)
        warmup = warmup_scripts(users, messages, questions)
        for _ in range(rounds):
            with tempfile.TemporaryDirectory(prefix="sild-bench-") as folder:
                figures, polling = await _with_sild(
                    base_url, token, content_dir, Path(folder), plays, warmup, load
                )
            sild_rounds.append(figures)
            echo_rounds.append(await _with_echo(base_url, token, polling, warmup, plays, load))
    finally:
        stdin.close()
        try:
            await asyncio.wait_for(server.wait(), 10)
        except TimeoutError:
            server.kill()
            await server.wait()
    sild, echo = _best(sild_rounds), _best(echo_rounds)
    ratio = sild["updates_per_s"] / echo["updates_per_s"] if echo["updates_per_s"] else 0.0
    return {
        "users": users,
        "messages": messages,
        "updates": users * messages,
        "concurrent_updates": polling.concurrent_updates,
        "rate_limiter": "none on either bot",
        "rounds": rounds,
        "sild": sild,
        "echo": echo,
        "ratio": round(ratio, 3),
        "cpu_ratio": round(echo["cpu_ms_per_update"] / sild["cpu_ms_per_update"], 3),
        "sild_rounds": sild_rounds,
        "echo_rounds": echo_rounds,
    }


def _best(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The round with the most updates per second; its CPU figure is the lowest of all rounds."""
    best = dict(max(rounds, key=lambda figures: float(figures["updates_per_s"])))
    best["cpu_ms_per_update"] = min(float(figures["cpu_ms_per_update"]) for figures in rounds)
    return best


@dataclass(frozen=True, slots=True)
class Polling:
    """How Sild polls, copied to the echo bot so both get updates the same way."""

    concurrent_updates: int
    timeout: float


Load = Callable[[list[Script]], Awaitable[dict[str, Any]]]


async def _with_sild(
    base_url: str,
    token: str,
    content_dir: Path,
    data_dir: Path,
    plays: list[Script],
    warmup: list[Script],
    load: Load,
) -> tuple[dict[str, Any], Polling]:
    """Start Sild on Telegram, store the users' profiles, warm up, measure, stop."""
    from pydantic import SecretStr
    from telegram.ext import BaseRateLimiter

    from bot.app import build_app
    from bot.core.ports import UserProfile
    from bot.runner import settle_heap
    from bot.settings import Settings
    from bot.transports.telegram import TelegramTransport

    class Unlimited(BaseRateLimiter[None]):
        """No rate limit: every request goes out at once."""

        async def initialize(self) -> None:
            """Nothing to set up."""

        async def shutdown(self) -> None:
            """Nothing to tear down."""

        async def process_request(
            self,
            callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[Any]]],
            args: Any,
            kwargs: dict[str, Any],
            endpoint: str,
            data: dict[str, Any],
            rate_limit_args: None,
        ) -> bool | dict[str, Any] | list[Any]:
            """Send the request as it is."""
            return await callback(*args, **kwargs)

    settings = Settings(
        telegram_token=SecretStr(token),
        telegram_base_url=base_url,
        data_dir=data_dir,
        database_url=f"sqlite+aiosqlite:///{data_dir / 'bench.db'}",
        content_dir=content_dir,
        telegram_facilitator_chat=None,
        matrix_homeserver=None,
        rate_limit_per_minute=0,  # simulated users write faster than the per-person limit
    )
    app = await build_app(settings)
    try:
        for number in range(len(plays)):
            await app.store.save_user(
                UserProfile(
                    "telegram",
                    str(FIRST_USER_ID + number),
                    language=plays[number][0],
                    country=COUNTRIES[number % len(COUNTRIES)],
                )
            )
        settle_heap()  # as `bot run` does before it starts the transports
        transport = TelegramTransport(app, rate_limiter=Unlimited())
        polling = Polling(
            int(transport.application.update_processor.max_concurrent_updates),
            settings.telegram_poll_timeout,
        )
        await transport.start()
        try:
            await load(warmup)
            figures = await load(plays)
        finally:
            await transport.stop()
    finally:
        await app.close()
    return figures, polling


async def _with_echo(
    base_url: str,
    token: str,
    polling: Polling,
    warmup: list[Script],
    plays: list[Script],
    load: Load,
) -> dict[str, Any]:
    """Start the bare echo bot, warm up, measure, stop."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a text with the same text."""
        if update.message is not None and update.message.text is not None:
            await update.message.reply_text(update.message.text)

    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .concurrent_updates(polling.concurrent_updates)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    await application.initialize()
    await application.start()
    updater = application.updater
    assert updater is not None
    await updater.start_polling(
        timeout=timedelta(seconds=polling.timeout),
        allowed_updates=["message"],
    )
    try:
        await load(warmup)
        return await load(plays)
    finally:
        await updater.stop()
        await application.stop()
        await application.shutdown()


if __name__ == "__main__":
    print(json.dumps(measure_here(json.loads(sys.stdin.read()))))
