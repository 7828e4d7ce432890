"""Privacy through the engine: /privacy, /mydata, /delete_my_data, preserving tickets, limits."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect as sa_inspect

from bot.core.events import SignUpStatus
from bot.core.guard import Policy, RateLimiter
from bot.core.messages import ChatRef, Platform
from bot.core.ports import UserProfile
from bot.i18n import translations
from bot.knowledge import Library
from bot.storage.models import UnansweredQuestion
from bot.storage.repository import SqlStore
from tests.trust import (
    ANNA,
    APOLOGY,
    CAFE,
    GROUP,
    MARI,
    ROOM,
    SMALL,
    World,
    make_world,
    onboard,
    replies_text,
)

ME = ChatRef(Platform.TELEGRAM, "4242")
WAITER = ChatRef(Platform.TELEGRAM, "5151")


@pytest.fixture
async def world(store: SqlStore, library: Library) -> World:
    return await make_world(store, library)


@pytest.mark.parametrize("lang", ["et", "fi", "ru", "en"])
async def test_privacy_says_what_why_how_long_and_who_in_the_persons_language(
    world: World, lang: str
) -> None:
    await onboard(world, ME, "4242", lang)
    t = translations(lang)
    (settings,) = await world.press(ME, "4242", "settings")
    assert "privacy" in [b.action for b in settings.choices()]  # under Language and country
    (screen,) = await world.press(ME, "4242", "privacy")
    assert screen.text.startswith(f"**{t.gettext('Your privacy in Sild')}**")
    assert "90" in screen.text and "/delete_my_data" in screen.text and "/mydata" in screen.text
    if lang != "en":
        assert t.gettext("Your privacy in Sild") != "Your privacy in Sild"
    assert [b.action for b in screen.choices()] == ["mydata", "forget", "menu"]
    (typed,) = await world.say(ME, "4242", "/privacy")
    assert typed.text == screen.text


async def test_the_retention_in_the_text_follows_the_setting(
    store: SqlStore, library: Library
) -> None:
    world = await make_world(store, library, Policy(retention_days=30))
    (screen,) = await world.say(ME, "4242", "/privacy")  # also before onboarding
    assert "30 days" in screen.text


async def test_help_and_the_onboarding_notice_mention_privacy(world: World) -> None:
    await world.say(ME, "4242", "/start")
    await world.press(ME, "4242", "lang:en")
    (welcome,) = await world.press(ME, "4242", "country:FI")
    assert "/privacy" in welcome.text
    (help_text,) = await world.say(ME, "4242", "/help")
    assert "/privacy" in help_text.text


async def _signed_up_with_a_ticket(world: World) -> None:
    """The person holds a place in the one-place group (someone waits) and at the café, named,
    and has an open request with messages."""
    await onboard(world, ME, "4242")
    await world.press(ME, "4242", f"join:{SMALL}")
    await onboard(world, WAITER, "5151")
    await world.press(WAITER, "5151", f"wait:{SMALL}")
    await world.press(ME, "4242", f"join:{CAFE}")
    await world.press(ME, "4242", "ad:2")
    await world.press(ME, "4242", "ch:1")
    await world.say(ME, "4242", "Ülle Kõiv")
    await world.press(ME, "4242", "human")
    await world.say(ME, "4242", "help with my zebra-quartz papers", display_name="Ülle")
    await world.say(ME, "4242", "one more thing: nebula-otter")
    await world.say(GROUP, ANNA, "/claim 1")
    await world.say(GROUP, ANNA, "/reply 1 Hello, Anna here")
    await world.flush()


async def test_mydata_sends_everything_as_a_json_file(world: World) -> None:
    await _signed_up_with_a_ticket(world)
    await world.say(ME, "4242", "/end")
    (reply,) = await world.say(ME, "4242", "/mydata")
    (attachment,) = reply.attachments
    assert attachment.filename == "sild-my-data.json"
    assert attachment.mime_type == "application/json"
    data = json.loads(attachment.data)
    assert data["platform"] == "telegram" and data["user_id"] == "4242"
    assert data["profile"]["language"] == "en" and data["profile"]["country"] == "FI"
    by_event = {s["event"]: s for s in data["sign_ups"]}
    assert by_event[CAFE]["name"] == "Ülle Kõiv" and by_event[CAFE]["adults"] == 2
    assert by_event[SMALL]["status"] == "confirmed"
    (ticket,) = data["requests_to_a_person"]
    assert ticket["description"] == "help with my zebra-quartz papers"
    assert [m["text"] for m in ticket["messages"]] == [
        "help with my zebra-quartz papers",
        "one more thing: nebula-otter",
        "Hello, Anna here",
    ]
    assert ticket["facilitator"] == "Anna" and "telegram:900" not in attachment.data.decode()
    assert any("Hello, Anna here" in m["text"] for m in data["messages_to_you"])
    assert "5151" not in attachment.data.decode()  # nobody else's data


async def test_deleting_asks_first_and_no_keeps_everything(world: World) -> None:
    await onboard(world, ME, "4242")
    (forged,) = await world.press(ME, "4242", "forgetyes")  # not asked yet: it asks
    assert [b.action for b in forged.choices()] == ["forgetyes", "privacy"]
    (screen,) = await world.press(ME, "4242", "privacy")  # "No, keep it"
    assert screen.text.startswith("**Your privacy")
    await world.press(ME, "4242", "forgetyes")  # a stale confirmation asks again
    assert await world.store.get_user("telegram", "4242") is not None


async def test_deleting_frees_places_closes_the_ticket_and_starts_afresh(world: World) -> None:
    await _signed_up_with_a_ticket(world)
    (ask,) = await world.say(ME, "4242", "/delete_my_data")
    assert "cannot be undone" in ask.text
    (done,) = await world.press(ME, "4242", "forgetyes")
    assert "deleted" in done.text and APOLOGY not in done.text
    assert await world.store.get_user("telegram", "4242") is None
    conversation = await world.store.load_conversation(ME)
    assert conversation.state == "new" and conversation.data == {}
    # The place went to the person waiting, who was told at once.
    waiter = await world.events.store.sign_up_of(SMALL, "telegram", "5151")
    assert waiter is not None and waiter.status is SignUpStatus.CONFIRMED
    cafe = await world.events.store.get(CAFE)
    assert cafe is not None and cafe.taken_adults == 0 and cafe.taken_children == 0
    notices = await world.flush()
    assert any(m.to == WAITER and "place" in m.text.lower() for m in notices)
    # The facilitators learn that the request is closed, without its content.
    closing = [m for m in notices if m.to in (GROUP, ROOM)]
    assert closing and all("deleted their data" in m.text for m in closing)
    assert not any("zebra" in m.text or "Ülle" in m.text for m in notices)
    ticket = await world.tickets.get_ticket(1)
    assert ticket is not None and ticket.status == "closed" and ticket.description == ""
    assert await world.tickets.messages(1) == []
    # Nothing of the person is left to export; the next message starts onboarding.
    data = await world.privacy.export("telegram", "4242", [ME])
    assert data["profile"] is None and data["sign_ups"] == [] and data["conversations"] == []
    assert data["requests_to_a_person"] == [] and data["messages_to_you"] == []
    (again,) = await world.say(ME, "4242", "hello")
    assert "Finland" in [b.label for b in again.choices()] or "lang:en" in [
        b.action for b in again.choices()
    ]


async def test_deleting_works_before_onboarding(world: World) -> None:
    await world.say(ME, "4242", "/start")
    (ask,) = await world.say(ME, "4242", "/delete_my_data")
    assert [b.action for b in ask.choices()] == ["forgetyes", "privacy"]
    (done,) = await world.press(ME, "4242", "forgetyes")
    assert "deleted" in done.text
    assert (await world.store.load_conversation(ME)).state == "new"


async def test_a_facilitator_preserves_a_ticket(world: World) -> None:
    await onboard(world, ME, "4242")
    await world.press(ME, "4242", "human")
    await world.say(ME, "4242", "please keep this")
    (kept,) = await world.say(GROUP, ANNA, "/preserve 1")
    assert "#1 is preserved" in kept.text
    assert (await world.tickets.get_ticket(1)).preserve  # type: ignore[union-attr]
    (ended,) = await world.say(ROOM, MARI, "!unpreserve #1")
    assert "no longer preserved" in ended.text and "90 days" in ended.text
    assert not (await world.tickets.get_ticket(1)).preserve  # type: ignore[union-attr]
    (missing,) = await world.say(GROUP, ANNA, "/preserve 99")
    assert "no request #99" in missing.text


async def test_unanswered_questions_hold_no_user_id_and_no_phone_number(world: World) -> None:
    columns = await world.store.engine.connect()
    try:
        names = await columns.run_sync(
            lambda sync: [c["name"] for c in sa_inspect(sync).get_columns("unanswered_questions")]
        )
    finally:
        await columns.close()
    assert names == ["id", "normalised", "language", "count", "first_seen", "last_seen"]
    await onboard(world, ME, "4242")
    await world.say(ME, "4242", "qwzx vbnm call me on +358 40 123 4567, code 131052-308T, 4242")
    rows = await world.store.unanswered()
    assert rows, "the question was not kept"
    kept = " ".join(str(value) for row in rows for value in row)
    assert "123 4567" not in kept and "1234567" not in kept and "131052" not in kept
    assert "phone" in kept and "id" in kept
    assert UnansweredQuestion.__table__.c.keys() == names


async def test_the_rate_limit_says_slow_down_once_then_stays_silent(world: World) -> None:
    now = [0.0]
    world.engine.limiter = RateLimiter(5, clock=lambda: now[0])
    await world.store.save_user(UserProfile("telegram", "4242", "fi", "FI"))
    answered = [await world.say(ME, "4242", "/menu") for _ in range(5)]
    assert all(answered)
    (slow,) = await world.say(ME, "4242", "/menu")
    fi = translations("fi")
    assert slow.text == fi.gettext(
        "You are writing faster than I can keep up with. Please wait a minute, "
        "then write again: I will answer then."
    )
    assert await world.say(ME, "4242", "/menu") == []
    assert await world.press(ME, "4242", "menu") == []  # buttons count too
    assert await world.say(GROUP, ANNA, "/tickets") != []  # facilitator places are not limited
    now[0] += 61
    assert await world.say(ME, "4242", "/menu") != []
    assert await world.say(ChatRef(Platform.TELEGRAM, "77"), "77", "/start") != []  # per person


async def test_a_very_long_message_is_cut_and_the_person_told_once(world: World) -> None:
    await onboard(world, ME, "4242", "et")
    long = "kuidas leida perearsti " * 5000  # 115,000 characters
    first = await world.say(ME, "4242", long)
    et = translations("et")
    notice = et.ngettext(
        "Your message is long, so I read only its first %(count)d character.",
        "Your message is long, so I read only its first %(count)d characters.",
        4000,
    ) % {"count": 4000}
    assert first[0].text == notice and len(first) >= 2
    second = await world.say(ME, "4242", long)
    assert notice not in replies_text(second) and second
    assert APOLOGY not in replies_text(first + second)
