"""Groups and cafés through the engine: find, sign up, waitlist, cancel, in all four languages.

The engine runs over the shipped content and events, a real SQLite database and the real outbox;
the clock is fixed (NOW, before every shipped event), so nothing depends on the day tests run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import select

from bot.core.engine import Engine
from bot.core.eventdesk import EventDesk
from bot.core.events import EventKind, EventState, QuietHours
from bot.core.eventtexts import places_line
from bot.delivery import Dispatcher
from bot.i18n import translations
from bot.knowledge import Library
from bot.storage.events import SqlEvents
from bot.storage.models import OutboxMessage
from bot.storage.repository import SqlStore
from tests.chat import Person
from tests.eventdata import NOW, make_event

CAFE = "family-cafe-kulturbad-helsinki"
GROUP = "job-seekers-group-helsinki"
EVENING = "health-services-evening-tallinn"
LANGS = ["et", "fi", "ru", "en"]
CAFE_DATE = {
    "et": "laupäev, 12. detsember 2026, 11:00–14:00",
    "fi": "lauantai 12. joulukuuta 2026, 11.00–14.00",
    "ru": "суббота, 12 декабря 2026\u202fг., 11:00–14:00",
    "en": "Saturday, 12 December 2026, 11:00–14:00",
}


@dataclass
class World:
    """An engine with events, its desk and a settable clock."""

    engine: Engine
    desk: EventDesk
    store: SqlStore
    clock: list[datetime]

    def person(self, user: str, hint: str | None = None) -> Person:
        return Person(self.engine, user=user, hint=hint)

    async def outbox(self) -> list[OutboxMessage]:
        async with self.store.sessions() as session:
            return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    async def state(self, event_id: str) -> EventState:
        state = await self.desk.store.get(event_id)
        assert state is not None
        return state


@pytest.fixture
async def world(store: SqlStore, library: Library) -> World:
    clock = [NOW]
    dispatcher = Dispatcher(store.sessions)
    desk = EventDesk(
        SqlEvents(store.sessions, store.rows),
        dispatcher,
        translations,
        clock=lambda: clock[0],
        quiet=QuietHours(21, 8),
    )
    await desk.store.sync(library.content.events)
    engine = Engine(
        store,
        lambda: library,
        translations,
        dispatcher,
        events=desk,
        facilitators=frozenset({"console:fac"}),
    )
    return World(engine, desk, store, clock)


def _calendar(person: Person) -> icalendar.Calendar:
    files = [a for reply in person.last for a in reply.attachments]
    assert [f.filename for f in files] == [f"{files[0].filename}"] and files[0].filename.endswith(
        ".ics"
    )
    assert files[0].mime_type == "text/calendar"
    return icalendar.Calendar.from_ical(files[0].data)


async def test_main_menu_has_groups_and_my_sign_ups(world: World) -> None:
    person = world.person("anna")
    await person.onboard("en", "FI")
    assert "events" in person.actions() and "mine" in person.actions()
    assert "My sign-ups" in person.labels()


@pytest.mark.parametrize("lang", LANGS)
async def test_list_shows_events_in_the_persons_language(world: World, lang: str) -> None:
    t = translations(lang)
    person = world.person(f"p-{lang}")
    await person.onboard(lang, "FI")
    await person.presses("events")
    text = person.text()
    state = await world.state(CAFE)
    assert state.event.title[lang] in text
    assert t.gettext("Family café") in text and t.gettext("Peer support group") in text
    assert CAFE_DATE[lang] in text
    assert "https://www.openstreetmap.org/search?query=Aleksanterinkatu" in text
    assert "https://meet.jit.si/sild-mentorointi-info" in text
    assert places_line(t, state) in text
    # Events in the person's country (Finland) come before the evening in Tallinn.
    actions = person.actions()
    assert actions.index(f"ev:{EVENING}") > actions.index(f"ev:{GROUP}")
    assert actions[-2:] == ["mine", "menu"]


async def test_estonia_comes_first_for_people_in_estonia(world: World) -> None:
    person = world.person("tiit")
    await person.onboard("ru", "EE")
    await person.presses("events")
    assert person.actions()[0] == f"ev:{EVENING}"
    assert "русский, эстонский" in person.text()  # languages named by Babel in Russian


def test_russian_places_left_use_all_three_plural_forms() -> None:
    ru = translations("ru")
    event = make_event(capacity=30)
    shown = {n: places_line(ru, EventState(event, taken_adults=30 - n)) for n in (1, 2, 5, 11, 21)}
    assert shown == {
        1: "1 свободное место",
        2: "2 свободных места",
        5: "5 свободных мест",
        11: "11 свободных мест",
        21: "21 свободное место",
    }
    cafe = make_event(kind=EventKind.FAMILY_CAFE, capacity=3, children=7)
    line = places_line(ru, EventState(cafe, taken_adults=1, taken_children=2))
    assert "2 места для взрослых" in line and "5 мест для детей" in line


@pytest.mark.parametrize("lang", LANGS)
async def test_sign_up_for_a_series_by_typed_numbers(world: World, lang: str) -> None:
    t = translations(lang)
    person = world.person(f"s-{lang}")
    await person.onboard(lang, "FI")
    await person.presses("events")
    number = person.actions().index(f"ev:{GROUP}") + 1
    await person.says(str(number))  # typed numbers pick the buttons shown
    text = person.text()
    assert text.count("\n- ") == 8  # every meeting of the series is listed
    assert person.labels()[0] == t.gettext("Sign up")
    await person.says("1")
    reply = person.text()
    title = (await world.state(GROUP)).event.title[lang]
    assert title in reply
    calendar = _calendar(person)
    meetings = calendar.walk("VEVENT")
    assert len(meetings) == 8
    first = meetings[0].decoded("dtstart")
    assert (first.hour, first.minute, str(first.tzinfo)) == (17, 30, "Europe/Helsinki")
    assert str(meetings[0]["summary"]) == title
    assert calendar.walk("VTIMEZONE")
    state = await world.state(GROUP)
    assert state.taken_adults == 1
    await person.presses("mine")
    assert title in person.text()
    assert person.actions()[:2] == [f"ev:{GROUP}", f"leave:{GROUP}"]


@pytest.mark.parametrize("lang", LANGS)
async def test_cafe_asks_adults_children_and_name(world: World, lang: str) -> None:
    t = translations(lang)
    person = world.person(f"c-{lang}")
    await person.onboard(lang, "FI")
    await person.presses(f"ev:{CAFE}")
    assert t.gettext("Names are needed: %(reason)s").split("%")[0] in person.text()
    await person.presses(f"join:{CAFE}")
    assert person.actions()[:3] == ["ad:1", "ad:2", "ad:3"]
    await person.says("2")  # two adults, picked by number
    assert t.gettext("How many children are coming?") in person.text()
    assert t.gettext("No children") in person.labels()
    await person.says("0")  # typed, not a button number
    reason = (await world.state(CAFE)).event.names_reason[lang]
    assert reason in person.text()
    await person.says("Mari  Maasikas")
    _calendar(person)
    assert t.ngettext("%(count)d adult", "%(count)d adults", 2) % {"count": 2} in person.text()
    (participant,) = await world.desk.store.participants(CAFE)
    assert (participant.adults, participant.children, participant.name) == (2, 0, "Mari Maasikas")
    state = await world.state(CAFE)
    assert (state.taken_adults, state.taken_children) == (2, 0)


async def test_cafe_with_children_and_a_large_typed_party(world: World) -> None:
    person = world.person("big")
    await person.onboard("et", "FI")
    await person.presses(f"join:{CAFE}")
    await person.says("12")  # more than the buttons offer: typed
    await person.presses("ch:3")
    await person.says("Kalev Kask")
    state = await world.state(CAFE)
    assert (state.taken_adults, state.taken_children) == (12, 3)
    assert "12 täiskasvanut, 3 last" in person.text()


async def test_full_event_offers_the_waitlist_and_promotion_is_told(world: World) -> None:
    await world.desk.store.sync([make_event("tiny", capacity=1)])
    first, second = world.person("first"), world.person("second")
    await first.onboard("en", "FI")
    await second.onboard("ru", "FI")
    await second.presses("ev:tiny")
    await first.presses("join:tiny")
    assert "You are signed up" in first.text()
    await second.presses("join:tiny")  # the place went while they were reading
    ru = translations("ru")
    assert ru.gettext("Sorry, there are not enough free places for you right now.") in second.text()
    assert second.actions()[0] == "wait:tiny"
    await second.presses("wait:tiny")
    assert "1" in second.text() and not [a for r in second.last for a in r.attachments]
    await second.presses("ev:tiny")
    assert ru.gettext("On the waitlist, number %(number)d.") % {"number": 1} in second.text()
    await first.presses("leave:tiny")
    assert first.actions() == ["drop:tiny", "mine"]
    await first.presses("drop:tiny")
    assert "cancelled" in first.text()
    (notice,) = await world.outbox()
    assert notice.chat_id == second.chat.chat_id
    good_news = ru.gettext("Good news: a place came free and it is yours! **%(title)s**")
    assert notice.text.startswith(good_news % {"title": "Test group (ru)"})
    mine = await world.desk.store.sign_up_of("tiny", "console", "second")
    assert mine is not None and mine.status.value == "confirmed"


async def test_after_the_cut_off_sild_says_whom_to_tell(world: World) -> None:
    person = world.person("late")
    await person.onboard("fi", "FI")
    await person.presses(f"join:{CAFE}")
    await person.presses("ad:1")
    await person.presses("ch:1")
    await person.says("Liisa Virtanen")
    world.clock[0] = datetime(2026, 12, 11, 9, 0, tzinfo=UTC)  # 48 h cut-off has passed
    await person.presses("mine")
    await person.presses(f"leave:{CAFE}")
    assert "Triin Kask, perhekahvila@sild.example" in person.text()
    await person.presses(f"drop:{CAFE}")  # a stale or forged confirmation changes nothing
    assert (await world.state(CAFE)).taken_adults == 1


async def test_sign_up_closes_at_the_deadline(world: World) -> None:
    person = world.person("slow")
    await person.onboard("en", "FI")
    world.clock[0] = datetime(2026, 12, 10, 11, 0, tzinfo=UTC)  # after the café's deadline
    await person.presses(f"ev:{CAFE}")
    assert "Sign-up has closed." in person.text()
    assert f"join:{CAFE}" not in person.actions()
    await person.presses(f"join:{CAFE}")
    assert "closed" in person.text()


async def test_deep_link_opens_the_event_also_through_onboarding(world: World) -> None:
    newcomer = world.person("poster", hint="et")
    await newcomer.says(f"/start event_{GROUP}")
    assert newcomer.actions()[:2] == ["country:FI", "country:EE"]
    await newcomer.presses("country:FI")
    assert newcomer.actions()[0] == f"join:{GROUP}"
    assert (await world.state(GROUP)).event.title["et"] in newcomer.last[-1].text
    await newcomer.says(f"/start event_{EVENING}")
    assert newcomer.actions()[0] == f"join:{EVENING}"
    await newcomer.says("/start event_no-such-event")
    assert "ev:" in " ".join(newcomer.actions())  # back to the list, never silence


FACILITATOR_ONLY = [
    ("says", "/events"),
    ("says", f"/signups {CAFE}"),
    ("says", f"/export {CAFE}"),
    ("says", f"/broadcast {CAFE} Hello everyone"),
    ("says", f"/cancel_event {CAFE}"),
    ("presses", f"fsu:{CAFE}"),
    ("presses", f"fcsv:{CAFE}"),
    ("presses", f"fcx:{CAFE}"),
]


@pytest.mark.parametrize(("how", "what"), FACILITATOR_ONLY)
async def test_facilitator_actions_are_refused_for_everyone_else(
    world: World, how: str, what: str
) -> None:
    signed = world.person("signed")
    await signed.onboard("en", "FI")
    await signed.presses(f"join:{CAFE}")
    await signed.presses("ad:1")
    await signed.presses("ch:0")
    await signed.says("Anna")
    intruder = world.person("intruder")
    await intruder.onboard("en", "FI")
    for _ in range(2):  # twice: a confirmation step must not let it through either
        await getattr(intruder, how)(what)
        assert "only facilitators" in intruder.text()
        assert not [a for reply in intruder.last for a in reply.attachments]
        assert "Anna" not in intruder.text()
    assert await world.outbox() == []
    assert not (await world.state(CAFE)).cancelled


async def _sign_up_three(world: World) -> list[Person]:
    people = []
    for user, lang in (("a", "et"), ("b", "ru"), ("c", "fi")):
        person = world.person(user)
        await person.onboard(lang, "FI")
        await person.presses(f"join:{EVENING}")
        people.append(person)
    return people


async def test_facilitator_sees_exports_and_broadcasts(world: World) -> None:
    await _sign_up_three(world)
    fac = world.person("fac")
    await fac.onboard("en", "FI")
    await fac.says("/events")
    assert EVENING in fac.text() and "3/30 confirmed" in fac.text()
    await fac.presses(f"fsu:{EVENING}")
    assert fac.text().count("confirmed") >= 3
    await fac.says(f"/export {EVENING}")
    (csv_file,) = fac.last[0].attachments
    rows = csv_file.data.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("number,status") and len(rows) == 4
    world.clock[0] = datetime(2026, 11, 24, 20, 30, tzinfo=UTC)  # 22:30 in Tallinn: quiet
    await fac.says(f"/broadcast {EVENING} Room *2*, second floor")
    assert "3" in fac.text()
    await fac.says(f"/broadcast {EVENING} Room *2*, second floor")  # repeated: nobody twice
    messages = await world.outbox()
    assert len(messages) == 3
    assert {m.chat_id for m in messages} == {"chat-a", "chat-b", "chat-c"}
    assert all("Room \\*2\\*" in m.text for m in messages)  # escaped, shown as typed
    first = min(m.not_before for m in messages).replace(tzinfo=UTC)
    assert first == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # 08:00 in Tallinn
    ru = next(m for m in messages if m.chat_id == "chat-b")
    heading = translations("ru").gettext("Message from the organisers of **%(title)s**:")
    assert ru.text.startswith(heading % {"title": "Тематический вечер: медицина в Эстонии"})


async def test_facilitator_cancels_an_event_and_everyone_is_told(world: World) -> None:
    people = await _sign_up_three(world)
    fac = world.person("fac")
    await fac.onboard("en", "FI")
    await fac.says(f"/cancel_event {EVENING}")
    assert fac.actions()[0] == f"fcx:{EVENING}"
    assert not (await world.state(EVENING)).cancelled
    await fac.presses(f"fcx:{EVENING}")
    assert (await world.state(EVENING)).cancelled
    messages = await world.outbox()
    assert sorted(m.chat_id for m in messages) == ["chat-a", "chat-b", "chat-c"]
    await fac.says(f"/cancel_event {EVENING}")
    assert "no active event" in fac.text()
    await people[1].presses("mine")
    assert translations("ru").gettext("Cancelled by the organisers.") in people[1].text()
    assert f"leave:{EVENING}" not in people[1].actions()


async def test_the_calendar_file_can_be_had_again(world: World) -> None:
    person = world.person("cal")
    await person.onboard("en", "EE")
    await person.presses(f"join:{EVENING}")
    await person.presses(f"ev:{EVENING}")
    assert person.actions()[:2] == [f"ics:{EVENING}", f"leave:{EVENING}"]
    await person.presses(f"ics:{EVENING}")
    (meeting,) = _calendar(person).walk("VEVENT")
    assert str(meeting.decoded("dtstart").tzinfo) == "Europe/Tallinn"
    assert "Estonia pst 8" in str(meeting["location"])


async def test_engine_without_events_still_says_coming_soon(engine: Engine) -> None:
    person = Person(engine)
    await person.onboard("en", "FI")
    assert "mine" not in person.actions()
    await person.presses("mine")
    assert "coming soon" in person.text()


async def test_past_events_are_not_listed(world: World) -> None:
    world.clock[0] = NOW + timedelta(days=400)
    person = world.person("future")
    await person.onboard("en", "FI")
    await person.presses("events")
    assert "no upcoming" in person.text()
    assert person.actions() == ["mine", "menu"]
