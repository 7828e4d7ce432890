"""Checks across the whole content set: what one file alone cannot tell."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from urllib.parse import urlsplit

from bot.content.events import check_events
from bot.content.loader import ContentSet
from bot.content.problems import Problem, Severity
from bot.core.faq import LANGUAGES
from bot.matching.analysis import phrasing_words, single_words, term, words
from bot.matching.index import outside_terms, shared_stemmers
from bot.matching.normalise import fold_diacritics

STALE_AFTER = timedelta(days=365)
DRIFT_AFTER = timedelta(days=180)
TITLE_MAX = 60
FAQ_LINK = re.compile(r"\]\(faq:([^)\s]*)\)")


def check(content: ContentSet, today: date, *, warnings: bool = True) -> list[Problem]:
    """Every cross-file problem: missing translations, broken links, stale or drifting entries.

    With `warnings=False` only errors are returned, and the costly warning checks (off-topic
    words in phrasings, phone numbers without a source) are skipped: starting or reloading the
    bot needs to know whether content may go live; warnings are for `bot content check`.
    """
    problems: list[Problem] = []
    all_ids = {entry_id for by_id in content.entries.values() for entry_id in by_id}
    for entry_id in sorted(all_ids):
        present = {
            lang: by_id[entry_id] for lang, by_id in content.entries.items() if entry_id in by_id
        }
        some = next(iter(present.values()))
        for lang in LANGUAGES:
            if lang not in present:
                problems.append(
                    Problem(
                        f"content/faq_{lang}/",
                        0,
                        f"entry {entry_id!r} is missing in this language (it is in {some.path})",
                    )
                )
        categories = {entry.category for entry in present.values()}
        if len(categories) > 1:
            where = ", ".join(f"{e.path}: {e.category}" for e in present.values())
            problems.append(Problem(some.path, 0, f"category differs between languages ({where})"))
        reviewed = [e.reviewed for e in present.values() if e.reviewed]
        if reviewed and max(reviewed) - min(reviewed) > DRIFT_AFTER:
            oldest = min(present.values(), key=lambda e: e.reviewed or date.max)
            newest = max(present.values(), key=lambda e: e.reviewed or date.min)
            problems.append(
                Problem(
                    oldest.path,
                    0,
                    f"reviewed {oldest.reviewed}, long before {newest.path} ({newest.reviewed}): "
                    "the translation may be out of date",
                    Severity.WARNING,
                )
            )
    for category, listed in content.menu.items():
        problems.extend(
            Problem("content/menu.yaml", 0, f"{category}: entry {entry_id!r} does not exist")
            for entry_id in listed
            if entry_id not in all_ids
        )
    for entry in content.all_entries():
        problems.extend(
            _check_entry(entry.path, entry.related, entry.shared, entry.variants, all_ids)
        )
        if entry.reviewed and today - entry.reviewed > STALE_AFTER:
            problems.append(
                Problem(
                    entry.path,
                    0,
                    f"last reviewed {entry.reviewed}, more than 12 months ago: check the facts",
                    Severity.WARNING,
                )
            )
        if len(entry.title) > TITLE_MAX:
            problems.append(
                Problem(
                    entry.path,
                    0,
                    f"title is {len(entry.title)} characters: buttons show about {TITLE_MAX}",
                    Severity.WARNING,
                )
            )
    if warnings:  # these two only ever warn, and read every phrasing and answer
        problems.extend(_check_outside(content))
        problems.extend(_check_phones(content))
    problems.extend(check_events(content.events, today))
    return problems if warnings else [p for p in problems if p.severity is Severity.ERROR]


def _check_outside(content: ContentSet) -> list[Problem]:
    """Warn where an entry's phrasing uses a word listed as outside Sild's topics: the matcher
    ignores that word for every entry, unless it is part of a multi-word synonym there ("car"
    in "car crash", when the synonyms list "car crash")."""
    problems: list[Problem] = []
    stemmers = shared_stemmers()
    outside: dict[str, set[str]] = {}
    for lang, listed in content.outside.items():
        outside[lang] = outside_terms(listed, lang, stemmers)
        _, several = single_words(listed)
        problems.extend(
            Problem(
                f"content/outside/{lang}.yaml",
                0,
                f"{item!r} is several words to the matcher ({', '.join(words(item))}), so it is "
                "not used: list the off-topic word alone",
                Severity.WARNING,
            )
            for item in several
        )
    phrases = {
        lang: [ws for group in groups for member in group if len(ws := _folded_words(member)) > 1]
        for lang, groups in content.synonyms.items()
    }
    for entry in content.all_entries():
        words_out = outside.get(entry.lang)
        if not words_out:
            continue
        lang = entry.lang
        for phrase in (*entry.questions, *entry.keywords):
            raw = phrasing_words(phrase)
            ws = [fold_diacritics(word) for word in raw]
            # As the matcher reads them: as written, or by their stem ("kasu" is "kasum").
            off = [
                w in words_out or term(lang, stemmers.stem(r, lang)) in words_out
                for r, w in zip(raw, ws, strict=True)
            ]
            if not any(off):
                continue
            covered = {
                i + k
                for member in phrases.get(entry.lang, ())
                for i in range(len(ws) - len(member) + 1)
                if ws[i : i + len(member)] == member
                for k in range(len(member))
            }
            listed = sorted({w for i, w in enumerate(ws) if off[i] and i not in covered})
            if listed:
                problems.append(
                    Problem(
                        entry.path,
                        0,
                        f"{phrase!r} uses {', '.join(listed)}, listed in "
                        f"content/outside/{entry.lang}.yaml: the matcher ignores it there "
                        "(add the words around it as a multi-word synonym to keep them)",
                        Severity.WARNING,
                    )
                )
    return problems


PHONE_LIKE = re.compile(
    r"(?<![\w/.-])(?:\+\d{3} ?\d[\d ]{4,}\d|0\d[\d ]{5,}\d|\d{2,3}(?: \d{3,4})+)(?!\d)"
    r"|\*\*(\d{3,5})\*\*"
)
"""What reads as a phone number in an answer: +372 …, 0… with seven digits or more, digits in
groups ("116 117", "640 6000"), or a bold short number ("**1220**"). Amounts and years are
written otherwise ("300 days", "2025")."""

LINK_TARGET = re.compile(r"\]\([^)]*\)")


def _check_phones(content: ContentSet) -> list[Problem]:
    """Every phone number an answer gives must be listed in `content/phones.yaml`, and the
    entry's sources must include a site that lists it: numbers trace to official pages."""
    problems: list[Problem] = []
    listed = {_digits(number): number for number in content.phones}
    written = _listed_pattern(listed.values())
    for entry in content.all_entries():
        hosts = {_host(url) for url in entry.sources}
        body = LINK_TARGET.sub("]", "\n".join([entry.shared, *entry.variants.values()]))
        numbers = {_digits(m.group(0).strip("* ")) for m in PHONE_LIKE.finditer(body)}
        if written is not None:
            numbers |= {_digits(m.group(0)) for m in written.finditer(body)}
        for digits in sorted(numbers):
            number = listed.get(digits)
            if number is None:
                problems.append(
                    Problem(
                        entry.path,
                        0,
                        f"gives the phone number {digits}, which content/phones.yaml does not "
                        "list: add it there with the official page that gives it",
                        Severity.WARNING,
                    )
                )
            elif not hosts & {_host(url) for url in content.phones[number]}:
                sites = ", ".join(sorted({_host(url) for url in content.phones[number]}))
                problems.append(
                    Problem(
                        entry.path,
                        0,
                        f"gives {number} but its sources name none of the sites that list it "
                        f"({sites})",
                        Severity.WARNING,
                    )
                )
    return problems


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() or ch == "+")


def _listed_pattern(numbers: Iterable[str]) -> re.Pattern[str] | None:
    """Any of the numbers written with any spacing ("116117", "116 117"), as a whole number:
    one pattern, so each answer is read once rather than once per number."""
    spaced = [
        r"\s?".join(re.escape(ch) for ch in number.replace(" ", ""))
        for number in sorted(numbers, key=len, reverse=True)
    ]
    if not spaced:
        return None
    return re.compile(rf"(?<![\w+])(?:{'|'.join(spaced)})(?![\w%])")


def _host(url: str) -> str:
    host = urlsplit(url).netloc.lower()
    return host.removeprefix("www.")


def _folded_words(text: str) -> list[str]:
    return [fold_diacritics(word) for word in phrasing_words(text)]


def _check_entry(
    path: str,
    related: tuple[str, ...],
    shared: str,
    variants: dict[str, str],
    all_ids: set[str],
) -> list[Problem]:
    problems = [
        Problem(path, 0, f"related entry {other!r} does not exist")
        for other in related
        if other not in all_ids
    ]
    for text in (shared, *variants.values()):
        problems.extend(
            Problem(path, 0, f"link to entry {target!r}, which does not exist")
            for target in FAQ_LINK.findall(text)
            if target not in all_ids
        )
    return problems
