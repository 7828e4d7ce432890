"""End-to-end: Sild's Matrix transport against a real Synapse, a matrix-nio client as the person.

Every test registers its own Sild user and person, so tests do not see each other's rooms. To
prove that Sild ignored something, a test sends a marker message afterwards: replies come in
order, so the next reply must be the marker's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace

import pytest
from nio import DownloadResponse, RoomGetStateEventResponse, RoomMessageFile

from bot.core.messages import Attachment, ChatRef, Outbound, Platform
from bot.transports.matrix.state import MatrixState
from tests.transports.matrix.person import Person

pytestmark = pytest.mark.slow

COUNTRY_RU = "Где вы живёте?"
MENU_RU = "Что вы хотели бы узнать?"
DOCTOR_RU = "Как попасть к врачу"


async def onboard_in_russian(person: Person, room_id: str) -> None:
    """Answer the onboarding by numbers: 3 = Русский, 1 = Finland."""
    welcome = await person.reply()
    assert "1) Eesti" in welcome.body and "3) Русский" in welcome.body
    assert "Reply with a number from 1 to 4." in welcome.body
    await person.say(room_id, "3")
    country = await person.reply()
    assert COUNTRY_RU in country.body
    assert "Ответьте числом от 1 до 3." in country.body
    await person.say(room_id, "1")
    menu = await person.reply()
    assert MENU_RU in menu.body and "1) Медицинская помощь" in menu.body


async def test_unencrypted_direct_chat_from_invitation_to_answer(make_bot, make_person) -> None:
    bot = await make_bot()
    await bot.start()
    person = await make_person(bot.user_id)
    room_id = await person.open_direct_chat(bot.user_id, encrypted=False)

    welcome = await person.reply()
    assert welcome.format == "org.matrix.custom.html"
    assert "<ol><li>Eesti</li><li>Suomi</li><li>Русский</li><li>English</li></ol>" in (
        welcome.formatted_body or ""
    )
    assert not welcome.decrypted
    person.inbox.put_nowait(welcome)  # let the helper check it once more
    await onboard_in_russian(person, room_id)

    await person.say(room_id, "как записаться к врачу")
    answer = await person.reply()
    assert answer.body.startswith(DOCTOR_RU)
    assert "1) Помогло" in answer.body


async def test_encrypted_direct_chat_from_invitation_to_answer(make_bot, make_person) -> None:
    bot = await make_bot()
    transport = await bot.start()
    person = await make_person(bot.user_id)
    room_id = await person.open_direct_chat(bot.user_id, encrypted=True)

    await onboard_in_russian(person, room_id)
    await person.say(room_id, "как записаться к врачу")
    answer = await person.reply()
    assert answer.decrypted, "Sild must answer encrypted in an encrypted room"
    assert answer.body.startswith(DOCTOR_RU)
    assert transport.client.rooms[room_id].encrypted


async def test_restart_answers_what_came_while_down_and_nothing_twice(
    make_bot, make_person
) -> None:
    bot = await make_bot()
    first = await bot.start()
    device = first.client.device_id
    person = await make_person(bot.user_id)
    room_id = await person.open_direct_chat(bot.user_id, encrypted=True)
    await onboard_in_russian(person, room_id)

    await first.stop()
    await person.say(room_id, "как записаться к врачу")  # while Sild is down
    second = await bot.start()
    assert second.client.device_id == device, "a restart must keep the device (and its keys)"

    answer = await person.reply()
    assert answer.body.startswith(DOCTOR_RU), answer.body
    await person.say(room_id, "/menu")
    menu = await person.reply()
    assert MENU_RU in menu.body, f"an old message was answered again: {menu.body}"


async def test_an_expired_access_token_is_replaced_on_the_same_device(
    make_bot, make_person
) -> None:
    bot = await make_bot()
    first = await bot.start()
    device = first.client.device_id
    await first.stop()
    state = MatrixState(bot.app.store)
    saved = await state.session()
    assert saved is not None and saved.device_id == device
    await state.save_session(replace(saved, access_token="syt_no_longer_valid"))

    second = await bot.start()
    assert second.client.device_id == device
    person = await make_person(bot.user_id)
    await person.open_direct_chat(bot.user_id, encrypted=True)
    assert "choose your language" in (await person.reply()).body


async def test_login_with_an_access_token_from_the_settings(make_bot, make_person) -> None:
    bot = await make_bot(use_access_token=True)
    transport = await bot.start()
    assert transport.client.device_id == bot.registered["device_id"]
    person = await make_person(bot.user_id)
    await person.open_direct_chat(bot.user_id, encrypted=True)
    assert "choose your language" in (await person.reply()).body


async def test_history_from_before_the_first_start_is_not_answered(make_bot, make_person) -> None:
    bot = await make_bot()
    person = await make_person(bot.user_id)
    room_id = await person.open_direct_chat(bot.user_id, encrypted=False)
    await person.say(room_id, "hello, is anyone there?")  # before Sild ever ran

    await bot.start()
    welcome = await person.reply()
    assert "choose your language" in welcome.body
    await person.say(room_id, "2")
    country = await person.reply()
    assert "Missä asut?" in country.body, f"history was answered: {country.body}"


async def test_own_messages_edits_and_notices_are_not_answered(make_bot, make_person) -> None:
    bot = await make_bot()
    transport = await bot.start()
    person = await make_person(bot.user_id)
    room_id = await person.open_direct_chat(bot.user_id, encrypted=False)
    await onboard_in_russian(person, room_id)

    mine = await transport.send(Outbound(ChatRef(Platform.MATRIX, room_id), "/help"), "own-1")
    assert mine.ok
    assert (await person.reply()).body == "/help"
    original = await person.say(room_id, "как записаться к врачу")
    assert (await person.reply()).body.startswith(DOCTOR_RU)
    await person.send(
        room_id,
        {
            "msgtype": "m.text",
            "body": "* /help",
            "m.new_content": {"msgtype": "m.text", "body": "/help"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": original},
        },
    )
    await person.send(room_id, {"msgtype": "m.notice", "body": "/help"})
    await person.send_raw(room_id, "org.example.poll", {"question": "?"})

    await person.say(room_id, "/menu")
    menu = await person.reply()
    assert MENU_RU in menu.body, f"something ignored was answered: {menu.body}"


async def test_undecryptable_message_gets_a_please_resend_reply(make_bot, make_person) -> None:
    bot = await make_bot()
    await bot.start()
    person = await make_person(bot.user_id)
    room_id = await person.open_direct_chat(bot.user_id, encrypted=True)
    await onboard_in_russian(person, room_id)

    olm = person.client.olm
    await person.send_raw(
        room_id,
        "m.room.encrypted",
        {
            "algorithm": "m.megolm.v1.aes-sha2",
            "ciphertext": "AwgAEnB3ZjU0bm90IGEgcmVhbCBtZWdvbG0gbWVzc2FnZQ",
            "sender_key": olm.account.identity_keys["curve25519"],
            "session_id": "a session Sild never received",
            "device_id": person.client.device_id,
        },
    )
    reply = await person.reply()
    assert "расшифровать" in reply.body, reply.body  # "could not decrypt", in Russian


async def test_html_in_a_message_is_shown_as_text(make_bot, make_person) -> None:
    bot = await make_bot()
    await bot.start()
    person = await make_person(bot.user_id)
    room_id = await person.open_direct_chat(bot.user_id, encrypted=False)
    await onboard_in_russian(person, room_id)

    await person.say(room_id, '/<img src=x onerror="alert(1)"><b>x</b>')
    reply = await person.reply()
    html = reply.formatted_body or ""
    assert "<img" not in html and "<b>x</b>" not in html
    assert "&lt;img" in html or "&lt;b&gt;" in html


async def test_invitation_from_a_server_not_allowed_is_declined(make_bot, make_person) -> None:
    bot = await make_bot(matrix_allowed_servers="example.org")
    await bot.start()
    person = await make_person(bot.user_id)
    room_id = await person.open_direct_chat(bot.user_id, encrypted=False)

    deadline = time.monotonic() + 20
    membership = None
    while time.monotonic() < deadline:
        state = await person.client.room_get_state_event(room_id, "m.room.member", bot.user_id)
        if isinstance(state, RoomGetStateEventResponse):
            membership = state.content.get("membership")
            if membership == "leave":
                break
        await asyncio.sleep(0.2)
    assert membership == "leave"
    await person.no_reply(0.5)


async def test_rate_limited_replies_are_all_delivered_once(
    make_bot, make_person, synapse, caplog
) -> None:
    bot = await make_bot()
    transport = await bot.start()
    person = await make_person(bot.user_id)
    room_id = await person.open_direct_chat(bot.user_id, encrypted=False)
    await onboard_in_russian(person, room_id)

    admin = synapse.register(synapse.unique_name("admin"), "admin password", admin=True)
    synapse.admin_post(
        admin["access_token"],
        f"/_synapse/admin/v1/users/{bot.user_id}/override_ratelimit",
        {"messages_per_second": 1, "burst_count": 1},
    )
    chat = ChatRef(Platform.MATRIX, room_id)
    with caplog.at_level(logging.WARNING):
        results = [await transport.send(Outbound(chat, f"notice {n}"), f"rl-{n}") for n in range(3)]
    assert all(result.ok for result in results)
    assert "429" in caplog.text, "the homeserver was expected to rate-limit Sild here"
    bodies = [(await person.reply()).body for _ in range(3)]
    assert bodies == ["notice 0", "notice 1", "notice 2"]
    await person.no_reply(0.5)


async def test_attachment_is_sent_as_a_file(make_bot, make_person) -> None:
    bot = await make_bot()
    transport = await bot.start()
    person = await make_person(bot.user_id)
    room_id = await person.open_direct_chat(bot.user_id, encrypted=False)
    await person.reply()

    ics = Attachment("event.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    message = Outbound(ChatRef(Platform.MATRIX, room_id), "Your invitation", attachments=(ics,))
    assert (await transport.send(message, "file-1")).ok
    assert (await person.reply()).body == "Your invitation"
    file = await person.event()
    assert isinstance(file, RoomMessageFile), file
    assert file.body == "event.ics"
    downloaded = await person.client.download(file.url)
    assert isinstance(downloaded, DownloadResponse), downloaded
    assert downloaded.body == ics.data
