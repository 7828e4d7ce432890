"""Turning nio timeline events into `Inbound` values, and what Sild must not answer."""

from __future__ import annotations

from typing import Any

import pytest
from nio import Event

from bot.core.messages import ChatRef, Platform
from bot.transports.matrix.inbound import strip_reply_fallback, to_inbound

ROOM = "!dm:example.org"
SILD = "@sild:example.org"
PERSON = "@anna:example.org"


def event(content: dict[str, Any], *, type: str = "m.room.message", sender: str = PERSON) -> Any:
    return Event.parse_event(
        {
            "type": type,
            "event_id": "$event",
            "sender": sender,
            "origin_server_ts": 1,
            "content": content,
        }
    )


def test_text_becomes_an_inbound_for_the_room_and_the_sender() -> None:
    inbound = to_inbound(event({"msgtype": "m.text", "body": "hello"}), ROOM, SILD, "Anna")
    assert inbound is not None
    assert inbound.chat == ChatRef(Platform.MATRIX, ROOM)
    assert (inbound.user_id, inbound.text, inbound.display_name) == (PERSON, "hello", "Anna")
    assert inbound.unsupported is None


def test_an_emote_is_text() -> None:
    inbound = to_inbound(event({"msgtype": "m.emote", "body": "waves"}), ROOM, SILD)
    assert inbound is not None and inbound.text == "waves"


@pytest.mark.parametrize(
    "ignored",
    [
        event({"msgtype": "m.text", "body": "my own"}, sender=SILD),
        event({"msgtype": "m.notice", "body": "a bot's notice"}),
        event(
            {
                "msgtype": "m.text",
                "body": "* fixed",
                "m.new_content": {"msgtype": "m.text", "body": "fixed"},
                "m.relates_to": {"rel_type": "m.replace", "event_id": "$old"},
            }
        ),
        event(
            {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$x", "key": "👍"}},
            type="m.reaction",
        ),
        event({"question": "?"}, type="org.example.poll"),
        event({"name": "New name"}, type="m.room.name"),
    ],
    ids=["own", "notice", "edit", "reaction", "unknown-type", "state"],
)
def test_what_sild_does_not_answer(ignored: Any) -> None:
    assert to_inbound(ignored, ROOM, SILD) is None


def test_malformed_events_are_ignored() -> None:
    bad = Event.parse_event({"type": "m.room.message", "content": {}})  # no sender, no id
    assert to_inbound(bad, ROOM, SILD) is None
    assert to_inbound(object(), ROOM, SILD) is None


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ({"msgtype": "m.image", "body": "cat.jpg", "url": "mxc://x/y"}, "photo"),
        ({"msgtype": "m.audio", "body": "voice.ogg", "url": "mxc://x/y"}, "voice"),
        ({"msgtype": "m.video", "body": "v.mp4", "url": "mxc://x/y"}, "video"),
        ({"msgtype": "m.file", "body": "cv.pdf", "url": "mxc://x/y"}, "file"),
        ({"msgtype": "m.location", "body": "here", "geo_uri": "geo:60.1,24.9"}, "location"),
    ],
)
def test_media_is_unsupported_with_its_kind(content: dict[str, Any], kind: str) -> None:
    inbound = to_inbound(event(content), ROOM, SILD)
    assert inbound is not None and inbound.unsupported == kind and inbound.text is None


def test_a_sticker_is_unsupported() -> None:
    sticker = event({"body": "smile", "url": "mxc://x/y", "info": {}}, type="m.sticker")
    inbound = to_inbound(sticker, ROOM, SILD)
    assert inbound is not None and inbound.unsupported == "sticker"


def test_an_encrypted_event_that_stayed_encrypted_is_undecryptable() -> None:
    megolm = event(
        {
            "algorithm": "m.megolm.v1.aes-sha2",
            "ciphertext": "AwgA",
            "sender_key": "key",
            "session_id": "session",
            "device_id": "DEVICE",
        },
        type="m.room.encrypted",
    )
    inbound = to_inbound(megolm, ROOM, SILD)
    assert inbound is not None and inbound.unsupported == "undecryptable"


def test_the_quoted_part_of_a_reply_is_dropped() -> None:
    body = "> <@sild:example.org> What would you like to know?\n> more\n\nhow do I find a doctor"
    inbound = to_inbound(event({"msgtype": "m.text", "body": body}), ROOM, SILD)
    assert inbound is not None and inbound.text == "how do I find a doctor"
    assert strip_reply_fallback("> just a quote") == ""
    assert strip_reply_fallback("no quote") == "no quote"
