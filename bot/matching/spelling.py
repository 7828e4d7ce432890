"""How alike a question and a key are in spelling: character 4-grams, weighted like words.

Words are the matcher's main evidence, but a word form the content never wrote ("numbrile" when
the content says "number", "lääkrissä" for "lääkärissä") may resolve to nothing, or to the wrong
stem. Pieces of four letters still overlap: every key's phrasings in one language
together make one vector of n-gram counts (log-scaled, times how rare the n-gram is among that
language's keys), and a question's closeness to a key is the cosine of the two vectors. It is a
second opinion blended into the word score, never a match on its own.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

from bot.matching.analysis import words
from bot.matching.normalise import fold_diacritics

SIZE = 4
"""The n-gram length, over each word padded with a space on both sides (3 and 5 as well
measured no better, at three times the cost)."""

Vector = dict[str, float]


def grams(text: str) -> Counter[str]:
    """The n-grams of a text's words (folded: "ä" and "a" are the same letter here)."""
    counts: Counter[str] = Counter()
    for word in words(text):
        padded = f" {fold_diacritics(word)} "
        for start in range(len(padded) - SIZE + 1):
            counts[padded[start : start + SIZE]] += 1
    return counts


def _unit(counts: Mapping[str, int], idf: Mapping[str, float]) -> Vector:
    """Log-scaled counts times rarity, scaled to length 1 (n-grams of unknown rarity drop)."""
    weighted = {g: (1.0 + math.log(n)) * idf[g] for g, n in counts.items() if g in idf}
    norm = math.sqrt(sum(w * w for w in weighted.values()))
    return {g: w / norm for g, w in weighted.items()} if norm else {}


class Spelling:
    """The n-gram vectors of every key, per language."""

    def __init__(self, phrasings: Iterable[tuple[str, str, str]]) -> None:
        """Build from (key, language, phrasing) triples."""
        per_key: dict[str, dict[str, Counter[str]]] = {}
        for key, lang, text in phrasings:
            per_key.setdefault(lang, {}).setdefault(key, Counter()).update(grams(text))
        self.idf: dict[str, dict[str, float]] = {}
        self.keys: dict[str, dict[str, Vector]] = {}
        for lang, by_key in per_key.items():
            seen = Counter(g for counts in by_key.values() for g in counts)
            idf = {g: math.log(1.0 + len(by_key) / n) for g, n in seen.items()}
            self.idf[lang] = idf
            self.keys[lang] = {key: _unit(counts, idf) for key, counts in by_key.items()}

    def question(self, text: str, langs: Iterable[str]) -> dict[str, Vector]:
        """A question's vector in each of `langs` (weighted by that language's rarities)."""
        counts = grams(text)
        return {lang: _unit(counts, self.idf[lang]) for lang in langs if lang in self.idf}

    def closeness(self, question: Mapping[str, Vector], key: str) -> float:
        """Cosine (0–1) between a question and a key, in the content language where they are
        closest: people mix languages ("lost my job" from someone who chose Russian)."""
        best = 0.0
        for lang, vector in question.items():
            phrasings = self.keys[lang].get(key)
            if phrasings:
                best = max(best, sum(w * phrasings.get(g, 0.0) for g, w in vector.items()))
        return best
