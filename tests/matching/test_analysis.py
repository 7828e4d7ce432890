"""Stemming: one cache, Sild's own, in front of the Snowball stemmers."""

from __future__ import annotations

import gc

from bot.matching.analysis import Stemmers


def _tracked_lists() -> int:
    gc.collect()
    return sum(1 for item in gc.get_objects() if type(item) is list)


def _letters(number: int) -> str:
    """A different run of letters for every number (words with digits are not stemmed)."""
    out = ""
    while True:
        number, rest = divmod(number, 26)
        out += chr(ord("a") + rest)
        if not number:
            return out


def test_stemming_many_words_leaves_no_second_cache_behind() -> None:
    stemmers = Stemmers()
    words = [f"töötukassa{_letters(n)}" for n in range(2000)]
    before = _tracked_lists()
    for word in words:
        for lang in ("et", "fi", "en"):
            stemmers.stem(word, lang)
        stemmers.stem("тестом" + word, "ru")
    # PyStemmer would keep each word as a two-item list the collector walks for ever.
    assert _tracked_lists() - before < 100


def test_the_remembered_stem_is_the_stem() -> None:
    stemmers = Stemmers()
    assert stemmers.stem("perearstile", "et") == stemmers.stem("perearstile", "et")
    assert stemmers.stem("töötukassa", "et") == "tootukassa"
    assert stemmers.stem("врачу", "en") == stemmers.stem("врачу", "ru")
