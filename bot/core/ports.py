"""The protocols through which the engine reaches storage, content and translations.

`bot.app` wires real implementations in; tests may pass their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.core.events import (
    CancelOutcome,
    Event,
    EventState,
    Participant,
    SignUpOutcome,
    SyncReport,
)
from bot.core.faq import FaqEntry, MatchResult
from bot.core.messages import ChatRef, Outbound


@dataclass(slots=True)
class UserProfile:
    """What Sild keeps about a person: their language and country, nothing more."""

    platform: str
    user_id: str
    language: str | None = None
    country: str | None = None
    created: datetime | None = None
    active: bool = True
    """False after the platform said the person blocked Sild; writing again makes it True."""


@dataclass(slots=True)
class Conversation:
    """Where a conversation stands: the flow state and its small bag of data.

    `data["choices"]` holds the actions of the buttons last shown, so a typed number can pick one.
    """

    chat: ChatRef
    state: str = "new"
    data: dict[str, Any] = field(default_factory=dict)
    user_id: str | None = None
    """Who talks in this chat (set for people, not for facilitator places), so that everything
    about a person can be found for an export or a deletion."""


class Store(Protocol):
    """Persistence the engine needs; one call is one unit of work.

    A message costs two round trips: `load_turn` before the flows run and `save_turn` after.
    """

    async def load_turn(
        self, platform: str, user_id: str, chat: ChatRef
    ) -> tuple[UserProfile | None, Conversation]:
        """The person's profile (None for someone Sild has not met) and the chat's conversation
        (a new one if there is none yet), read together."""
        ...

    async def save_turn(self, conversation: Conversation, user: UserProfile | None = None) -> None:
        """Persist the conversation and, when given, the profile, both or neither."""
        ...

    async def get_user(self, platform: str, user_id: str) -> UserProfile | None:
        """The person's profile, or None for someone Sild has not met."""
        ...

    async def save_user(self, profile: UserProfile) -> None:
        """Create or update a profile."""
        ...

    async def load_conversation(self, chat: ChatRef) -> Conversation:
        """The conversation's state (a new one if there is none yet)."""
        ...

    async def save_conversation(self, conversation: Conversation) -> None:
        """Persist the conversation's state."""
        ...

    async def record_unanswered(self, normalised: str, language: str) -> None:
        """Count a question nobody could answer (no link to who asked)."""
        ...

    async def record_related_pick(self, normalised: str, language: str, entry_id: str) -> None:
        """Count a topic chosen from those offered under the honest no to a question (no link to
        who chose)."""
        ...

    async def record_feedback(self, entry_id: str, language: str, helpful: bool) -> None:
        """Count a Helpful / Not helpful vote on an answer (no link to who voted)."""
        ...


class Knowledge(Protocol):
    """The live FAQ content and its matcher, swapped as a whole when content is reloaded."""

    def entry(self, entry_id: str, lang: str) -> FaqEntry | None:
        """The entry in `lang`, falling back to any language that has it."""
        ...

    def entries(self, category: str, lang: str, country: str | None) -> list[FaqEntry]:
        """The entries of a category for a person, in a stable order."""
        ...

    def match(self, text: str, lang: str, country: str | None) -> MatchResult:
        """Rank the FAQ entries and intents for a typed question."""
        ...

    def normalise(self, text: str) -> str:
        """The comparison form of a question, as kept for editors."""
        ...

    def crisis(self, text: str) -> bool:
        """Whether a message signals immediate danger (self-harm, violence, a medical emergency)."""
        ...

    def crisis_message(self, lang: str, country: str | None) -> str:
        """The emergency and crisis numbers for the person's country, in their language."""
        ...


class Outbox(Protocol):
    """Messages to people other than the one being answered, delivered reliably in the background.

    Used for notices (a waitlist place freed, a reminder, a facilitator's reply): they are kept
    in the database until a transport has delivered them.
    """

    async def enqueue(
        self,
        messages: Sequence[Outbound],
        *,
        dedupe_key: str | None = None,
        not_before: datetime | None = None,
    ) -> int:
        """Queue messages; with a `dedupe_key` seen before, queue nothing. Returns how many."""
        ...


@dataclass(frozen=True, slots=True)
class PersonRef:
    """Who signs up and where Sild writes to them."""

    platform: str
    user_id: str
    chat_id: str


class EventStore(Protocol):
    """Events and sign-ups. Taking a place is atomic: capacity is never exceeded."""

    async def sync(self, events: Sequence[Event], *, unlist_missing: bool = True) -> SyncReport:
        """Bring the stored definitions in line with `events` by id, keeping every sign-up.

        Events not given are unlisted (hidden from people), unless `unlist_missing` is False.
        """
        ...

    async def get(self, event_id: str) -> EventState | None:
        """One event with its counts, listed or not."""
        ...

    async def listed(self) -> list[EventState]:
        """Every listed event with its counts, cancelled ones included."""
        ...

    async def all_events(self) -> list[EventState]:
        """Every stored event, for facilitators."""
        ...

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
        """Take places if they are free, else join the waitlist when `waitlist` is set."""
        ...

    async def cancel_sign_up(self, event_id: str, platform: str, user_id: str) -> CancelOutcome:
        """Cancel a sign-up; freed places go to the first waitlisted people who fit."""
        ...

    async def sign_up_of(self, event_id: str, platform: str, user_id: str) -> Participant | None:
        """A person's current (not cancelled) sign-up for an event."""
        ...

    async def sign_ups_of(
        self, platform: str, user_id: str
    ) -> list[tuple[EventState, Participant]]:
        """A person's current sign-ups, soonest event first."""
        ...

    async def participants(self, event_id: str) -> list[Participant]:
        """Everyone confirmed or waitlisted for an event, in sign-up order."""
        ...

    async def cancel_event(self, event_id: str) -> list[Participant] | None:
        """Call an event off; returns who was signed up, or None when it was not active."""
        ...

    async def reminder_candidates(
        self, now: datetime, horizon: datetime
    ) -> list[tuple[EventState, Participant]]:
        """Confirmed sign-ups of active events with a meeting between `now` and `horizon`."""
        ...

    async def reminded(self, signup_ids: Sequence[int]) -> set[tuple[int, datetime, float]]:
        """The reminders already queued for these sign-ups: (sign-up, meeting start, hours)."""
        ...

    async def mark_reminded(self, signup_id: int, session_start: datetime, hours: float) -> None:
        """Record that a reminder was queued (idempotent)."""
        ...


@dataclass(slots=True)
class Ticket:
    """A person's request to talk to a facilitator."""

    id: int
    chat: ChatRef
    user_id: str
    language: str
    country: str | None
    description: str
    status: str  # waiting | claimed | closed
    urgent: bool = False
    claimed_by: str | None = None
    claimed_by_name: str | None = None
    created: datetime | None = None
    first_response: datetime | None = None
    closed: datetime | None = None
    rating: int | None = None
    preserve: bool = False
    """Kept by a facilitator (a safeguarding case): its messages are not purged automatically."""


@dataclass(slots=True)
class ClaimResult:
    """The outcome of an attempt to claim a ticket: `ok`, or who has it already."""

    ok: bool
    ticket: Ticket | None


class TicketStore(Protocol):
    """Tickets and their messages. Claiming is atomic: of two at once, one wins."""

    async def open_ticket(
        self,
        chat: ChatRef,
        user_id: str,
        language: str,
        country: str | None,
        description: str,
        urgent: bool,
    ) -> Ticket:
        """Create a waiting ticket."""
        ...

    async def get_ticket(self, ticket_id: int) -> Ticket | None:
        """A ticket by number."""
        ...

    async def open_ticket_for(self, chat: ChatRef) -> Ticket | None:
        """The chat's ticket that is not closed, if any."""
        ...

    async def list_open(self) -> list[Ticket]:
        """Tickets that are waiting or claimed, oldest first."""
        ...

    async def claim(self, ticket_id: int, facilitator: str, name: str | None) -> ClaimResult:
        """Claim a waiting ticket (or take over from a colleague with `force`)."""
        ...

    async def unclaim(self, ticket_id: int, facilitator: str) -> bool:
        """Give a claimed ticket back to the queue (only its claimer)."""
        ...

    async def hand_over(self, ticket_id: int, to: str, name: str | None) -> Ticket | None:
        """Give a ticket to another facilitator."""
        ...

    async def close(self, ticket_id: int) -> Ticket | None:
        """Close a ticket that is not closed; None if it was already closed or does not exist."""
        ...

    async def mark_urgent(self, ticket_id: int) -> None:
        """Mark a ticket urgent."""
        ...

    async def add_message(self, ticket_id: int, author: str, direction: str, text: str) -> None:
        """Store a message of the ticket (`in` from the person, `out` from a facilitator)."""
        ...

    async def rate(self, ticket_id: int, chat: ChatRef, rating: int) -> bool:
        """Store the person's 1–5 rating of a closed ticket of theirs, once."""
        ...

    async def set_preserve(self, ticket_id: int, preserve: bool) -> bool:
        """Exempt a ticket from the automatic purge (or end that); False if there is no such."""
        ...


@dataclass(frozen=True, slots=True)
class ForgetReport:
    """How many rows a deletion removed or made anonymous, per kind."""

    profiles: int = 0
    conversations: int = 0
    sign_ups: int = 0
    tickets: int = 0
    ticket_messages: int = 0
    outbox: int = 0


class PrivacyStore(Protocol):
    """Everything Sild holds about one person: exported on request, deleted on request."""

    async def export(
        self, platform: str, user_id: str, chats: Sequence[ChatRef] = ()
    ) -> dict[str, Any]:
        """Everything stored about the person (and their `chats`), as JSON-ready values."""
        ...

    async def forget(
        self, platform: str, user_id: str, chats: Sequence[ChatRef] = ()
    ) -> ForgetReport:
        """Delete the person's profile, conversations, messages and the personal content of
        their sign-ups and tickets; what stays for statistics keeps no link to them.

        Upcoming sign-ups should be cancelled through the event desk first, so their places go
        to the waitlist and the people moved up are told.
        """
        ...


class OfficeHours(Protocol):
    """When facilitators are on duty."""

    def is_open(self, when: datetime, country: str | None) -> bool:
        """Whether facilitators are on duty at `when` for a person in `country`."""
        ...

    def next_opening(self, when: datetime, country: str | None) -> datetime:
        """The next time facilitators are on duty (timezone-aware)."""
        ...
