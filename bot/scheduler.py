"""The event scheduler: keeps stored events in line with the content, and sends reminders.

`due_reminders` is a pure function: given the confirmed sign-ups, the reminders already queued and
a moment T, it says which reminders are due at T. `Scheduler.tick` applies it: it queues each due
reminder through the outbox with a dedupe key (sign-up, meeting, hours), then records it, so a
restart at any point neither loses a reminder nor sends one twice. `Scheduler.run` ticks until
cancelled; `bot run` and `bot chat` start it next to the outbox worker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.content.problems import Problem, Severity
from bot.core.eventdesk import SPREAD, EventDesk
from bot.core.events import Event, EventState, Participant, QuietHours, Session, SyncReport

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DueReminder:
    """One reminder to queue: for whom, which meeting, how many hours before, from when."""

    state: EventState
    participant: Participant
    session: Session
    hours: float
    send_at: datetime

    @property
    def key(self) -> tuple[int, datetime, float]:
        """What identifies the reminder: sign-up, meeting start (UTC) and hours."""
        return (self.participant.signup_id, self.session.start.astimezone(UTC), self.hours)


def reminder_time(
    session: Session, hours: float, quiet: QuietHours | None, tz: ZoneInfo
) -> datetime:
    """When the reminder `hours` before a meeting goes out: that moment, or after quiet hours."""
    moment = session.start - timedelta(hours=hours)
    if quiet is not None:
        moment = quiet.next_allowed(moment, tz)
    return moment


def due_reminders(
    candidates: Iterable[tuple[EventState, Participant]],
    already: set[tuple[int, datetime, float]],
    now: datetime,
    hours: Sequence[float],
    quiet: QuietHours | None = None,
) -> list[DueReminder]:
    """The reminders due at `now`, to confirmed participants of active events only.

    For each meeting that has not started, a reminder is due once its time (moved past the quiet
    hours) has come. When several are due at once (the bot was down), only the one closest to the
    meeting goes out; a reminder whose time had passed before the person signed up, or that the
    quiet hours would push past the start, is not sent at all.
    """
    due: list[DueReminder] = []
    for state, participant in candidates:
        if state.cancelled or participant.status.value != "confirmed":
            continue
        for session in state.event.sessions:
            if session.start <= now:
                continue
            ready: list[DueReminder] = []
            for h in sorted(hours, reverse=True):
                planned = session.start - timedelta(hours=h)
                send_at = reminder_time(session, h, quiet, state.event.tz)
                if participant.created > planned or send_at >= session.start or send_at > now:
                    continue
                ready.append(DueReminder(state, participant, session, h, send_at))
            if not ready:
                continue
            closest = ready[-1]
            if closest.key not in already:
                due.append(closest)
    return due


class EventContent(Protocol):
    """What the scheduler needs of loaded content (a `bot.content.loader.ContentSet`)."""

    @property
    def events(self) -> Sequence[Event]:
        """The events that loaded."""
        ...

    @property
    def problems(self) -> Sequence[Problem]:
        """Everything wrong with the content, with files."""
        ...


def broken_event_files(content: EventContent) -> bool:
    """Whether an event file has errors (its event is then missing, not removed)."""
    return any(
        p.severity is Severity.ERROR and Path(p.path).parent.name == "events"
        for p in content.problems
    )


class Scheduler:
    """Syncs event definitions from the live content and queues reminders, every `interval`."""

    def __init__(
        self,
        desk: EventDesk,
        *,
        hours: Sequence[float] = (24, 2),
        content: Callable[[], EventContent] | None = None,
        interval: float = 30.0,
    ) -> None:
        self.desk = desk
        self.hours = tuple(hours)
        self.content = content
        self.interval = interval
        self._synced: EventContent | None = None

    async def sync_content(self, force: bool = False) -> SyncReport | None:
        """Store the current content's events when they changed since the last sync.

        An event whose file is broken is missing from the content, but not removed: then no
        event is unlisted, and the last good definition stays live.
        """
        if self.content is None:
            return None
        content = self.content()
        if content is self._synced and not force:
            return None
        report = await self.desk.store.sync(
            content.events, unlist_missing=not broken_event_files(content)
        )
        self._synced = content
        if report.added or report.updated or report.unlisted:
            log.info(
                "events synced: %d added, %d updated, %d unlisted",
                len(report.added),
                len(report.updated),
                len(report.unlisted),
            )
        await self.desk.tell_promoted(report.promoted)
        return report

    async def send_reminders(self, now: datetime | None = None) -> int:
        """Queue every reminder due at `now`; returns how many were queued."""
        now = now or self.desk.now()
        horizon = now + timedelta(hours=max(self.hours, default=0) + 1)
        candidates = await self.desk.store.reminder_candidates(now, horizon)
        if not candidates:
            return 0
        already = await self.desk.store.reminded([p.signup_id for _, p in candidates])
        queued = 0
        due = due_reminders(candidates, already, now, self.hours, self.desk.quiet)
        for number, reminder in enumerate(due):
            queued += await self.desk.remind(
                reminder.state,
                reminder.participant,
                reminder.session,
                reminder.hours,
                max(reminder.send_at, now) + SPREAD * number,  # within the platforms' limits
            )
            await self.desk.store.mark_reminded(
                reminder.participant.signup_id, reminder.session.start, reminder.hours
            )
        return queued

    async def tick(self, now: datetime | None = None) -> int:
        """One round: sync changed content, then queue due reminders."""
        await self.sync_content()
        return await self.send_reminders(now)

    async def run(self) -> None:
        """Tick every `interval` seconds until cancelled; a failed round is logged and retried."""
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("event scheduler round failed; trying again")
            await asyncio.sleep(self.interval)
