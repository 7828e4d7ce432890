"""Telegram updates become `Inbound` values: who, where, what; quiet in groups."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import CallbackQuery, Message

import bot.transports.telegram  # noqa: F401
from bot.core.messages import ChatRef, Inbound, Platform
from bot.transports.telegram.inbound import MAX_NAME_CHARS, from_callback, from_message

PERSON = {
    "id": 42,
    "is_bot": False,
    "first_name": "Mari",
    "last_name": "Tamm",
    "language_code": "et",
}
PRIVATE = {"id": 42, "type": "private", "first_name": "Mari"}
FACILITATORS = {
    "id": -100777,
    "type": "supergroup",
    "title": "Facilitators",
    "username": "sild_team",
}
OTHER_GROUP = {"id": -100555, "type": "supergroup", "title": "Chat"}


def message(
    chat: dict[str, Any] = PRIVATE, sender: dict[str, Any] = PERSON, **content: Any
) -> Message:
    data = {"message_id": 7, "date": 1700000000, "chat": chat, "from": sender, **content}
    return Message.de_json(data, None)


def query(chat: dict[str, Any] = PRIVATE, data: str | None = "menu", **extra: Any) -> CallbackQuery:
    shown = {"message_id": 9, "date": 1700000000, "chat": chat, "text": "Menu"}
    payload = {"id": "q1", "from": PERSON, "chat_instance": "ci", "message": shown, **extra}
    if data is not None:
        payload["data"] = data
    return CallbackQuery.de_json(payload, None)


def test_a_text_message_carries_who_where_and_the_language_hint() -> None:
    assert from_message(message(text="/start faq_health-helpline")) == Inbound(
        chat=ChatRef(Platform.TELEGRAM, "42"),
        user_id="42",
        text="/start faq_health-helpline",
        language_hint="et",
        display_name="Mari Tamm",
    )


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ({"photo": [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]}, "photo"),
        (
            {
                "sticker": {
                    "file_id": "s",
                    "file_unique_id": "u",
                    "type": "regular",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                }
            },
            "sticker",
        ),
        ({"voice": {"file_id": "v", "file_unique_id": "u", "duration": 3}}, "voice"),
        ({"document": {"file_id": "d", "file_unique_id": "u"}}, "file"),
        ({"location": {"latitude": 60.17, "longitude": 24.94}}, "location"),
        (
            {
                "venue": {
                    "location": {"latitude": 60.17, "longitude": 24.94},
                    "title": "Kela",
                    "address": "Helsinki",
                },
                "location": {"latitude": 60.17, "longitude": 24.94},
            },
            "location",
        ),
        ({"contact": {"phone_number": "+358", "first_name": "A"}}, "contact"),
        (
            {
                "animation": {
                    "file_id": "a",
                    "file_unique_id": "u",
                    "width": 1,
                    "height": 1,
                    "duration": 1,
                },
                "document": {"file_id": "a", "file_unique_id": "u"},
            },
            "animation",
        ),
    ],
)
def test_content_sild_cannot_read_is_named(content: dict[str, Any], kind: str) -> None:
    inbound = from_message(message(**content))
    assert inbound is not None
    assert inbound.unsupported == kind and inbound.text is None


def test_a_photo_with_a_caption_is_still_a_photo() -> None:
    photo = [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]
    inbound = from_message(message(photo=photo, caption="what is this?"))
    assert inbound is not None and inbound.unsupported == "photo"


def test_service_messages_get_no_reply() -> None:
    assert (
        from_message(message(message_auto_delete_timer_changed={"message_auto_delete_time": 60}))
        is None
    )


def test_names_are_kept_as_written_and_bounded() -> None:
    sneaky = {**PERSON, "first_name": "<b>Eve</b> & <script>", "last_name": "x" * 300}
    inbound = from_message(message(sender=sneaky, text="hi"))
    assert inbound is not None and inbound.display_name is not None
    assert inbound.display_name.startswith("<b>Eve</b> & <script>")  # escaped when rendered
    assert len(inbound.display_name) == MAX_NAME_CHARS


def test_groups_other_than_the_facilitators_are_ignored() -> None:
    assert from_message(message(chat=OTHER_GROUP, text="/help"), "-100777") is None
    assert from_message(message(chat=OTHER_GROUP, text="/help"), None) is None
    assert from_callback(query(chat=OTHER_GROUP), "-100777") is None


def test_the_facilitator_group_reaches_the_engine_as_configured() -> None:
    replied = {"message_id": 3, "date": 1700000000, "chat": FACILITATORS, "text": "#12 Mari asks"}
    inbound = from_message(
        message(chat=FACILITATORS, text="I can help", reply_to_message=replied), "-100777"
    )
    assert inbound is not None
    assert inbound.chat == ChatRef(Platform.TELEGRAM, "-100777")
    assert inbound.reply_to_text == "#12 Mari asks"
    by_name = from_message(message(chat=FACILITATORS, text="/tickets"), "@Sild_Team")
    assert by_name is not None and by_name.chat.chat_id == "@Sild_Team"
    press = from_callback(query(chat=FACILITATORS, data="tk:claim:12"), "-100777")
    assert press is not None and press.action == "tk:claim:12"
    sticker = {"file_id": "s", "file_unique_id": "u", "type": "regular", "width": 1,
               "height": 1, "is_animated": False, "is_video": False}  # fmt: skip
    assert from_message(message(chat=FACILITATORS, sticker=sticker), "-100777") is None


def test_bots_are_ignored() -> None:
    robot = {**PERSON, "is_bot": True}
    assert from_message(message(sender=robot, text="hello")) is None


def test_a_button_press_carries_its_payload() -> None:
    inbound = from_callback(query(data="faq:health-helpline"))
    assert inbound is not None
    assert inbound.action == "faq:health-helpline" and inbound.text is None
    assert inbound.chat == ChatRef(Platform.TELEGRAM, "42") and inbound.language_hint == "et"


def test_a_press_without_data_or_message_is_not_for_the_engine() -> None:
    assert from_callback(query(data=None)) is None
    inline = CallbackQuery.de_json(
        {"id": "q", "from": PERSON, "chat_instance": "c", "inline_message_id": "i", "data": "x"},
        None,
    )
    assert from_callback(inline) is None
