"""The search index: every phrasing of every entry and intent, as weighted terms.

Built once per content load (`build_index`), then only read, so matching is a pure function of
the index and the question. Besides the phrasings the index keeps what resolving a typed word
needs: a lexicon from stems to terms, the surface forms seen in the content (for joined and split
words), stem prefixes (for endings Snowball leaves on), and pools of known words by length (for
typos).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.faq import LANGUAGES, FaqEntry, Intent
from bot.matching.analysis import (
    Stemmers,
    SynonymMap,
    is_cyrillic,
    phrasing_words,
    single_words,
    term,
    to_cyrillic,
    words,
)
from bot.matching.normalise import fold_diacritics
from bot.matching.spelling import Spelling
from bot.matching.stopwords import GENERIC, STOPWORDS

SOCIAL_KEYS = frozenset({Intent.GREETING.key, Intent.THANKS.key})
"""Intents that are pleasantries: they win only when a message says nothing else."""

GENERIC_WEIGHT = 0.4
"""How much a generic word ("cheap", "tomorrow", "Helsinki") counts, relative to its rarity."""

INCIDENTAL = 0.8
"""How much a term counts for a key when only one of the key's phrasings uses it (a word that
phrasing happens to contain), relative to a term most of its phrasings use."""

MERGED_STEM = 6
"""The shortest stem that stands for longer ones differing only by a last letter or two."""

MIN_PREFIX = 4
"""The shortest stem that may stand for a longer word with an ending Snowball did not remove."""

MAX_ENDING = 4
"""How many letters of ending a typed stem may have beyond what it shares with a known one."""


OUTSIDE_STEM = 5
"""The shortest stem by which a listed off-topic word also catches its other forms: a shorter
one is shared by unrelated words too often ("паром", a ferry, and "пару", a couple, are both
"пар"), so such a word counts only as written."""


def outside_terms(listed: Iterable[str], lang: str, stemmers: Stemmers) -> set[str]:
    """What marks a word as off-topic in `lang`: each listed word folded, and as `lang:stem`
    when its stem is long enough (`OUTSIDE_STEM`). Items of several words are left out (`bot
    content check` reports them)."""
    folded, _ = single_words(listed)
    stems = (stemmers.stem(word, lang) for word in folded)
    return folded | {term(lang, stem) for stem in stems if len(stem) >= OUTSIDE_STEM}


def is_stopword(folded: str, lang: str) -> bool:
    """Whether a folded word is a stopword of `lang` (Cyrillic words are judged as Russian).

    Latin words in Russian text are judged by their Cyrillic reading ("kak", "gde", "v").
    """
    if is_cyrillic(folded):
        return folded in STOPWORDS["ru"]
    if lang == "ru":
        return to_cyrillic(folded) in STOPWORDS["ru"]
    return folded in STOPWORDS.get(lang, frozenset())


@dataclass(frozen=True, slots=True)
class Phrasing:
    """One way of asking for one key (an FAQ id or `intent:…`), as a set of terms."""

    key: str
    lang: str
    terms: frozenset[str]
    weight: float


@dataclass
class Index:
    """Terms, their weights and where they occur, plus what resolving typed words needs."""

    stemmers: Stemmers
    synonyms: dict[str, SynonymMap]
    phrasings: list[Phrasing] = field(default_factory=list)
    phrasing_weight: list[float] = field(default_factory=list)
    """The weight of each phrasing (the sum of its terms' weights), by position."""
    postings: dict[str, tuple[int, ...]] = field(default_factory=dict)
    key_terms: dict[str, frozenset[str]] = field(default_factory=dict)
    key_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per key: in how many of its phrasings each term occurs (how central the term is to it)."""
    term_keys: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    """Per term: the keys that use it, each with how central the term is to the key: 1 when
    three or more of its phrasings use it, less (`INCIDENTAL`) when only one does."""
    key_postings: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)
    """Per term, per key: the positions of the key's phrasings that contain the term."""
    idf: dict[str, float] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    rarest: float = 1.0
    """The weight of a term only one key uses: the scale other weights are measured against."""
    lexicon: dict[str, str] = field(default_factory=dict)
    """`lang:stem` → the term it stands for (itself, or its synonym group)."""
    phrases: dict[str, dict[tuple[str, ...], str]] = field(default_factory=dict)
    """Per language: multi-word synonyms, as stems and as folded words → their group's term."""
    longest_phrase: int = 1
    phrase_starts: dict[str, frozenset[str]] = field(default_factory=dict)
    """Per language: the first word (folded, or its stem) of any multi-word synonym."""
    any_start: frozenset[str] = frozenset()
    """The first words of multi-word synonyms of every language together (a quick first test)."""
    any_form: frozenset[str] = frozenset()
    """Every folded word that `forms` knows in any language (a quick first test)."""
    forms: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per language: a folded word as the content writes it (or a synonym written as one word)
    → its term."""
    prefixes: dict[str, str] = field(default_factory=dict)
    """`lang:` + the first letters of a known stem → the term of the shortest such stem."""
    pool: dict[str, list[str]] = field(default_factory=dict)
    """By `pool_key`: known words and stems (of every language) within two letters of a length,
    for typo matching; `pool_terms` gives their terms per language."""
    pool_terms: dict[str, dict[str, str]] = field(default_factory=dict)
    social: frozenset[str] = frozenset()
    """Terms that mostly greetings and thanks use ("hi", "kiitos" – which also means "please")."""
    outside: dict[str, frozenset[str] | set[str]] = field(default_factory=dict)
    """Per language: words of topics Sild has no answer for, folded and as `lang:stem`."""
    spelling: Spelling = field(default_factory=lambda: Spelling(()))
    """Every key's character n-grams, for a second opinion on word forms the content lacks."""
    memo: dict[tuple[str, str, bool, float], tuple[tuple[str | None, float, float], ...]] = field(
        default_factory=dict
    )
    """Resolutions of rare words, remembered: resolving a word depends only on the word, the
    language, whether it may be taken for a typo, and the typo cutoff, so this changes no result."""
    generic: frozenset[str] = frozenset()
    """`lang:stem` of generic words ("cheap", "tomorrow", "wife"), known to the content or not."""

    def weight(self, known: str) -> float:
        """How much a known term says about which entry is meant."""
        return self.idf.get(known, 0.0)

    def analyse(
        self,
        text: str,
        lang: str,
        seen: dict[tuple[str, str], tuple[str, str, str]] | None = None,
    ) -> list[tuple[str, str | None]]:
        """Terms of a phrasing written in `lang`, each with the folded word it came from.

        A multi-word synonym comes out as its group's term (with no single word) followed by the
        terms of its words; stopwords are left out. `seen` remembers each word's stem, folded
        form and own term across calls (the same words recur in thousands of phrasings).
        """
        synonyms = self.synonyms.get(lang) or SynonymMap(lang, ())
        known = seen if seen is not None else {}
        analysed = []
        for w in phrasing_words(text):
            word = known.get((lang, w))
            if word is None:
                word = known[(lang, w)] = self._word(synonyms, w)
            analysed.append(word)
        stems = [stem for stem, _, _ in analysed]
        out: list[tuple[str, str | None]] = []
        i = 0
        while i < len(analysed):
            for size in range(min(synonyms.starts.get(stems[i], 1), len(stems) - i), 1, -1):
                canonical = synonyms.get(stems[i : i + size])
                if canonical is not None:
                    out.append((canonical, None))
                    out.extend((own, folded) for _, folded, own in analysed[i : i + size])
                    i += size
                    break
            else:
                _, folded, own = analysed[i]
                out.append((own, folded))
                i += 1
        return [(t, f) for t, f in out if t]

    def _word(self, synonyms: SynonymMap, word: str) -> tuple[str, str, str]:
        """A word's stem, folded form and own term (empty for a stopword).

        A single letter gets a term only through a synonym group ("h" for "per hour"): alone it
        says nothing of a topic. As a term of its own, the "a" of the keyword "a-kassa" made the
        English "a" of "how do I find a doctor", typed in an Estonian chat, the strongest evidence
        for the unemployment fund.
        """
        lang = synonyms.lang
        stem = self.stemmers.stem(word, lang)
        folded = fold_diacritics(word)
        if is_stopword(folded, lang):
            return stem, folded, ""
        own = "" if len(folded) == 1 and folded.isalpha() else term(lang, stem)
        return stem, folded, synonyms.get((stem,)) or own


_STEMMERS: list[Stemmers] = []


def shared_stemmers() -> Stemmers:
    """The stemmers every index built without its own shares (made on first use)."""
    if not _STEMMERS:
        _STEMMERS.append(Stemmers())
    return _STEMMERS[0]


def build_index(
    entries: Iterable[FaqEntry],
    intents: Mapping[str, Mapping[Intent, Sequence[str]]],
    synonyms: Mapping[str, Sequence[Sequence[str]]],
    outside: Mapping[str, Sequence[str]] | None = None,
    stemmers: Stemmers | None = None,
) -> Index:
    """Build the index over every entry's title, questions and keywords, and every intent phrase.

    Without `stemmers`, the process-wide ones are used: their cache of stems (a pure function of
    word and language) then survives content reloads, which makes a reload much faster.
    """
    stemmers = stemmers or shared_stemmers()
    maps: dict[str, SynonymMap] = {}
    members: dict[str, list[list[str]]] = defaultdict(list)
    for lang in dict.fromkeys((*LANGUAGES, *synonyms)):  # each language once, in order
        groups = []
        for group in synonyms.get(lang, ()):
            groups.append([[stemmers.stem(w, lang) for w in words(str(m))] for m in group])
            members[lang].extend(words(str(m)) for m in group)
        maps[lang] = SynonymMap(lang, groups)
    index = Index(stemmers=stemmers, synonyms=maps)

    texts: list[tuple[str, str, str]] = []
    for entry in entries:
        for phrase in (entry.title, *entry.questions, *entry.keywords):
            texts.append((entry.id, entry.lang, phrase))
    for lang, by_intent in intents.items():
        for intent, phrases in by_intent.items():
            texts.extend((intent.key, lang, str(phrase)) for phrase in phrases)
    seen: dict[tuple[str, str], tuple[str, str, str]] = {}
    raw = [(key, lang, index.analyse(phrase, lang, seen)) for key, lang, phrase in texts]
    index.spelling = Spelling(texts)
    for lang, listed in (outside or {}).items():
        index.outside[lang] = outside_terms(listed, lang, stemmers)

    merged = _endings(raw, maps)
    raw = [(key, lang, [(merged.get(t, t), w) for t, w in terms]) for key, lang, terms in raw]
    generic = {term(lang, stemmers.stem(w, lang)) for lang, ws in GENERIC.items() for w in ws}
    generic |= {merged[t] for t in generic if t in merged}
    index.generic = frozenset(generic)
    _weigh(index, raw, generic)
    _lexicon(index, maps, members)
    index.lexicon.update({t: merged[t] for t in merged if merged[t] in index.idf})
    return index


def _endings(
    raw: list[tuple[str, str, list[tuple[str, str | None]]]], maps: Mapping[str, SynonymMap]
) -> dict[str, str]:
    """Estonian and Finnish stems that differ only by a last letter or two that Snowball left
    on ("perearst" and "perearsti", "leping" and "lepingu"): each maps to the shortest of its
    kind, if that has at least `MERGED_STEM` letters."""
    stems = {t for _, _, terms in raw for t, _ in terms if not t.startswith("~")}
    # A stem that is a one-word synonym stands for its group ("perearsti" joins "perearst").
    groups = {
        term(lang, member[0]): canonical
        for lang, synonym_map in maps.items()
        for member, canonical in synonym_map.canonical.items()
        if len(member) == 1
    }
    stems |= set(groups)
    parent: dict[str, str] = {}

    def _find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for known in sorted(stems, key=len):
        lang, _, stem = known.partition(":")
        if lang not in ("et", "fi"):
            continue  # Russian and English stemmers leave no such endings; letters count there
        for cut in (1, 2):
            shorter = term(lang, stem[:-cut])
            if len(stem) - cut >= MERGED_STEM and shorter in stems:
                root, other = _find(shorter), _find(known)
                if root != other:
                    parent[other] = root
                break
    merged = {t: _find(t) for t in parent if _find(t) != t}
    return {t: groups.get(root, root) for t, root in merged.items() if t not in groups}


def _weigh(
    index: Index, raw: list[tuple[str, str, list[tuple[str, str | None]]]], generic: set[str]
) -> None:
    """Inverse key frequency per term (less for generic words), the phrasings and their
    postings, the social terms."""
    key_terms: dict[str, set[str]] = defaultdict(set)
    key_counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, _, analysed in raw:
        key_terms[key].update(t for t, _ in analysed)
        for t in {t for t, _ in analysed}:
            key_counts[key][t] += 1
    index.key_counts = {key: dict(counts) for key, counts in key_counts.items()}
    document_frequency: dict[str, int] = defaultdict(int)
    for key_set in key_terms.values():
        for t in key_set:
            document_frequency[t] += 1
    n_keys = len(key_terms)
    index.rarest = math.log(1 + n_keys)
    index.idf = {
        t: math.log(1 + n_keys / df) * (GENERIC_WEIGHT if t in generic else 1.0)
        for t, df in document_frequency.items()
    }
    index.key_terms = {key: frozenset(terms) for key, terms in key_terms.items()}
    index.keys = sorted(key_terms)
    postings: dict[str, list[int]] = defaultdict(list)
    for key, lang, analysed in raw:
        unique = frozenset(t for t, _ in analysed)
        if not unique:
            continue
        position = len(index.phrasings)
        # fsum: the same weight whatever order the set gives its terms in.
        weight = math.fsum(index.idf[t] for t in unique)
        index.phrasings.append(Phrasing(key, lang, unique, weight))
        for t in unique:
            postings[t].append(position)
    index.postings = {t: tuple(p) for t, p in postings.items()}
    index.phrasing_weight = [phrasing.weight for phrasing in index.phrasings]
    by_key: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for t, positions in index.postings.items():
        for position in positions:
            by_key[t][index.phrasings[position].key].append(position)
    index.key_postings = {
        t: {key: tuple(p) for key, p in keys.items()} for t, keys in by_key.items()
    }
    term_keys: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for key, counts in index.key_counts.items():
        for t, count in counts.items():
            centrality = min(1.0, INCIDENTAL + (1 - INCIDENTAL) * (count - 1) / 2)
            term_keys[t].append((key, centrality))
    index.term_keys = {t: tuple(keys) for t, keys in term_keys.items()}
    index.social = frozenset(
        t
        for t, keys in index.key_postings.items()
        if 2 * sum(len(keys.get(social, ())) for social in SOCIAL_KEYS) >= len(index.postings[t])
    )
    for _, lang, analysed in raw:
        forms = index.forms.setdefault(lang, {})
        for t, folded in analysed:
            if folded is not None:
                forms.setdefault(folded, t)


def _lexicon(
    index: Index, maps: Mapping[str, SynonymMap], members: Mapping[str, list[list[str]]]
) -> None:
    """Everything that maps a typed word to a known term without looking at its neighbours."""
    for known in index.idf:
        if not known.startswith("~"):
            index.lexicon[known] = known
    for lang, synonym_map in maps.items():
        _synonyms(index, lang, synonym_map, members.get(lang, ()))
    index.phrase_starts = {
        lang: frozenset(phrase[0] for phrase in phrases) for lang, phrases in index.phrases.items()
    }
    index.any_start = frozenset().union(*index.phrase_starts.values())
    index.any_form = frozenset(w for forms in index.forms.values() for w in forms)
    _typo_pools(index)


def _synonyms(
    index: Index, lang: str, synonym_map: SynonymMap, members: Iterable[Sequence[str]]
) -> None:
    """A language's synonyms that its content uses: single words into the lexicon, phrases (as
    stems and as folded words) into `phrases`, and each member written as one word into `forms`."""
    phrases: dict[tuple[str, ...], str] = {}
    for stems, canonical in synonym_map.canonical.items():
        if canonical not in index.idf:
            continue
        if len(stems) == 1:
            index.lexicon[term(lang, stems[0])] = canonical
        else:
            phrases[stems] = canonical
            index.longest_phrase = max(index.longest_phrase, len(stems))
    forms = index.forms.setdefault(lang, {})
    for member in members:
        group = synonym_map.get([index.stemmers.stem(w, lang) for w in member])
        if group is None or group not in index.idf:
            continue
        written = tuple(fold_diacritics(w) for w in member)
        forms.setdefault("".join(written), group)
        if len(written) > 1:
            phrases.setdefault(written, group)
    index.phrases[lang] = phrases


def _typo_pools(index: Index) -> None:
    """Known words and stems in pools for typo matching, and stem prefixes for endings."""
    pools: dict[str, set[str]] = defaultdict(set)

    def _add(lang: str, known_word: str, known: str) -> None:
        by_lang = index.pool_terms.setdefault(known_word, {})
        if by_lang:
            by_lang.setdefault(lang, known)
            return  # already in the pools
        by_lang[lang] = known
        first = known_word[0]
        for size in range(len(known_word) - 2, len(known_word) + 3):
            pools[f"{size}{first}"].add(known_word)

    for lang, forms in index.forms.items():
        for written, known in forms.items():
            if len(written) >= 4 and written.isalpha():
                _add(lang, written, known)
    # Shortest stems first, and of stems as long, the first in alphabetical order: a prefix of
    # both ("organi" of "organis" and "organiz") then stands for the same one in every process
    # (the lexicon's own order follows set order, which changes with the hash seed).
    for stem_term, known in sorted(index.lexicon.items(), key=lambda item: (len(item[0]), item)):
        lang, _, stem = stem_term.partition(":")
        if len(stem) >= 4 and stem.isalpha():
            _add(lang, stem, known)
        for size in range(max(MIN_PREFIX, len(stem) - MAX_ENDING + 1), len(stem)):
            index.prefixes.setdefault(f"{lang}:{stem[:size]}", known)
    index.pool = {key: sorted(found) for key, found in pools.items()}


def pool_key(word: str) -> str:
    """Which typo pool a word is compared with: words of about its length that start with the
    same letter (a typo rarely changes the first letter, and the pools stay small)."""
    return f"{len(word)}{word[0]}"  # the same key `_typo_pools` files a word under
