"""Spelling closeness: 4-grams of folded words, cosine per content language."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.matching.analysis import words
from bot.matching.spelling import Spelling, grams

PHRASINGS = [
    ("health-helpline", "et", "perearsti nõuandeliin"),
    ("health-helpline", "et", "kuhu helistada kui laps on haige"),
    ("jobs-register", "et", "töötuks registreerimine töötukassas"),
    ("jobs-register", "en", "register as unemployed"),
]


def test_a_phrasing_is_closest_to_its_own_key() -> None:
    spelling = Spelling(PHRASINGS)
    question = spelling.question(words("perearsti nõuandeliin"), ["et"])
    close = spelling.closeness(question, ["health-helpline", "jobs-register"])
    assert close["health-helpline"] > 0.5 > close["jobs-register"]


def test_grams_are_padded_and_folded() -> None:
    assert grams("Töö") == {" too": 1, "too ": 1}
    assert grams("ab") == {" ab ": 1}
    assert grams("") == {}


def test_an_unseen_word_form_is_still_close_to_its_key() -> None:
    spelling = Spelling(PHRASINGS)
    # "registreerida" and "töötukassasse" are forms the content never wrote.
    question = spelling.question(words("kuidas registreerida töötukassasse"), ["et"])
    close = spelling.closeness(question, ["jobs-register", "health-helpline"])
    assert close["jobs-register"] > close["health-helpline"]


def test_the_closest_language_counts() -> None:
    spelling = Spelling(PHRASINGS)
    english = spelling.question(words("register unemployed"), ["et", "en"])
    only_estonian = spelling.question(words("register unemployed"), ["et"])
    assert (
        spelling.closeness(english, ["jobs-register"])["jobs-register"]
        > spelling.closeness(only_estonian, ["jobs-register"])["jobs-register"]
    )


def test_unknown_key_or_language_is_not_close() -> None:
    spelling = Spelling(PHRASINGS)
    assert spelling.closeness(
        spelling.question(words("perearst"), ["xx"]), ["health-helpline"]
    ) == {"health-helpline": 0.0}
    assert spelling.closeness(spelling.question(words("perearst"), ["et"]), ["no-such-key"]) == {
        "no-such-key": 0.0
    }


@given(st.text(max_size=200), st.sampled_from(["et", "en", "fi"]))
def test_closeness_is_a_cosine(text: str, lang: str) -> None:
    spelling = Spelling(PHRASINGS)
    question = spelling.question(words(text), [lang])
    for cosine in spelling.closeness(question, ["health-helpline", "jobs-register"]).values():
        assert 0.0 <= cosine <= 1.0 + 1e-9
