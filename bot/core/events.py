"""Events as the engine sees them: groups, theme evenings, mentoring and family cafés.

The content package builds `Event` values from `content/events/*.yaml`; the storage keeps them with
their sign-up counts and hands them back as `EventState`. Everything here is plain values and pure
rules (what is upcoming, whether sign-up is open, how many places are left), so the chat flow, the
command line and the scheduler agree on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

TIME_ZONES: tuple[str, ...] = ("Europe/Helsinki", "Europe/Tallinn")
"""The time zones events may be in."""


class EventKind(StrEnum):
    """What sort of meeting an event is."""

    PEER_GROUP = "peer-group"
    THEME_EVENING = "theme-evening"
    MENTORING = "mentoring"
    FAMILY_CAFE = "family-cafe"


class SignUpStatus(StrEnum):
    """Where a sign-up stands."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class EventStatus(StrEnum):
    """Whether an event is going ahead."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Session:
    """One meeting of an event, with time-zone-aware start and end."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Place:
    """Where an event meets: an optional name, the street address and a map link."""

    address: str
    map_url: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One event as defined by the editors (or a facilitator).

    `title`, `description` and `names_reason` map a language code to text. A series (a weekly
    group) has several `sessions` and is still one sign-up. Cafés have separate places for adults
    and for children; other kinds have only `capacity_adults` (people) and no child places.
    """

    id: str
    kind: EventKind
    country: str
    time_zone: str
    title: dict[str, str]
    description: dict[str, str]
    sessions: tuple[Session, ...]
    languages: tuple[str, ...]
    capacity_adults: int
    capacity_children: int = 0
    place: Place | None = None
    online_url: str | None = None
    names_reason: dict[str, str] = field(default_factory=dict)
    signup_deadline: datetime | None = None
    cancel_cutoff_hours: float = 0
    late_cancel_contact: str = ""
    path: str = ""

    @property
    def start(self) -> datetime:
        """When the first meeting starts."""
        return self.sessions[0].start

    @property
    def end(self) -> datetime:
        """When the last meeting ends."""
        return self.sessions[-1].end

    @property
    def tz(self) -> ZoneInfo:
        """The event's time zone."""
        return ZoneInfo(self.time_zone)

    @property
    def is_series(self) -> bool:
        """Whether the event meets more than once."""
        return len(self.sessions) > 1

    @property
    def is_cafe(self) -> bool:
        """Whether the event counts adults and children separately."""
        return self.kind is EventKind.FAMILY_CAFE

    @property
    def needs_names(self) -> bool:
        """Whether the facilitators need participants' names."""
        return bool(self.names_reason)

    @property
    def deadline(self) -> datetime:
        """The last moment to sign up: the set deadline, or the start of the first meeting."""
        return self.signup_deadline or self.start

    @property
    def cancel_cutoff(self) -> datetime:
        """After this moment a place can no longer be cancelled through Sild."""
        return self.start - timedelta(hours=self.cancel_cutoff_hours)

    def text(self, texts: dict[str, str], lang: str) -> str:
        """A per-language field in `lang`, else English, else any language it has."""
        for code in (lang, "en", *texts):
            if texts.get(code):
                return texts[code]
        return ""

    def title_in(self, lang: str) -> str:
        """The title in `lang`."""
        return self.text(self.title, lang) or self.id


@dataclass(frozen=True, slots=True)
class EventState:
    """An event with its sign-up counts, as the storage has it now."""

    event: Event
    status: EventStatus = EventStatus.ACTIVE
    listed: bool = True
    taken_adults: int = 0
    taken_children: int = 0
    waitlisted: int = 0

    @property
    def id(self) -> str:
        """The event's stable id."""
        return self.event.id

    @property
    def adults_left(self) -> int:
        """Adult places (people, for events that are not cafés) still free."""
        return max(0, self.event.capacity_adults - self.taken_adults)

    @property
    def children_left(self) -> int:
        """Child places still free (always 0 for events that are not cafés)."""
        return max(0, self.event.capacity_children - self.taken_children)

    @property
    def full(self) -> bool:
        """Whether nobody more can be confirmed right now (at least one adult must fit)."""
        return self.adults_left == 0

    @property
    def cancelled(self) -> bool:
        """Whether the event was called off."""
        return self.status is EventStatus.CANCELLED

    def upcoming(self, now: datetime) -> bool:
        """Whether the event is going ahead and its last meeting has not ended."""
        return not self.cancelled and self.event.end > now

    def open_for_signup(self, now: datetime) -> bool:
        """Whether people can sign up (or join the waitlist) now."""
        return self.listed and not self.cancelled and now < self.event.deadline

    def fits(self, adults: int, children: int) -> bool:
        """Whether a party of this size would get places right now."""
        return adults <= self.adults_left and children <= self.children_left


@dataclass(frozen=True, slots=True)
class Participant:
    """One person's sign-up for one event.

    `chat` is where Sild writes to them, as `platform` and `chat_id`; `language` is theirs when
    Sild knows it. `queue` is their place in the waitlist line (1 is next), when waitlisted.
    """

    signup_id: int
    event_id: str
    platform: str
    user_id: str
    chat_id: str
    adults: int
    children: int
    status: SignUpStatus
    position: int
    created: datetime
    name: str | None = None
    language: str | None = None
    queue: int | None = None


class SignUpResult(StrEnum):
    """What came of an attempt to sign up."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    FULL = "full"
    """No place, and the person did not ask for the waitlist: nothing was stored."""
    ALREADY = "already"
    CLOSED = "closed"
    """Unknown, cancelled, or past its sign-up deadline."""


@dataclass(frozen=True, slots=True)
class SignUpOutcome:
    """The result of `EventStore.sign_up`, with the sign-up when one exists."""

    result: SignUpResult
    participant: Participant | None = None


@dataclass(frozen=True, slots=True)
class CancelOutcome:
    """The result of cancelling a sign-up: whether anything changed, and who moved up."""

    cancelled: bool
    was: SignUpStatus | None = None
    promoted: tuple[Participant, ...] = ()


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What syncing the event definitions into the database did."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unlisted: tuple[str, ...] = ()
    promoted: tuple[Participant, ...] = ()


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Hours of the night when Sild sends no messages to many people, in the event's time zone.

    `start` and `end` are whole hours; `QuietHours(21, 8)` is 21:00 to 08:00.
    """

    start: int
    end: int

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """Parse a setting such as `21-8`; an empty string means no quiet hours."""
        text = text.strip()
        if not text:
            return None
        first, sep, second = text.partition("-")
        if not sep:
            raise ValueError(f"quiet hours must look like 21-8, not {text!r}")
        start, end = int(first), int(second)
        if not (0 <= start <= 23 and 0 <= end <= 23) or start == end:
            raise ValueError(f"quiet hours must be two different hours from 0 to 23, not {text!r}")
        return cls(start, end)

    def contains(self, moment: datetime, tz: ZoneInfo) -> bool:
        """Whether `moment` falls inside the quiet hours in `tz`."""
        hour = moment.astimezone(tz).hour
        if self.start < self.end:
            return self.start <= hour < self.end
        return hour >= self.start or hour < self.end

    def next_allowed(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """`moment` itself outside quiet hours, otherwise the end of the quiet hours after it."""
        if not self.contains(moment, tz):
            return moment
        local = moment.astimezone(tz)
        end = local.replace(hour=self.end, minute=0, second=0, microsecond=0)
        if end <= local:
            end = (local + timedelta(days=1)).replace(
                hour=self.end, minute=0, second=0, microsecond=0
            )
        # Rebuild from the wall-clock time, so a change to summer time lands on the hour.
        naive = end.replace(tzinfo=None)
        return naive.replace(tzinfo=tz).astimezone(moment.tzinfo)


def parse_reminder_hours(text: str) -> tuple[float, ...]:
    """Parse the reminder setting (such as `24,2`) into hours before a meeting, largest first."""
    hours = {float(part) for part in text.split(",") if part.strip()}
    if any(h <= 0 for h in hours):
        raise ValueError("reminder hours must be positive")
    return tuple(sorted(hours, reverse=True))
