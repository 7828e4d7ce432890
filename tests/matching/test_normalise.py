"""Normalisation: the same comparison form however a phone or a person typed it."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.matching.normalise import clean, fold_diacritics, fold_text, normalise, tokens


def test_diacritics_case_and_yo() -> None:
    assert normalise("TÖÖTUKASSA") == normalise("tootukassa") == "tootukassa"
    assert normalise("Ещё") == "еще"
    assert normalise("Kelа-kortti!!") == normalise("kelа kortti")
    assert normalise("ŠOKK žürii") == "sokk zurii"


def test_russian_short_i_is_kept() -> None:
    assert fold_diacritics("йогурт") == "йогурт"
    assert normalise("Мой") == "мой"


@given(st.text())
def test_folding_drops_every_accent_and_agrees_with_the_remembered_fold(text: str) -> None:
    folded = fold_text(text)
    decomposed = unicodedata.normalize("NFD", folded.replace("й", ""))  # й keeps its breve
    assert not any(unicodedata.combining(ch) for ch in decomposed)
    assert fold_diacritics(text) == folded
    assert fold_text(folded) == folded


def test_a_message_is_not_remembered_by_the_word_cache() -> None:
    before = fold_diacritics.cache_info().currsize
    normalise("Kas ma saan töötutoetust, kui mu leping lõppes eile õhtul? " * 3)
    assert fold_diacritics.cache_info().currsize == before


def test_invisible_characters_do_not_glue_or_split_words() -> None:
    assert normalise("kela\u200b kortti") == "kela kortti"
    assert normalise("\u202eKela\u202c") == "kela"
    assert clean("a\x00b") == "a b"


def test_full_width_and_compatibility_forms() -> None:
    assert normalise("ＫＥＬＡ １１６") == "kela 116"


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(st.text())
def test_normalise_leaves_single_spaces_only(text: str) -> None:
    result = normalise(text)
    assert "  " not in result and result == result.strip()


def test_apostrophes_and_case_endings_after_a_colon() -> None:
    assert normalise("Don't know") == "dont know"
    assert normalise("baby’s check-up") == "babys check up"
    assert normalise("Miten teen CV:n?") == "miten teen cv"
    assert normalise("ytk:hon liittyminen") == "ytk liittyminen"
    assert normalise("kello 12:30") == "kello 12 30"


def test_a_web_address_is_one_word() -> None:
    assert normalise("cv.ee") == normalise("www.cv.ee").split()[-1] == "cvee"
    assert normalise("katso kela.fi/en") == "katso kelafi en"


def _tokens_as_first_written(text: str) -> list[str]:
    """`tokens` before its shortcuts (no search for web addresses in a text without a dot, no
    look at each word in a text without apostrophes and colons): the reference."""
    found: list[str] = []
    for token in re.findall(r"[^\W_]+(?:['’ʼ:][^\W_]+)*", _DOMAIN_AS_WRITTEN.sub(r"\1\2", text)):
        token = re.sub("['’ʼ]", "", token)
        if ":" in token:
            ending = re.match(r"^([^\W\d_][^\W_]*):([^\W\d_]{1,4})$", token)
            found.extend([ending.group(1)] if ending else token.split(":"))
        else:
            found.append(token)
    return found


_DOMAIN_AS_WRITTEN = re.compile(r"([^\W_]+)\.(ee|fi|com|eu|org|net|ru)(?![\w.])")
_PIECES = ["cv", "kela", "töö", "ee", "fi", "ru", "com", "n", "sta", "1", "ф", "_", "é"]
_MARKS = [".", ":", "'", "’", "ʼ", " ", "-", "..", "?"]


@given(st.lists(st.sampled_from(_PIECES + _MARKS), max_size=14).map("".join))
def test_tokens_agree_with_the_reference(text: str) -> None:
    assert tokens(text) == _tokens_as_first_written(text)


def test_tokens_of_addresses_endings_and_apostrophes() -> None:
    assert tokens("vaata cv.ee ja www.tootukassa.ee, palun") == [
        "vaata",
        "cvee",
        "ja",
        "www",
        "tootukassaee",
        "palun",
    ]
    assert tokens("kela:sta ja cv:n, don't") == ["kela", "ja", "cv", "dont"]
    assert tokens("a_cv.ee") == ["a", "cvee"]
