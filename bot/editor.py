"""Tools for content editors: coverage of the FAQ, and the questions nobody answered.

`coverage` shows per topic and language what exists, which country variants, and when each was
reviewed. `group_unanswered` gathers similar unanswered questions (never who asked) and suggests
the entry each group most likely belongs to: the topic people chose most often from those Sild
offered under its honest no, else the matcher's best guess. `add_question` writes a question into
that entry's Markdown file, keeping the file as the editor wrote it, and undoes the change if the
file would no longer pass the check.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from rapidfuzz import fuzz

from bot.content.loader import ContentSet, parse_faq_file
from bot.core.faq import LANGUAGES
from bot.knowledge import Library

SIMILAR = 80.0
"""How alike (rapidfuzz token set ratio) two unanswered questions must be to count as one."""


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """One topic: per language, its variants (`FI+EE`, `FI`, `EE`, `both`) and review date."""

    entry_id: str
    category: str
    cells: dict[str, tuple[str, date | None]]


def coverage(content: ContentSet) -> list[CoverageRow]:
    """What exists for every topic in every language."""
    ids = sorted({entry_id for by_id in content.entries.values() for entry_id in by_id})
    rows = []
    for entry_id in ids:
        cells: dict[str, tuple[str, date | None]] = {}
        category = ""
        for lang in LANGUAGES:
            entry = content.entries.get(lang, {}).get(entry_id)
            if entry is None:
                cells[lang] = ("—", None)
                continue
            category = entry.category
            variants = "+".join(c for c in ("FI", "EE") if c in entry.variants) or "both"
            cells[lang] = (variants, entry.reviewed)
        rows.append(CoverageRow(entry_id, category, cells))
    return rows


def format_coverage(rows: list[CoverageRow]) -> str:
    """The coverage as an aligned table."""
    width = max((len(r.entry_id) for r in rows), default=10)
    header = f"{'topic':<{width}}  " + "  ".join(f"{lang:<16}" for lang in LANGUAGES)
    lines = [header, "-" * len(header)]
    for row in rows:
        cells = []
        for lang in LANGUAGES:
            variants, reviewed = row.cells[lang]
            cells.append(f"{variants} {reviewed or ''}".strip().ljust(16))
        lines.append(f"{row.entry_id:<{width}}  " + "  ".join(cells))
    return "\n".join(lines)


@dataclass
class UnansweredGroup:
    """Similar unanswered questions in one language, with the entry they most likely belong to."""

    language: str
    texts: list[str] = field(default_factory=list)
    count: int = 0
    last_seen: datetime | None = None
    suggestion: str | None = None
    suggestion_score: float = 0.0
    picked: Counter[str] = field(default_factory=Counter)
    """How often people chose each topic offered under the honest no to these questions."""

    @property
    def representative(self) -> str:
        """The most asked wording of the group."""
        return self.texts[0]


def group_unanswered(
    rows: list[tuple[str, str, int, datetime]],
    library: Library | None = None,
    picks: Sequence[tuple[str, str, str, int]] = (),
) -> list[UnansweredGroup]:
    """Group alike questions (rows most asked first) and suggest an entry for each group: the
    topic most chosen under the honest no (`picks`: question, language, entry, count), else the
    matcher's best guess."""
    chosen: dict[tuple[str, str], Counter[str]] = {}
    for text, language, entry_id, count in picks:
        chosen.setdefault((text, language), Counter())[entry_id] += count
    groups: list[UnansweredGroup] = []
    for text, language, count, last_seen in rows:
        home = next(
            (
                g
                for g in groups
                if g.language == language
                and fuzz.token_set_ratio(text, g.representative) >= SIMILAR
            ),
            None,
        )
        if home is None:
            home = UnansweredGroup(language)
            groups.append(home)
        home.texts.append(text)
        home.count += count
        home.picked.update(chosen.get((text, language), Counter()))
        if home.last_seen is None or last_seen > home.last_seen:
            home.last_seen = last_seen
    for group in groups:
        if group.picked:
            group.suggestion = group.picked.most_common(1)[0][0]
        elif library is not None:
            best = library.match(group.representative, group.language, None).best
            if best is not None and not best.id.startswith("intent:"):
                group.suggestion, group.suggestion_score = best.id, best.score
    groups.sort(key=lambda g: -g.count)
    return groups


class EditError(Exception):
    """A question could not be added to an entry's file."""


def add_question(path: Path, question: str, lang: str, root: Path) -> None:
    """Append `question` to the `questions:` list of an FAQ file, keeping everything else as is.

    The file is checked afterwards; if it would not load, the original is put back and
    `EditError` raised.
    """
    question = " ".join(question.split())
    if not question or '"' in question or "\n" in question:
        raise EditError("the question must be one line without double quotes")
    original = path.read_text(encoding="utf-8")
    lines = original.split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if line.rstrip() == "questions:")
    except StopIteration as exc:
        raise EditError(f"{path}: no block-style 'questions:' list to add to") from exc
    end = start + 1
    while end < len(lines) and lines[end].startswith(("  - ", "- ")):
        end += 1
    indent = (
        lines[start + 1][: len(lines[start + 1]) - len(lines[start + 1].lstrip())]
        if end > start + 1
        else "  "
    )
    lines.insert(end, f'{indent}- "{question}"')
    path.write_text("\n".join(lines), encoding="utf-8")
    entry, problems = parse_faq_file(path, lang, root)
    if entry is None:
        path.write_text(original, encoding="utf-8")
        raise EditError("; ".join(str(p) for p in problems) or f"{path} no longer loads")
