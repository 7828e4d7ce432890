"""Matching: the right entry however people ask, honest refusals, and no crash on any input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.faq import Candidate, FaqEntry, Intent
from bot.knowledge import Library
from bot.matching.index import build_index
from bot.matching.matcher import MAX_QUERY_CHARS, Thresholds, match, wanted_language


def _entry(entry_id: str, lang: str, *questions: str) -> FaqEntry:
    return FaqEntry(entry_id, lang, "health", questions[0], tuple(questions))


@pytest.fixture(scope="module")
def small():  # type: ignore[no-untyped-def]
    entries = [
        _entry(
            "health-helpline", "en", "medical helpline", "nurse phone line", "night doctor advice"
        ),
        _entry(
            "health-helpline", "fi", "päivystysapu", "sairaanhoitaja puhelin", "terveysneuvonta"
        ),
        _entry("jobs-register", "en", "register as unemployed", "lost my job", "jobseeker"),
        _entry("jobs-register", "et", "töötuks registreerimine", "jäin töötuks", "töötukassa"),
        _entry("jobs-register", "ru", "встать на учет безработным", "сократили с работы", "касса"),
    ]
    intents = {"en": {Intent.GREETING: ["hello", "hi"]}}
    synonyms = {"et": [["töötukassa", "eesti töötukassa", "tootukassa"]]}
    return build_index(entries, intents, synonyms)


def test_exact_and_typo_and_diacritics(small) -> None:  # type: ignore[no-untyped-def]
    t = Thresholds()
    assert match(small, "nurse phone line", "en", t).best == Candidate("health-helpline", 100.0)
    assert match(small, "nurce phon line", "en", t).best.id == "health-helpline"  # type: ignore[union-attr]
    assert match(small, "jain tootuks", "et", t).best.id == "jobs-register"  # type: ignore[union-attr]


def test_cross_language_question(small) -> None:  # type: ignore[no-untyped-def]
    result = match(small, "меня сократили с работы", "en", Thresholds())
    assert result.decision == "answer" and result.best.id == "jobs-register"  # type: ignore[union-attr]


def test_agency_name_in_latin_letters_from_russian_user(small) -> None:  # type: ignore[no-untyped-def]
    result = match(small, "tootukassa", "ru", Thresholds())
    assert result.best is not None and result.best.id == "jobs-register"


def test_out_of_scope_is_refused(small) -> None:  # type: ignore[no-untyped-def]
    result = match(small, "what is the weather tomorrow", "en", Thresholds())
    assert result.decision == "none"


def test_greeting_intent(small) -> None:  # type: ignore[no-untyped-def]
    assert match(small, "Hello!", "en", Thresholds()).best.id == Intent.GREETING.key  # type: ignore[union-attr]


def test_wanted_language() -> None:
    assert wanted_language("switch to Russian please") == "ru"
    assert wanted_language("по-русски пожалуйста") == "ru"
    assert wanted_language("vaihda kieli suomeksi") == "fi"
    assert wanted_language("räägi eesti keeles") == "et"
    assert wanted_language("change the language") is None


def test_close_call_becomes_suggestion(small) -> None:  # type: ignore[no-untyped-def]
    result = match(small, "phone", "en", Thresholds(answer=99, suggest=1))
    assert result.decision == "suggest"
    assert 1 <= len(result.candidates) <= 3


def test_shipped_content_answers_plain_questions(library: Library) -> None:
    cases = [
        ("en", "I lost my job, how do I register as unemployed", "jobs-register-unemployed"),
        ("fi", "mistä saan verokortin", "jobs-tax"),
        ("ru", "как найти семейного врача", "health-find-doctor"),
        ("et", "kus on lähim apteek", "health-prescriptions"),
    ]
    for lang, text, expected in cases:
        result = library.match(text, lang, None)
        assert result.best is not None and result.best.id == expected, (text, result)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(
        st.text(),
        st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "So", "Mn"])),
        st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=5), st.integers(1, 30000)),
    ),
    lang=st.sampled_from(["et", "fi", "ru", "en", "xx"]),
)
def test_any_input_returns_a_ranked_result(library: Library, text: str, lang: str) -> None:
    result = library.match(text, lang, None)
    assert result.decision in ("answer", "suggest", "none")
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 100 for s in scores)
    assert result.truncated == (len(text) > MAX_QUERY_CHARS)


def test_hundred_thousand_characters(library: Library) -> None:
    result = library.match("kela " * 20000, "fi", "FI")
    assert result.truncated and result.decision in ("answer", "suggest", "none")
