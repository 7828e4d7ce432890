"""Synthetic content of any size, made from the real phrasings, for measuring how matching scales.

`scale(phrasings, target)` returns exactly `target` phrasings:

- fewer than the real ones: an evenly spaced subset of them (every k-th, in content order);
- more: all real phrasings, then rounds of synthetic entries. Round r adds, for every real key and
  language, the entry `<key>~<r>` with as many phrasings as the real one has, each made from that
  key's own words: half of them are a real phrasing with its words shuffled, the other half join
  the first half of one real phrasing to the second half of another (of the same key and
  language). The last round stops as soon as the target count is reached.

So entries keep their real size and vocabulary (about 18 phrasings per id), the number of ids grows
with the content, and every term's posting list grows in proportion: the work a matcher does per
question grows the way it would if editors wrote that much more content with the same words.
The generator is seeded, so every run measures the same content.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

from bot.bench.baselines import Phrase
from bot.content.loader import ContentSet
from bot.core.faq import FaqEntry


def scale(phrasings: Sequence[Phrase], target: int, seed: int = 8) -> list[Phrase]:
    """Exactly `target` phrasings generated from `phrasings` (see the module docstring)."""
    if target <= 0 or not phrasings:
        return []
    if target <= len(phrasings):
        step = len(phrasings) / target
        return [phrasings[int(i * step)] for i in range(target)]
    groups: dict[tuple[str, str], list[list[str]]] = defaultdict(list)
    for phrase in phrasings:
        groups[(phrase.key, phrase.lang)].append(phrase.text.split())
    rng = random.Random(seed)
    out = list(phrasings)
    round_number = 0
    while len(out) < target:
        round_number += 1
        for (key, lang), texts in groups.items():
            for _ in texts:
                if len(out) == target:
                    return out
                out.append(Phrase(f"{key}~{round_number}", lang, _variant(texts, rng)))
    return out


def _variant(texts: list[list[str]], rng: random.Random) -> str:
    """A new phrasing from a key's phrasings: one shuffled, or halves of two joined."""
    first = rng.choice(texts)
    if rng.random() < 0.5 or len(texts) < 2:
        words = list(first)
        rng.shuffle(words)
        return " ".join(words) or "?"
    second = rng.choice(texts)
    head = first[: max(1, len(first) // 2)]
    tail = second[len(second) // 2 :]
    return " ".join(head + tail) or "?"


def as_content(phrasings: Sequence[Phrase], like: ContentSet) -> ContentSet:
    """Content whose entries hold exactly `phrasings`, with the synonyms of the real content.

    The phrasings of one key and language become one entry (the first as its title, the rest as
    its questions), so Sild's index holds the same phrasings as the baselines do.
    """
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for phrase in phrasings:
        grouped[(phrase.key, phrase.lang)].append(phrase.text)
    entries: dict[str, dict[str, FaqEntry]] = defaultdict(dict)
    for (key, lang), texts in grouped.items():
        entries[lang][key] = FaqEntry(
            id=key, lang=lang, category="health", title=texts[0], questions=tuple(texts[1:])
        )
    return ContentSet(root=like.root, entries=dict(entries), synonyms=like.synonyms)
