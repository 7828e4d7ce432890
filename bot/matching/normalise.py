"""Normalising text for comparison: the same letters however a phone or a person typed them."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TOKEN = re.compile(r"[^\W_]+(?:['’ʼ:][^\W_]+)*", re.UNICODE)
_APOSTROPHES = re.compile("['’ʼ]")
# A web address is one name: "cv.ee" is the job site, not a CV.
_DOMAIN = re.compile(r"(?<![^\W_])([^\W_]+)\.(ee|fi|com|eu|org|net|ru)(?![\w.])")
# A case ending after a colon, as Finnish writes it on abbreviations: "cv:n", "ytk:hon", "kela:sta".
_COLON_ENDING = re.compile(r"^([^\W\d_][^\W_]*):([^\W\d_]{1,4})$")
# Control characters, zero-width spaces and joiners, direction marks, soft hyphen, BOM.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# Letters that the Estonian and Finnish alphabets or Russian spelling write in two ways.
_LETTER_FOLDS = str.maketrans({"ё": "е", "ß": "ss", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})


def clean(text: str) -> str:
    """NFKC, casefold, drop control and zero-width characters, and write ё as е."""
    text = _INVISIBLE.sub(" ", unicodedata.normalize("NFKC", text))
    return text.casefold().translate(_LETTER_FOLDS)


@lru_cache(maxsize=65536)
def fold_diacritics(word: str) -> str:
    """`fold_text`, remembered: for words, which recur (a whole message goes to `fold_text`)."""
    return fold_text(word)


def fold_text(text: str) -> str:
    """Remove accents (ä→a, õ→o, š→s) but keep letters that are letters of their own (й)."""
    if text.isascii():
        return text  # nothing to decompose, nothing to drop
    decomposed = unicodedata.normalize("NFD", text)
    kept: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            # й is и + breve; dropping the breve would merge two Russian letters.
            if ch == "\u0306" and kept and kept[-1] == "и":
                kept[-1] = "й"
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def tokens(text: str) -> list[str]:
    """The words of an already cleaned text.

    Apostrophes inside a word are dropped ("don't" → "dont", "baby's" → "babys"), a case
    ending written after a colon is cut off ("cv:n" → "cv"; other colons separate words), and a
    web address is one word ("cv.ee" → "cvee").
    """
    if "." in text:  # most messages have no web address: the search would only cost
        text = _DOMAIN.sub(r"\1\2", text)
    found: list[str] = _TOKEN.findall(text)
    if not any(mark in text for mark in "'’ʼ:"):
        return found
    words: list[str] = []
    for token in found:
        if "'" in token or "’" in token or "ʼ" in token:
            token = _APOSTROPHES.sub("", token)
        if ":" in token:
            ending = _COLON_ENDING.match(token)
            words.extend([ending.group(1)] if ending else token.split(":"))
        else:
            words.append(token)
    return words


def normalise(text: str) -> str:
    """The comparison form of a text: cleaned, without accents, words joined by single spaces."""
    # Not the remembered `fold_diacritics`: every message is new, and a cache of whole messages
    # would only grow (and keep what people wrote in memory).
    return " ".join(tokens(fold_text(clean(text))))
