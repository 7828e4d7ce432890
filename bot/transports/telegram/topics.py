"""Forum topics in the facilitator group: one topic per ticket, its title carrying the status.

When the facilitator group has topics enabled, every message about ticket 12 goes into the
ticket's topic, created the first time (once, even when several messages for it go out at the same
moment) and renamed as its status changes ("#12 · claimed by Anna"). A facilitator writing in the
topic is writing about ticket 12. In a group without topics, messages go to the group itself.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.threads import ThreadMap, TransportState, state_key

log = logging.getLogger(__name__)

MAX_TOPIC_NAME = 128


class ForumTopics:
    """Ticket threads ⇄ forum topics of the facilitator group."""

    def __init__(self, bot: Bot, state: TransportState) -> None:
        self._bot = bot
        self._state = state
        self._threads = ThreadMap(state, "telegram")
        self._not_forums: set[str] = set()

    async def topic_for(self, chat_id: str, thread: str, title: str | None) -> int | None:
        """The topic id for `thread` in the group (created on first use), or None without topics."""
        if chat_id in self._not_forums:
            return None
        name = (title or thread)[:MAX_TOPIC_NAME]

        async def _create() -> str | None:
            try:
                topic = await self._bot.create_forum_topic(_chat(chat_id), name)
            except BadRequest as error:
                # Not a forum, or Sild may not manage topics there: post in the group instead.
                log.info("Telegram group %s has no usable topics (%s)", chat_id, error)
                self._not_forums.add(chat_id)
                return None
            await self._state.set_transport_value("telegram", _title_key(chat_id, thread), name)
            return str(topic.message_thread_id)

        remote = await self._threads.remote_id(chat_id, thread, _create)
        if remote is None:
            return None
        if title:
            await self._rename(chat_id, thread, int(remote), name)
        return int(remote)

    async def _rename(self, chat_id: str, thread: str, topic: int, name: str) -> None:
        key = _title_key(chat_id, thread)
        if await self._state.get_transport_value("telegram", key) == name:
            return
        try:
            await self._bot.edit_forum_topic(_chat(chat_id), topic, name=name)
        except TelegramError as error:
            if "not modified" not in str(error).lower():
                log.warning("renaming topic %s in %s failed: %s", topic, chat_id, error)
                return
        await self._state.set_transport_value("telegram", key, name)

    async def thread_of(self, chat_id: str, topic: int) -> str | None:
        """The ticket thread a topic belongs to, if Sild created it."""
        return await self._threads.thread_for(chat_id, str(topic))


def _title_key(chat_id: str, thread: str) -> str:
    return state_key("title>", chat_id, thread)


def _chat(chat_id: str) -> int | str:
    try:
        return int(chat_id)
    except ValueError:
        return chat_id
