"""FAQ entries and match results as the engine sees them.

The content package builds `FaqEntry` values from Markdown files; the matching package ranks them.
Both hand over these plain values, so neither needs to know about the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

LANGUAGES: tuple[str, ...] = ("et", "fi", "ru", "en")
"""The languages Sild speaks, in the order they are offered."""

COUNTRIES: tuple[str, ...] = ("FI", "EE")
"""The countries Sild knows, as ISO 3166 codes."""

CATEGORIES: tuple[str, ...] = ("health", "jobs", "unions", "living", "community")
"""FAQ categories, in menu order."""


class Intent(StrEnum):
    """Things a person may want that are not FAQ entries."""

    GREETING = "greeting"
    THANKS = "thanks"
    HUMAN = "human"
    EVENTS = "events"
    LANGUAGE = "language"

    @property
    def key(self) -> str:
        """The id used for the intent in match results, for example `intent:human`."""
        return f"intent:{self.value}"


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One FAQ entry in one language.

    `shared` is the body shown in every country; `variants` maps a country code to the text shown
    only there. `actions` names flows offered with the answer (`handoff`, `events`).
    """

    id: str
    lang: str
    category: str
    title: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    reviewed: date | None = None
    shared: str = ""
    variants: dict[str, str] = field(default_factory=dict)
    path: str = ""

    def body_for(self, country: str | None) -> str:
        """The answer text for a person in `country`: the shared text plus that country's part."""
        parts = [self.shared.strip()]
        if country is not None:
            parts.append(self.variants.get(country, "").strip())
        elif len(self.variants) == 1:
            parts.extend(v.strip() for v in self.variants.values())
        return "\n\n".join(part for part in parts if part)

    def countries(self) -> tuple[str, ...]:
        """The countries this entry has something to say for."""
        if self.shared.strip() or not self.variants:
            return COUNTRIES
        return tuple(c for c in COUNTRIES if c in self.variants)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A ranked guess: an FAQ id or an intent key, with a score from 0 to 100."""

    id: str
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    """What the matcher made of a question.

    `decision` is `answer` (confident: `best` is it), `suggest` (show `candidates` as "did you
    mean"), or `none` (no honest answer). With `none`, `related` holds the entries that came
    close enough to offer as topics under the honest no; with `answer`, the other entries that
    scored high enough to suggest and not far below the answer, offered beside it. `language` is
    set for the language intent when the person named the language they want.
    """

    decision: str
    candidates: tuple[Candidate, ...] = ()
    language: str | None = None
    truncated: bool = False
    related: tuple[Candidate, ...] = ()

    @property
    def best(self) -> Candidate | None:
        """The top candidate, if any."""
        return self.candidates[0] if self.candidates else None
