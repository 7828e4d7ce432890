"""The event desk: sign-ups, cancellations and messages to participants, in one place.

The chat flow, the command line (`bot events ...`) and the scheduler all go through an
`EventDesk`, so the rules are the same everywhere: a freed place goes at once to the first person
waiting (who is told at once), messages to many people wait for the end of the quiet hours and are
spread out to stay within the platforms' limits, and every message has a dedupe key, so each
person gets it exactly once, even when a command is repeated after a restart.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from gettext import NullTranslations

from bot.core import eventtexts, texts
from bot.core.events import CancelOutcome, EventState, Participant, QuietHours, Session
from bot.core.messages import Button, ChatRef, Outbound, Platform
from bot.core.ports import EventStore, Outbox

log = logging.getLogger(__name__)

SPREAD = timedelta(milliseconds=40)
"""Messages to many people are spaced out to about 25 a second (Telegram allows about 30)."""
MAX_BROADCAST_CHARS = 1500


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class BroadcastResult:
    """How many messages a broadcast queued, and when the first goes out."""

    queued: int
    recipients: int
    send_at: datetime


class EventDesk:
    """Event operations shared by the chat, the command line and the scheduler."""

    def __init__(
        self,
        store: EventStore,
        outbox: Outbox | None,
        catalogs: Callable[[str], NullTranslations],
        *,
        clock: Callable[[], datetime] = utcnow,
        quiet: QuietHours | None = None,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.catalogs = catalogs
        self.clock = clock
        self.quiet = quiet

    def now(self) -> datetime:
        """The current time, from the desk's clock (tests set it)."""
        return self.clock()

    def catalog(self, participant: Participant) -> tuple[NullTranslations, str]:
        """The catalog and language to write to a participant in."""
        lang = participant.language or "en"
        return self.catalogs(lang), lang

    async def send(
        self,
        participant: Participant,
        text: str,
        buttons: Sequence[Sequence[Button]],
        *,
        dedupe_key: str,
        not_before: datetime | None = None,
    ) -> int:
        """Queue one message to a participant through the outbox; 1 if it was new."""
        if self.outbox is None:
            log.error("a message to a participant was dropped: the desk has no outbox")
            return 0
        try:
            chat = ChatRef(Platform(participant.platform), participant.chat_id)
        except ValueError:
            log.warning(
                "no platform %r for sign-up %s", participant.platform, participant.signup_id
            )
            return 0
        rows = tuple(tuple(row) for row in buttons if row)
        if not_before is not None:
            not_before = not_before.astimezone(UTC)  # SQLite keeps times without their zone
        return await self.outbox.enqueue(
            [Outbound(chat, text, rows)], dedupe_key=dedupe_key, not_before=not_before
        )

    def _send_time(self, state: EventState, now: datetime) -> datetime:
        """Now, or the end of the quiet hours in the event's time zone."""
        if self.quiet is None:
            return now
        return self.quiet.next_allowed(now, state.event.tz)

    # -- a person's actions -----------------------------------------------------------------

    async def cancel_sign_up(self, event_id: str, platform: str, user_id: str) -> CancelOutcome:
        """Cancel a person's sign-up and tell whoever moved up from the waitlist."""
        outcome = await self.store.cancel_sign_up(event_id, platform, user_id)
        await self.tell_promoted(outcome.promoted)
        return outcome

    async def tell_promoted(self, promoted: Sequence[Participant]) -> None:
        """Tell people moved up from the waitlist, at once (quiet hours do not wait for this)."""
        for participant in promoted:
            state = await self.store.get(participant.event_id)
            if state is None:
                continue
            t, lang = self.catalog(participant)
            await self.send(
                participant,
                eventtexts.promoted_text(t, state.event, lang),
                [
                    [Button(t.gettext("My sign-ups"), "mine")],
                    [Button(texts.back_to_menu(t), "menu")],
                ],
                dedupe_key=f"promoted:{participant.event_id}:{participant.signup_id}:"
                f"{participant.position}",
            )

    # -- facilitators -----------------------------------------------------------------------

    async def broadcast(self, event_id: str, message: str) -> BroadcastResult | None:
        """Send a facilitator's message to everyone signed up (confirmed and waitlisted).

        The same text to the same event on the same day is sent once, so repeating the command
        after a crash or a restart sends nobody anything twice. None for an unknown event.
        """
        state = await self.store.get(event_id)
        if state is None:
            return None
        message = message.strip()[:MAX_BROADCAST_CHARS]
        now = self.now()
        send_at = self._send_time(state, now)
        digest = hashlib.sha256(message.encode("utf-8")).hexdigest()[:16]
        day = now.astimezone(state.event.tz).date().isoformat()
        people = await self.store.participants(event_id)
        queued = 0
        for number, participant in enumerate(people):
            t, lang = self.catalog(participant)
            queued += await self.send(
                participant,
                eventtexts.broadcast_text(t, state.event, lang, message),
                [[Button(state.event.title_in(lang)[:60], f"ev:{event_id}")]],
                dedupe_key=f"broadcast:{event_id}:{day}:{digest}:{participant.signup_id}",
                not_before=send_at + SPREAD * number,
            )
        return BroadcastResult(queued, len(people), send_at)

    async def cancel_event(self, event_id: str) -> BroadcastResult | None:
        """Call an event off and tell everyone signed up; None when it was not active."""
        people = await self.store.cancel_event(event_id)
        state = await self.store.get(event_id)
        if people is None or state is None:
            return None
        send_at = self._send_time(state, self.now())
        queued = 0
        for number, participant in enumerate(people):
            t, lang = self.catalog(participant)
            queued += await self.send(
                participant,
                eventtexts.cancelled_event_text(t, state.event, lang),
                [[Button(texts.groups_and_cafes(t), "events")]],
                dedupe_key=f"cancelled:{event_id}:{participant.signup_id}",
                not_before=send_at + SPREAD * number,
            )
        return BroadcastResult(queued, len(people), send_at)

    # -- the scheduler ----------------------------------------------------------------------

    async def remind(
        self,
        state: EventState,
        participant: Participant,
        session: Session,
        hours: float,
        not_before: datetime,
    ) -> int:
        """Queue one reminder, keyed by sign-up, meeting and hours: never queued twice."""
        t, lang = self.catalog(participant)
        start = session.start.astimezone(UTC).strftime("%Y%m%dT%H%M")
        return await self.send(
            participant,
            eventtexts.reminder_text(t, state.event, session, lang),
            [
                [Button(t.gettext("Details"), f"ev:{state.id}")],
                [Button(t.gettext("Cancel my place"), f"leave:{state.id}")],
            ],
            dedupe_key=f"reminder:{state.id}:{participant.signup_id}:{start}:{round(hours * 60)}",
            not_before=not_before,
        )
