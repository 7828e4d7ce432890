"""A small fake Telegram Bot API server and a crowd of simulated users, for `bot bench`.

aiohttp on 127.0.0.1 (a free port). It answers the methods python-telegram-bot calls for a
polling bot (`getMe`, `getUpdates` as a real long poll, `sendMessage`, `editMessageText`,
`answerCallbackQuery`, the bot profile methods; anything else is answered `true`), hands out
injected updates, and records the time every reply arrives.

`Crowd.run` is the load: N users, each in a private chat, send their messages one after
another, each as soon as the reply to the one before arrived (a closed loop, as a person
waits for an answer), all users at once. Latency is from putting an update in the queue (the
moment Telegram would have it) to the bot's first `sendMessage` to that chat being recorded.

The server and the crowd run in their own process (`python -m bot.bench.fake_telegram`), so the
bot under test has the other core to itself and the measuring never waits for the bot's own work;
the parent sends it commands as JSON lines on its stdin and reads the figures from its stdout
(see `bot.bench.e2e`). It is deliberately much simpler than the
Telegram tests' fake (no HTML checks, no faults): it is there to be fast and to time.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import socket
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from aiohttp import web

TOKEN = "123456789:AAbench-fake-token-0123456789abcdefgh"
"""The token both bots use (the server checks it, like Telegram)."""

BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Sild",
    "username": "sild_bench_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
FIRST_USER_ID = 10_000
"""Simulated user number i has the Telegram id (and private chat id) FIRST_USER_ID + i."""

_PROFILE_ANSWERS: dict[str, Any] = {
    "getMe": BOT_USER,
    "getMyCommands": [],
    "getMyDescription": {"description": ""},
    "getMyShortDescription": {"short_description": ""},
    "getMyName": {"name": "Sild"},
    "getWebhookInfo": {"url": "", "has_custom_certificate": False, "pending_update_count": 0},
}


class FakeBotApi:
    """The server: a queue of updates for the bot and a record of its replies."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self._next_update = itertools.count(1)
        self._next_message = itertools.count(1)
        self._arrived = asyncio.Event()
        self._waiters: dict[int, asyncio.Future[float]] = {}
        self.replies: dict[int, int] = defaultdict(int)
        self.calls: dict[str, int] = defaultdict(int)
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port = 0

    @property
    def base_url(self) -> str:
        """The Bot API URL to give python-telegram-bot (`base_url`)."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> str:
        """Listen on a free port of 127.0.0.1; returns the base URL."""
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        self.port = int(listener.getsockname()[1])
        await web.SockSite(self._runner, listener, backlog=1024).start()
        return self.base_url

    async def stop(self) -> None:
        """Answer any waiting long poll, then stop listening."""
        self._closing = True
        self._arrived.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def inject_text(self, user_number: int, text: str, language: str) -> asyncio.Future[float]:
        """Queue a private text message from a user; the future resolves at the first reply."""
        user_id = FIRST_USER_ID + user_number
        now = time.time()
        update = {
            "update_id": next(self._next_update),
            "message": {
                "message_id": next(self._next_message),
                "date": int(now),
                "chat": {"id": user_id, "type": "private", "first_name": f"User {user_number}"},
                "from": {
                    "id": user_id,
                    "is_bot": False,
                    "first_name": f"User {user_number}",
                    "language_code": language,
                },
                "text": text,
            },
        }
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters[user_id] = waiter
        self.updates.append(update)
        self._arrived.set()
        return waiter

    def forget(self) -> None:
        """Drop unanswered waiters, pending updates and counts (between two bots)."""
        for waiter in self._waiters.values():
            waiter.cancel()
        self._waiters.clear()
        self.updates.clear()
        self.replies.clear()
        self.calls.clear()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        """The request's parameters, from a JSON body or a (multipart) form."""
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        if request.can_read_body:
            form = await request.post()
            return {key: value for key, value in form.items() if isinstance(value, str)}
        return dict(request.query)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        self.calls[method] += 1
        params = await self._params(request)
        if method == "getUpdates":
            result: Any = await self._get_updates(params)
        elif method in ("sendMessage", "sendDocument", "editMessageText"):
            result = self._sent(method, params)
        elif method in _PROFILE_ANSWERS:
            result = _PROFILE_ANSWERS[method]
        else:
            result = True
        return web.json_response({"ok": True, "result": result})

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Updates from `offset` on, waiting up to `timeout` seconds for one to arrive."""
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates and timeout > 0 and not self._closing:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout)
            except TimeoutError:
                return []
        return self.updates[:limit]

    def _sent(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Record a reply (the time it arrived wakes the user waiting for it)."""
        chat_id = int(params.get("chat_id") or 0)
        arrived = time.perf_counter()
        if method != "editMessageText":
            self.replies[chat_id] += 1
            waiter = self._waiters.pop(chat_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(arrived)
        text = params.get("text") or params.get("caption") or ""
        return {
            "message_id": int(params.get("message_id") or next(self._next_message)),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            "text": str(text)[:64],
        }


class Crowd:
    """N simulated users, each sending M messages, each waiting for the reply before the next."""

    def __init__(self, server: FakeBotApi, reply_timeout: float = 60.0) -> None:
        self.server = server
        self.reply_timeout = reply_timeout

    async def run(self, scripts: Sequence[tuple[str, Sequence[str]]]) -> dict[str, Any]:
        """Play one script (language, messages) per user, all users at once; return the figures."""
        latencies: list[float] = []
        lost = 0

        async def user(number: int, language: str, texts: Sequence[str]) -> None:
            """One person: a message, wait for the reply, the next message."""
            nonlocal lost
            for text in texts:
                sent = time.perf_counter()
                waiter = self.server.inject_text(number, text, language)
                try:
                    replied = await asyncio.wait_for(waiter, self.reply_timeout)
                except (TimeoutError, asyncio.CancelledError):
                    lost += 1
                    continue
                latencies.append(replied - sent)

        started = time.perf_counter()
        await asyncio.gather(
            *(user(i, language, texts) for i, (language, texts) in enumerate(scripts))
        )
        elapsed = time.perf_counter() - started
        await asyncio.sleep(0.2)  # replies still on their way count as replies, not as latency
        updates = sum(len(texts) for _, texts in scripts)
        ordered = sorted(latencies)

        def pct(share: float) -> float:
            """The nearest-rank percentile of the latencies, in ms."""
            if not ordered:
                return 0.0
            return round(1000 * ordered[max(1, math.ceil(share * len(ordered))) - 1], 2)

        return {
            "updates": updates,
            "answered": len(latencies),
            "lost": lost,
            "replies": sum(self.server.replies.values()),
            "seconds": round(elapsed, 3),
            "updates_per_s": round(len(latencies) / elapsed, 1) if elapsed > 0 else 0.0,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "mean_ms": round(1000 * sum(ordered) / len(ordered), 2) if ordered else 0.0,
            "calls": dict(self.server.calls),
        }


async def _serve() -> None:
    """Run the server; obey `run` and `stop` commands, one JSON object a line on stdin."""
    server = FakeBotApi()
    crowd = Crowd(server)
    await server.start()
    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader(limit=64 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    _say({"base_url": server.base_url, "token": server.token})
    try:
        while line := await commands.readline():
            command = json.loads(line)
            if command.get("do") != "run":
                break
            server.forget()
            scripts = [(str(lang), list(texts)) for lang, texts in command["scripts"]]
            _say(await crowd.run(scripts))
    finally:
        await server.stop()


def _say(figures: dict[str, Any]) -> None:
    """One JSON object a line on stdout, for the parent."""
    sys.stdout.write(json.dumps(figures) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(_serve())
