"""Performance fixes made after profiling with `bot bench` must not change a single result.

`signals_danger` now scans the text once with one compiled expression instead of comparing
every signal at every word position; these tests hold it to the old word-by-word answer.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge import Library
from bot.matching.crisis import Signal, compile_signals, signals_danger
from bot.matching.normalise import normalise
from tests.conftest import CONTENT


def _reference(text: str, signals: list[Signal]) -> bool:
    """The word-by-word test as it was before the fix."""
    words = normalise(text[:4000]).split()
    for signal in signals:
        size = len(signal)
        for start in range(len(words) - size + 1):
            if all(
                w.startswith(p[:-1]) if p.endswith("*") else w == p
                for p, w in zip(signal, words[start : start + size], strict=True)
            ):
                return True
    return False


SIGNALS = compile_signals(
    ["kill myself", "suicid*", "don't want to live", "не хочу жить", "самоуб*", "tapan itse*"]
)
WORDS = [
    "kill", "myself", "killing", "suicide", "suicidal", "suicid", "don't", "dont", "want", "to",
    "live", "не", "хочу", "жить", "самоубийство", "tapan", "itseni", "itse", "I", "a", "...",
    "KILL", "Myself!", "ёлка", "ä", "",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=12), st.sampled_from(" ,"))
def test_the_one_scan_finds_exactly_what_the_word_by_word_test_found(
    words: list[str], separator: str
) -> None:
    text = separator.join(words)
    assert signals_danger(text, SIGNALS) == _reference(text, SIGNALS)


def test_the_shipped_signals_and_questions_give_the_same_answers(library: Library) -> None:
    signals = library.crisis_signals
    texts = [
        json.loads(line)["text"]
        for line in (CONTENT.parent / "tests" / "eval" / "wider.jsonl").read_text().splitlines()
        if line.strip()
    ]
    texts += [" ".join(signal).replace("*", "ing") for signal in signals]
    found = [signals_danger(text, signals) for text in texts]
    assert found == [_reference(text, signals) for text in texts]
    assert any(found)


def test_edge_cases() -> None:
    assert signals_danger("anything", []) is False
    assert signals_danger("", SIGNALS) is False
    assert signals_danger("", [()]) is True  # as before: an empty signal is everywhere
