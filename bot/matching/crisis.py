"""Spotting messages that signal immediate danger, in any of the four languages.

Signals are phrases from `content/crisis/<lang>.yaml`, compared word by word after normalising
(case, accents, ё); a word ending in `*` matches any word starting with it. Every language's
signals are checked whatever language the person chose: people in crisis write as they can.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from bot.matching.normalise import normalise

Signal = tuple[str, ...]


def compile_signals(phrases: Iterable[str]) -> list[Signal]:
    """Normalise signal phrases into word tuples (keeping a trailing `*` on a word)."""
    signals: list[Signal] = []
    for phrase in phrases:
        words = []
        for raw in phrase.split():
            star = raw.endswith("*")
            word = normalise(raw.rstrip("*"))
            if word:
                words.extend(word.split())
                if star:
                    words[-1] += "*"
        if words:
            signals.append(tuple(words))
    return signals


def signals_danger(text: str, signals: Iterable[Signal]) -> bool:
    """Whether `text` contains one of the signals as consecutive words."""
    return danger_in(text, crisis_pattern(tuple(signals)))


def danger_in(text: str, pattern: re.Pattern[str] | None) -> bool:
    """`signals_danger` with the signals' `crisis_pattern` made beforehand (every message is
    checked: hashing the signals to find their pattern again would cost more than the scan)."""
    return pattern is not None and pattern.search(normalise(text[:4000])) is not None


@lru_cache(maxsize=8)
def crisis_pattern(signals: tuple[Signal, ...]) -> re.Pattern[str] | None:
    """All signals as one regular expression over the normalised text (words joined by one space).

    A signal matches a run of consecutive words when each word equals its pattern word, or
    starts with it for a pattern word ending in `*`; one scan checks every signal at once.
    None when there are no signals.
    """
    if any(not signal for signal in signals):
        return re.compile("")  # an empty signal is found in every text
    alternatives = [
        " ".join(re.escape(p[:-1]) + "[^ ]*" if p.endswith("*") else re.escape(p) for p in signal)
        for signal in signals
    ]
    if not alternatives:
        return None
    return re.compile("(?:^| )(?:" + "|".join(alternatives) + ")(?= |$)")
