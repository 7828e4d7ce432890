"""How alike a question and a key are in spelling: character 4-grams, weighted like words.

Words are the matcher's main evidence, but a word form the content never wrote ("numbrile" when
the content says "number", "lääkrissä" for "lääkärissä") may resolve to nothing, or to the wrong
stem. Pieces of four letters still overlap: every key's phrasings in one language together make
one vector of 4-gram counts (log-scaled, times how rare the 4-gram is among that language's keys),
and a question's closeness to a key is the cosine of the two vectors. It is a second opinion
blended into the word score, never a match on its own.

The vectors of one language are the rows of one matrix (keys × 4-grams, a few MB in all), so a
question is compared with many keys in one step.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.matching.analysis import words
from bot.matching.normalise import fold_diacritics

SIZE = 4
"""The n-gram length, over each word padded with a space on both sides (3 and 5 as well
measured no better, at three times the cost)."""


def grams(text: str) -> Counter[str]:
    """The 4-grams of a text's words (folded: "ä" and "a" are the same letter here)."""
    pieces: list[str] = []
    for word in words(text):
        padded = f" {fold_diacritics(word)} "
        pieces.extend([padded[start : start + SIZE] for start in range(len(padded) - SIZE + 1)])
    return Counter(pieces)


@dataclass(frozen=True, slots=True)
class _Language:
    """One content language: its 4-grams' columns and rarities, and one unit row per key."""

    columns: dict[str, int]
    idf: npt.NDArray[np.float64]
    rows: dict[str, int]
    matrix: npt.NDArray[np.float64]


Question = dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]]
"""Per language: the question's known 4-gram columns and their unit-vector weights."""


class Spelling:
    """The 4-gram vectors of every key, per language."""

    def __init__(self, phrasings: Iterable[tuple[str, str, str]]) -> None:
        """Build from (key, language, phrasing) triples."""
        per_key: dict[str, dict[str, Counter[str]]] = {}
        for key, lang, text in phrasings:
            per_key.setdefault(lang, {}).setdefault(key, Counter()).update(grams(text))
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
            self.languages[lang] = _Language(columns, idf, rows, matrix)

    def question(self, text: str, langs: Iterable[str]) -> Question:
        """A question's vector in each of `langs` (weighted by that language's rarities)."""
        counts = grams(text)
        vectors: Question = {}
        for lang in langs:
            language = self.languages.get(lang)
            if language is None:
                continue
            known = [(language.columns[g], n) for g, n in counts.items() if g in language.columns]
            if not known:
                continue
            cols = np.array([c for c, _ in known], dtype=np.intp)
            weights = (1.0 + np.log(np.array([n for _, n in known], dtype=np.float64))) * (
                language.idf[cols]
            )
            vectors[lang] = cols, weights / np.linalg.norm(weights)
        return vectors

    def closeness(self, question: Question, keys: Sequence[str]) -> dict[str, float]:
        """Cosine (0–1) between a question and each key, in the content language where they
        are closest: people mix languages ("lost my job" from someone who chose Russian)."""
        best = dict.fromkeys(keys, 0.0)
        for lang, (cols, weights) in question.items():
            language = self.languages[lang]
            present = [key for key in keys if key in language.rows]
            if not present:
                continue
            rows = np.array([language.rows[key] for key in present], dtype=np.intp)
            cosines = language.matrix[np.ix_(rows, cols)] @ weights
            for key, cosine in zip(present, cosines.tolist(), strict=True):
                best[key] = max(best[key], cosine)
        return best
