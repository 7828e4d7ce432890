"""Ranking FAQ entries and intents for a typed question.

Each word of the question is resolved to a known term (trying every language's stemmer, then
synonyms, then the closest term by rapidfuzz for typos). Every key (FAQ id or intent) is scored
from two views, both weighted by how rare a term is:

- coverage: how much of the question the key's phrasings explain together;
- closeness: the best single phrasing's overlap with the question (a weighted Dice coefficient).

Thresholds then decide between answering, asking "did you mean", and saying no honestly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.faq import LANGUAGES, Candidate, Intent, MatchResult
from bot.matching.analysis import is_cyrillic, words
from bot.matching.index import Index

MAX_QUERY_CHARS = 1000
"""Longer questions are cut before matching: nobody's question needs more, and it bounds time."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The scores that decide what Sild does with a match (all 0–100)."""

    answer: float = 55.0
    suggest: float = 35.0
    margin: float = 6.0
    fuzzy: float = 82.0
    unknown_word_weight: float = 1.2
    coverage_share: float = 0.5


@dataclass(frozen=True, slots=True)
class Term:
    """A resolved word of the question: the index term (None if unknown) and how sure we are."""

    word: str
    term: str | None
    similarity: float


def resolve(index: Index, text: str, lang: str, fuzzy_cutoff: float) -> list[Term]:
    """Resolve the words of a question to index terms."""
    stem = index.stemmers.stem
    chosen: list[str] = []
    originals: list[str] = []
    for word in words(text[:MAX_QUERY_CHARS]):
        candidates = [stem(word, lang)]
        candidates += [stem(word, other) for other in LANGUAGES if other != lang]
        pick = next((c for c in candidates if c in index.idf or c in index.synonyms), None)
        chosen.append(pick or candidates[0])
        originals.append(word)
    rewritten = index.synonyms.rewrite(chosen)
    terms: list[Term] = []
    for i, term in enumerate(rewritten):
        word = originals[i] if len(rewritten) == len(originals) else term
        if term in index.idf:
            terms.append(Term(word, term, 1.0))
        else:
            terms.append(_closest(index, term, fuzzy_cutoff))
    return terms


def _closest(index: Index, term: str, cutoff: float) -> Term:
    """The known term closest to an unknown one (a typo), if any is close enough."""
    if len(term) < 4 or term.isdigit():
        return Term(term, None, 0.0)
    pool = [
        t
        for size in (len(term) - 1, len(term), len(term) + 1)
        for t in index.by_length.get(size, ())
    ]
    found = process.extractOne(term, pool, scorer=fuzz.ratio, score_cutoff=cutoff)
    if found is None:
        return Term(term, None, 0.0)
    known, score, _ = found
    if is_cyrillic(known) != is_cyrillic(term):
        return Term(term, None, 0.0)
    return Term(term, str(known), score / 100.0)


def score(index: Index, terms: list[Term], unknown_weight: float, share: float) -> dict[str, float]:
    """Score every key that shares a term with the question (0–100)."""
    weights: dict[str, float] = {}
    for t in terms:
        if t.term is None:
            weights[f"?{t.word}"] = max(weights.get(f"?{t.word}", 0.0), unknown_weight)
        else:
            weights[t.term] = max(weights.get(t.term, 0.0), index.weight(t.term) * t.similarity)
    total = sum(weights.values())
    if total <= 0:
        return {}
    known = {term: w for term, w in weights.items() if not term.startswith("?")}
    coverage: dict[str, float] = defaultdict(float)
    for key in {index.phrasings[p].key for term in known for p in index.postings.get(term, ())}:
        key_terms = index.key_terms[key]
        coverage[key] = sum(w for term, w in known.items() if term in key_terms) / total
    closeness: dict[str, float] = defaultdict(float)
    overlap: dict[int, float] = defaultdict(float)
    for term, w in known.items():
        for position in index.postings.get(term, ()):
            overlap[position] += w
    for position, shared in overlap.items():
        phrasing = index.phrasings[position]
        dice = 2 * shared / (total + phrasing.weight)
        if dice > closeness[phrasing.key]:
            closeness[phrasing.key] = dice
    return {key: 100.0 * (share * coverage[key] + (1 - share) * closeness[key]) for key in coverage}


LANGUAGE_WORDS: dict[str, tuple[str, ...]] = {
    "ru": ("russ", "русск", "русс", "vene", "venaj", "venä", "ryssä", "vene keel"),
    "et": ("eesti", "eston", "эстон", "viro", "viron", "vironk"),
    "fi": ("suom", "soome", "finn", "финск", "фин"),
    "en": ("engl", "inglis", "англ", "englann", "englant"),
}


def wanted_language(text: str) -> str | None:
    """The language a "switch to …" message names, if it names exactly one."""
    found = {
        code
        for word in words(text)
        for code, prefixes in LANGUAGE_WORDS.items()
        if any(
            word.startswith(prefix) or (prefix.startswith(word) and len(word) >= 4)
            for prefix in prefixes
        )
    }
    return found.pop() if len(found) == 1 else None


def match(index: Index, text: str, lang: str, thresholds: Thresholds) -> MatchResult:
    """Rank every key for a question and decide: answer, suggest, or none."""
    truncated = len(text) > MAX_QUERY_CHARS
    terms = resolve(index, text, lang, thresholds.fuzzy)
    scores = score(index, terms, thresholds.unknown_word_weight, thresholds.coverage_share)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:5]
    candidates = tuple(Candidate(key, round(value, 1)) for key, value in ranked)
    if not candidates or candidates[0].score < thresholds.suggest:
        return MatchResult("none", candidates, truncated=truncated)
    best = candidates[0]
    close = [c for c in candidates[1:] if best.score - c.score < thresholds.margin]
    language = wanted_language(text) if best.id == Intent.LANGUAGE.key else None
    if best.score >= thresholds.answer and not close:
        return MatchResult("answer", candidates, language=language, truncated=truncated)
    suggestions = tuple(c for c in candidates if c.score >= thresholds.suggest)[:3]
    return MatchResult("suggest", suggestions, truncated=truncated)
