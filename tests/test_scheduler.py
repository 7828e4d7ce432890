"""Reminders: due at the right moment, to confirmed people only, exactly once across restarts."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.content.problems import Problem
from bot.core.eventdesk import EventDesk
from bot.core.events import Event, EventState, EventStatus, Participant, QuietHours, SignUpStatus
from bot.core.ports import PersonRef
from bot.delivery import Dispatcher
from bot.i18n import translations
from bot.scheduler import Scheduler, due_reminders
from bot.storage.events import SqlEvents
from bot.storage.models import OutboxMessage
from bot.storage.repository import SqlStore
from tests.eventdata import HELSINKI, NOW, make_event

START = datetime(2026, 12, 1, 17, 30, tzinfo=HELSINKI)
HOURS = (24.0, 2.0)


@dataclass
class Content:
    """Loaded content as the scheduler sees it."""

    events: list[Event]
    problems: list[Problem] = field(default_factory=list)


def participant(
    number: int = 1,
    status: SignUpStatus = SignUpStatus.CONFIRMED,
    created: datetime = NOW,
) -> Participant:
    return Participant(
        signup_id=number,
        event_id="test-group",
        platform="telegram",
        user_id=str(number),
        chat_id=str(number),
        adults=1,
        children=0,
        status=status,
        position=number,
        created=created,
        language="ru",
    )


def due_at(
    moment: datetime,
    people: list[Participant],
    *,
    state: EventState | None = None,
    already: set[tuple[int, datetime, float]] | None = None,
    quiet: QuietHours | None = None,
) -> list[tuple[int, float]]:
    state = state or EventState(make_event(start=START))
    found = due_reminders([(state, p) for p in people], already or set(), moment, HOURS, quiet)
    return [(r.participant.signup_id, r.hours) for r in found]


def test_reminders_are_due_24_and_2_hours_before() -> None:
    people = [participant()]
    assert due_at(START - timedelta(hours=24, minutes=1), people) == []
    assert due_at(START - timedelta(hours=24), people) == [(1, 24.0)]
    assert due_at(START - timedelta(hours=3), people) == [(1, 24.0)]
    assert due_at(START - timedelta(hours=2), people) == [(1, 2.0)]
    assert due_at(START, people) == []


def test_only_confirmed_people_of_active_events() -> None:
    waiting = participant(2, SignUpStatus.WAITLISTED)
    cancelled = participant(3, SignUpStatus.CANCELLED)
    moment = START - timedelta(hours=1)
    assert due_at(moment, [participant(1), waiting, cancelled]) == [(1, 2.0)]
    off = EventState(make_event(start=START), status=EventStatus.CANCELLED)
    assert due_at(moment, [participant(1)], state=off) == []


def test_already_queued_and_superseded_reminders_are_not_due() -> None:
    start_utc = START.astimezone(UTC)
    sent_24 = {(1, start_utc, 24.0)}
    assert due_at(START - timedelta(hours=20), [participant()], already=sent_24) == []
    sent_both = sent_24 | {(1, start_utc, 2.0)}
    assert due_at(START - timedelta(hours=1), [participant()], already=sent_both) == []
    # Down for a day: only the reminder closest to the meeting goes out, not both.
    assert due_at(START - timedelta(minutes=30), [participant()]) == [(1, 2.0)]


def test_no_reminder_whose_moment_passed_before_signing_up() -> None:
    late = participant(created=START - timedelta(hours=5))
    assert due_at(START - timedelta(hours=4), [late]) == []
    assert due_at(START - timedelta(hours=2), [late]) == [(1, 2.0)]
    last_minute = participant(created=START - timedelta(hours=1))
    assert due_at(START - timedelta(minutes=30), [last_minute]) == []


def test_quiet_hours_move_reminders_to_the_morning() -> None:
    morning = datetime(2026, 12, 1, 9, 0, tzinfo=HELSINKI)
    state = EventState(make_event(start=morning))
    quiet = QuietHours(21, 8)
    people = [participant(created=NOW)]
    seven = morning - timedelta(hours=2)
    assert due_at(seven, people, state=state, quiet=quiet) == [(1, 24.0)]
    assert due_at(seven, people, state=state, quiet=None) == [(1, 2.0)]
    eight = datetime(2026, 12, 1, 8, 0, tzinfo=HELSINKI)
    assert due_at(eight, people, state=state, quiet=quiet) == [(1, 2.0)]
    early = EventState(make_event(start=datetime(2026, 12, 1, 8, 0, tzinfo=HELSINKI)))
    # A 2-hour reminder at 06:00 would only go at 08:00, when the meeting starts: not sent.
    assert due_at(eight - timedelta(hours=2), people, state=early, quiet=quiet) == [(1, 24.0)]


def test_a_series_is_reminded_before_every_meeting() -> None:
    state = EventState(make_event(start=START, meetings=3))
    second = START + timedelta(weeks=1)
    assert due_at(second - timedelta(hours=2), [participant()], state=state) == [(1, 2.0)]


def test_quiet_hours_parse_and_wrap() -> None:
    quiet = QuietHours.parse("21-8")
    assert quiet == QuietHours(21, 8) and QuietHours.parse(" ") is None
    late = datetime(2026, 12, 1, 23, 15, tzinfo=HELSINKI)
    assert quiet.contains(late, HELSINKI)
    assert quiet.next_allowed(late, HELSINKI) == datetime(2026, 12, 2, 8, 0, tzinfo=HELSINKI)
    noon = datetime(2026, 12, 1, 12, 0, tzinfo=HELSINKI)
    assert quiet.next_allowed(noon, HELSINKI) == noon


async def _outbox(store: SqlStore) -> list[OutboxMessage]:
    async with store.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _desk(store: SqlStore, clock: list[datetime]) -> EventDesk:
    return EventDesk(
        SqlEvents(store.sessions, store.rows),
        Dispatcher(store.sessions),
        translations,
        clock=lambda: clock[0],
        quiet=QuietHours(21, 8),
    )


async def test_reminders_go_out_exactly_once_across_a_restart(store: SqlStore) -> None:
    clock = [NOW]
    event = make_event(start=START, capacity=1)
    content = Content([event])
    desk = _desk(store, clock)
    scheduler = Scheduler(desk, hours=HOURS, content=lambda: content)
    await scheduler.tick()
    for number in (1, 2):
        who = PersonRef("telegram", str(number), f"chat-{number}")
        await desk.store.sign_up(
            event.id, who, adults=1, children=0, name=None, waitlist=True, now=NOW
        )
    assert await scheduler.tick(START - timedelta(hours=25)) == 0
    assert await scheduler.tick(START - timedelta(hours=23)) == 1
    assert await scheduler.tick(START - timedelta(hours=23)) == 0
    # A restart: a new desk and scheduler over the same database.
    restarted = Scheduler(_desk(store, clock), hours=HOURS, content=lambda: content)
    assert await restarted.tick(START - timedelta(hours=22)) == 0
    assert await restarted.tick(START - timedelta(hours=1)) == 1
    again = Scheduler(_desk(store, clock), hours=HOURS, content=lambda: content)
    assert await again.tick(START - timedelta(minutes=30)) == 0
    messages = await _outbox(store)
    assert [m.chat_id for m in messages] == ["chat-1", "chat-1"]  # the waitlisted one: none
    assert [m.dedupe_key.rsplit(":", 1)[-1] for m in messages if m.dedupe_key] == ["1440", "120"]
    assert "leave:test-group" in str(messages[0].buttons)
    # Kept in UTC (SQLite drops the zone): due when queued, not two hours later.
    queued_at = messages[0].not_before.replace(tzinfo=messages[0].not_before.tzinfo or UTC)
    assert queued_at == START - timedelta(hours=23)


async def test_a_lost_record_does_not_repeat_a_reminder(store: SqlStore) -> None:
    """A crash after queueing but before recording: the outbox's dedupe key still holds."""
    clock = [NOW]
    event = make_event(start=START)
    desk = _desk(store, clock)
    await desk.store.sync([event])
    who = PersonRef("matrix", "@anna:example.org", "!room:example.org")
    await desk.store.sign_up(event.id, who, adults=1, children=0, name=None, waitlist=True, now=NOW)
    ((state, person),) = await desk.store.reminder_candidates(NOW, START)
    moment = START - timedelta(hours=20)
    assert await desk.remind(state, person, state.event.sessions[0], 24.0, moment) == 1
    scheduler = Scheduler(desk, hours=HOURS)
    assert await scheduler.tick(moment) == 0
    assert len(await _outbox(store)) == 1


async def test_scheduler_syncs_changed_content_and_keeps_sign_ups(store: SqlStore) -> None:
    clock = [NOW]
    desk = _desk(store, clock)
    content = [Content([make_event(capacity=1), make_event("other")])]
    scheduler = Scheduler(desk, hours=HOURS, content=lambda: content[0])
    report = await scheduler.sync_content()
    assert report is not None and report.added == ("test-group", "other")
    assert await scheduler.sync_content() is None  # the same content object: nothing to do
    for number in (1, 2):
        who = PersonRef("console", f"u{number}", f"u{number}")
        await desk.store.sign_up(
            "test-group", who, adults=1, children=0, name=None, waitlist=True, now=NOW
        )
    renamed = replace(make_event(capacity=2), title={"en": "Renamed", "ru": "Новое"})
    broken = Problem("content/events/other.yaml", 3, "capacity: give a number")
    content[0] = Content([renamed], [broken])  # "other" is broken, not removed: still listed
    report = await scheduler.sync_content()
    assert report is not None and report.updated == ("test-group",) and report.unlisted == ()
    assert [p.user_id for p in report.promoted] == ["u2"]
    (told,) = await _outbox(store)
    assert told.chat_id == "u2"
    state = await desk.store.get("test-group")
    assert state is not None and state.taken_adults == 2 and state.event.title["en"] == "Renamed"


async def test_a_removed_event_file_unlists_the_event(store: SqlStore) -> None:
    desk = _desk(store, [NOW])
    content = [Content([make_event(), make_event("other")])]
    scheduler = Scheduler(desk, hours=HOURS, content=lambda: content[0])
    await scheduler.sync_content()
    content[0] = Content([make_event()])
    report = await scheduler.sync_content()
    assert report is not None and report.unlisted == ("other",)
    assert [s.id for s in await desk.store.listed()] == ["test-group"]
