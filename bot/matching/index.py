"""The search index: every phrasing of every entry and intent, as weighted terms.

Built once per content load (`build_index`), then only read, so matching is a pure function of
the index and the question.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.faq import FaqEntry, Intent
from bot.matching.analysis import Stemmers, SynonymMap, words


@dataclass(frozen=True, slots=True)
class Phrasing:
    """One way of asking for one key (an FAQ id or `intent:…`), as a set of terms."""

    key: str
    lang: str
    terms: frozenset[str]
    weight: float


@dataclass
class Index:
    """Terms, their weights and where they occur."""

    stemmers: Stemmers
    synonyms: SynonymMap
    phrasings: list[Phrasing] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)
    key_terms: dict[str, frozenset[str]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    by_length: dict[int, list[str]] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)

    def analyse(self, text: str, lang: str) -> list[str]:
        """Index-side terms of a phrasing written in `lang`."""
        stems = [self.stemmers.stem(word, lang) for word in words(text)]
        return self.synonyms.rewrite(stems)

    def weight(self, term: str) -> float:
        """How much a known term says about which entry is meant."""
        return self.idf.get(term, 0.0)


def build_index(
    entries: Iterable[FaqEntry],
    intents: Mapping[str, Mapping[Intent, Sequence[str]]],
    synonyms: Mapping[str, Sequence[Sequence[str]]],
    stemmers: Stemmers | None = None,
) -> Index:
    """Build the index over every entry's title, questions and keywords, and every intent phrase."""
    stemmers = stemmers or Stemmers()
    groups = []
    for lang, lang_groups in synonyms.items():
        for group in lang_groups:
            groups.append([[stemmers.stem(w, lang) for w in words(member)] for member in group])
    index = Index(stemmers=stemmers, synonyms=SynonymMap(groups))
    raw: list[tuple[str, str, list[str]]] = []
    for entry in entries:
        for phrase in (entry.title, *entry.questions, *entry.keywords):
            raw.append((entry.id, entry.lang, index.analyse(phrase, entry.lang)))
    for lang, by_intent in intents.items():
        for intent, phrases in by_intent.items():
            for phrase in phrases:
                raw.append((intent.key, lang, index.analyse(phrase, lang)))

    key_terms: dict[str, set[str]] = defaultdict(set)
    for key, _, terms in raw:
        key_terms[key].update(terms)
    document_frequency: dict[str, int] = defaultdict(int)
    for key_set in key_terms.values():
        for term in key_set:
            document_frequency[term] += 1
    n_keys = len(key_terms)
    index.idf = {t: math.log(1 + n_keys / df) for t, df in document_frequency.items()}
    index.key_terms = {key: frozenset(terms) for key, terms in key_terms.items()}
    index.keys = sorted(key_terms)

    postings: dict[str, list[int]] = defaultdict(list)
    for key, lang, terms in raw:
        unique = frozenset(terms)
        if not unique:
            continue
        position = len(index.phrasings)
        index.phrasings.append(Phrasing(key, lang, unique, sum(index.idf[t] for t in unique)))
        for term in unique:
            postings[term].append(position)
    index.postings = dict(postings)
    by_length: dict[int, list[str]] = defaultdict(list)
    for term in index.idf:
        if not term.startswith("~"):
            by_length[len(term)].append(term)
    index.by_length = dict(by_length)
    return index
