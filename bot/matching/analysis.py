"""Turning text into comparable terms: normalise, stem per language, fold synonyms.

A term is namespaced by the language of the text it came from: `fi:tyottom` is the Finnish stem
of "työttömäksi", `~et:tootukassa` the Estonian synonym group of "töötukassa". Keeping languages
apart stops a word of one language from matching a look-alike of another ("too" in English and
"töö" in Estonian), and lets each language's synonym file mean what its editors wrote.

Latin words are folded (ä → a, õ → o) before they are stemmed, so a question typed without
diacritics gets the same stems as the content; Cyrillic words always go through the Russian
stemmer, whatever language the text around them is in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import snowballstemmer

from bot.matching.normalise import clean, fold_diacritics, tokens

_STEMMER_NAMES = {"et": "estonian", "fi": "finnish", "ru": "russian", "en": "english"}

_KEEP = {
    "en": {
        "fired": "fired",
        "firing": "fired",
        "employer": "employer",
        "employers": "employer",
        "employee": "employee",
        "employees": "employee",
    },
    "fi": {"huomenna": "huomenna"},  # tomorrow, not "huomenta" (good morning)
}
"""Words whose Snowball stem would merge two meanings (fired → fire, employer → employ), kept
as they are."""


class Stemmers:
    """One Snowball stemmer per language, with a cache (stemming is the costly step)."""

    def __init__(self) -> None:
        self._stemmers = {
            lang: snowballstemmer.stemmer(name) for lang, name in _STEMMER_NAMES.items()
        }
        for stemmer in self._stemmers.values():
            _drop_own_cache(stemmer)
        self.stem = lru_cache(maxsize=131072)(self._stem)

    def _stem(self, word: str, lang: str) -> str:
        """The folded stem of a cleaned word read as `lang` (Cyrillic is always read as Russian)."""
        folded = fold_diacritics(word)
        if len(word) < 3 or not folded.isalpha():
            return folded
        if is_cyrillic(word):
            return fold_diacritics(str(self._stemmers["ru"].stemWord(word)))
        stemmer = self._stemmers.get(lang) if lang != "ru" else None
        if stemmer is None:
            return folded
        kept = _KEEP.get(lang, {}).get(folded)
        return kept if kept is not None else str(stemmer.stemWord(folded))


def _drop_own_cache(stemmer: object) -> None:
    """Turn off PyStemmer's own cache of stems (`Stemmers` keeps one in front of it).

    PyStemmer keeps up to 10,000 words per language, each as a two-item list that the garbage
    collector tracks; in a running bot those lists become most of the heap that every full
    collection walks, and a new word makes the next full collection come sooner.
    snowballstemmer's pure-Python stemmers (used when PyStemmer is missing) have no such cache.
    """
    if hasattr(stemmer, "maxCacheSize"):
        stemmer.maxCacheSize = 0


def is_cyrillic(word: str) -> bool:
    """Whether a word is written in Cyrillic letters (judged by its first letter)."""
    for ch in word:
        if ch.isalpha():
            if ch < "\u0400":  # Latin, Greek and everything else before the Cyrillic block
                return False
            if ch <= "\u052f":  # Cyrillic and Cyrillic Supplement
                return True
            return "CYRILLIC" in unicodedata.name(ch, "")
    return False


def term(lang: str, stem: str) -> str:
    """The index term of a stem from text in `lang`."""
    return f"{lang}:{stem}"


def term_language(known: str) -> str:
    """The language of an index term: of a stem's term, or of a synonym group's (`~lang:…`)."""
    return known.lstrip("~").partition(":")[0]


class SynonymMap:
    """Maps words and phrases that mean the same, in one language's file, to one canonical term.

    Groups of the same file are merged when they share a member. Files of different languages are
    never merged: "kassa" may mean one thing to a Finnish editor and another to a Russian one.
    """

    def __init__(self, lang: str, groups: Iterable[Sequence[Sequence[str]]]) -> None:
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
        self.lang = lang
        self.canonical: dict[tuple[str, ...], str] = {
            member: f"~{lang}:" + "_".join(_find(member)) for member in parent
        }
        self.starts: dict[str, int] = {}
        """For each first stem of a phrase of several words, the longest such phrase: most
        words start none, and need no look at their neighbours."""
        for member in parent:
            if len(member) > 1:
                self.starts[member[0]] = max(self.starts.get(member[0], 1), len(member))

    def get(self, stems: Sequence[str]) -> str | None:
        """The canonical term of a word or phrase (as stems), if it is a synonym."""
        return self.canonical.get(tuple(stems))

    def rewrite(self, stems: Sequence[str]) -> list[str]:
        """Terms for a phrasing's stems: synonyms (longest phrase first) become canonical."""
        out: list[str] = []
        i = 0
        while i < len(stems):
            longest = self.starts.get(stems[i], 1)
            for size in range(min(longest, len(stems) - i), 0, -1):
                canonical = self.canonical.get(tuple(stems[i : i + size]))
                if canonical is not None:
                    out.append(canonical)
                    i += size
                    break
            else:
                out.append(term(self.lang, stems[i]))
                i += 1
        return out


def words(text: str) -> list[str]:
    """The cleaned words of a text (accents kept: they are folded right before stemming)."""
    return tokens(clean(text))


def single_words(items: Iterable[str]) -> tuple[set[str], list[str]]:
    """The folded words of a list meant as one word per item, and the items that are not one
    word to the matcher ("sim-kortti" is two: "sim" and "kortti")."""
    found: set[str] = set()
    several: list[str] = []
    for item in items:
        ws = words(item)
        if len(ws) == 1:
            found.add(fold_diacritics(ws[0]))
        else:
            several.append(item)
    return found, several


@lru_cache(maxsize=32768)
def phrasing_words(text: str) -> tuple[str, ...]:
    """`words` of a content phrasing, remembered: building an index reads each phrasing several
    times, and a reload reads them all again (questions people type are not remembered)."""
    return tuple(words(text))


_CYR_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "",
    "ы": "y", "ь": "", "э": "e", "ю": "ju", "я": "ja",
}  # fmt: skip

_LAT_TO_CYR = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"),
    ("yu", "ю"), ("ju", "ю"), ("ya", "я"), ("ja", "я"), ("yo", "е"), ("jo", "е"), ("je", "е"),
    ("a", "а"), ("b", "б"), ("v", "в"), ("w", "в"), ("g", "г"), ("d", "д"), ("e", "е"),
    ("z", "з"), ("i", "и"), ("j", "й"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"),
    ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"),
    ("h", "х"), ("c", "ц"), ("y", "ы"), ("q", "к"), ("x", "кс"),
)  # fmt: skip


def to_latin(word: str) -> str:
    """A Cyrillic word in Latin letters, the way a Russian speaker hears an Estonian name."""
    return "".join(_CYR_TO_LAT.get(ch, ch) for ch in word)


_VOWELS = "аеиоуыэюяь"
_LATIN = re.compile("|".join(latin for latin, _ in _LAT_TO_CYR))
_CYRILLIC_OF = dict(_LAT_TO_CYR)


@lru_cache(maxsize=16384)
def to_cyrillic(word: str) -> str:
    """A Russian word typed in Latin letters ("posobie", "vrach") back in Cyrillic."""
    out = ""
    position = 0
    for found in _LATIN.finditer(word):
        out += word[position : found.start()]
        latin = found.group()
        # "y" after a vowel is й ("moy", "novyj"), elsewhere ы.
        after_vowel = bool(out) and out[-1] in _VOWELS
        out += "й" if latin == "y" and after_vowel else _CYRILLIC_OF[latin]
        position = found.end()
    return out + word[position:]
