"""Button payloads: short strings (Telegram allows 64 bytes) that name what a button does.

A payload is `verb` or `verb:argument`. Everything that comes back from a platform is parsed
here and checked, because a payload can be old (from a menu shown last week) or forged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.faq import CATEGORIES, COUNTRIES, LANGUAGES

MAX_PAYLOAD_BYTES = 64
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,54}$")

VERBS_WITHOUT_ARGUMENT = frozenset({"menu", "human", "events", "settings", "none", "help"})


@dataclass(frozen=True, slots=True)
class Action:
    """A parsed button payload."""

    verb: str
    arg: str = ""

    def encode(self) -> str:
        """The payload string for this action."""
        return f"{self.verb}:{self.arg}" if self.arg else self.verb


def lang(code: str) -> str:
    """Payload that sets the person's language."""
    return f"lang:{code}"


def country(code: str) -> str:
    """Payload that sets the person's country."""
    return f"country:{code}"


def category(name: str) -> str:
    """Payload that opens a category menu."""
    return f"cat:{name}"


def faq(entry_id: str) -> str:
    """Payload that shows an FAQ entry."""
    return f"faq:{entry_id}"


def feedback(entry_id: str, helpful: bool) -> str:
    """Payload for a Helpful / Not helpful vote on an entry."""
    return f"fb{'+' if helpful else '-'}:{entry_id}"


def parse(payload: str) -> Action | None:
    """Parse and check a payload; None when it is malformed, unknown or out of range."""
    if not payload or len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        return None
    verb, _, arg = payload.partition(":")
    if verb in VERBS_WITHOUT_ARGUMENT:
        return Action(verb) if not arg else None
    valid = {
        "lang": arg in LANGUAGES,
        "country": arg in COUNTRIES,
        "cat": arg in CATEGORIES,
        "faq": bool(_ID.match(arg)),
        "fb+": bool(_ID.match(arg)),
        "fb-": bool(_ID.match(arg)),
        "ask": arg in ("language", "country"),
    }
    if valid.get(verb):
        return Action(verb, arg)
    return None
