"""Sending with retries: what is retried, what is never repeated, and blocked people."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram import Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

import bot.transports.telegram  # noqa: F401
from bot.core.messages import Attachment, Button, ChatRef, Outbound, Platform
from bot.transports.telegram.sender import Delivery, RetryPolicy, Sender, may_have_arrived

CHAT = ChatRef(Platform.TELEGRAM, "42")


def caused(error: Exception, cause: Exception) -> Exception:
    """`error` raised from `cause`, as python-telegram-bot raises network errors."""
    error.__cause__ = cause
    return error


def read_timeout() -> Exception:
    return caused(TimedOut(), httpx.ReadTimeout("read"))


def connect_timeout() -> Exception:
    return caused(TimedOut(), httpx.ConnectTimeout("connect"))


class StubBot:
    """Records calls; each method fails with the scripted errors first, then succeeds."""

    username = "sild_test_bot"

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.script: dict[str, list[Exception]] = defaultdict(list)
        self._ids = iter(range(100, 10_000))

    def fail(self, method: str, *errors: Exception) -> None:
        self.script[method].extend(errors)

    def made(self, method: str) -> list[dict[str, Any]]:
        return [kwargs for name, kwargs in self.calls if name == method]

    async def _run(self, method: str, **kwargs: Any) -> Message:
        self.calls.append((method, kwargs))
        if self.script[method]:
            raise self.script[method].pop(0)
        chat = {"id": int(kwargs["chat_id"]), "type": "private"}
        return Message.de_json(
            {"message_id": next(self._ids), "date": 1700000000, "chat": chat, "text": "x"}, None
        )

    async def send_message(self, chat_id: int | str, text: str, **kwargs: Any) -> Message:
        return await self._run("sendMessage", chat_id=chat_id, text=text, **kwargs)

    async def edit_message_text(self, text: str, **kwargs: Any) -> Message:
        return await self._run("editMessageText", text=text, **kwargs)

    async def send_document(self, chat_id: int | str, document: Any, **kwargs: Any) -> Message:
        return await self._run("sendDocument", chat_id=chat_id, document=document)

    async def answer_callback_query(self, query_id: str) -> bool:
        await self._run("answerCallbackQuery", chat_id=0, query_id=query_id)
        return True


class Users:
    def __init__(self) -> None:
        self.marked: list[tuple[str, str, bool]] = []

    async def set_user_active(self, platform: str, user_id: str, active: bool) -> None:
        self.marked.append((platform, user_id, active))


class Harness:
    def __init__(self, attempts: int = 4) -> None:
        self.bot = StubBot()
        self.users = Users()
        self.slept: list[float] = []
        policy = RetryPolicy(attempts=attempts, base_delay=0.5, max_delay=4, max_retry_after=60)
        self.sender = Sender(self.bot, self.users, policy, sleep=self._sleep)  # type: ignore[arg-type]

    async def _sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture
def h() -> Harness:
    return Harness()


def menu(text: str = "Menu", edit: bool = True) -> Outbound:
    return Outbound(CHAT, text, ((Button("Back", "menu"),),), edit=edit)


def message(message_id: int, chat_id: int = 42) -> Message:
    chat = {"id": chat_id, "type": "private"}
    return Message.de_json({"message_id": message_id, "date": 1, "chat": chat, "text": "m"}, None)


async def test_a_5xx_is_retried_with_backoff_and_the_reply_sent_once(h: Harness) -> None:
    h.bot.fail("sendMessage", NetworkError("Bad Gateway"), NetworkError("Bad Gateway"))
    assert await h.sender.send("42", "hi") == (Delivery.DONE, 100)
    assert len(h.bot.made("sendMessage")) == 3
    assert len(h.slept) == 2 and 0.25 <= h.slept[0] <= 0.5 and 0.5 <= h.slept[1] <= 1.0


async def test_a_429_that_gets_past_the_rate_limiter_is_waited_out(h: Harness) -> None:
    h.bot.fail("sendMessage", RetryAfter(timedelta(seconds=3)))
    outcome, _ = await h.sender.send("42", "hi")
    assert outcome is Delivery.DONE and h.slept == [3.0]


async def test_a_429_asking_for_an_hour_gives_up(h: Harness) -> None:
    h.bot.fail("sendMessage", RetryAfter(timedelta(hours=1)))
    assert await h.sender.send("42", "hi") == (Delivery.FAILED, None)
    assert h.slept == []


async def test_a_read_timeout_on_send_is_not_repeated(h: Harness) -> None:
    h.bot.fail("sendMessage", read_timeout())
    assert await h.sender.send("42", "hi") == (Delivery.UNCERTAIN, None)
    assert len(h.bot.made("sendMessage")) == 1  # Telegram may have it: never twice


async def test_a_dropped_connection_after_sending_is_not_repeated(h: Harness) -> None:
    error = caused(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("gone"))
    h.bot.fail("sendMessage", error)
    assert (await h.sender.send("42", "hi"))[0] is Delivery.UNCERTAIN
    assert len(h.bot.made("sendMessage")) == 1


@pytest.mark.parametrize(
    "error",
    [
        connect_timeout(),
        caused(TimedOut("Pool timeout"), httpx.PoolTimeout("pool")),
        caused(TimedOut(), httpx.WriteTimeout("write")),
        caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")),
    ],
)
async def test_failures_before_the_request_left_are_retried(h: Harness, error: Exception) -> None:
    assert not may_have_arrived(error)  # type: ignore[arg-type]
    h.bot.fail("sendMessage", error)
    assert (await h.sender.send("42", "hi"))[0] is Delivery.DONE
    assert len(h.bot.made("sendMessage")) == 2


async def test_attempts_are_bounded(h: Harness) -> None:
    h.bot.fail("sendMessage", *[connect_timeout() for _ in range(10)])
    assert await h.sender.send("42", "hi") == (Delivery.FAILED, None)
    assert len(h.bot.made("sendMessage")) == 4 and len(h.slept) == 3


async def test_html_telegram_cannot_parse_is_resent_as_text(h: Harness) -> None:
    h.bot.fail("sendMessage", BadRequest("Can't parse entities: unsupported start tag"))
    assert (await h.sender.send("42", "<b>A &amp; B</b>"))[0] is Delivery.DONE
    html, plain = h.bot.made("sendMessage")
    assert html["parse_mode"] == "HTML" and html["text"] == "<b>A &amp; B</b>"
    assert "parse_mode" not in plain and plain["text"] == "A & B"


async def test_other_refusals_are_not_retried(h: Harness) -> None:
    h.bot.fail("sendMessage", BadRequest("Chat not found"))
    assert await h.sender.send("42", "hi") == (Delivery.REFUSED, None)
    assert len(h.bot.made("sendMessage")) == 1


async def test_a_blocked_person_is_marked_inactive_once_without_a_storm(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "bot.transports.telegram.sender")
    h.bot.fail("sendMessage", *[Forbidden("Forbidden: bot was blocked by the user")] * 5)
    await h.sender.deliver([menu("one", edit=False), menu("two", edit=False)])
    await h.sender.deliver([menu("three", edit=False)])
    assert len(h.bot.made("sendMessage")) == 1
    assert h.users.marked == [("telegram", "42", False)]
    assert len([r for r in caplog.records if "cannot be reached" in r.getMessage()]) == 1
    h.sender.reachable("42")  # they wrote again
    await h.sender.deliver([menu("four", edit=False)])
    assert len(h.bot.made("sendMessage")) == 2


async def test_a_group_that_removed_sild_marks_no_person(h: Harness) -> None:
    h.bot.fail("sendMessage", Forbidden("Forbidden: bot was kicked from the supergroup chat"))
    assert (await h.sender.send("-100777", "hi"))[0] is Delivery.BLOCKED
    assert h.users.marked == []


async def test_a_menu_replaces_the_menu_whose_button_was_pressed(h: Harness) -> None:
    await h.sender.deliver([menu("Main menu")])
    (first,) = h.bot.made("sendMessage")
    shown = message(100)
    await h.sender.deliver([menu("Health services")], pressed=shown)
    (edit,) = h.bot.made("editMessageText")
    assert edit["message_id"] == 100 and edit["text"] == "Health services"
    assert len(h.bot.made("sendMessage")) == 1 and first["text"] == "Main menu"


async def test_an_answer_is_never_overwritten(h: Harness) -> None:
    await h.sender.deliver([menu("The answer", edit=False)])  # not a menu
    await h.sender.deliver([menu("Main menu")], pressed=message(100))
    assert h.bot.made("editMessageText") == []
    assert len(h.bot.made("sendMessage")) == 2


async def test_not_modified_counts_as_done_and_a_failed_edit_sends(h: Harness) -> None:
    h.sender.menus.add("42", 7)
    h.bot.fail("editMessageText", BadRequest("Message is not modified: specified new message"))
    await h.sender.deliver([menu()], pressed=message(7))
    assert h.bot.made("sendMessage") == []
    h.bot.fail("editMessageText", BadRequest("Message can't be edited"))
    await h.sender.deliver([menu()], pressed=message(7))
    assert len(h.bot.made("sendMessage")) == 1


async def test_an_edit_is_safe_to_repeat_after_a_read_timeout(h: Harness) -> None:
    h.sender.menus.add("42", 7)
    h.bot.fail("editMessageText", read_timeout())
    await h.sender.deliver([menu()], pressed=message(7))
    assert len(h.bot.made("editMessageText")) == 2 and h.bot.made("sendMessage") == []


async def test_attachments_follow_the_text_as_documents(h: Harness) -> None:
    invite = Attachment("cafe.ics", "text/calendar", b"BEGIN:VCALENDAR")
    reply = Outbound(CHAT, "See you!", attachments=(invite,), edit=True)
    h.sender.menus.add("42", 7)
    outcome, sent_any = await h.sender.deliver_one(reply, pressed=message(7))
    assert (outcome, sent_any) == (Delivery.DONE, True)
    assert [name for name, _ in h.bot.calls] == ["sendMessage", "sendDocument"]
    assert h.bot.made("sendDocument")[0]["document"].filename == "cafe.ics"


async def test_a_too_old_callback_query_is_only_logged(h: Harness) -> None:
    class Query:
        id = "q1"

    h.bot.fail("answerCallbackQuery", BadRequest("Query is too old"))
    await h.sender.answer(Query())  # type: ignore[arg-type]
    assert len(h.bot.made("answerCallbackQuery")) == 1
