"""nio timeline events → `Inbound` (pure: no network, no client).

`to_inbound` decides what Sild answers. It returns None for everything it must not answer: its own
messages, edits (`m.replace`), notices (`m.notice`, what bots send each other), reactions,
redactions, state changes and event types it does not know. A message it cannot read (an image, a
file, an encrypted message that could not be decrypted) becomes an `Inbound` with `unsupported`
set, so the person gets a reply and never silence.
"""

from __future__ import annotations

from typing import Any

from nio import (
    Event,
    MegolmEvent,
    RoomEncryptedAudio,
    RoomEncryptedFile,
    RoomEncryptedImage,
    RoomEncryptedVideo,
    RoomMessageAudio,
    RoomMessageEmote,
    RoomMessageFile,
    RoomMessageImage,
    RoomMessageNotice,
    RoomMessageText,
    RoomMessageUnknown,
    RoomMessageVideo,
    StickerEvent,
    UnknownEncryptedEvent,
)

from bot.core.messages import ChatRef, Inbound, Platform

UNDECRYPTABLE = "undecryptable"

_MEDIA: tuple[tuple[tuple[type[Event], ...], str], ...] = (
    ((RoomMessageImage, RoomEncryptedImage), "photo"),
    ((RoomMessageAudio, RoomEncryptedAudio), "voice"),
    ((RoomMessageVideo, RoomEncryptedVideo), "video"),
    ((RoomMessageFile, RoomEncryptedFile), "file"),
    ((StickerEvent,), "sticker"),
)
_UNKNOWN_MSGTYPES = {"m.location": "location"}


def relation_type(event: Event) -> str | None:
    """The `rel_type` of the event's `m.relates_to`, such as `m.replace` for an edit."""
    content = event.source.get("content")
    relates = content.get("m.relates_to") if isinstance(content, dict) else None
    rel_type = relates.get("rel_type") if isinstance(relates, dict) else None
    return rel_type if isinstance(rel_type, str) else None


def strip_reply_fallback(body: str) -> str:
    """The person's own words of a reply: drop the quoted `> ` lines clients put in front."""
    if not body.startswith("> "):
        return body
    lines = body.split("\n")
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    return "\n".join(lines[index:]).strip()


def _unsupported_kind(event: Event) -> str | None:
    for classes, kind in _MEDIA:
        if isinstance(event, classes):
            return kind
    if isinstance(event, MegolmEvent | UnknownEncryptedEvent):
        return UNDECRYPTABLE
    if isinstance(event, RoomMessageUnknown):
        return _UNKNOWN_MSGTYPES.get(event.msgtype, "file")
    return None


def to_inbound(
    event: object, room_id: str, own_user_id: str, display_name: str | None = None
) -> Inbound | None:
    """The `Inbound` for a timeline event of a conversation room, or None if Sild stays quiet.

    Malformed events (nio's `BadEvent`, `UnknownBadEvent`) are not `Event`s and are ignored.
    """
    if not isinstance(event, Event):
        return None
    if event.sender == own_user_id or relation_type(event) == "m.replace":
        return None
    chat = ChatRef(Platform.MATRIX, room_id)
    common: dict[str, Any] = {"chat": chat, "user_id": event.sender, "display_name": display_name}
    if isinstance(event, RoomMessageNotice):
        return None
    if isinstance(event, RoomMessageText | RoomMessageEmote):
        return Inbound(text=strip_reply_fallback(event.body), **common)
    kind = _unsupported_kind(event)
    if kind is None:
        return None
    return Inbound(unsupported=kind, **common)
