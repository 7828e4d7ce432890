"""The facilitator room on Matrix: tickets as threads, ticket actions as `!commands`.

Every message about ticket 12 goes into one thread of the room: the first becomes the thread's
root, the rest are posted in it. A facilitator's message in the thread, or a reply to any
ticket message, is about that ticket, so the core gets `Inbound.thread`. Matrix has no buttons, so
the Claim / Close buttons become a line of commands (`!claim 12 · !close 12`).
"""

from __future__ import annotations

import re
from gettext import NullTranslations
from typing import Any

from nio import Event, RoomMessageText

from bot.core.messages import ChatRef, Inbound, Outbound, Platform
from bot.threads import ThreadMap
from bot.transports.matrix.inbound import relation_type, strip_reply_fallback
from bot.transports.matrix.render import HTML_FORMAT, html_body, plain_body

_TICKET_ACTION = re.compile(r"^tk:(claim|unclaim|close):(\d+)$")


def _relates_to(event: Event) -> dict[str, Any]:
    content = event.source.get("content")
    relates = content.get("m.relates_to") if isinstance(content, dict) else None
    return relates if isinstance(relates, dict) else {}


def related_event_ids(event: Event) -> list[str]:
    """The thread root and the replied-to event of a message, where it has them."""
    relates = _relates_to(event)
    ids = []
    if relation_type(event) == "m.thread" and isinstance(relates.get("event_id"), str):
        ids.append(relates["event_id"])
    reply = relates.get("m.in_reply_to")
    if isinstance(reply, dict) and isinstance(reply.get("event_id"), str):
        ids.append(reply["event_id"])
    return ids


async def place_inbound(
    event: object, place: ChatRef, room_id: str, own_user_id: str, threads: ThreadMap
) -> Inbound | None:
    """The `Inbound` for a text message in the facilitator room (None for anything else)."""
    if not isinstance(event, RoomMessageText) or event.sender == own_user_id:
        return None
    if relation_type(event) == "m.replace":
        return None
    thread = None
    for related in related_event_ids(event):
        thread = await threads.thread_for(room_id, related)
        if thread is not None:
            break
    return Inbound(
        chat=place,
        user_id=event.sender,
        text=strip_reply_fallback(event.body),
        thread=thread,
    )


def place_content(message: Outbound, t: NullTranslations) -> dict[str, Any]:
    """A message for the facilitator room: ticket buttons become `!commands` to type."""
    commands = []
    for button in message.choices():
        found = _TICKET_ACTION.match(button.action)
        if found:
            commands.append(f"!{found.group(1)} {found.group(2)}")
    text = message.text
    if commands:
        text += "\n\n" + " · ".join(commands)
    return {
        "msgtype": "m.text",
        "body": plain_body(text, [], ""),
        "format": HTML_FORMAT,
        "formatted_body": html_body(text, [], ""),
    }


def in_thread(content: dict[str, Any], root: str) -> dict[str, Any]:
    """The content posted in the thread that starts at `root`."""
    return {
        **content,
        "m.relates_to": {
            "rel_type": "m.thread",
            "event_id": root,
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": root},
        },
    }


def place_ref(setting: str) -> ChatRef:
    """The facilitator room as the core knows it: exactly as configured (an id or an alias)."""
    return ChatRef(Platform.MATRIX, setting)
