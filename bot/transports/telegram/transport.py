"""The Telegram transport: python-telegram-bot's `Application`, started by its lifecycle.

Sild shares its event loop with Matrix and the content watcher, so the `Application` is never run
with `run_polling()`. `start()` does `initialize()`, publishes the bot profile, `start()`, then
`updater.start_polling()` (or `start_webhook()`); `stop()` undoes it in reverse: the updater
first, so that every update it has fetched (and confirmed to Telegram) is still handled by
`Application.stop()`, which waits for the running handlers, and `shutdown()` last.

Two handlers, one for messages and one for button presses, turn updates into `Inbound` values,
call the engine (which keeps all conversation state and serialises each chat), and hand the replies
to the `Sender`. Updates are processed concurrently.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import secrets
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from telegram import Message, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.core.messages import Inbound, Outbound, Platform
from bot.delivery import DeliveryError
from bot.i18n import translations
from bot.settings import Settings
from bot.threads import TransportState
from bot.transports.telegram import redact
from bot.transports.telegram.inbound import from_callback, from_message
from bot.transports.telegram.profile import publish_profile
from bot.transports.telegram.request import JsonRequest
from bot.transports.telegram.sender import Delivery, RetryPolicy, Sender, UserStatus
from bot.transports.telegram.topics import ForumTopics

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query")
"""The only updates Sild asks Telegram for."""
CONCURRENT_UPDATES = 256
CONNECTION_POOL_SIZE = 256
"""python-telegram-bot's default pool for the requests Sild makes (getUpdates has its own)."""
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 20.0
"""Long, because a `sendMessage` whose answer does not come in time is not repeated (see
`sender.py`): the longer Sild waits, the rarer that uncertainty."""
WRITE_TIMEOUT = 20.0
POOL_TIMEOUT = 5.0
RATE_LIMIT_RETRIES = 3
"""How often `AIORateLimiter` waits out a 429 (pausing every request) before giving up."""
BOOTSTRAP_RETRIES = 5
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")

Handler = Application[Any, Any, Any, Any, Any, Any]


class Conversations(Protocol):
    """The engine, as the transport uses it."""

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """The replies to one message or button press."""
        ...


class Outbox(Protocol):
    """The dispatcher, as the transport uses it."""

    def register(self, platform: Platform, sender: Callable[[Outbound], Awaitable[None]]) -> None:
        """Deliver the outbox's messages for `platform` through `sender`."""
        ...

    async def enqueue(self, messages: Sequence[Outbound]) -> int:
        """Queue messages for another platform."""
        ...


class Store(UserStatus, TransportState, Protocol):
    """What the transport keeps in the database: blocked users and the ticket topics."""


class AppParts(Protocol):
    """What the transport needs of `bot.app.App`."""

    @property
    def settings(self) -> Settings:
        """The settings."""
        ...

    @property
    def engine(self) -> Conversations:
        """The engine."""
        ...

    @property
    def store(self) -> Store:
        """Where blocked users are marked and ticket topics remembered."""
        ...

    @property
    def dispatcher(self) -> Outbox:
        """The outbox."""
        ...


class RecentUpdates:
    """The last few update ids, so an update delivered twice is handled once."""

    def __init__(self, size: int = 4096) -> None:
        self._order: deque[int] = deque()
        self._ids: set[int] = set()
        self._size = size

    def seen(self, update_id: int) -> bool:
        """True if this id was seen before; remembers it otherwise."""
        if update_id in self._ids:
            return True
        self._ids.add(update_id)
        self._order.append(update_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())
        return False


def file_url(base_url: str) -> str:
    """The file URL that goes with a Bot API URL: `…/bot` becomes `…/file/bot`."""
    head, found, tail = base_url.rpartition("/bot")
    if found and tail in ("", "{token}"):
        return f"{head}/file/bot{tail}"
    return base_url


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram must send with every webhook request: the setting, or a random one."""
    if settings.telegram_webhook_secret is None:
        return secrets.token_urlsafe(32)
    secret = settings.telegram_webhook_secret.get_secret_value()
    if not _WEBHOOK_SECRET.fullmatch(secret):
        raise ValueError(
            "SILD_TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
        )
    return secret


def build_application(settings: Settings, rate_limiter: BaseRateLimiter[Any] | None) -> Handler:
    """The PTB `Application`: token, Bot API URL, rate limiter, timeouts, concurrency."""
    if settings.telegram_token is None:
        raise ValueError("SILD_TELEGRAM_TOKEN is not set")
    requests = JsonRequest(
        connection_pool_size=CONNECTION_POOL_SIZE,
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        write_timeout=WRITE_TIMEOUT,
        pool_timeout=POOL_TIMEOUT,
    )
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .request(requests)
        .rate_limiter(rate_limiter or AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .concurrent_updates(CONCURRENT_UPDATES)
    )
    if settings.telegram_base_url:
        base_url = settings.telegram_base_url
        builder = builder.base_url(base_url).base_file_url(file_url(base_url))
    return builder.build()


class TelegramTransport:
    """Sild on Telegram: long polling by default, a webhook when `SILD_TELEGRAM_WEBHOOK_URL` is set.

    `rate_limiter` and `retry` replace the defaults (tests use faster ones).
    """

    name = "telegram"

    def __init__(
        self,
        app: AppParts,
        *,
        rate_limiter: BaseRateLimiter[Any] | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        settings = app.settings
        if settings.telegram_token is None:
            raise ValueError("SILD_TELEGRAM_TOKEN is not set")
        self._app = app
        self._settings = settings
        self._webhook_secret = webhook_secret(settings) if settings.telegram_webhook_url else None
        # Before the bot is built: python-telegram-bot logs its URL, token included, at DEBUG.
        self._redact = redact.install(settings.telegram_token.get_secret_value())
        self.application = build_application(settings, rate_limiter)
        self.sender = Sender(self.application.bot, app.store, retry)
        self.topics = ForumTopics(self.application.bot, app.store)
        self._recent = RecentUpdates()
        self.application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self._on_message))
        self.application.add_handler(CallbackQueryHandler(self._on_callback))
        self.application.add_error_handler(self._on_error)

    async def start(self) -> None:
        """Connect (checking the token), publish the profile, and start receiving updates."""
        application = self.application
        try:
            await application.initialize()
            log.info("Telegram: signed in as @%s", application.bot.username)
            await publish_profile(application.bot, self.sender, translations)
            await application.start()
            self._app.dispatcher.register(Platform.TELEGRAM, self.deliver_notice)
            updater = application.updater
            if updater is None:  # pragma: no cover - the builder always makes one
                raise RuntimeError("the Telegram application has no updater")
            if self._settings.telegram_webhook_url:
                await self._start_webhook()
            else:
                await updater.start_polling(
                    timeout=timedelta(seconds=self._settings.telegram_poll_timeout),
                    allowed_updates=ALLOWED_UPDATES,
                    bootstrap_retries=BOOTSTRAP_RETRIES,
                    error_callback=_polling_failed,
                )
        except BaseException:
            await self.stop()
            raise

    async def _start_webhook(self) -> None:
        url = self._settings.telegram_webhook_url or ""
        updater = self.application.updater
        assert updater is not None
        await updater.start_webhook(
            listen=self._settings.telegram_webhook_listen,
            port=self._settings.telegram_webhook_port,
            url_path=urlsplit(url).path or "/",
            webhook_url=url,
            secret_token=self._webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
            bootstrap_retries=BOOTSTRAP_RETRIES,
        )
        log.info(
            "Telegram: webhook listening on %s:%d",
            self._settings.telegram_webhook_listen,
            self._settings.telegram_webhook_port,
        )

    async def stop(self) -> None:
        """Stop fetching, finish handling what was fetched, then disconnect."""
        application = self.application
        try:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
            await application.shutdown()
            # After a failed `initialize()` (a wrong token), `shutdown()` does nothing and the HTTP
            # client that asked `getMe` stays open; closing it twice is harmless.
            await application.bot.request.shutdown()
        finally:
            redact.uninstall(self._redact)

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A new message: text, a command (with a deep-link payload), or something unreadable."""
        message = update.message
        if message is None or self._recent.seen(update.update_id):
            return
        inbound = from_message(message, self._settings.telegram_facilitator_chat)
        if inbound is None:
            return
        if message.is_topic_message and message.message_thread_id is not None:
            thread = await self.topics.thread_of(inbound.chat.chat_id, message.message_thread_id)
            if thread is not None:
                inbound = dataclasses.replace(inbound, thread=thread)
        self.sender.reachable(inbound.chat.chat_id)
        await self._reply(await self._app.engine.handle(inbound))

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: answered at once, handled like a message, the menu edited in place."""
        query = update.callback_query
        if query is None or self._recent.seen(update.update_id):
            return
        # Answer while the engine works, but do not await anything before the engine: messages
        # of one chat must reach its lock in the order they came.
        answering = asyncio.create_task(self.sender.answer(query))
        try:
            inbound = from_callback(query, self._settings.telegram_facilitator_chat)
            if inbound is None:
                return
            self.sender.reachable(inbound.chat.chat_id)
            replies = await self._app.engine.handle(inbound)
            pressed = query.message if isinstance(query.message, Message) else None
            await self._reply(replies, pressed)
        finally:
            await answering

    async def _reply(self, replies: Sequence[Outbound], pressed: Message | None = None) -> None:
        """Send replies for Telegram now; queue those for other platforms in the outbox.

        A reply that still fails after the sender's retries (Telegram down for a while), with
        nothing of it sent, goes to the outbox with the replies after it, in order: it arrives
        late rather than never. (The outbox sends text and buttons; a file is left out.)
        """
        here = [reply for reply in replies if reply.to.platform is Platform.TELEGRAM]
        elsewhere = [reply for reply in replies if reply.to.platform is not Platform.TELEGRAM]
        later: list[Outbound] = []
        for index, reply in enumerate(here):
            if later:
                later.append(reply)
                continue
            menu = pressed if index == 0 and here[0] is replies[0] else None
            outcome, sent_any = await self.sender.deliver_one(reply, menu)
            if outcome is Delivery.FAILED and not sent_any:
                later.append(reply)
        if later:
            log.warning(
                "%d replies to Telegram chat %s could not be sent now: the outbox retries them",
                len(later),
                later[0].to.chat_id,
            )
        if later or elsewhere:
            await self._app.dispatcher.enqueue([*later, *elsewhere])

    async def deliver_notice(self, message: Outbound) -> None:
        """The outbox's sender for Telegram: send one message or raise `DeliveryError`.

        A failure is temporary (retried by the outbox) only while nothing of the message went
        out; once a part was sent, retrying would repeat it, so the failure is final.
        """
        if not self.application.running:
            raise DeliveryError("the Telegram transport is not running")
        topic = None
        if message.thread and message.to.chat_id == self._settings.telegram_facilitator_chat:
            topic = await self.topics.topic_for(
                message.to.chat_id, message.thread, message.thread_title
            )
        outcome, sent_any = await self.sender.deliver_one(message, topic=topic)
        if outcome in (Delivery.DONE, Delivery.UNCERTAIN):
            return
        permanent = sent_any or outcome in (Delivery.BLOCKED, Delivery.REFUSED)
        raise DeliveryError(f"Telegram: {outcome.value}", permanent=permanent)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything a handler raised: logged with the update id only (no message text)."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("handling Telegram update %s failed", update_id, exc_info=context.error)


def _polling_failed(error: Exception) -> None:
    """One line per failed `getUpdates` (PTB retries by itself), instead of a traceback each."""
    log.warning("Telegram: getUpdates failed: %s", error)
