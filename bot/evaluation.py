"""Measuring the matcher on labelled questions (`bot eval`): top-1, top-3 and honest refusals."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.core.faq import MatchResult

EQUIVALENT: dict[str, frozenset[str]] = {
    "intent:human": frozenset({"intent:human", "community-talk-to-person"}),
    "community-talk-to-person": frozenset({"intent:human", "community-talk-to-person"}),
    "intent:events": frozenset({"intent:events", "community-peer-groups", "community-family-cafe"}),
}
"""Pairs that serve a person equally well (see shared/eval/README.md)."""


class Reader(Protocol):
    """Anything that tells which words of a question the off-topic lists flag (`Library`)."""

    def off_topic_words(self, text: str, lang: str) -> list[str]:
        """The flagged words of a question."""
        ...


class Matcher(Protocol):
    """Anything that matches a question like `Library` does (also the baselines of `bot bench`)."""

    def match(self, text: str, lang: str, country: str | None) -> MatchResult:
        """Rank entries and intents for a typed question."""
        ...


def acceptable(expected: str) -> frozenset[str]:
    """The predictions that count as right for an expected label."""
    return EQUIVALENT.get(expected, frozenset({expected}))


def predicted(result: MatchResult) -> str | None:
    """What Sild acts on: the answer, or the first "did you mean" choice; None for no match."""
    best = result.best
    return best.id if best is not None and result.decision != "none" else None


def shown(result: MatchResult) -> list[str]:
    """The ranking top-3 reads: the three best candidates when Sild answers or asks "did you
    mean", and the related topics it offers when it refuses (which the person sees as buttons)."""
    chosen = result.related if result.decision == "none" else result.candidates[:3]
    return [c.id for c in chosen]


def describe(result: MatchResult) -> dict[str, Any]:
    """The JSON shape of a match (as `bot ask --json` prints it)."""
    best = result.best
    return {
        "id": predicted(result),
        "decision": result.decision,
        "score": best.score if best is not None and result.decision != "none" else 0,
        "candidates": [{"id": c.id, "score": c.score} for c in result.candidates],
        "related": [c.id for c in result.related],
    }


@dataclass
class Tally:
    """Counts for one language (or all).

    `top3` counts in-scope questions whose entry is among the three best candidates, or, when Sild
    refuses, among the related topics it offers (see `shown`); `top3_answered` only those Sild did
    not refuse: the related topics under the honest no are one tap away, yet the person first
    reads that Sild does not know.
    """

    in_scope: int = 0
    top1: int = 0
    top3: int = 0
    top3_answered: int = 0
    out_of_scope: int = 0
    refused: int = 0

    def row(self) -> dict[str, float | int]:
        """Rates as fractions, with the counts they come from."""
        return {
            "questions": self.in_scope,
            "top1": self.top1 / self.in_scope if self.in_scope else 0.0,
            "top3": self.top3 / self.in_scope if self.in_scope else 0.0,
            "top3_answered": self.top3_answered / self.in_scope if self.in_scope else 0.0,
            "out_of_scope": self.out_of_scope,
            "rejected": self.refused / self.out_of_scope if self.out_of_scope else 0.0,
        }


@dataclass
class Report:
    """Per-language tallies and the per-line results."""

    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    lines: list[dict[str, Any]] = field(default_factory=list)


def evaluate(library: Matcher, cases: Iterable[dict[str, Any]]) -> Report:
    """Match every case and tally the results per language and overall."""
    report = Report()
    for case in cases:
        lang = str(case.get("lang", "en"))
        country = case.get("country")
        result = library.match(
            str(case.get("text", "")), lang, country if country in ("FI", "EE") else None
        )
        guess = predicted(result)
        expected = str(case.get("expected", "none"))
        ids = shown(result)
        for tally in (report.tallies[lang], report.tallies["all"]):
            if expected == "none":
                tally.out_of_scope += 1
                tally.refused += guess is None
            else:
                tally.in_scope += 1
                good = acceptable(expected)
                tally.top1 += guess in good
                reached = any(i in good for i in ids)
                tally.top3 += reached
                tally.top3_answered += reached and guess is not None
        report.lines.append(
            {**case, "predicted": guess, "candidates": describe(result)["candidates"]}
        )
    return report


@dataclass
class ListedWord:
    """An off-topic word found in in-scope questions: how often, and the first question."""

    lang: str
    word: str
    count: int
    example: str


def listed_in_scope(library: Reader, cases: Iterable[dict[str, Any]]) -> list[ListedWord]:
    """The off-topic words (`content/outside/`) that in-scope questions contain, most frequent
    first: each lowers every score of a real question, so a word that many of them use is
    probably one to take off the list (or to protect with a phrase)."""
    found: dict[tuple[str, str], ListedWord] = {}
    for case in cases:
        if str(case.get("expected", "none")) == "none":
            continue
        lang, text = str(case.get("lang", "en")), str(case.get("text", ""))
        for word in library.off_topic_words(text, lang):
            listed = found.setdefault((lang, word), ListedWord(lang, word, 0, text))
            listed.count += 1
    return sorted(found.values(), key=lambda w: (-w.count, w.lang, w.word))


def read_jsonl(text: str) -> list[dict[str, Any]]:
    """Parse JSON lines, skipping blank ones; raises ValueError naming the bad line."""
    cases = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(value, dict) or "text" not in value:
            raise ValueError(f"line {number}: expected an object with a 'text' field")
        cases.append(value)
    return cases


def format_table(report: Report) -> str:
    """The report as an aligned text table."""
    header = (
        f"{'lang':<6}{'questions':>10}{'top-1':>8}{'top-3':>8}{'answered':>10}"
        f"{'out-of-scope':>14}{'rejected':>10}"
    )
    rows = [header, "-" * len(header)]
    order: list[str] = [lang for lang in ("et", "fi", "ru", "en") if lang in report.tallies]
    order += [lang for lang in report.tallies if lang not in order and lang != "all"] + ["all"]
    for lang in order:
        r = report.tallies[lang].row()
        rows.append(
            f"{lang:<6}{r['questions']:>10}{r['top1']:>8.1%}{r['top3']:>8.1%}"
            f"{r['top3_answered']:>10.1%}{r['out_of_scope']:>14}{r['rejected']:>10.1%}"
        )
    rows.append(
        "top-3: the right entry among the three best, or among the related topics offered under an "
        "honest no; answered: the same, not counting honest noes"
    )
    return "\n".join(rows)
