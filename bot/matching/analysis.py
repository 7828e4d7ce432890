"""Turning text into comparable terms: normalise, stem per language, fold synonyms.

Index phrasings are stemmed with the stemmer of the language they are written in. A typed
question may be in any of the four languages, so each of its words is tried with every stemmer
that fits its script and resolved to a term the index knows: exactly, through a synonym, or
(for typos) by the closest known term according to rapidfuzz.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import snowballstemmer

from bot.matching.normalise import clean, fold_diacritics, tokens

_STEMMER_NAMES = {"et": "estonian", "fi": "finnish", "ru": "russian", "en": "english"}


class Stemmers:
    """One Snowball stemmer per language, with a cache (stemming is the costly step)."""

    def __init__(self) -> None:
        self._stemmers = {
            lang: snowballstemmer.stemmer(name) for lang, name in _STEMMER_NAMES.items()
        }
        self.stem = lru_cache(maxsize=65536)(self._stem)

    def _stem(self, word: str, lang: str) -> str:
        """The folded stem of a cleaned word in `lang` (the word itself for another script)."""
        stemmer = self._stemmers.get(lang)
        if stemmer is None or len(word) < 3 or word.isdigit():
            return fold_diacritics(word)
        if is_cyrillic(word) != (lang == "ru"):
            return fold_diacritics(word)
        return fold_diacritics(str(stemmer.stemWord(word)))


def is_cyrillic(word: str) -> bool:
    """Whether a word is written in Cyrillic letters (judged by its first letter)."""
    for ch in word:
        if ch.isalpha():
            return "CYRILLIC" in unicodedata.name(ch, "")
    return False


class SynonymMap:
    """Maps words and phrases that mean the same to one canonical term.

    Groups from every language are merged when they share a member, so "kela" in the Finnish,
    Estonian and Russian files ends up as one term.
    """

    def __init__(self, groups: Iterable[Sequence[Sequence[str]]]) -> None:
        parent: dict[tuple[str, ...], tuple[str, ...]] = {}

        def _find(x: tuple[str, ...]) -> tuple[str, ...]:
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for group in groups:
            members = [tuple(m) for m in group if m]
            for member in members[1:]:
                parent[_find(member)] = _find(members[0])
            if members:
                _find(members[0])
        self._canonical = {member: "~" + "_".join(_find(member)) for member in parent}
        self.longest = max((len(m) for m in parent), default=1)

    def __contains__(self, term: str) -> bool:
        return (term,) in self._canonical

    def rewrite(self, terms: Sequence[str]) -> list[str]:
        """Replace every synonym (longest phrase first) by its canonical term."""
        out: list[str] = []
        i = 0
        while i < len(terms):
            for size in range(min(self.longest, len(terms) - i), 0, -1):
                canonical = self._canonical.get(tuple(terms[i : i + size]))
                if canonical is not None:
                    out.append(canonical)
                    i += size
                    break
            else:
                out.append(terms[i])
                i += 1
        return out


def words(text: str) -> list[str]:
    """The cleaned words of a text (accents kept: the stemmers need them)."""
    return tokens(clean(text))
