"""Telegram updates to `Inbound` values: pure functions, no network and no state.

Private chats reach the engine, and so do text messages and button presses in the configured
facilitator group, where the handoff flow decides what to act on (replies carry the text they
reply to). Every other group, every channel and every bot is ignored.
"""

from __future__ import annotations

from telegram import CallbackQuery, Chat, Message, User
from telegram.constants import ChatType

from bot.core.messages import ChatRef, Inbound, Platform

MAX_NAME_CHARS = 128
"""A display name longer than this is cut: names are shown, never parsed."""

_CONTENT_KINDS: tuple[tuple[str, str], ...] = (
    ("photo", "photo"),
    ("live_photo", "photo"),
    ("sticker", "sticker"),
    ("animation", "animation"),
    ("voice", "voice"),
    ("video_note", "video_note"),
    ("audio", "audio"),
    ("video", "video"),
    ("document", "file"),
    ("location", "location"),
    ("venue", "location"),
    ("contact", "contact"),
    ("poll", "poll"),
    ("dice", "dice"),
    ("game", "game"),
    ("story", "story"),
    ("paid_media", "paid_media"),
    ("checklist", "checklist"),
)
"""Message attributes in the order they are checked, with the kind Sild reports. `animation` comes
before `document` because Telegram sets both for a GIF."""


def content_kind(message: Message) -> str | None:
    """What a message without text carries (`photo`, `sticker`, `voice`, `file`, ...).

    None for a service message (someone joined, a pinned message, a changed auto-delete timer):
    those are not addressed to Sild and get no reply.
    """
    for attribute, kind in _CONTENT_KINDS:
        if getattr(message, attribute, None):
            return kind
    return None


def is_facilitator_chat(chat: Chat, facilitator_chat: str | None) -> bool:
    """Whether `chat` is the configured facilitator group (by id, or by @username)."""
    if not facilitator_chat or chat.type == ChatType.PRIVATE:
        return False
    wanted = facilitator_chat.strip()
    if wanted.startswith("@"):
        return chat.username is not None and chat.username.casefold() == wanted[1:].casefold()
    return str(chat.id) == wanted


def display_name(user: User) -> str:
    """The person's name as Telegram shows it, bounded in length; never trusted as markup."""
    return user.full_name[:MAX_NAME_CHARS]


def _chat_ref(chat: Chat, facilitator_chat: str | None) -> ChatRef:
    """The chat as the core knows it: the facilitator group exactly as configured."""
    if facilitator_chat and is_facilitator_chat(chat, facilitator_chat):
        return ChatRef(Platform.TELEGRAM, facilitator_chat.strip())
    return ChatRef(Platform.TELEGRAM, str(chat.id))


def _replied_text(message: Message) -> str | None:
    replied = message.reply_to_message
    if replied is None:
        return None
    return replied.text or replied.caption


def from_message(message: Message, facilitator_chat: str | None = None) -> Inbound | None:
    """The `Inbound` for a new message, or None when Sild should stay quiet."""
    user = message.from_user
    if user is None or user.is_bot:
        return None
    chat = message.chat
    private = chat.type == ChatType.PRIVATE
    if not private and not (message.text and is_facilitator_chat(chat, facilitator_chat)):
        return None
    kind = None if message.text is not None else content_kind(message)
    if message.text is None and kind is None:
        return None
    return Inbound(
        chat=_chat_ref(chat, facilitator_chat),
        user_id=str(user.id),
        text=message.text,
        unsupported=kind,
        language_hint=user.language_code,
        display_name=display_name(user),
        reply_to_text=None if private else _replied_text(message),
    )


def from_callback(query: CallbackQuery, facilitator_chat: str | None = None) -> Inbound | None:
    """The `Inbound` for a button press, or None when it is not for the engine.

    A press on a message Sild did not send in a chat it serves (an inline message, a forwarded
    keyboard, another group) is ignored; the caller still answers the query.
    """
    user = query.from_user
    message = query.message
    if user.is_bot or message is None or query.data is None:
        return None
    chat = message.chat
    if chat.type != ChatType.PRIVATE and not is_facilitator_chat(chat, facilitator_chat):
        return None
    return Inbound(
        chat=_chat_ref(chat, facilitator_chat),
        user_id=str(user.id),
        action=query.data,
        language_hint=user.language_code,
        display_name=display_name(user),
    )
