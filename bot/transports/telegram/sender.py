"""Sending replies to Telegram: bounded retries that neither lose a reply nor send it twice.

Every failure is sorted by one question: *could Telegram have carried out the request anyway?*

- **No, so it is retried** (with exponential backoff, at most `RetryPolicy.attempts` tries):
  a 429 (`RetryAfter`: PTB's `AIORateLimiter` already waits and retries it, pausing every request;
  one that still gets through is waited out here too), a 5xx answer (Telegram answered that the
  request failed), and network failures before the request was complete on the wire: no
  connection, connect or pool timeout, write timeout or write error.
- **Maybe, so `sendMessage` is not repeated**: a read timeout or a broken connection after the whole
  request was sent. Telegram may well have delivered the message and only the answer was lost
  (python-telegram-bot issue #1045 shows exactly that); resending would show the reply twice. Sild
  counts such a message as sent, logs a warning, and goes on with the next one. The read timeout is
  long (`READ_TIMEOUT` in `transport.py`), so this takes a Telegram that is far slower than usual;
  and the person is never left in silence for good: their next message gets an answer as always.
- Requests that are safe to repeat (editing a message to the same text, answering a callback
  query, setting commands) are retried in both cases: a repeated edit is answered with "message is
  not modified", which counts as success.
- **Never retried**: `Forbidden` (the person blocked Sild: marked inactive once, logged once, and
  nothing more is sent to that chat until they write again) and `BadRequest` (a message Telegram
  refuses will be refused again; HTML it cannot parse is resent once as plain text).

Replies are sent one by one, each chunk once: a failure in the middle never makes earlier chunks
go out again. After a button press, a reply marked `edit` replaces the pressed message only when
that message is itself a menu (see `MenuMessages`), so an answer is never overwritten.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Protocol, TypeVar

import httpx
from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.core.messages import Attachment, Outbound, Platform
from bot.transports.telegram.render import render, to_plain_text

log = logging.getLogger(__name__)
T = TypeVar("T")

_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteTimeout,
    httpx.WriteError,
    httpx.UnsupportedProtocol,
    httpx.ProxyError,
)
"""httpx failures that happen before the request is complete on the wire."""
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class UserStatus(Protocol):
    """Where a blocked person is recorded (`SqlStore` provides it)."""

    async def set_user_active(self, platform: str, user_id: str, active: bool) -> None:
        """Mark a person reachable or not."""
        ...


class Delivery(Enum):
    """What became of one message."""

    DONE = "done"
    UNCERTAIN = "uncertain"
    """Telegram may or may not have it; it is not sent again."""
    BLOCKED = "blocked"
    """The person blocked Sild (or it left the group): nothing more goes there."""
    REFUSED = "refused"
    """Telegram refused it (a bad request): sending it again would fail again."""
    FAILED = "failed"
    """Not sent after every attempt; it may succeed later."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a request is tried."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 10.0
    max_retry_after: float = 60.0
    """A 429 asking to wait longer than this gives the message up rather than stall the chat."""

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based), with jitter."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return ceiling * random.uniform(0.5, 1.0)


def may_have_arrived(error: NetworkError) -> bool:
    """Whether Telegram may have carried out a request that failed with `error`.

    python-telegram-bot raises `TimedOut`/`NetworkError` *from* the httpx exception when the
    network failed, and a plain `NetworkError` when Telegram answered with an error status.
    """
    cause = error.__cause__
    if cause is None or isinstance(cause, TelegramError):
        return False  # Telegram answered (a 5xx): it says the request failed
    return not isinstance(cause, _NOT_SENT)


class _GaveUp(Exception):
    def __init__(self, uncertain: bool, reason: str) -> None:
        super().__init__(reason)
        self.uncertain = uncertain


class MenuMessages:
    """The messages that show a menu (sent for an `Outbound` with `edit`), newest kept.

    Only these are replaced when a button on them leads to the next menu: an answer, a notice or
    a welcome under which a button was pressed stays in the chat. Kept in memory: after a restart
    older menus are simply left as they are and the next menu comes as a new message.
    """

    def __init__(self, size: int = 10_000) -> None:
        self._ids: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._size = size

    def add(self, chat_id: str, message_id: int) -> None:
        """Remember a menu message."""
        self._ids[(chat_id, message_id)] = None
        self._ids.move_to_end((chat_id, message_id))
        while len(self._ids) > self._size:
            self._ids.popitem(last=False)

    def __contains__(self, key: object) -> bool:
        return key in self._ids


class Sender:
    """Sends, edits and answers through one bot, with retries and blocked-user handling."""

    def __init__(
        self,
        bot: Bot,
        users: UserStatus,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._bot = bot
        self._users = users
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._blocked: set[str] = set()
        self.menus = MenuMessages()

    def reachable(self, chat_id: str) -> None:
        """The person wrote to Sild, so they no longer block it."""
        self._blocked.discard(chat_id)

    def is_blocked(self, chat_id: str) -> bool:
        """Whether Telegram said this chat blocked Sild (since its last message)."""
        return chat_id in self._blocked

    async def deliver(self, replies: Sequence[Outbound], pressed: Message | None = None) -> None:
        """Send the engine's replies to Telegram chats, in order, each at most once.

        After a button press on a menu message (`pressed`), a first reply marked `edit` replaces
        that menu when it fits in one message; if editing fails, it is sent as a new message.
        """
        for index, reply in enumerate(replies):
            await self.deliver_one(reply, pressed if index == 0 else None)

    async def deliver_one(
        self, reply: Outbound, pressed: Message | None = None, topic: int | None = None
    ) -> tuple[Delivery, bool]:
        """Send one reply (its chunks, then its attachments); stops at the first failure.

        Returns the outcome and whether any part of it went out (so a caller that retries knows
        whether retrying would repeat something).
        """
        chat_id = reply.to.chat_id
        if self.is_blocked(chat_id):
            return Delivery.BLOCKED, False
        rendered = render(reply, self._bot.username)
        single = len(rendered.chunks) == 1 and not reply.attachments
        if (
            reply.edit
            and single
            and pressed is not None
            and str(pressed.chat.id) == chat_id
            and (chat_id, pressed.message_id) in self.menus
        ):
            edited = await self.edit(pressed, rendered.chunks[0], rendered.keyboard)
            if edited is not Delivery.FAILED and edited is not Delivery.REFUSED:
                return edited, edited is Delivery.DONE
        outcome, sent_any = Delivery.DONE, False
        last = len(rendered.chunks) - 1
        for number, chunk in enumerate(rendered.chunks):
            markup = rendered.keyboard if number == last else None
            outcome, message_id = await self.send(chat_id, chunk, markup, topic)
            if outcome not in (Delivery.DONE, Delivery.UNCERTAIN):
                return outcome, sent_any
            sent_any = True
            if reply.edit and single and message_id is not None:
                self.menus.add(chat_id, message_id)
        for attachment in reply.attachments:
            outcome = await self.send_file(chat_id, attachment)
            if outcome not in (Delivery.DONE, Delivery.UNCERTAIN):
                return outcome, sent_any
        return outcome, sent_any

    async def send(
        self,
        chat_id: str,
        html: str,
        markup: InlineKeyboardMarkup | None = None,
        topic: int | None = None,
    ) -> tuple[Delivery, int | None]:
        """Send one HTML message, at most once (see the module docstring); and its id if known."""
        target = _chat_id(chat_id)

        async def _send_html() -> Message:
            return await self._bot.send_message(
                target,
                html,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=_NO_PREVIEW,
                message_thread_id=topic,
            )

        async def _send_plain() -> Message:
            return await self._bot.send_message(
                target,
                to_plain_text(html),
                reply_markup=markup,
                link_preview_options=_NO_PREVIEW,
                message_thread_id=topic,
            )

        outcome, message, refusal = await self._send("sendMessage", chat_id, _send_html)
        if outcome is Delivery.REFUSED and "parse" in refusal.lower():
            log.warning("Telegram could not parse a message's HTML; sending it as plain text")
            outcome, message, _ = await self._send("sendMessage", chat_id, _send_plain)
        return outcome, message.message_id if message is not None else None

    async def send_file(self, chat_id: str, attachment: Attachment) -> Delivery:
        """Send a file (a calendar invitation, an export) as a document, at most once."""

        async def _send_document() -> Message:
            document = InputFile(attachment.data, filename=attachment.filename)
            return await self._bot.send_document(_chat_id(chat_id), document)

        outcome, _, _ = await self._send("sendDocument", chat_id, _send_document)
        return outcome

    async def _send(
        self, what: str, chat_id: str, request: Callable[[], Awaitable[Message]]
    ) -> tuple[Delivery, Message | None, str]:
        """Run a non-idempotent send; the outcome, the message, and Telegram's refusal if any."""
        try:
            return Delivery.DONE, await self._call(what, request, idempotent=False), ""
        except BadRequest as error:
            log.warning("Telegram refused %s to %s: %s", what, chat_id, error)
            return Delivery.REFUSED, None, str(error)
        except Forbidden as error:
            return await self._blocked_by(chat_id, error), None, ""
        except _GaveUp as gave_up:
            return self._gave_up(what, chat_id, gave_up), None, ""

    async def edit(
        self, message: Message, html: str, markup: InlineKeyboardMarkup | None = None
    ) -> Delivery:
        """Replace a message's text and buttons; FAILED when it cannot be edited (send instead)."""
        chat_id = str(message.chat.id)

        async def _edit_html() -> object:
            return await self._bot.edit_message_text(
                html,
                chat_id=message.chat.id,
                message_id=message.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=_NO_PREVIEW,
            )

        try:
            await self._call("editMessageText", _edit_html, idempotent=True)
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return Delivery.DONE  # it already shows exactly this
            log.info("could not edit a message in %s (%s); sending a new one", chat_id, error)
            return Delivery.REFUSED
        except Forbidden as error:
            return await self._blocked_by(chat_id, error)
        except _GaveUp as gave_up:
            self._gave_up("editMessageText", chat_id, gave_up)
            return Delivery.FAILED
        return Delivery.DONE

    async def answer(self, query: CallbackQuery) -> None:
        """Answer a callback query, so the button stops spinning; failures are only logged."""

        async def _answer_query() -> bool:
            return await self._bot.answer_callback_query(query.id)

        try:
            await self._call("answerCallbackQuery", _answer_query, idempotent=True)
        except BadRequest as error:  # "query is too old" after about 15 minutes
            log.debug("could not answer a callback query: %s", error)
        except (_GaveUp, Forbidden) as error:
            log.warning("could not answer a callback query: %s", error)

    async def call(self, what: str, request: Callable[[], Awaitable[T]]) -> T:
        """Run a request that is safe to repeat, with retries; raises `TelegramError` on failure."""
        try:
            return await self._call(what, request, idempotent=True)
        except _GaveUp as gave_up:
            raise TelegramError(f"{what} failed: {gave_up}") from gave_up

    async def _call(self, what: str, request: Callable[[], Awaitable[T]], *, idempotent: bool) -> T:
        """Try `request` until it succeeds or retrying is pointless or unsafe.

        Raises `Forbidden` and `BadRequest` at once; `_GaveUp` when the attempts are used up or
        the outcome of a non-idempotent request is unknown.
        """
        attempts = max(1, self.policy.attempts)
        for attempt in range(1, attempts + 1):
            try:
                return await request()
            except RetryAfter as error:
                delay = _seconds(error.retry_after)
                if delay > self.policy.max_retry_after:
                    raise _GaveUp(False, f"asked to wait {delay:.0f} s") from error
                reason = f"rate limited for {delay:.1f} s"
            except (BadRequest, Forbidden):
                raise
            except NetworkError as error:
                if not idempotent and may_have_arrived(error):
                    raise _GaveUp(True, f"{type(error).__name__}: {error}") from error
                delay = self.policy.backoff(attempt)
                reason = f"{type(error).__name__}: {error}"
            except TelegramError as error:
                raise _GaveUp(False, f"{type(error).__name__}: {error}") from error
            if attempt == attempts:
                raise _GaveUp(False, f"{attempts} attempts, last: {reason}")
            log.info(
                "%s failed (%s); try %d of %d in %.2f s", what, reason, attempt + 1, attempts, delay
            )
            await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _gave_up(self, what: str, chat_id: str, gave_up: _GaveUp) -> Delivery:
        if gave_up.uncertain:
            log.warning(
                "%s to %s: no answer after the request was sent (%s); it may have arrived, "
                "so it is not sent again",
                what,
                chat_id,
                gave_up,
            )
            return Delivery.UNCERTAIN
        log.error("%s to %s failed: %s", what, chat_id, gave_up)
        return Delivery.FAILED

    async def _blocked_by(self, chat_id: str, error: Forbidden) -> Delivery:
        """Telegram refuses to deliver to this chat: remember it once, quietly."""
        if chat_id in self._blocked:
            return Delivery.BLOCKED
        self._blocked.add(chat_id)
        if chat_id.isdigit():  # a private chat's id is the person's id
            try:
                await self._users.set_user_active(Platform.TELEGRAM.value, chat_id, False)
            except Exception:
                log.exception("could not mark Telegram user %s inactive", chat_id)
        log.info("Telegram chat %s cannot be reached (%s); marked inactive", chat_id, error)
        return Delivery.BLOCKED


def _seconds(period: int | timedelta) -> float:
    return period.total_seconds() if isinstance(period, timedelta) else float(period)


def _chat_id(chat_id: str) -> int | str:
    """Telegram chat ids are integers; a public channel may also be named `@name`."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id
