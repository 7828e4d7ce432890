"""A fake Telegram Bot API server for end-to-end tests: aiohttp on 127.0.0.1, a random free port.

It implements the methods python-telegram-bot calls for Sild, checks what Telegram checks (the
token, HTML that parses with only Telegram's tags and entities, 4,096 characters, callback data of
at most 64 bytes, link schemes), records everything the bot does, and lets a test inject updates
(`text`, `sticker`, `press`) and faults (`fail`: an error status once or a few times; `drop`: carry
out the request, then cut the connection before answering; `delay`: answer only after a while,
so a client with a shorter read timeout gives up although the request is carried out, as Telegram
does; `hang`: never answer, so a test can kill the bot in the middle of sending).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from aiohttp import web

TOKEN = "123456789:AAE-fake_Token-for-tests-0123456789ab"
BOT_ID = 123456789
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Sild",
    "username": "sild_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
TELEGRAM_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}
    | {"tg-spoiler", "span", "blockquote", "tg-emoji"}
)
FILES = "__files__"
"""Where `_params` puts the files of a multipart request: name → (file name, contents)."""
_TAG = re.compile(r'<(/?)([a-z][a-z-]*)((?:\s+[a-z-]+="[^"<>]*")*)\s*>')
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class BadRequest(Exception):
    """What Telegram answers with 400."""


def telegram_html_text(html: str) -> str:
    """The text Telegram would show for `html` with parse_mode HTML, or BadRequest like it."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(html):
        char = html[pos]
        if char == "<":
            match = _TAG.match(html, pos)
            if match is None:
                raise BadRequest(f"Bad Request: can't parse entities: bad tag at offset {pos}")
            closing, name, attrs = match.groups()
            if name not in TELEGRAM_TAGS:
                raise BadRequest(
                    f'Bad Request: can\'t parse entities: Unsupported start tag "{name}"'
                )
            if closing:
                if not stack or stack[-1] != name:
                    raise BadRequest(
                        f'Bad Request: can\'t parse entities: unmatched end tag "{name}"'
                    )
                stack.pop()
            else:
                if name == "a":
                    href = re.search(r'href="([^"]*)"', attrs)
                    url = unescape(href.group(1)) if href else ""
                    if not url.startswith(("http://", "https://", "tg://", "mailto:")):
                        raise BadRequest("Bad Request: can't parse entities: unsupported URL")
                stack.append(name)
            pos = match.end()
        elif char == "&":
            match = _ENTITY.match(html, pos)
            if match is None:
                raise BadRequest(f"Bad Request: can't parse entities: bad entity at offset {pos}")
            out.append(unescape(match.group(0)))
            pos = match.end()
        elif char == ">":
            raise BadRequest(f"Bad Request: can't parse entities: stray > at offset {pos}")
        else:
            out.append(char)
            pos += 1
    if stack:
        raise BadRequest(f"Bad Request: can't parse entities: can't find end tag \"{stack[-1]}\"")
    return "".join(out)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Sent:
    """A message of the bot, as it stands now (edits applied)."""

    chat_id: int
    message_id: int
    html: str
    text: str
    markup: dict[str, Any] | None = None
    edits: int = 0
    thread_id: int | None = None
    """The forum topic the message went into, if any."""

    def buttons(self) -> list[dict[str, str]]:
        """The inline buttons in reading order."""
        rows = (self.markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def labels(self) -> list[str]:
        """The button labels in reading order."""
        return [button["text"] for button in self.buttons()]


@dataclass
class Event:
    """One thing the bot did in a chat: `send` or `edit`."""

    kind: str
    message: Sent
    text: str


@dataclass
class Fault:
    """An error answered instead of carrying out a request."""

    method: str
    status: int
    description: str
    times: int = 1
    chat_id: int | None = None
    retry_after: int | None = None
    drop: bool = False
    """Carry the request out, then cut the connection instead of answering."""
    delay: float = 0.0
    """Wait this long, then carry the request out and answer (even if the client gave up)."""
    hang: bool = False
    """Never answer and never carry it out (until the client goes away): a test can kill the
    bot while it waits."""


@dataclass
class Call:
    """One request the bot made, with its answer's status."""

    method: str
    params: dict[str, Any]
    status: int = 200


@dataclass
class FakeBotApi:
    """The server, its state and the test's handles on it."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    events: dict[int, list[Event]] = field(default_factory=dict)
    messages: dict[tuple[int, int], Sent] = field(default_factory=dict)
    answered: list[str] = field(default_factory=list)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    short_descriptions: dict[str, str] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    last_update_id: int = 0
    confirmed: int = 0
    """The highest offset a `getUpdates` has sent: every update below it is with the bot."""
    documents: list[tuple[int, str, bytes]] = field(default_factory=list)
    """Files the bot sent: (chat id, file name, contents)."""
    forums: set[int] = field(default_factory=set)
    """Group chats that have topics enabled."""
    topics: dict[tuple[int, int], str] = field(default_factory=dict)
    """(chat id, topic id) → the topic's current name."""

    def __post_init__(self) -> None:
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._runner: web.AppRunner | None = None
        self._late_tasks: set[asyncio.Future[web.Response]] = set()
        self.port = 0

    # The server

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application()
        app.router.add_route("*", "/{prefix}/{method}", self._handle)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Close the server."""
        for late in list(self._late_tasks):
            late.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """What `SILD_TELEGRAM_BASE_URL` is set to."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["prefix"] != f"bot{self.token}":
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        call = Call(method, params)
        async with self._changed:
            self.calls.append(call)
        fault = self._fault(method, params)
        if fault is not None and fault.hang:
            await self._notify()
            await asyncio.Event().wait()  # cancelled when the client disconnects or we stop
        if fault is not None and fault.delay:
            # Shielded: the client may give up waiting, but the request is carried out.
            late = asyncio.ensure_future(self._late(method, params, fault.delay))
            self._late_tasks.add(late)
            late.add_done_callback(self._late_tasks.discard)
            return await asyncio.shield(late)
        if fault is not None and not fault.drop:
            call.status = fault.status
            await self._notify()
            extra = {"retry_after": fault.retry_after} if fault.retry_after else None
            return _error(fault.status, fault.description, extra)
        try:
            result = await self._dispatch(method, params)
        except BadRequest as error:
            call.status = 400
            await self._notify()
            return _error(400, str(error))
        except LookupError:
            call.status = 404
            await self._notify()
            return _error(404, "Not Found: method not found")
        await self._notify()
        if fault is not None:  # done, but the answer is lost on the way back
            assert request.transport is not None
            request.transport.abort()
            raise asyncio.CancelledError
        return web.json_response({"ok": True, "result": result})

    async def _late(self, method: str, params: dict[str, Any], delay: float) -> web.Response:
        await asyncio.sleep(delay)
        try:
            result = await self._dispatch(method, params)
        except BadRequest as error:
            await self._notify()
            return _error(400, str(error))
        await self._notify()
        return web.json_response({"ok": True, "result": result})

    def _fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        for fault in self.faults:
            chat = params.get("chat_id")
            wanted_chat = fault.chat_id is None or str(fault.chat_id) == str(chat)
            if fault.method == method and fault.times > 0 and wanted_chat:
                fault.times -= 1
                return fault
        return None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return await self._get_updates(params)
        if method in ("deleteWebhook", "setWebhook"):
            self.webhook = params if method == "setWebhook" else {}
            return True
        if method == "getWebhookInfo":
            return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                    "pending_update_count": 0}  # fmt: skip
        if method == "sendMessage":
            return self._send_message(params)
        if method == "sendDocument":
            return self._send_document(params)
        if method == "createForumTopic":
            chat_id = int(params["chat_id"])
            if chat_id not in self.forums:
                raise BadRequest("Bad Request: the chat is not a forum")
            topic_id = 1000 + len(self.topics)
            self.topics[(chat_id, topic_id)] = str(params["name"])
            return {"message_thread_id": topic_id, "name": params["name"], "icon_color": 7322096}
        if method == "editForumTopic":
            key = (int(params["chat_id"]), int(params["message_thread_id"]))
            if key not in self.topics:
                raise BadRequest("Bad Request: TOPIC_ID_INVALID")
            if self.topics[key] == params.get("name"):
                raise BadRequest("Bad Request: TOPIC_NOT_MODIFIED")
            self.topics[key] = str(params.get("name"))
            return True
        if method == "editMessageText":
            return self._edit_message(params)
        if method == "answerCallbackQuery":
            query_id = str(params["callback_query_id"])
            if query_id in self.answered:
                raise BadRequest("Bad Request: query is too old and response timeout expired")
            self.answered.append(query_id)
            return True
        language = str(params.get("language_code") or "")
        if method == "setMyCommands":
            self.commands[language] = json.loads(params["commands"])
            return True
        if method == "getMyCommands":
            return self.commands.get(language, [])
        if method == "setMyDescription":
            self.descriptions[language] = str(params.get("description") or "")
            return True
        if method == "getMyDescription":
            return {"description": self.descriptions.get(language, "")}
        if method == "setMyShortDescription":
            self.short_descriptions[language] = str(params.get("short_description") or "")
            return True
        if method == "getMyShortDescription":
            return {"short_description": self.short_descriptions.get(language, "")}
        raise LookupError(method)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        async with self._changed:
            self.confirmed = max(self.confirmed, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            self._changed.notify_all()
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: bool(self.updates)), timeout)
            except TimeoutError:
                return []
            return list(self.updates[:100])

    def _check_text(self, params: dict[str, Any]) -> str:
        html = str(params.get("text", ""))
        text = telegram_html_text(html) if params.get("parse_mode") == "HTML" else html
        if not text.strip():
            raise BadRequest("Bad Request: message text is empty")
        if _units(text) > 4096:
            raise BadRequest("Bad Request: message is too long")
        return text

    @staticmethod
    def _check_markup(params: dict[str, Any]) -> dict[str, Any] | None:
        if "reply_markup" not in params:
            return None
        markup: dict[str, Any] = json.loads(params["reply_markup"])
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data", "")
                if not 1 <= len(data.encode("utf-8")) <= 64:
                    raise BadRequest("Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        text = self._check_text(params)
        markup = self._check_markup(params)
        message = Sent(chat_id, self._next_message_id(chat_id), str(params["text"]), text, markup)
        if params.get("message_thread_id"):
            message.thread_id = int(params["message_thread_id"])
        self.messages[(chat_id, message.message_id)] = message
        self.events.setdefault(chat_id, []).append(Event("send", message, text))
        return self._message_json(message)

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        files: dict[str, tuple[str, bytes]] = params.get(FILES) or {}
        if "document" not in files:
            raise BadRequest("Bad Request: there is no document in the request")
        filename, data = files["document"]
        self.documents.append((chat_id, filename, data))
        data_json = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat_json(chat_id),
            "from": BOT_USER,
            "document": {"file_id": f"f{len(self.documents)}", "file_unique_id": "u"},
        }
        return data_json

    def _edit_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        message = self.messages.get((chat_id, message_id))
        if message is None:
            raise BadRequest("Bad Request: message to edit not found")
        text = self._check_text(params)
        markup = self._check_markup(params)
        if text == message.text and markup == message.markup:
            raise BadRequest(
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message"
            )
        message.html, message.text, message.markup = str(params["text"]), text, markup
        message.edits += 1
        self.events.setdefault(chat_id, []).append(Event("edit", message, text))
        return self._message_json(message)

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    @staticmethod
    def _chat_json(chat_id: int) -> dict[str, Any]:
        if chat_id < 0:
            return {"id": chat_id, "type": "supergroup", "title": "Facilitators"}
        return {"id": chat_id, "type": "private", "first_name": "Person"}

    def _message_json(self, message: Sent) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": self._chat_json(message.chat_id),
            "from": BOT_USER,
            "text": message.text,
        }
        if message.markup:
            data["reply_markup"] = message.markup
        return data

    # Injecting updates

    async def inject(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an update of `kind` (`message`, `callback_query`); returns its id."""
        async with self._changed:
            self.last_update_id = next(self._ids)
            self.updates.append({"update_id": self.last_update_id, kind: payload})
            self._changed.notify_all()
        return self.last_update_id

    def user_message(
        self, user: dict[str, Any], chat_id: int | None = None, **content: Any
    ) -> dict[str, Any]:
        """A message from `user` in their private chat (or in `chat_id`)."""
        chat = chat_id if chat_id is not None else int(user["id"])
        chat_json = self._chat_json(chat)
        if chat > 0:
            chat_json["first_name"] = user["first_name"]
        return {
            "message_id": self._next_message_id(chat),
            "date": int(time.time()),
            "chat": chat_json,
            "from": user,
            **content,
        }

    async def text(
        self,
        user: dict[str, Any],
        text: str,
        chat_id: int | None = None,
        *,
        thread_id: int | None = None,
        reply_to: Sent | None = None,
    ) -> int:
        """The user sends a text message (in a forum topic, or as a reply to a bot message)."""
        content: dict[str, Any] = {"text": text}
        if thread_id is not None:
            content["message_thread_id"] = thread_id
            content["is_topic_message"] = True
        if reply_to is not None:
            content["reply_to_message"] = self._message_json(reply_to)
        if text.startswith("/"):
            length = len(text.split(" ", 1)[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return await self.inject("message", self.user_message(user, chat_id, **content))

    async def sticker(self, user: dict[str, Any]) -> int:
        """The user sends a sticker."""
        sticker = {
            "file_id": "CAACAgIAAxkBAAE",
            "file_unique_id": "AgADAQAD",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return await self.inject("message", self.user_message(user, sticker=sticker))

    async def press(self, user: dict[str, Any], message: Sent, data: str) -> str:
        """The user presses a button with `data` on `message`; returns the query id."""
        query_id = f"q{next(self._ids)}"
        query = {
            "id": query_id,
            "from": user,
            "chat_instance": f"ci{message.chat_id}",
            "data": data,
            "message": self._message_json(message),
        }
        await self.inject("callback_query", query)
        return query_id

    # Faults

    def fail(self, method: str, status: int, description: str, **options: Any) -> Fault:
        """Answer the next matching request(s) with an error (or `drop=True`: cut it off)."""
        fault = Fault(method, status, description, **options)
        self.faults.append(fault)
        return fault

    # Looking

    def chat(self, chat_id: int) -> list[Event]:
        """Everything the bot did in a chat, in order."""
        return self.events.get(chat_id, [])

    def sent(self, chat_id: int) -> list[Sent]:
        """The bot's messages in a chat, in the order they were sent."""
        return [event.message for event in self.chat(chat_id) if event.kind == "send"]

    def requests(self, method: str, chat_id: int | None = None) -> list[Call]:
        """The requests for `method` (to `chat_id`), failed ones included."""
        return [
            call
            for call in self.calls
            if call.method == method
            and (chat_id is None or str(call.params.get("chat_id")) == str(chat_id))
        ]

    async def wait_until(self, condition: Callable[[], bool], patience: float = 20.0) -> None:
        """Wait until `condition()` holds; it is checked whenever the bot makes a request."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(condition), patience)

    async def all_fetched(self, patience: float = 20.0) -> None:
        """Wait until the bot has fetched (and confirmed) every injected update."""
        await self.wait_until(lambda: self.confirmed > self.last_update_id, patience)


def user(
    user_id: int, first_name: str = "Test", language_code: str | None = "en"
) -> dict[str, Any]:
    """A Telegram user."""
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        data["language_code"] = language_code
    return data


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        body = await request.json()
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
    if request.method == "GET":
        return dict(request.query)
    form = await request.post()
    params: dict[str, Any] = {key: value for key, value in form.items() if isinstance(value, str)}
    files = {
        key: (value.filename, value.file.read())
        for key, value in form.items()
        if isinstance(value, web.FileField)
    }
    if files:
        params[FILES] = files
    return params


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
