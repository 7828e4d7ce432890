"""Two baselines over the very phrasings Sild indexes: plain rapidfuzz `WRatio`, and BM25 (bm25s).

Both see every entry's title, questions and keywords and every intent phrase, in every language
(`content_phrasings`), and both answer like Sild does: a ranked list of distinct ids, and a
decision — the best id, or none when its score is under the baseline's rejection cutoff. They
return `MatchResult` values, so `bot.evaluation.evaluate` scores them by exactly the rules it
scores Sild by.

`bot bench` gives each baseline the cutoff that makes the most right decisions (right top-1
answers plus rejected out-of-scope messages) over all the question sets it measures, found
with `calibrate` in the same run, so the cutoffs follow the content as it grows. That tunes each
baseline on the very questions it is measured on, which favours the baselines, not Sild (whose
thresholds are fixed settings). `FUZZ_CUTOFF` and `BM25_CUTOFF` are what that gave on the shipped
content, the defaults when there is nothing to calibrate on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import bm25s
import numpy as np
import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from bot.content.loader import ContentSet
from bot.core.faq import LANGUAGES, Candidate, MatchResult
from bot.evaluation import Matcher, evaluate

FUZZ_CUTOFF = 86.0
"""`WRatio` score (0–100) under which the rapidfuzz baseline answers nothing."""

BM25_CUTOFF = 2.25
"""BM25 score under which the BM25 baseline answers nothing."""

STEMMERS = {"et": "estonian", "fi": "finnish", "ru": "russian", "en": "english"}
"""The Snowball stemmer of each language (the same algorithms Sild stems with)."""

BM25_STOPWORDS = {"ru": "ru", "en": "en"}
"""bm25s's own stop word lists, where it has one for the language (it has none for et and fi)."""

RANKED = 5
"""How many distinct ids a baseline ranks (Sild ranks five too)."""

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index it builds at DEBUG


class Phrase(NamedTuple):
    """One phrasing of one key (an FAQ id or `intent:…`), as written in `lang`."""

    key: str
    lang: str
    text: str


def content_phrasings(content: ContentSet) -> list[Phrase]:
    """Every title, question and keyword of every entry, and every intent phrase."""
    found = [
        Phrase(entry.id, entry.lang, text)
        for entry in content.all_entries()
        for text in (entry.title, *entry.questions, *entry.keywords)
    ]
    found += [
        Phrase(intent.key, lang, text)
        for lang, by_intent in content.intents.items()
        for intent, texts in by_intent.items()
        for text in texts
    ]
    return found


def _result(ranked: Sequence[tuple[str, float]], cutoff: float) -> MatchResult:
    """A baseline's decision: answer with the best id when it reaches the cutoff, else none."""
    candidates = tuple(Candidate(key, round(score, 2)) for key, score in ranked[:RANKED])
    if not candidates or candidates[0].score < cutoff:
        return MatchResult("none", candidates)
    return MatchResult("answer", candidates)


def _distinct(pairs: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """The first (best) score of each key, in the order given, up to `RANKED` keys."""
    seen: dict[str, float] = {}
    for key, score in pairs:
        if key not in seen:
            seen[key] = score
            if len(seen) == RANKED:
                break
    return list(seen.items())


class FuzzBaseline:
    """`rapidfuzz.process.extractOne(query, phrasings, scorer=WRatio, processor=default_process)`.

    The phrasings go through `default_process` once, when the baseline is built, and the query
    through it on every call; the scores are the same as passing `processor=default_process`
    (the function is idempotent), without redoing the phrasings on every question.
    """

    name = "rapidfuzz WRatio"

    def __init__(self, phrasings: Sequence[Phrase], cutoff: float = FUZZ_CUTOFF) -> None:
        self.cutoff = cutoff
        self.keys = [p.key for p in phrasings]
        self.choices = [default_process(p.text) for p in phrasings]

    def best(self, text: str) -> str | None:
        """The baseline's decision, as timed: the key of the closest phrasing, or None.

        One `extractOne` call with `score_cutoff` (which lets rapidfuzz skip hopeless phrasings,
        as its documentation advises); None when no phrasing reaches the cutoff.
        """
        found = process.extractOne(
            default_process(text),
            self.choices,
            scorer=fuzz.WRatio,
            processor=None,
            score_cutoff=self.cutoff,
        )
        return None if found is None else self.keys[found[2]]

    def match(self, text: str, lang: str, country: str | None) -> MatchResult:
        """Rank keys by their best phrasing's `WRatio`; answer the best one above the cutoff.

        Every phrasing is scored in one `cdist` call (the same `WRatio` scores `extractOne`
        computes, all of them, for the ranking behind top-3).
        """
        return self.match_many([text])[0]

    def match_many(self, texts: Sequence[str]) -> list[MatchResult]:
        """`match` for many questions at once, scored in one `cdist` call on every core."""
        scores = process.cdist(
            [default_process(text) for text in texts],
            self.choices,
            scorer=fuzz.WRatio,
            dtype=np.float32,
            workers=-1,
        )
        results = []
        for row in scores:
            order = np.argsort(-row, kind="stable")  # ties: the first phrasing, as extractOne
            ranked = _distinct((self.keys[i], float(row[i])) for i in order)
            results.append(_result(ranked, self.cutoff))
        return results


class Bm25Baseline:
    """BM25 (`bm25s`, Lucene variant, its defaults k1=1.5, b=0.75) with one index per language.

    Each language's phrasings (its entries and its intent phrases) are tokenized with
    `bm25s.tokenize`: its own lower-casing and word pattern, that language's Snowball stemmer
    and bm25s's stop words where it has them (Russian, English). A question is looked up in the
    index of the language the person chose, as Sild knows that language too.
    """

    name = "BM25 (bm25s)"

    def __init__(self, phrasings: Sequence[Phrase], cutoff: float = BM25_CUTOFF) -> None:
        self.cutoff = cutoff
        self._stemmers = {lang: snowballstemmer.stemmer(name) for lang, name in STEMMERS.items()}
        self._indexes: dict[str, tuple[Any, list[str], np.ndarray[Any, Any]]] = {}
        for lang in LANGUAGES:
            mine = [p for p in phrasings if p.lang == lang]
            if not mine:
                continue
            retriever = bm25s.BM25()
            retriever.index(self.tokens([p.text for p in mine], lang), show_progress=False)
            keys = sorted({p.key for p in mine})
            position = {key: i for i, key in enumerate(keys)}
            owner = np.array([position[p.key] for p in mine], dtype=np.intp)
            self._indexes[lang] = (retriever, keys, owner)

    def tokens(self, texts: list[str], lang: str) -> list[list[str]]:
        """bm25s's tokens for texts in `lang` (lower-cased, stop words dropped, stemmed)."""
        found: list[list[str]] = bm25s.tokenize(
            texts,
            stopwords=BM25_STOPWORDS.get(lang, []),
            stemmer=self._stemmers.get(lang),
            return_ids=False,
            show_progress=False,
        )
        return found

    def scores(self, text: str, lang: str) -> list[tuple[str, float]]:
        """Every key of the language's index with its best phrasing's BM25 score, best first."""
        index = self._indexes.get(lang) or next(iter(self._indexes.values()), None)
        if index is None:
            return []
        retriever, keys, owner = index
        query = [t for t in self.tokens([text], lang)[0] if t in retriever.vocab_dict]
        if not query:
            return []
        per_phrasing = retriever.get_scores(query)
        per_key = np.zeros(len(keys))
        np.maximum.at(per_key, owner, per_phrasing)
        order = np.argsort(-per_key, kind="stable")
        return [(keys[i], float(per_key[i])) for i in order if per_key[i] > 0]

    def match(self, text: str, lang: str, country: str | None) -> MatchResult:
        """Rank keys by BM25; answer the best one when it scores at least the cutoff."""
        return _result(self.scores(text, lang)[:RANKED], self.cutoff)


class Remembered:
    """A baseline whose rankings are computed once per question, decided with any `cutoff`.

    `calibrate` tries many cutoffs on it, and the evaluation after reuses the same rankings.
    """

    def __init__(self, baseline: Matcher, cutoff: float = 0.0) -> None:
        self.baseline = baseline
        self.cutoff = cutoff
        self._cache: dict[tuple[str, str], MatchResult] = {}

    def prefetch(self, cases: Sequence[dict[str, Any]]) -> None:
        """Rank all these questions now, in one batch when the baseline can (rapidfuzz)."""
        keys = list(
            dict.fromkeys((str(c.get("text", "")), str(c.get("lang", "en"))) for c in cases)
        )
        keys = [key for key in keys if key not in self._cache]
        if isinstance(self.baseline, FuzzBaseline) and keys:
            results = self.baseline.match_many([text for text, _ in keys])
            self._cache.update(zip(keys, results, strict=True))

    def match(self, text: str, lang: str, country: str | None) -> MatchResult:
        """The baseline's ranking, decided with this object's cutoff."""
        key = (text, lang)
        if key not in self._cache:
            self._cache[key] = self.baseline.match(text, lang, country)
        ranked = [(c.id, c.score) for c in self._cache[key].candidates]
        return _result(ranked, self.cutoff)


def calibrate(
    baseline: Matcher, cases: Sequence[dict[str, Any]], cutoffs: Iterable[float] | None = None
) -> tuple[float, float]:
    """The cutoff with the most right decisions on `cases`, and that share of right decisions.

    Right decisions are right top-1 answers plus refused out-of-scope messages. Without
    `cutoffs`, every distinct best score the baseline gives (and 0) is tried, which finds the
    best cutoff there is; on a tie the lowest wins.
    """
    probe = baseline if isinstance(baseline, Remembered) else Remembered(baseline)
    if cutoffs is None:
        found = {0.0}
        for case in cases:
            best_candidate = probe.match(
                str(case.get("text", "")), str(case.get("lang", "en")), None
            )
            if best_candidate.best is not None:
                found.add(best_candidate.best.score)
        cutoffs = sorted(found)
    best = (0.0, -1.0)
    for cutoff in cutoffs:
        probe.cutoff = cutoff
        tally = evaluate(probe, cases).tallies["all"]
        right = (tally.top1 + tally.refused) / max(1, tally.in_scope + tally.out_of_scope)
        if right > best[1]:
            best = (cutoff, right)
    return best
