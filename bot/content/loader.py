"""Reading the content tree into values the rest of Sild uses.

`load(root)` reads `faq_<lang>/**/*.md`, `synonyms/<lang>.yaml` and `intents/<lang>.yaml` and
returns a `ContentSet`: everything it could read, and every problem it found, each with a file
and a line. It never raises on bad content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.content.events import load_events
from bot.content.files import SAFE_LOADER, parse_yaml, read_text, relative_name
from bot.content.problems import Problem, Severity
from bot.content.schema import CrisisInfo, FrontMatter
from bot.core.events import Event
from bot.core.faq import COUNTRIES, LANGUAGES, FaqEntry, Intent

_BLOCK_OPEN = re.compile(r"^:::\s*(\S+)\s*$")
_BLOCK_CLOSE = re.compile(r"^:::\s*$")
MAX_FILE_BYTES = 256 * 1024


@dataclass
class ContentSet:
    """All content, as read: FAQ entries by language and id, synonyms, intents, problems."""

    root: Path
    entries: dict[str, dict[str, FaqEntry]] = field(default_factory=dict)
    synonyms: dict[str, list[list[str]]] = field(default_factory=dict)
    outside: dict[str, list[str]] = field(default_factory=dict)
    """Per language: words of topics Sild has no answer for (cars, pets, weather...)."""
    phones: dict[str, list[str]] = field(default_factory=dict)
    """Every phone number answers may give → the official pages that list it."""
    intents: dict[str, dict[Intent, list[str]]] = field(default_factory=dict)
    menu: dict[str, list[str]] = field(default_factory=dict)
    crisis: dict[str, CrisisInfo] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """The problems that keep this content from going live."""
        return [p for p in self.problems if p.severity is Severity.ERROR]

    def all_entries(self) -> list[FaqEntry]:
        """Every entry in every language."""
        return [entry for by_id in self.entries.values() for entry in by_id.values()]


def load(root: Path) -> ContentSet:
    """Read the whole content tree under `root`."""
    content = ContentSet(root=root)
    for lang in LANGUAGES:
        folder = root / f"faq_{lang}"
        by_id: dict[str, FaqEntry] = {}
        if not folder.is_dir():
            content.problems.append(Problem(relative_name(folder, root), 0, "folder is missing"))
        for path in sorted(folder.rglob("*.md")) if folder.is_dir() else []:
            entry, problems = parse_faq_file(path, lang, root)
            content.problems.extend(problems)
            if entry is None:
                continue
            if entry.id in by_id:
                content.problems.append(
                    Problem(
                        entry.path, 2, f"duplicate id {entry.id!r}: also in {by_id[entry.id].path}"
                    )
                )
                continue
            by_id[entry.id] = entry
        content.entries[lang] = by_id
        content.synonyms[lang] = _load_synonyms(root / "synonyms" / f"{lang}.yaml", root, content)
        content.outside[lang] = _load_outside(root / "outside" / f"{lang}.yaml", root, content)
        content.intents[lang] = _load_intents(root / "intents" / f"{lang}.yaml", root, content)
        crisis = _load_crisis(root / "crisis" / f"{lang}.yaml", root, content)
        if crisis is not None:
            content.crisis[lang] = crisis
    content.menu = _load_menu(root / "menu.yaml", root, content)
    content.phones = _load_phones(root / "phones.yaml", root, content)
    content.events, event_problems = load_events(root / "events", root)
    content.problems.extend(event_problems)
    return content


def parse_faq_file(path: Path, lang: str, root: Path) -> tuple[FaqEntry | None, list[Problem]]:
    """Parse one FAQ Markdown file; the entry is None when the file has errors."""
    name = relative_name(path, root)
    text, problems = read_text(path, name, MAX_FILE_BYTES)
    if text is None:
        return None, problems
    return parse_faq_text(text, lang, name)


def parse_faq_text(text: str, lang: str, name: str) -> tuple[FaqEntry | None, list[Problem]]:
    """Parse the text of an FAQ file named `name` (used in problems)."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        return None, [Problem(name, 1, "must start with a line '---' opening the front matter")]
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        return None, [Problem(name, 1, "front matter is not closed by a line '---'")]
    front_text = "\n".join(lines[1:end])
    node, data, problems = parse_yaml(
        front_text, name, first_line=2, what="front matter is not valid YAML"
    )
    if problems:
        return None, problems
    if not isinstance(data, dict) or node is None:
        return None, [Problem(name, 2, "front matter must be a mapping of fields (key: value)")]
    key_lines = _key_lines(node)
    try:
        meta = FrontMatter.model_validate(data)
    except ValidationError as exc:
        return None, [
            Problem(name, _error_line(error["loc"], key_lines), _error_message(error))
            for error in exc.errors()
        ]
    shared, variants, problems = parse_body(lines[end + 1 :], first_line=end + 2, name=name)
    if problems:
        return None, problems
    entry = FaqEntry(
        id=meta.id,
        lang=lang,
        category=meta.category,
        title=meta.title,
        questions=tuple(meta.questions),
        keywords=tuple(meta.keywords),
        related=tuple(meta.related),
        actions=tuple(meta.actions),
        sources=tuple(str(url) for url in meta.sources),
        reviewed=meta.reviewed,
        shared=shared,
        variants=variants,
        path=name,
    )
    if not entry.body_for(None) and not variants:
        return None, [Problem(name, end + 2, "the entry has no answer text")]
    return entry, []


def _key_lines(node: yaml.Node) -> dict[Any, int]:
    lines: dict[Any, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[key.value] = key.start_mark.line + 2
            if isinstance(value, yaml.SequenceNode):
                for index, item in enumerate(value.value):
                    lines[(key.value, index)] = item.start_mark.line + 2
    return lines


def _error_line(loc: tuple[int | str, ...], key_lines: dict[Any, int]) -> int:
    if len(loc) >= 2 and (loc[0], loc[1]) in key_lines:
        return key_lines[(loc[0], loc[1])]
    if loc and loc[0] in key_lines:
        return key_lines[loc[0]]
    return 1


def _error_message(error: Any) -> str:
    loc = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"field {loc!r} is missing"
    if error["type"] == "extra_forbidden":
        return f"unknown field {loc!r}"
    return f"{loc}: {error['msg']}"


def parse_body(
    lines: list[str], first_line: int, name: str
) -> tuple[str, dict[str, str], list[Problem]]:
    """Split a Markdown body into the shared text and the `::: FI` / `::: EE` variants."""
    shared: list[str] = []
    variants: dict[str, list[str]] = {}
    problems: list[Problem] = []
    current: str | None = None
    opened_at = 0
    for offset, line in enumerate(lines):
        number = first_line + offset
        if _BLOCK_CLOSE.match(line):
            if current is None:
                problems.append(Problem(name, number, "':::' closes a block that was never opened"))
            current = None
            continue
        opened = _BLOCK_OPEN.match(line)
        if opened:
            country = opened.group(1).upper()
            if current is not None:
                problems.append(
                    Problem(name, number, f"'::: {country}' opens a block inside another block")
                )
            elif country not in COUNTRIES:
                problems.append(
                    Problem(name, number, f"unknown country {opened.group(1)!r}: use FI or EE")
                )
            elif country in variants:
                problems.append(Problem(name, number, f"a second '::: {country}' block"))
            else:
                current, opened_at = country, number
                variants[country] = []
            continue
        (variants[current] if current else shared).append(line)
    if current is not None:
        problems.append(Problem(name, opened_at, f"'::: {current}' block is not closed by ':::'"))
    texts = {country: "\n".join(body).strip() for country, body in variants.items()}
    for country, body in texts.items():
        if not body:
            problems.append(Problem(name, first_line, f"the '::: {country}' block is empty"))
    return "\n".join(shared).strip(), texts, problems


def _load_yaml(path: Path, root: Path, content: ContentSet) -> Any:
    if not path.exists():
        return None
    try:
        return yaml.load(path.read_text(encoding="utf-8-sig"), Loader=SAFE_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        content.problems.append(Problem(relative_name(path, root), line, f"cannot be read: {exc}"))
        return None


def _load_synonyms(path: Path, root: Path, content: ContentSet) -> list[list[str]]:
    data = _load_yaml(path, root, content)
    if data is None:
        return []
    groups: list[list[str]] = []
    if not isinstance(data, list):
        content.problems.append(Problem(relative_name(path, root), 1, "must be a list of groups"))
        return groups
    for index, group in enumerate(data, start=1):
        if (
            not isinstance(group, list)
            or len(group) < 2
            or not all(isinstance(word, str | int) for word in group)
        ):
            content.problems.append(
                Problem(
                    relative_name(path, root),
                    0,
                    f"group {index} must be a list of two or more words",
                )
            )
            continue
        groups.append([str(word) for word in group])
    return groups


def _load_outside(path: Path, root: Path, content: ContentSet) -> list[str]:
    data = _load_yaml(path, root, content)
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(word, str) for word in data):
        content.problems.append(Problem(relative_name(path, root), 1, "must be a list of words"))
        return []
    return [str(word) for word in data]


def _load_phones(path: Path, root: Path, content: ContentSet) -> dict[str, list[str]]:
    data = _load_yaml(path, root, content)
    if data is None:
        return {}
    name = relative_name(path, root)
    if not isinstance(data, dict):
        content.problems.append(Problem(name, 1, "must map phone numbers to what and sources"))
        return {}
    phones: dict[str, list[str]] = {}
    for number, about in data.items():
        sources = about.get("sources") if isinstance(about, dict) else None
        if (
            not isinstance(sources, list)
            or not sources
            or not all(isinstance(url, str) and url.startswith("https://") for url in sources)
        ):
            content.problems.append(
                Problem(name, 0, f"{number}: needs sources, a list of https:// URLs")
            )
            continue
        phones[str(number)] = [str(url) for url in sources]
    return phones


def _load_intents(path: Path, root: Path, content: ContentSet) -> dict[Intent, list[str]]:
    data = _load_yaml(path, root, content)
    intents: dict[Intent, list[str]] = {}
    if data is None:
        return intents
    if not isinstance(data, dict):
        content.problems.append(
            Problem(relative_name(path, root), 1, "must map intent names to phrases")
        )
        return intents
    for key, phrases in data.items():
        try:
            intent = Intent(str(key))
        except ValueError:
            names = ", ".join(i.value for i in Intent)
            content.problems.append(
                Problem(relative_name(path, root), 0, f"unknown intent {key!r}: use one of {names}")
            )
            continue
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            content.problems.append(
                Problem(relative_name(path, root), 0, f"intent {key!r} must list phrases")
            )
            continue
        intents[intent] = phrases
    return intents


def _load_menu(path: Path, root: Path, content: ContentSet) -> dict[str, list[str]]:
    data = _load_yaml(path, root, content)
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(
        isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in data.values()
    ):
        content.problems.append(
            Problem(relative_name(path, root), 1, "must map each category to a list of entry ids")
        )
        return {}
    return {str(category): list(ids) for category, ids in data.items()}


def _load_crisis(path: Path, root: Path, content: ContentSet) -> CrisisInfo | None:
    data = _load_yaml(path, root, content)
    if data is None:
        if not path.exists():
            content.problems.append(
                Problem(
                    relative_name(path, root),
                    0,
                    "missing: the crisis answer must exist in every language",
                )
            )
        return None
    try:
        return CrisisInfo.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            content.problems.append(Problem(relative_name(path, root), 0, _error_message(error)))
        return None
