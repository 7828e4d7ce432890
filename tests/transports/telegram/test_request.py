"""Bot API requests as JSON: what goes over the wire, and what a failing connection raises."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

from bot.transports.telegram.request import JsonRequest
from bot.transports.telegram.sender import may_have_arrived

TOKEN = "123:abc"
ME = {"id": 1, "is_bot": True, "first_name": "Sild", "username": "sild_test_bot"}
ANSWER = "<b>Töötukassa</b> — регистрация безработного: " + "подробно " * 40


def message(chat_id: int) -> dict[str, Any]:
    return {"message_id": 7, "date": 0, "chat": {"id": chat_id, "type": "private"}, "text": "ok"}


class Recorder:
    """An httpx transport standing in for Telegram: records each request and answers it."""

    def __init__(self, fail: Callable[[httpx.Request], None] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.fail = fail

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        method = request.url.path.rsplit("/", 1)[-1]
        if method != "getMe" and self.fail is not None:
            self.fail(request)
        result: Any = ME if method == "getMe" else message(42)
        return httpx.Response(200, json={"ok": True, "result": result})

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def bot_with(recorder: Recorder, request_class: type[HTTPXRequest] = JsonRequest) -> Bot:
    transport = httpx.MockTransport(recorder)
    return Bot(TOKEN, request=request_class(httpx_kwargs={"transport": transport}))


async def send_answer(bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Помогло", callback_data="fb+:jobs-unemployed")]]
    )
    async with bot:
        await bot.send_message(42, ANSWER, parse_mode="HTML", reply_markup=keyboard)


async def test_a_message_goes_as_json_with_its_keyboard_as_an_object() -> None:
    recorder = Recorder()
    await send_answer(bot_with(recorder))
    sent = recorder.last
    assert sent.url.path.endswith("/sendMessage")
    assert sent.headers["content-type"] == "application/json"
    body = json.loads(sent.content)
    assert body == {
        "chat_id": 42,
        "text": ANSWER,
        "parse_mode": "HTML",
        "reply_markup": {
            "inline_keyboard": [[{"text": "Помогло", "callback_data": "fb+:jobs-unemployed"}]]
        },
    }
    assert "Töötukassa".encode() in sent.content  # not escaped: two bytes a letter, not twelve


async def test_the_json_body_is_smaller_than_python_telegram_bots_form() -> None:
    as_json, as_form = Recorder(), Recorder()
    await send_answer(bot_with(as_json))
    await send_answer(bot_with(as_form, HTTPXRequest))
    assert as_form.last.headers["content-type"] == "application/x-www-form-urlencoded"
    assert len(as_json.last.content) * 2 < len(as_form.last.content)


async def test_half_of_a_broken_emoji_does_not_lose_the_message() -> None:
    recorder = Recorder()
    async with bot_with(recorder) as bot:
        await bot.send_message(42, "Kiitos \ud83d ja näkemiin")
    assert json.loads(recorder.last.content)["text"] == "Kiitos ? ja näkemiin"


async def test_a_file_still_goes_as_a_multipart_form() -> None:
    recorder = Recorder()
    async with bot_with(recorder) as bot:
        await bot.send_document(42, InputFile(b"BEGIN:VCALENDAR", filename="cafe.ics"))
    sent = recorder.last
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert b"BEGIN:VCALENDAR" in sent.content


def raising(error: Exception) -> Callable[[httpx.Request], None]:
    def fail(request: httpx.Request) -> None:
        raise error

    return fail


@pytest.mark.parametrize(
    ("error", "raised", "maybe_arrived"),
    [
        (httpx.ConnectTimeout("connect"), TimedOut, False),
        (httpx.ReadTimeout("read"), TimedOut, True),
        (httpx.PoolTimeout("pool"), TimedOut, False),
        (httpx.ConnectError("refused"), NetworkError, False),
        (httpx.RemoteProtocolError("closed"), NetworkError, True),
    ],
)
async def test_a_failing_connection_raises_what_python_telegram_bot_would(
    error: Exception, raised: type[Exception], maybe_arrived: bool
) -> None:
    ours, theirs = Recorder(raising(error)), Recorder(raising(error))
    with pytest.raises(raised) as from_json:
        await send_answer(bot_with(ours))
    with pytest.raises(raised) as from_form:
        await send_answer(bot_with(theirs, HTTPXRequest))
    assert type(from_json.value) is type(from_form.value)
    assert type(from_json.value.__cause__) is type(error)
    # The sender decides from the cause whether a message may have gone out (never repeated).
    assert may_have_arrived(from_json.value) is may_have_arrived(from_form.value) is maybe_arrived


async def test_timeouts_of_the_call_and_of_the_client() -> None:
    seen: list[dict[str, float | None]] = []

    def record(request: httpx.Request) -> None:
        seen.append(request.extensions["timeout"])

    request = JsonRequest(
        read_timeout=20.0, httpx_kwargs={"transport": httpx.MockTransport(Recorder(record))}
    )
    async with Bot(TOKEN, request=request) as bot:
        await bot.send_message(42, "hei")
        await bot.send_message(42, "hei", read_timeout=3.0)
    assert seen[0]["read"] == 20.0
    assert seen[1]["read"] == 3.0
