"""`SqlEvents`: the engine's `EventStore` port on SQLAlchemy 2.0 async, SQLite or PostgreSQL.

Capacity is kept by the database, never by Python: a place is taken with one conditional
`UPDATE events SET taken = taken + n WHERE taken + n <= capacity`, and the unique constraint on
(event, person) stops anyone from being signed up twice. Every write transaction begins by
writing the event's row, which locks it (a row lock on PostgreSQL, the database write lock on
SQLite), so sign-ups, cancellations and waitlist promotions of one event happen one after the
other, in the order the database saw them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Executable, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.events import (
    CancelOutcome,
    Event,
    EventKind,
    EventState,
    EventStatus,
    Participant,
    Place,
    Session,
    SignUpOutcome,
    SignUpResult,
    SignUpStatus,
    SyncReport,
)
from bot.core.ports import PersonRef
from bot.storage.models import EventRow, ReminderRow, SignUpRow, User, utcnow
from bot.storage.repository import AnyRow

MAX_NAME_CHARS = 100
MAX_PARTY = 20


def _utc(moment: datetime) -> datetime:
    """A UTC datetime; SQLite hands back naive ones, which Sild always wrote in UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def event_to_json(event: Event) -> dict[str, Any]:
    """An event as the JSON kept in `events.definition`."""
    place = event.place
    return {
        "id": event.id,
        "kind": event.kind.value,
        "country": event.country,
        "time_zone": event.time_zone,
        "title": dict(event.title),
        "description": dict(event.description),
        "sessions": [[s.start.isoformat(), s.end.isoformat()] for s in event.sessions],
        "languages": list(event.languages),
        "capacity_adults": event.capacity_adults,
        "capacity_children": event.capacity_children,
        "place": (
            {"address": place.address, "map_url": place.map_url, "name": place.name}
            if place
            else None
        ),
        "online_url": event.online_url,
        "names_reason": dict(event.names_reason),
        "signup_deadline": event.signup_deadline.isoformat() if event.signup_deadline else None,
        "cancel_cutoff_hours": event.cancel_cutoff_hours,
        "late_cancel_contact": event.late_cancel_contact,
        "path": event.path,
    }


def event_from_json(data: dict[str, Any]) -> Event:
    """The event kept as JSON by `event_to_json`."""
    tz = ZoneInfo(data["time_zone"])

    def when(text: str) -> datetime:
        """A stored moment, in the event's time zone."""
        return datetime.fromisoformat(text).astimezone(tz)

    place = data.get("place")
    deadline = data.get("signup_deadline")
    return Event(
        id=data["id"],
        kind=EventKind(data["kind"]),
        country=data["country"],
        time_zone=data["time_zone"],
        title=dict(data["title"]),
        description=dict(data["description"]),
        sessions=tuple(Session(when(s), when(e)) for s, e in data["sessions"]),
        languages=tuple(data["languages"]),
        capacity_adults=int(data["capacity_adults"]),
        capacity_children=int(data.get("capacity_children", 0)),
        place=Place(place["address"], place.get("map_url"), place.get("name")) if place else None,
        online_url=data.get("online_url"),
        names_reason=dict(data.get("names_reason") or {}),
        signup_deadline=when(deadline) if deadline else None,
        cancel_cutoff_hours=float(data.get("cancel_cutoff_hours", 0)),
        late_cancel_contact=data.get("late_cancel_contact", ""),
        path=data.get("path", ""),
    )


def _participant(row: SignUpRow, language: str | None, queue: int | None = None) -> Participant:
    return Participant(
        signup_id=row.id,
        event_id=row.event_id,
        platform=row.platform,
        user_id=row.user_id,
        chat_id=row.chat_id,
        adults=row.adults,
        children=row.children,
        status=SignUpStatus(row.status),
        position=row.position,
        created=_utc(row.created),
        name=row.name,
        language=language,
        queue=queue,
    )


def _state(row: AnyRow) -> EventState:
    """An event with its counts, from a row of the query in `SqlEvents._states`."""
    return EventState(
        event=event_from_json(row.definition),
        status=EventStatus(row.status),
        listed=row.listed,
        taken_adults=row.taken_adults,
        taken_children=row.taken_children,
        waitlisted=int(row.waitlisted or 0),
    )


_LANGUAGE = (
    select(User.language)
    .where(User.platform == SignUpRow.platform, User.platform_user_id == SignUpRow.user_id)
    .correlate(SignUpRow)
    .scalar_subquery()
)


class _Undo(Exception):
    """Raised inside a transaction to roll it back and answer `result`."""

    def __init__(self, result: SignUpResult) -> None:
        super().__init__(result.value)
        self.result = result


Rows = Callable[[Executable], Awaitable[Sequence[AnyRow]]]
"""How a read-only query is run (`SqlStore.rows`)."""


class SqlEvents:
    """Events and sign-ups in one database; every method is one unit of work.

    Writes go through `sessions`; the reading of events with their counts, which every list of
    groups and cafés does, goes through `rows`.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], rows: Rows) -> None:
        self.sessions = sessions
        self._rows = rows

    # -- definitions ------------------------------------------------------------------------

    async def sync(self, events: Sequence[Event], *, unlist_missing: bool = True) -> SyncReport:
        """Store every event by id (new, changed or unchanged) and unlist the ones not given.

        Sign-ups and counters are never touched, so editing an event loses nobody. When an edit
        adds places, the first waitlisted people who fit are moved up (and returned).
        """
        added: list[str] = []
        updated: list[str] = []
        promoted: list[Participant] = []
        now = utcnow()
        for event in events:
            definition = event_to_json(event)
            values: dict[str, Any] = {
                "kind": event.kind.value,
                "country": event.country,
                "starts_at": _utc(event.start),
                "ends_at": _utc(event.end),
                "definition": definition,
                "capacity_adults": event.capacity_adults,
                "capacity_children": event.capacity_children,
                "listed": True,
            }
            async with self.sessions() as session:
                current = (
                    await session.execute(
                        select(EventRow.definition, EventRow.listed).where(EventRow.id == event.id)
                    )
                ).first()
            if current is not None and current[0] == definition and current[1]:
                continue
            async with self.sessions.begin() as session:
                result = await session.execute(
                    update(EventRow).where(EventRow.id == event.id).values(updated=now, **values)
                )
                if result.rowcount:  # type: ignore[attr-defined]
                    updated.append(event.id)
                    promoted.extend(await self._promote(session, event.id))
                    continue
            try:
                async with self.sessions.begin() as session:
                    await session.execute(
                        insert(EventRow).values(
                            id=event.id,
                            taken_adults=0,
                            taken_children=0,
                            next_position=0,
                            status=EventStatus.ACTIVE.value,
                            created=now,
                            updated=now,
                            **values,
                        )
                    )
                added.append(event.id)
            except IntegrityError:
                updated.append(event.id)  # stored meanwhile by another process: same content
        ids = [event.id for event in events]
        if not unlist_missing:
            return SyncReport(tuple(added), tuple(updated), (), tuple(promoted))
        async with self.sessions.begin() as session:
            unlist = update(EventRow).where(EventRow.listed.is_(True))
            if ids:
                unlist = unlist.where(EventRow.id.not_in(ids))
            result = await session.execute(
                unlist.values(listed=False, updated=now).returning(EventRow.id)
            )
            unlisted = tuple(sorted(result.scalars()))
        return SyncReport(tuple(added), tuple(updated), unlisted, tuple(promoted))

    # -- reading ----------------------------------------------------------------------------

    async def _states(self, where: Any = None) -> list[EventState]:
        waiting = (
            select(SignUpRow.event_id, func.count().label("n"))
            .where(SignUpRow.status == SignUpStatus.WAITLISTED.value)
            .group_by(SignUpRow.event_id)
            .subquery()
        )
        query = (
            select(
                EventRow.definition,
                EventRow.status,
                EventRow.listed,
                EventRow.taken_adults,
                EventRow.taken_children,
                waiting.c.n.label("waitlisted"),
            )
            .outerjoin(waiting, waiting.c.event_id == EventRow.id)
            .order_by(EventRow.starts_at, EventRow.id)
        )
        if where is not None:
            query = query.where(where)
        return [_state(row) for row in await self._rows(query)]

    async def get(self, event_id: str) -> EventState | None:
        """One event with its counts, listed or not."""
        found = await self._states(EventRow.id == event_id)
        return found[0] if found else None

    async def listed(self) -> list[EventState]:
        """Every listed event with its counts (cancelled ones included), soonest first."""
        return await self._states(EventRow.listed.is_(True))

    async def all_events(self) -> list[EventState]:
        """Every stored event, soonest first."""
        return await self._states()

    async def sign_up_of(self, event_id: str, platform: str, user_id: str) -> Participant | None:
        """A person's current (not cancelled) sign-up for an event, with their waitlist place."""
        async with self.sessions() as session:
            found = (
                await session.execute(
                    select(SignUpRow, _LANGUAGE).where(
                        SignUpRow.event_id == event_id,
                        SignUpRow.platform == platform,
                        SignUpRow.user_id == user_id,
                        SignUpRow.status != SignUpStatus.CANCELLED.value,
                    )
                )
            ).first()
            if found is None:
                return None
            row, language = found
            return _participant(row, language, await self._queue(session, row))

    async def sign_ups_of(
        self, platform: str, user_id: str
    ) -> list[tuple[EventState, Participant]]:
        """A person's current sign-ups, soonest event first."""
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(SignUpRow, _LANGUAGE).where(
                        SignUpRow.platform == platform,
                        SignUpRow.user_id == user_id,
                        SignUpRow.status != SignUpStatus.CANCELLED.value,
                    )
                )
            ).all()
            mine = [(row, language, await self._queue(session, row)) for row, language in rows]
        states = {state.id: state for state in await self.all_events()}
        pairs = [(states[row.event_id], _participant(row, lang, q)) for row, lang, q in mine]
        pairs.sort(key=lambda pair: (pair[0].event.start, pair[0].id))
        return pairs

    @staticmethod
    async def _queue(session: AsyncSession, row: SignUpRow) -> int | None:
        """The place in the waitlist line (1 is next) of a waitlisted sign-up."""
        if row.status != SignUpStatus.WAITLISTED.value:
            return None
        ahead = await session.scalar(
            select(func.count()).where(
                SignUpRow.event_id == row.event_id,
                SignUpRow.status == SignUpStatus.WAITLISTED.value,
                SignUpRow.position <= row.position,
            )
        )
        return int(ahead or 1)

    async def participants(self, event_id: str) -> list[Participant]:
        """Everyone confirmed, then everyone waitlisted, each in the order they signed up."""
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(SignUpRow, _LANGUAGE)
                    .where(
                        SignUpRow.event_id == event_id,
                        SignUpRow.status != SignUpStatus.CANCELLED.value,
                    )
                    .order_by(SignUpRow.position)
                )
            ).all()
        confirmed = [_participant(r, lang) for r, lang in rows if r.status == "confirmed"]
        waiting = [
            _participant(r, lang, queue)
            for queue, (r, lang) in enumerate(
                ((r, lang) for r, lang in rows if r.status == "waitlisted"), 1
            )
        ]
        return confirmed + waiting

    # -- signing up and cancelling ----------------------------------------------------------

    async def sign_up(
        self,
        event_id: str,
        person: PersonRef,
        *,
        adults: int,
        children: int,
        name: str | None,
        waitlist: bool,
        now: datetime,
    ) -> SignUpOutcome:
        """Take places with one conditional UPDATE; when none are free, join the waitlist.

        Returns `FULL` (and stores nothing) when there is no place and `waitlist` is False,
        `ALREADY` when the person has a sign-up, `CLOSED` for an unknown or cancelled event or
        one past its deadline.
        """
        if not 1 <= adults <= MAX_PARTY or not 0 <= children <= MAX_PARTY:
            raise ValueError("a party has 1 to 20 adults and 0 to 20 children")
        name = name.strip()[:MAX_NAME_CHARS] if name else None
        state = await self.get(event_id)
        if state is None or not state.open_for_signup(now):
            return SignUpOutcome(SignUpResult.CLOSED)
        existing = await self.sign_up_of(event_id, person.platform, person.user_id)
        if existing is not None:
            return SignUpOutcome(SignUpResult.ALREADY, existing)
        active = and_(EventRow.id == event_id, EventRow.status == EventStatus.ACTIVE.value)
        try:
            async with self.sessions.begin() as session:
                # First write the event's row: this locks it and numbers the sign-up.
                numbered = await session.execute(
                    update(EventRow).where(active).values(next_position=EventRow.next_position + 1)
                )
                if not numbered.rowcount:  # type: ignore[attr-defined]
                    raise _Undo(SignUpResult.CLOSED)
                taken = await session.execute(
                    update(EventRow)
                    .where(
                        EventRow.id == event_id,
                        EventRow.taken_adults + adults <= EventRow.capacity_adults,
                        EventRow.taken_children + children <= EventRow.capacity_children,
                    )
                    .values(
                        taken_adults=EventRow.taken_adults + adults,
                        taken_children=EventRow.taken_children + children,
                    )
                )
                if taken.rowcount:  # type: ignore[attr-defined]
                    status = SignUpStatus.CONFIRMED
                elif waitlist:
                    status = SignUpStatus.WAITLISTED
                else:
                    raise _Undo(SignUpResult.FULL)
                # The row is locked by this transaction: this read sees the number just taken.
                position = await session.scalar(
                    select(EventRow.next_position).where(EventRow.id == event_id)
                )
                values: dict[str, Any] = {
                    "chat_id": person.chat_id,
                    "adults": adults,
                    "children": children,
                    "name": name,
                    "status": status.value,
                    "position": position,
                    "created": _utc(now),
                    "updated": _utc(now),
                }
                again = await session.execute(
                    update(SignUpRow)
                    .where(
                        SignUpRow.event_id == event_id,
                        SignUpRow.platform == person.platform,
                        SignUpRow.user_id == person.user_id,
                        SignUpRow.status == SignUpStatus.CANCELLED.value,
                    )
                    .values(**values)
                )
                if not again.rowcount:  # type: ignore[attr-defined]
                    await session.execute(
                        insert(SignUpRow).values(
                            event_id=event_id,
                            platform=person.platform,
                            user_id=person.user_id,
                            **values,
                        )
                    )
        except _Undo as undo:
            return SignUpOutcome(undo.result)
        except IntegrityError:
            # Signed up meanwhile (a double press): the transaction and its places are undone.
            existing = await self.sign_up_of(event_id, person.platform, person.user_id)
            return SignUpOutcome(SignUpResult.ALREADY, existing)
        participant = await self.sign_up_of(event_id, person.platform, person.user_id)
        result = (
            SignUpResult.CONFIRMED if status is SignUpStatus.CONFIRMED else SignUpResult.WAITLISTED
        )
        return SignUpOutcome(result, participant)

    async def cancel_sign_up(self, event_id: str, platform: str, user_id: str) -> CancelOutcome:
        """Cancel a sign-up; freed places go at once to the first waitlisted people who fit.

        One transaction: lock the event, cancel, give the places back, promote. Two people
        cancelling at the same moment are handled one after the other.
        """
        async with self.sessions.begin() as session:
            locked = await session.execute(
                update(EventRow).where(EventRow.id == event_id).values(updated=utcnow())
            )
            if not locked.rowcount:  # type: ignore[attr-defined]
                return CancelOutcome(False)
            row = await session.scalar(
                select(SignUpRow).where(
                    SignUpRow.event_id == event_id,
                    SignUpRow.platform == platform,
                    SignUpRow.user_id == user_id,
                    SignUpRow.status != SignUpStatus.CANCELLED.value,
                )
            )
            if row is None:
                return CancelOutcome(False)
            was = SignUpStatus(row.status)
            await session.execute(
                update(SignUpRow)
                .where(SignUpRow.id == row.id)
                .values(status=SignUpStatus.CANCELLED.value, updated=utcnow())
            )
            promoted: list[Participant] = []
            if was is SignUpStatus.CONFIRMED:
                await session.execute(
                    update(EventRow)
                    .where(EventRow.id == event_id)
                    .values(
                        taken_adults=EventRow.taken_adults - row.adults,
                        taken_children=EventRow.taken_children - row.children,
                    )
                )
                promoted = await self._promote(session, event_id)
        return CancelOutcome(True, was, tuple(promoted))

    async def _promote(self, session: AsyncSession, event_id: str) -> list[Participant]:
        """Move the first waitlisted people who fit into free places (the event row is locked)."""
        status = await session.scalar(select(EventRow.status).where(EventRow.id == event_id))
        if status != EventStatus.ACTIVE.value:
            return []
        rows = (
            await session.execute(
                select(SignUpRow, _LANGUAGE)
                .where(
                    SignUpRow.event_id == event_id,
                    SignUpRow.status == SignUpStatus.WAITLISTED.value,
                )
                .order_by(SignUpRow.position)
            )
        ).all()
        promoted: list[Participant] = []
        for row, language in rows:
            taken = await session.execute(
                update(EventRow)
                .where(
                    EventRow.id == event_id,
                    EventRow.taken_adults + row.adults <= EventRow.capacity_adults,
                    EventRow.taken_children + row.children <= EventRow.capacity_children,
                )
                .values(
                    taken_adults=EventRow.taken_adults + row.adults,
                    taken_children=EventRow.taken_children + row.children,
                )
            )
            if not taken.rowcount:  # type: ignore[attr-defined]
                continue  # this party does not fit; a smaller one further down may
            await session.execute(
                update(SignUpRow)
                .where(SignUpRow.id == row.id)
                .values(status=SignUpStatus.CONFIRMED.value, updated=utcnow())
            )
            row.status = SignUpStatus.CONFIRMED.value
            promoted.append(_participant(row, language))
        return promoted

    async def cancel_event(self, event_id: str) -> list[Participant] | None:
        """Call an event off; returns who was signed up, or None when it was not active."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(EventRow)
                .where(EventRow.id == event_id, EventRow.status == EventStatus.ACTIVE.value)
                .values(status=EventStatus.CANCELLED.value, updated=utcnow())
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
        return await self.participants(event_id)

    # -- reminders --------------------------------------------------------------------------

    async def reminder_candidates(
        self, now: datetime, horizon: datetime
    ) -> list[tuple[EventState, Participant]]:
        """Confirmed sign-ups of active events that have a meeting before `horizon`."""
        states = {
            state.id: state
            for state in await self._states(
                and_(
                    EventRow.status == EventStatus.ACTIVE.value,
                    EventRow.ends_at > _utc(now),
                    EventRow.starts_at <= _utc(horizon),
                )
            )
        }
        if not states:
            return []
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(SignUpRow, _LANGUAGE)
                    .where(
                        SignUpRow.event_id.in_(list(states)),
                        SignUpRow.status == SignUpStatus.CONFIRMED.value,
                    )
                    .order_by(SignUpRow.event_id, SignUpRow.position)
                )
            ).all()
        return [(states[row.event_id], _participant(row, lang)) for row, lang in rows]

    async def reminded(self, signup_ids: Sequence[int]) -> set[tuple[int, datetime, float]]:
        """The reminders already queued for these sign-ups: (sign-up, meeting start, hours)."""
        if not signup_ids:
            return set()
        async with self.sessions() as session:
            rows = await session.execute(
                select(
                    ReminderRow.signup_id, ReminderRow.session_start, ReminderRow.minutes_before
                ).where(ReminderRow.signup_id.in_(list(signup_ids)))
            )
            return {(sid, _utc(start), minutes / 60) for sid, start, minutes in rows}

    async def mark_reminded(self, signup_id: int, session_start: datetime, hours: float) -> None:
        """Record that a reminder was queued; recording it twice is harmless."""
        try:
            async with self.sessions.begin() as session:
                await session.execute(
                    insert(ReminderRow).values(
                        signup_id=signup_id,
                        session_start=_utc(session_start),
                        minutes_before=round(hours * 60),
                        queued=utcnow(),
                    )
                )
        except IntegrityError:
            pass
