"""The Telegram and Matrix inbound parsers on arbitrary updates, then the engine (hypothesis).

Whatever a platform (or someone forging updates) sends: the parser returns an `Inbound` or None,
never raises, and the engine answers the `Inbound` without needing its error boundary.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from nio import Event
from telegram import CallbackQuery, Message

import bot.transports.telegram  # noqa: F401  (sets PTB_TIMEDELTA before any Telegram object)
from bot.core.messages import ChatRef, Inbound, Platform
from bot.knowledge import Library
from bot.threads import ThreadMap
from bot.transports.matrix.facilitators import place_inbound
from bot.transports.matrix.inbound import to_inbound
from bot.transports.telegram.inbound import from_callback, from_message
from tests.trust import APOLOGY, GROUP, ROOM, Sandbox, replies_text

EXAMPLES = 150
SILD = "@sild:example.org"
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

names = st.one_of(
    st.text(min_size=1, max_size=80),
    st.sampled_from(["<b>Eve</b>", "**Eve** _x_", "\u202eevE", "a\u200bb", "&amp;<script>"]),
)
bodies = st.one_of(
    st.text(),
    st.sampled_from(["/start", "/signups x", "!claim 1", "> quoted\n\nreply", "1", "/privacy"]),
    st.builds(lambda s, n: (s * n)[:100_000], st.text(min_size=1, max_size=9), st.integers(1, 99)),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture
def sandbox(tmp_path: Path, library: Library) -> Iterator[Sandbox]:
    box = Sandbox(tmp_path, library)
    yield box
    box.close()


def _answer(box: Sandbox, inbound: Inbound | None) -> None:
    if inbound is None:
        return
    replies = box.run(box.world.engine.handle(inbound))
    assert APOLOGY not in replies_text(replies)


# --- Telegram --------------------------------------------------------------------------------


@st.composite
def telegram_users(draw: st.DrawFn) -> dict[str, Any]:
    user: dict[str, Any] = {
        "id": draw(st.integers(1, 2**40)),
        "is_bot": draw(st.booleans()),
        "first_name": draw(names),
    }
    if draw(st.booleans()):
        user["last_name"] = draw(names)
    if draw(st.booleans()):
        user["language_code"] = draw(st.one_of(st.text(max_size=12), st.sampled_from(["ru", "fi"])))
    return user


@st.composite
def telegram_chats(draw: st.DrawFn, user: dict[str, Any]) -> dict[str, Any]:
    kind = draw(st.sampled_from(["private", "private", "group", "supergroup", "channel"]))
    if kind == "private":
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    chat_id = draw(st.sampled_from([int(GROUP.chat_id), -100555, -1]))
    return {"id": chat_id, "type": kind, "title": draw(names)}


@st.composite
def telegram_messages(draw: st.DrawFn) -> dict[str, Any]:
    user = draw(telegram_users())
    data: dict[str, Any] = {
        "message_id": draw(st.integers(1, 2**31)),
        "date": 1700000000,
        "chat": draw(telegram_chats(user)),
        "from": user,
    }
    content = draw(st.sampled_from(["text", "text", "sticker", "location", "none", "caption"]))
    if content == "text":
        data["text"] = draw(bodies)
    elif content == "sticker":
        data["sticker"] = {
            "file_id": "s",
            "file_unique_id": "u",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        }
    elif content == "location":
        data["location"] = {"latitude": 60.17, "longitude": 24.94}
    elif content == "caption":
        data["caption"] = draw(bodies)
    if draw(st.booleans()):
        data["reply_to_message"] = {
            "message_id": 1,
            "date": 1700000000,
            "chat": data["chat"],
            "text": draw(st.one_of(st.text(), st.just("New request #1"))),
        }
    return data


@SETTINGS
@given(data=telegram_messages())
def test_any_telegram_message_is_parsed_and_answered(
    sandbox: Sandbox, data: dict[str, Any]
) -> None:
    message = Message.de_json(data, None)
    inbound = from_message(message, GROUP.chat_id)
    if inbound is not None:
        assert inbound.platform is Platform.TELEGRAM
        assert inbound.display_name is not None and len(inbound.display_name) <= 128
    _answer(sandbox, inbound)


@SETTINGS
@given(
    user=telegram_users(),
    payload=st.one_of(st.text(max_size=100), st.none(), st.sampled_from(["menu", "tk:claim:1"])),
    private=st.booleans(),
)
def test_any_telegram_button_press_is_parsed_and_answered(
    sandbox: Sandbox, user: dict[str, Any], payload: str | None, private: bool
) -> None:
    chat = (
        {"id": user["id"], "type": "private", "first_name": "x"}
        if private
        else {"id": int(GROUP.chat_id), "type": "supergroup", "title": "F"}
    )
    query: dict[str, Any] = {
        "id": "q1",
        "from": user,
        "chat_instance": "ci",
        "message": {"message_id": 9, "date": 1700000000, "chat": chat, "text": "Menu"},
    }
    if payload is not None:
        query["data"] = payload
    inbound = from_callback(CallbackQuery.de_json(query, None), GROUP.chat_id)
    if inbound is not None:
        assert inbound.action == payload
    _answer(sandbox, inbound)


# --- Matrix ----------------------------------------------------------------------------------


@st.composite
def matrix_events(draw: st.DrawFn) -> dict[str, Any]:
    content: dict[str, Any] = draw(st.dictionaries(st.text(max_size=15), json_values, max_size=4))
    if draw(st.booleans()):
        content["msgtype"] = draw(
            st.sampled_from(["m.text", "m.notice", "m.emote", "m.image", "m.location", "x.y"])
        )
        content["body"] = draw(st.one_of(bodies, json_values))
    if draw(st.booleans()):
        content["m.relates_to"] = draw(
            st.one_of(
                json_values,
                st.fixed_dictionaries(
                    {
                        "rel_type": st.sampled_from(["m.thread", "m.replace", "m.annotation"]),
                        "event_id": st.one_of(st.text(max_size=20), json_values),
                        "m.in_reply_to": st.one_of(
                            json_values, st.fixed_dictionaries({"event_id": st.text(max_size=9)})
                        ),
                    }
                ),
            )
        )
    return {
        "type": draw(
            st.sampled_from(
                ["m.room.message", "m.room.message", "m.sticker", "m.reaction", "m.room.encrypted"]
            )
        ),
        "event_id": "$" + draw(st.text(min_size=1, max_size=20)),
        "sender": draw(
            st.one_of(st.just(SILD), st.just("@anna:example.org"), st.text(max_size=40))
        ),
        "origin_server_ts": draw(st.integers(0, 2**41)),
        "content": content,
    }


@SETTINGS
@given(source=matrix_events(), display=st.one_of(st.none(), names), in_place=st.booleans())
def test_any_matrix_event_is_parsed_and_answered(
    sandbox: Sandbox, source: dict[str, Any], display: str | None, in_place: bool
) -> None:
    try:
        event = Event.parse_event(source)
    except Exception:  # nio's own validation (not Sild's parser) refused it
        assume(False)
        return
    if in_place:
        threads = ThreadMap(sandbox.store, Platform.MATRIX.value)
        inbound = sandbox.run(place_inbound(event, ROOM, ROOM.chat_id, SILD, threads))
    else:
        inbound = to_inbound(event, "!dm:example.org", SILD, display)
    if inbound is not None:
        assert inbound.chat in (ROOM, ChatRef(Platform.MATRIX, "!dm:example.org"))
        assert inbound.user_id != SILD
    _answer(sandbox, inbound)
