"""How alike a question and a key are in spelling: character 4-grams, weighted like words.

Words are the matcher's main evidence, but a word form the content never wrote ("numbrile" when
the content says "number", "lääkrissä" for "lääkärissä") may resolve to nothing, or to the wrong
stem. Pieces of four letters still overlap: every key's phrasings in one language together make
one vector of 4-gram counts (log-scaled, times how rare the 4-gram is among that language's keys),
and a question's closeness to a key is the cosine of the two vectors. It is a second opinion
blended into the word score, never a match on its own.

The vectors of one language are the columns of one matrix (4-grams × keys, a few MB in all), so a
question is compared with many keys in one step.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from bot.matching.analysis import phrasing_words, words
from bot.matching.normalise import fold_diacritics

REMEMBERED_WORDS = 50_000
"""How many words' 4-gram rows each language remembers (then it forgets them all)."""

SIZE = 4
"""The n-gram length, over each word padded with a space on both sides (3 and 5 as well
measured no better, at three times the cost)."""


def grams(text: str) -> Counter[str]:
    """The 4-grams of a text's words (folded: "ä" and "a" are the same letter here)."""
    return word_grams(words(text))


def word_grams(ws: Iterable[str]) -> Counter[str]:
    """The 4-grams of cleaned words."""
    pieces: list[str] = []
    for word in ws:
        pieces.extend(_grams_of(word))
    return Counter(pieces)


@lru_cache(maxsize=65536)
def _grams_of(word: str) -> tuple[str, ...]:
    padded = f" {fold_diacritics(word)} "
    return tuple(padded[start : start + SIZE] for start in range(len(padded) - SIZE + 1))


@dataclass(frozen=True, slots=True)
class _Language:
    """One content language: its 4-grams' numbers and rarities, and each key's unit vector (a
    column of `matrix`, 4-grams × keys)."""

    gram_rows: dict[str, int]
    """A 4-gram → its row in `matrix`."""
    idf: npt.NDArray[np.float64]
    key_columns: dict[str, int]
    """A key → its column in `matrix`."""
    matrix: npt.NDArray[np.float32]
    remembered: dict[str, tuple[int, ...]]
    """A word's known 4-gram rows, remembered (questions repeat their words)."""

    def rows_of(self, word: str) -> tuple[int, ...]:
        """The rows of the word's 4-grams that this language's content has."""
        found = self.remembered.get(word)
        if found is None:
            gram_rows = self.gram_rows
            found = tuple(gram_rows[g] for g in _grams_of(word) if g in gram_rows)
            if len(self.remembered) >= REMEMBERED_WORDS:
                self.remembered.clear()
            self.remembered[word] = found
        return found


Question = dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]]
"""Per language: the rows of the question's known 4-grams and their unit-vector weights."""


class Spelling:
    """The 4-gram vectors of every key, per language."""

    def __init__(self, phrasings: Iterable[tuple[str, str, str]]) -> None:
        """Build from (key, language, phrasing) triples."""
        pieces: dict[str, dict[str, list[str]]] = {}
        for key, lang, text in phrasings:
            found = pieces.setdefault(lang, {}).setdefault(key, [])
            for word in phrasing_words(text):
                found.extend(_grams_of(word))
        per_key = {
            lang: {key: Counter(found) for key, found in by_key.items()}
            for lang, by_key in pieces.items()
        }
        self.languages: dict[str, _Language] = {}
        for lang, by_key in per_key.items():
            seen = Counter(g for counts in by_key.values() for g in counts)
            columns = {g: i for i, g in enumerate(sorted(seen))}
            idf = np.array([math.log(1.0 + len(by_key) / seen[g]) for g in columns])
            matrix = np.zeros((len(by_key), len(columns)))
            rows = {}
            for row, (key, counts) in enumerate(by_key.items()):
                rows[key] = row
                cols = np.fromiter((columns[g] for g in counts), dtype=np.intp, count=len(counts))
                ns = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
                matrix[row, cols] = (1.0 + np.log(ns)) * idf[cols]
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            matrix /= np.where(norms > 0, norms, 1.0)
            # Stored 4-grams × keys: a question gathers whole rows, which are contiguous (float32:
            # half the memory, and cosines need no more precision).
            self.languages[lang] = _Language(
                columns, idf, rows, np.ascontiguousarray(matrix.T, dtype=np.float32), {}
            )

    def question(self, ws: Iterable[str], langs: Iterable[str]) -> Question:
        """A question's vector, from its cleaned words, in each of `langs` (weighted by that
        language's rarities)."""
        ws = list(ws)
        vectors: Question = {}
        for lang in langs:
            language = self.languages.get(lang)
            if language is None:
                continue
            found: list[int] = []
            for word in ws:
                found.extend(language.rows_of(word))
            if not found:
                continue
            counted = Counter(found)
            cols = np.fromiter(counted, dtype=np.intp, count=len(counted))
            counts = np.fromiter(counted.values(), dtype=np.float64, count=len(counted))
            weights = (1.0 + np.log(counts)) * language.idf[cols]
            vectors[lang] = cols, weights / math.sqrt(weights @ weights)
        return vectors

    def closeness(self, question: Question, keys: Sequence[str]) -> dict[str, float]:
        """Cosine (0–1) between a question and each key, in the content language where they
        are closest: people mix languages ("lost my job" from someone who chose Russian)."""
        best = dict.fromkeys(keys, 0.0)
        for lang, (cols, weights) in question.items():
            language = self.languages[lang]
            columns = [
                (key, language.key_columns[key]) for key in keys if key in language.key_columns
            ]
            if not columns:
                continue
            # Every key of the language at once: one column gather and one product.
            cosines = (weights.astype(np.float32) @ language.matrix[cols]).tolist()
            for key, column in columns:
                best[key] = max(best[key], cosines[column])
        return best
