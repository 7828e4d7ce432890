"""The live FAQ: loaded content plus its match index, and the reloader that keeps it fresh.

`Library` implements the engine's `Knowledge` port. `LiveLibrary` holds the current `Library`
and swaps it when an editor saves a change, but only when the new content has no errors: a broken
edit keeps the last good content live and logs exactly what is wrong.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from pathlib import Path

from bot import collector
from bot.content.check import check
from bot.content.loader import ContentSet, load
from bot.content.problems import Problem, Severity
from bot.core.faq import CATEGORIES, FaqEntry, MatchResult
from bot.matching.crisis import Signal, compile_signals, crisis_pattern, danger_in
from bot.matching.index import Index, build_index
from bot.matching.matcher import Thresholds, match, resolve, sentences_of
from bot.matching.normalise import normalise

log = logging.getLogger(__name__)


class Library:
    """A consistent snapshot of the FAQ content and the index built over it."""

    def __init__(self, content: ContentSet, thresholds: Thresholds | None = None) -> None:
        self.content = content
        self.thresholds = thresholds or Thresholds()
        with collector.paused():
            self.index: Index = build_index(
                content.all_entries(), content.intents, content.synonyms, content.outside
            )
        self.crisis_signals: list[Signal] = compile_signals(
            phrase for info in content.crisis.values() for phrase in info.signals
        )
        self._crisis = crisis_pattern(tuple(self.crisis_signals))

    def entry(self, entry_id: str, lang: str) -> FaqEntry | None:
        """The entry in `lang`, else English, else any language that has it."""
        for code in (lang, "en", *self.content.entries):
            found = self.content.entries.get(code, {}).get(entry_id)
            if found is not None:
                return found
        return None

    def entries(self, category: str, lang: str, country: str | None) -> list[FaqEntry]:
        """The category's entries for a person, in the order of their files."""
        if category not in CATEGORIES:
            return []
        ids = [e.id for by_id in self.content.entries.values() for e in by_id.values()]
        seen: dict[str, FaqEntry] = {}
        for entry_id in ids:
            entry = self.entry(entry_id, lang)
            if entry is None or entry.category != category or entry_id in seen:
                continue
            if country is None or country in entry.countries():
                seen[entry_id] = entry
        order = {entry_id: i for i, entry_id in enumerate(self.content.menu.get(category, []))}
        return sorted(seen.values(), key=lambda e: order.get(e.id, len(order)))

    def match(self, text: str, lang: str, country: str | None) -> MatchResult:
        """Rank entries and intents for a typed question."""
        return match(self.index, text, lang, self.thresholds)

    def normalise(self, text: str) -> str:
        """The comparison form of a question."""
        return normalise(text)

    def off_topic_words(self, text: str, lang: str) -> list[str]:
        """The words of a question that `content/outside/` flags as off-topic, as the matcher
        reads them (a listed word, or one sharing a long enough stem with it)."""
        terms = resolve(self.index, text, lang, self.thresholds.fuzzy, sentences_of(text))
        return [term.word for term in terms if term.outside]

    def crisis(self, text: str) -> bool:
        """Whether a message signals immediate danger."""
        return danger_in(text, self._crisis)

    def crisis_message(self, lang: str, country: str | None) -> str:
        """The crisis answer for a person, falling back to English and to 112 alone."""
        for code in (lang, "en"):
            info = self.content.crisis.get(code)
            if info is not None:
                by_country: dict[str, str] = {str(k): v for k, v in info.message.items()}
                return by_country.get(country or "FI") or next(iter(by_country.values()))
        return "**112**"


def load_checked(
    root: Path, today: date | None = None, *, warnings: bool = True
) -> tuple[ContentSet, list[Problem]]:
    """Load content and run every check; the problems include the loader's own. With
    `warnings=False` only errors are looked for (see `check`)."""
    with collector.paused():
        content = load(root)
        problems = content.problems + check(content, today or date.today(), warnings=warnings)
    return content, problems


class LiveLibrary:
    """Holds the current `Library` and reloads it when the content files change."""

    def __init__(self, root: Path, thresholds: Thresholds | None = None) -> None:
        self.root = root
        self.thresholds = thresholds or Thresholds()
        content, problems = load_checked(root, warnings=False)
        errors = [p for p in problems if p.severity is Severity.ERROR]
        for problem in errors:
            log.error("content: %s", problem)
        self.current = Library(content, self.thresholds)
        self._signature = self._scan()

    def __call__(self) -> Library:
        return self.current

    def _scan(self) -> tuple[tuple[str, int, int], ...]:
        files = []
        for path in sorted(self.root.rglob("*")):
            if path.suffix in (".md", ".yaml", ".yml") and path.is_file():
                stat = path.stat()
                files.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(files)

    def reload_if_changed(self) -> bool:
        """Reload when a file changed; returns whether new content went live.

        Content that has errors, or a folder that cannot be read at all, never goes live: the
        last good content stays.
        """
        try:
            signature = self._scan()
        except OSError as error:
            log.error(
                "content folder %s cannot be read (%s): the last good content stays live",
                self.root,
                error.strerror or type(error).__name__,
            )
            return False
        if signature == self._signature:
            return False
        self._signature = signature
        try:
            content, problems = load_checked(self.root, warnings=False)
        except OSError as error:
            log.error(
                "content folder %s cannot be read (%s): the last good content stays live",
                self.root,
                error.strerror or type(error).__name__,
            )
            return False
        errors = [p for p in problems if p.severity is Severity.ERROR]
        if errors:
            log.error("content change not applied, the last good content stays live:")
            for problem in errors:
                log.error("content: %s", problem)
            return False
        self.current = Library(content, self.thresholds)
        log.info("content reloaded: %d entries", len(content.all_entries()))
        return True

    async def watch(self, interval: float = 2.0) -> None:
        """Check for changes every `interval` seconds, until cancelled."""
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(self.reload_if_changed)
            except Exception:
                log.exception("content reload failed; the last good content stays live")
