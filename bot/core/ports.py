"""The protocols through which the engine reaches storage, content and translations.

`bot.app` wires real implementations in; tests may pass their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

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


@dataclass(slots=True)
class Conversation:
    """Where a conversation stands: the flow state and its small bag of data.

    `data["choices"]` holds the actions of the buttons last shown, so a typed number can pick one.
    """

    chat: ChatRef
    state: str = "new"
    data: dict[str, Any] = field(default_factory=dict)


class Store(Protocol):
    """Persistence the engine needs; one call is one unit of work."""

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
