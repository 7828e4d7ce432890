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

VERBS_WITHOUT_ARGUMENT = frozenset(
    {"menu", "human", "events", "settings", "none", "help", "hskip"}
    | {"privacy", "mydata", "forget", "forgetyes"}
)
"""Verbs of buttons that carry no argument; the last four are the privacy screen's."""
_RATING = re.compile(r"^\d{1,9}:[1-5]$")
_TICKET_ACTION = re.compile(r"^(claim|unclaim|close):\d{1,9}$")


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
        "rate": bool(_RATING.match(arg)),
        "tk": bool(_TICKET_ACTION.match(arg)),
    }
    if valid.get(verb) or _valid_event_action(verb, arg):
        return Action(verb, arg)
    return None


# --- events: groups and cafés -----------------------------------------------------------------

EVENT_VERBS = frozenset({"ev", "join", "wait", "leave", "drop", "ics", "fsu", "fcsv", "fcx"})
"""Verbs whose argument is an event id: details, sign up, join the waitlist, ask to cancel,
cancel, calendar file; and for facilitators sign-up list, CSV export, cancel the event."""
MAX_PARTY_BUTTON = 20
_COUNT = re.compile(r"^\d{1,2}$")


def _valid_event_action(verb: str, arg: str) -> bool:
    if verb == "mine":
        return arg == ""
    if verb in EVENT_VERBS:
        return bool(_ID.match(arg))
    if verb in ("ad", "ch") and _COUNT.match(arg):
        return (1 if verb == "ad" else 0) <= int(arg) <= MAX_PARTY_BUTTON
    return False


def event(event_id: str) -> str:
    """Payload that shows an event's details."""
    return f"ev:{event_id}"


def event_verb(verb: str, event_id: str) -> str:
    """Payload for one of the `EVENT_VERBS` on an event."""
    return f"{verb}:{event_id}"


def adults(count: int) -> str:
    """Payload choosing how many adults come."""
    return f"ad:{count}"


def children(count: int) -> str:
    """Payload choosing how many children come."""
    return f"ch:{count}"
