"""Spotting messages that signal immediate danger, in any of the four languages.

Signals are phrases from `content/crisis/<lang>.yaml`, compared word by word after normalising
(case, accents, ё); a word ending in `*` matches any word starting with it. Every language's
signals are checked whatever language the person chose: people in crisis write as they can.
"""

from __future__ import annotations

from collections.abc import Iterable

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


def _word_matches(pattern: str, word: str) -> bool:
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1])
    return word == pattern


def signals_danger(text: str, signals: Iterable[Signal]) -> bool:
    """Whether `text` contains one of the signals as consecutive words."""
    words = normalise(text[:4000]).split()
    for signal in signals:
        size = len(signal)
        for start in range(len(words) - size + 1):
            if all(
                _word_matches(p, w)
                for p, w in zip(signal, words[start : start + size], strict=True)
            ):
                return True
    return False
