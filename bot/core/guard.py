"""Guarding the engine against abuse and bad input, and keeping message text out of the log.

- `Policy`: what the engine enforces and tells people (a rate limit per person, the longest
  message it reads, how long request messages are kept).
- `RateLimiter`: a sliding window per person. Over the limit, the person is told once to slow
  down; further messages in the same window are dropped silently.
- `clean_inbound`: text from a platform is untrusted. NUL and other control characters (which
  PostgreSQL refuses to store) and lone surrogates (which cannot be encoded) are removed before
  anything else sees the text.
- `error_summary`: an exception as the log may show it without message text: its type and where
  it happened, not its message (a database error, for one, can quote the values it was given).
"""

from __future__ import annotations

import dataclasses
import re
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from bot.core.messages import Inbound

MAX_TEXT_CHARS = 4000
"""Longer messages are cut before they are matched or passed on: no question needs more."""
MAX_HINT_CHARS = 35
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Policy:
    """The limits the engine enforces, and the retention it tells people about."""

    rate_per_minute: int = 0
    """Messages and button presses one person may send a minute; 0: no limit."""
    max_text_chars: int = MAX_TEXT_CHARS
    retention_days: int = 90
    """Days after a request is closed until its messages are deleted (see `bot purge`)."""


class Verdict(Enum):
    """What to do with one message under the rate limit."""

    ALLOW = "allow"
    WARN = "warn"
    """Over the limit for the first time in this window: say so once."""
    DROP = "drop"
    """Over the limit and already told: stay silent."""


class RateLimiter:
    """At most `limit` messages per `window` seconds per key, kept in memory."""

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 50_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._warned: set[str] = set()

    def hit(self, key: str) -> Verdict:
        """Count one message of `key` and say whether it may be handled."""
        if self.limit <= 0:
            return Verdict.ALLOW
        now = self._clock()
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self._max_keys:
                self._sweep(now)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            self._warned.discard(key)
            return Verdict.ALLOW
        if key in self._warned:
            return Verdict.DROP
        self._warned.add(key)
        return Verdict.WARN

    def _sweep(self, now: float) -> None:
        """Forget keys with no message in the current window (bounds memory)."""
        stale = [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]
        for key in stale:
            del self._hits[key]
            self._warned.discard(key)


def clean_text(text: str) -> str:
    """Text without lone surrogates and control characters other than tab and line breaks."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return _CONTROL.sub("", text)


def _clean(value: str | None, limit: int | None = None) -> str | None:
    if value is None:
        return None
    cleaned = clean_text(value)
    return cleaned[:limit] if limit is not None else cleaned


def clean_inbound(inbound: Inbound) -> Inbound:
    """The inbound with every text field cleaned (see `clean_text`); the same object if clean."""
    cleaned = dataclasses.replace(
        inbound,
        user_id=clean_text(inbound.user_id),
        text=_clean(inbound.text),
        action=_clean(inbound.action),
        display_name=_clean(inbound.display_name),
        reply_to_text=_clean(inbound.reply_to_text),
        language_hint=_clean(inbound.language_hint, MAX_HINT_CHARS),
    )
    return inbound if cleaned == inbound else cleaned


def error_summary(error: BaseException, frames: int = 8) -> str:
    """The exception's type and the innermost frames of its traceback, without its message."""
    stack = traceback.extract_tb(error.__traceback__)[-frames:]
    where = " < ".join(
        f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" for frame in reversed(stack)
    )
    return f"{type(error).__name__} at {where}" if where else type(error).__name__
