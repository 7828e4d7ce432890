"""Talk to a person: tickets from the person's side and the facilitators' side, through the core."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.core.engine import Engine
from bot.core.flows.handoff import HandoffDesk
from bot.core.messages import ChatRef, Inbound, Outbound, Platform
from bot.delivery import Dispatcher
from bot.i18n import translations
from bot.knowledge import Library
from bot.office_hours import parse_office_hours
from bot.storage.repository import SqlStore
from bot.storage.tickets import SqlTicketStore
from tests.chat import Person

GROUP = ChatRef(Platform.TELEGRAM, "-100200")
ROOM = ChatRef(Platform.MATRIX, "!facilitators:example.org")
ANNA = "900"  # a facilitator on Telegram
MARI = "@mari:example.org"  # a facilitator on Matrix
MONDAY_NOON = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 12:00 in Helsinki
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


class Desk:
    """An engine with a handoff desk, and everything the outbox delivered, by chat."""

    def __init__(self, store: SqlStore, library: Library, now: datetime = MONDAY_NOON) -> None:
        self.tickets = SqlTicketStore(store.sessions)
        self.desk = HandoffDesk(
            tickets=self.tickets,
            hours=parse_office_hours("Mon-Fri 09:00-17:00", "Europe/Helsinki"),
            places=(GROUP, ROOM),
            facilitators={f"telegram:{ANNA}": "Anna", f"matrix:{MARI}": None},
            clock=lambda: now,
        )
        self.dispatcher = Dispatcher(store.sessions)
        self.delivered: list[Outbound] = []
        for platform in Platform:
            self.dispatcher.register(platform, self._record)
        self.engine = Engine(store, lambda: library, translations, self.dispatcher, self.desk)

    async def _record(self, message: Outbound) -> None:
        self.delivered.append(message)

    async def flush(self) -> list[Outbound]:
        """Deliver what is queued and return it."""
        before = len(self.delivered)
        await self.dispatcher.deliver_due()
        return self.delivered[before:]

    async def facilitator(
        self,
        place: ChatRef,
        user: str,
        text: str | None = None,
        *,
        action: str | None = None,
        reply_to: str | None = None,
        thread: str | None = None,
    ) -> list[Outbound]:
        return await self.engine.handle(
            Inbound(place, user, text=text, action=action, reply_to_text=reply_to, thread=thread)
        )


@pytest.fixture
def desk(store: SqlStore, library: Library) -> Desk:
    return Desk(store, library)


async def _ask_for_help(
    desk: Desk, user: str = "p1", lang: str = "ru", country: str = "EE"
) -> Person:
    person = Person(desk.engine, user=user, platform=Platform.TELEGRAM)
    await person.onboard(lang, country)
    await person.says("как найти семейного врача")
    await person.presses("human")
    await person.says("Нужна помощь с <b>документами</b>")
    return person


async def test_person_opens_ticket_and_facilitators_are_notified(desk: Desk) -> None:
    person = await _ask_for_help(desk)
    ru = translations("ru")
    assert (
        ru.gettext("Facilitators are on duty now, so someone should answer soon.") in person.text()
    )
    notices = await desk.flush()
    assert {n.to for n in notices} == {GROUP, ROOM}
    note = notices[0]
    assert "#1" in note.text and "ru" in note.text and "EE" in note.text
    assert "\\<b\\>документами\\</b\\>" in note.text  # escaped, not HTML
    assert "как найти семейного врача" in note.text
    assert [b.action for b in note.choices()] == ["tk:claim:1", "tk:close:1"]
    assert note.thread == "ticket:1" and note.thread_title and "#1" in note.thread_title


async def test_out_of_hours_says_when_someone_answers(store: SqlStore, library: Library) -> None:
    desk = Desk(store, library, now=SATURDAY)
    person = await _ask_for_help(desk, lang="en", country="FI")
    assert "not on duty right now" in person.text()
    assert "Monday" in person.text() and "09:00" in person.text()


async def test_messages_go_to_the_facilitator_not_the_matcher(desk: Desk) -> None:
    person = await _ask_for_help(desk)
    await desk.flush()
    replies = await person.says("как найти семейного врача")  # would match an FAQ otherwise
    assert replies == []  # silent: the person was already told once
    relayed = await desk.flush()
    assert {m.to for m in relayed} == {GROUP, ROOM}
    assert "как найти семейного врача" in relayed[0].text


async def test_claim_reply_answer_close_and_rate(desk: Desk) -> None:
    person = await _ask_for_help(desk)
    await desk.flush()
    await desk.facilitator(GROUP, ANNA, action="tk:claim:1")
    delivered = await desk.flush()
    assert any(m.to == person.chat for m in delivered)  # the person hears someone took it
    assert any("Anna" in (m.thread_title or "") for m in delivered if m.to == GROUP)
    await desk.facilitator(GROUP, ANNA, "Здравствуйте! Чем помочь?", reply_to="New request #1")
    to_person = [m for m in await desk.flush() if m.to == person.chat]
    assert len(to_person) == 1 and "Anna" in to_person[0].text and "Чем помочь" in to_person[0].text
    await person.says("Спасибо, вот мой вопрос")
    assert any("вот мой вопрос" in m.text for m in await desk.flush() if m.to == ROOM)
    await desk.facilitator(ROOM, MARI, "!close 1")
    closing = [m for m in await desk.flush() if m.to == person.chat]
    assert [b.action for b in closing[0].choices()][:5] == [f"rate:1:{n}" for n in range(1, 6)]
    await person.presses("rate:1:5")
    assert translations("ru").gettext("Thank you for your rating!") in person.text()
    ticket = await desk.tickets.get_ticket(1)
    assert ticket is not None and ticket.status == "closed" and ticket.rating == 5
    await person.presses("rate:1:1")  # only once
    assert (await desk.tickets.get_ticket(1)).rating == 5  # type: ignore[union-attr]
    await person.says("как найти семейного врача")
    assert person.actions()[0] == "fb+:health-find-doctor"  # back to the FAQ


async def test_concurrent_claims_one_wins(desk: Desk) -> None:
    await _ask_for_help(desk)
    await desk.flush()
    anna, mari = await asyncio.gather(
        desk.facilitator(GROUP, ANNA, action="tk:claim:1"),
        desk.facilitator(ROOM, MARI, "!claim 1"),
    )
    losers = [r for r in (anna, mari) if r and "already taken" in r[0].text]
    assert len(losers) == 1
    ticket = await desk.tickets.get_ticket(1)
    assert ticket is not None and ticket.claimed_by in (f"telegram:{ANNA}", f"matrix:{MARI}")


async def test_unclaim_and_hand_over(desk: Desk) -> None:
    await _ask_for_help(desk)
    await desk.facilitator(GROUP, ANNA, "/claim 1")
    assert (await desk.facilitator(ROOM, MARI, "!unclaim 1"))[0].text.startswith("Only")
    await desk.facilitator(GROUP, ANNA, f"/handover 1 matrix:{MARI}")
    ticket = await desk.tickets.get_ticket(1)
    assert ticket is not None and ticket.claimed_by == f"matrix:{MARI}"
    await desk.facilitator(ROOM, MARI, "!unclaim 1")
    assert (await desk.tickets.get_ticket(1)).status == "waiting"  # type: ignore[union-attr]


async def test_non_facilitators_are_ignored(desk: Desk) -> None:
    await _ask_for_help(desk)
    await desk.flush()
    for attempt in (
        desk.facilitator(GROUP, "666", action="tk:claim:1"),
        desk.facilitator(GROUP, "666", "/close 1"),
        desk.facilitator(GROUP, "666", "hello person", reply_to="New request #1"),
        desk.facilitator(ROOM, "@eve:evil.org", "!claim 1"),
    ):
        assert await attempt == []
    assert await desk.flush() == []
    assert (await desk.tickets.get_ticket(1)).status == "waiting"  # type: ignore[union-attr]


async def test_person_cannot_press_ticket_buttons(desk: Desk) -> None:
    person = await _ask_for_help(desk)
    await person.presses("tk:close:1")
    assert (await desk.tickets.get_ticket(1)).status == "waiting"  # type: ignore[union-attr]


async def test_crisis_gets_numbers_at_once_and_an_urgent_ticket(
    desk: Desk, library: Library
) -> None:
    person = Person(desk.engine, user="p9", platform=Platform.TELEGRAM)
    await person.onboard("fi", "FI")
    await person.says("en jaksa elää enää, haluan kuolla")
    assert "112" in person.text() and "09 2525 0111" in person.text()
    notices = await desk.flush()
    assert notices and notices[0].text.startswith("⚠️")
    ticket = await desk.tickets.get_ticket(1)
    assert ticket is not None and ticket.urgent


async def test_crisis_in_estonia_gets_estonian_numbers(desk: Desk) -> None:
    person = Person(desk.engine, user="p10", platform=Platform.TELEGRAM)
    await person.onboard("ru", "EE")
    await person.says("муж бьет меня")
    assert "116 006" in person.text() and "Kela" not in person.text()


async def test_person_ends_the_conversation(desk: Desk) -> None:
    person = await _ask_for_help(desk)
    await person.says("/end")
    assert "cat:health" in person.actions()
    assert (await desk.tickets.get_ticket(1)).status == "closed"  # type: ignore[union-attr]


async def test_undeliverable_reply_is_reported_in_the_ticket(
    store: SqlStore, library: Library
) -> None:
    from bot.app import _report_in_ticket
    from bot.delivery import DeliveryError

    desk = Desk(store, library)
    desk.dispatcher.on_give_up = _report_in_ticket(desk.desk, desk.dispatcher)
    person = await _ask_for_help(desk)
    await desk.flush()

    async def blocked(message: Outbound) -> None:
        if message.to == person.chat:
            raise DeliveryError("Forbidden: bot was blocked by the user", permanent=True)
        desk.delivered.append(message)

    desk.dispatcher.register(Platform.TELEGRAM, blocked)
    await desk.facilitator(ROOM, MARI, "!reply 1 hello")
    await desk.flush()
    reports = await desk.flush()
    assert any("could not be delivered" in m.text and m.thread == "ticket:1" for m in reports)


async def test_a_restart_keeps_the_open_ticket(store: SqlStore, library: Library) -> None:
    before = Desk(store, library)
    person = await _ask_for_help(before)
    await before.flush()
    after = Desk(store, library)  # a new engine and outbox over the same database
    person.engine = after.engine
    assert await person.says("Я всё ещё здесь") == []
    relayed = await after.flush()
    assert any("Я всё ещё здесь" in m.text for m in relayed)
    await after.facilitator(GROUP, ANNA, "/reply 1 Да, я вижу")
    assert any(m.to == person.chat and "Да, я вижу" in m.text for m in await after.flush())
