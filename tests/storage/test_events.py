"""Events and sign-ups on SQLite and, when SILD_TEST_POSTGRES_URL is set, on PostgreSQL.

Capacity is kept by the database: many sign-ups at the same moment never take more places than
there are, nobody is signed up twice, and freed places go to the waitlist in order.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.core.events import EventKind, SignUpResult, SignUpStatus
from bot.core.ports import PersonRef
from bot.storage.events import SqlEvents, event_from_json, event_to_json
from bot.storage.repository import SqlStore
from tests.eventdata import NOW, make_event


@pytest.fixture
def events(sql: SqlStore) -> SqlEvents:
    """The event repository over each backend's store."""
    return SqlEvents(sql.sessions, sql.rows)


def person(number: int, platform: str = "telegram") -> PersonRef:
    return PersonRef(platform, str(1000 + number), str(1000 + number))


async def sign(
    events: SqlEvents,
    who: PersonRef,
    event_id: str = "test-group",
    *,
    adults: int = 1,
    children: int = 0,
    waitlist: bool = True,
) -> SignUpResult:
    outcome = await events.sign_up(
        event_id,
        who,
        adults=adults,
        children=children,
        name=None,
        waitlist=waitlist,
        now=NOW,
    )
    return outcome.result


def test_definition_round_trips_through_json() -> None:
    event = make_event(meetings=3, names=True, kind=EventKind.FAMILY_CAFE, children=5)
    assert event_from_json(event_to_json(event)) == event


async def test_fifty_concurrent_sign_ups_for_ten_places(events: SqlEvents) -> None:
    await events.sync([make_event(capacity=10)])
    results = await asyncio.gather(*(sign(events, person(n)) for n in range(50)))
    assert results.count(SignUpResult.CONFIRMED) == 10
    assert results.count(SignUpResult.WAITLISTED) == 40
    state = await events.get("test-group")
    assert state is not None and (state.taken_adults, state.waitlisted) == (10, 40)
    people = await events.participants("test-group")
    confirmed = [p for p in people if p.status is SignUpStatus.CONFIRMED]
    waiting = [p for p in people if p.status is SignUpStatus.WAITLISTED]
    # In order: the first ten to reach the database got the places, the rest queue behind them.
    assert sorted(p.position for p in confirmed) == list(range(1, 11))
    assert [p.position for p in waiting] == list(range(11, 51))
    assert [p.queue for p in waiting] == list(range(1, 41))
    assert len({p.user_id for p in people}) == 50


async def test_double_presses_sign_up_once(events: SqlEvents) -> None:
    await events.sync([make_event(capacity=10)])
    results = await asyncio.gather(*(sign(events, person(1)) for _ in range(10)))
    assert results.count(SignUpResult.CONFIRMED) == 1
    assert results.count(SignUpResult.ALREADY) == 9
    state = await events.get("test-group")
    assert state is not None and state.taken_adults == 1


async def test_concurrent_cancellations_promote_the_waitlist_in_order(events: SqlEvents) -> None:
    await events.sync([make_event(capacity=10)])
    for n in range(20):  # one after the other: person n has position n + 1
        await sign(events, person(n))
    outcomes = await asyncio.gather(
        *(events.cancel_sign_up("test-group", "telegram", person(n).user_id) for n in range(5))
    )
    assert all(o.cancelled and o.was is SignUpStatus.CONFIRMED for o in outcomes)
    promoted = sorted(p.user_id for o in outcomes for p in o.promoted)
    assert promoted == [person(n).user_id for n in range(10, 15)]
    state = await events.get("test-group")
    assert state is not None and (state.taken_adults, state.waitlisted) == (10, 5)
    people = await events.participants("test-group")
    assert [p.queue for p in people if p.status is SignUpStatus.WAITLISTED] == [1, 2, 3, 4, 5]
    assert {p.user_id for p in people if p.status is SignUpStatus.CONFIRMED} == {
        person(n).user_id for n in range(5, 15)
    }


async def test_cancelling_and_signing_up_at_once_never_overfills(events: SqlEvents) -> None:
    await events.sync([make_event(capacity=5)])
    for n in range(5):
        await sign(events, person(n))
    await asyncio.gather(
        *(events.cancel_sign_up("test-group", "telegram", person(n).user_id) for n in range(5)),
        *(sign(events, person(n)) for n in range(5, 25)),
    )
    state = await events.get("test-group")
    people = await events.participants("test-group")
    confirmed = [p for p in people if p.status is SignUpStatus.CONFIRMED]
    assert state is not None and state.taken_adults == len(confirmed) == 5
    assert len(people) == 20


async def test_leaving_the_waitlist_moves_nobody_up(events: SqlEvents) -> None:
    await events.sync([make_event(capacity=1)])
    await sign(events, person(1))
    await sign(events, person(2))
    await sign(events, person(3))
    outcome = await events.cancel_sign_up("test-group", "telegram", person(2).user_id)
    assert outcome.was is SignUpStatus.WAITLISTED and outcome.promoted == ()
    third = await events.sign_up_of("test-group", "telegram", person(3).user_id)
    assert third is not None and third.queue == 1
    again = await events.cancel_sign_up("test-group", "telegram", person(2).user_id)
    assert not again.cancelled


async def test_full_without_waitlist_stores_nothing(events: SqlEvents) -> None:
    await events.sync([make_event(capacity=1)])
    assert await sign(events, person(1), waitlist=False) is SignUpResult.CONFIRMED
    assert await sign(events, person(2), waitlist=False) is SignUpResult.FULL
    assert await events.sign_up_of("test-group", "telegram", person(2).user_id) is None
    assert await sign(events, person(2), waitlist=True) is SignUpResult.WAITLISTED


async def test_signing_up_again_after_cancelling_queues_at_the_end(events: SqlEvents) -> None:
    await events.sync([make_event(capacity=1)])
    await sign(events, person(1))
    await sign(events, person(2))
    await events.cancel_sign_up("test-group", "telegram", person(2).user_id)
    await sign(events, person(3))
    assert await sign(events, person(2)) is SignUpResult.WAITLISTED
    people = await events.participants("test-group")
    assert [p.user_id for p in people] == [person(n).user_id for n in (1, 3, 2)]


async def test_cafe_counts_adults_and_children_separately(events: SqlEvents) -> None:
    cafe = make_event("cafe", kind=EventKind.FAMILY_CAFE, capacity=4, children=4)
    await events.sync([cafe])
    family = {n: person(n) for n in range(1, 5)}
    assert await sign(events, family[1], "cafe", adults=2, children=2) is SignUpResult.CONFIRMED
    assert await sign(events, family[2], "cafe", adults=1, children=3) is SignUpResult.WAITLISTED
    assert await sign(events, family[3], "cafe", adults=1, children=1) is SignUpResult.CONFIRMED
    assert await sign(events, family[4], "cafe", adults=1, children=0) is SignUpResult.CONFIRMED
    state = await events.get("cafe")
    assert state is not None and (state.adults_left, state.children_left) == (0, 1)
    outcome = await events.cancel_sign_up("cafe", "telegram", family[1].user_id)
    assert [p.user_id for p in outcome.promoted] == [family[2].user_id]
    state = await events.get("cafe")
    assert state is not None and (state.taken_adults, state.taken_children) == (3, 4)


async def test_editing_an_event_keeps_its_sign_ups(events: SqlEvents) -> None:
    report = await events.sync([make_event(capacity=2), make_event("other")])
    assert report.added == ("test-group", "other")
    for n in range(4):
        await sign(events, person(n))
    unchanged = await events.sync([make_event(capacity=2), make_event("other")])
    assert (unchanged.added, unchanged.updated) == ((), ())
    edited = make_event(capacity=3, title="Renamed group", meetings=2)
    report = await events.sync([edited])
    assert report.updated == ("test-group",) and report.unlisted == ("other",)
    assert [p.user_id for p in report.promoted] == [person(2).user_id]
    state = await events.get("test-group")
    assert state is not None
    assert state.event.title["en"] == "Renamed group (en)" and len(state.event.sessions) == 2
    assert (state.taken_adults, state.waitlisted) == (3, 1)
    assert len(await events.participants("test-group")) == 4
    fewer = await events.sync([replace(edited, capacity_adults=1)])
    assert fewer.promoted == ()
    state = await events.get("test-group")
    assert state is not None and state.taken_adults == 3 and state.adults_left == 0
    assert [s.id for s in await events.listed()] == ["test-group"]


async def test_sign_up_closes_at_the_deadline_and_when_cancelled(events: SqlEvents) -> None:
    await events.sync([make_event(deadline=NOW + timedelta(hours=1)), make_event("other")])
    late = await events.sign_up(
        "test-group",
        person(1),
        adults=1,
        children=0,
        name=None,
        waitlist=True,
        now=NOW + timedelta(hours=2),
    )
    assert late.result is SignUpResult.CLOSED
    await sign(events, person(2), "other")
    told = await events.cancel_event("other")
    assert told is not None and [p.user_id for p in told] == [person(2).user_id]
    assert await events.cancel_event("other") is None
    assert await sign(events, person(3), "other") is SignUpResult.CLOSED
    assert await sign(events, person(4), "missing") is SignUpResult.CLOSED


async def test_my_sign_ups_and_reminder_records(events: SqlEvents) -> None:
    await events.sync([make_event(capacity=1), make_event("later", start=NOW + timedelta(days=30))])
    await sign(events, person(1), "later")
    await sign(events, person(2))
    await sign(events, person(1))
    mine = await events.sign_ups_of("telegram", person(1).user_id)
    assert [(s.id, p.status, p.queue) for s, p in mine] == [
        ("test-group", SignUpStatus.WAITLISTED, 1),
        ("later", SignUpStatus.CONFIRMED, None),
    ]
    candidates = await events.reminder_candidates(NOW, NOW + timedelta(days=60))
    assert sorted(p.user_id for _, p in candidates) == [person(1).user_id, person(2).user_id]
    start = make_event().start
    signup = next(p.signup_id for _, p in candidates if p.user_id == person(2).user_id)
    await events.mark_reminded(signup, start, 24)
    await events.mark_reminded(signup, start, 24)
    assert await events.reminded([signup]) == {(signup, start.astimezone(NOW.tzinfo), 24.0)}
