"""Every kind of broken content file is reported with its file and line, and nothing raises."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.content.check import check
from bot.content.loader import load, parse_faq_text
from bot.content.problems import Severity

GOOD = """---
id: health-helpline
category: health
title: Medical advice by phone
questions:
  - who do i call at night
  - nurse phone line
  - medical helpline
sources:
  - https://www.hus.fi/en
reviewed: 2026-11-01
---
Shared line.

::: FI
Call 116 117.
:::

::: EE
Call 1220.
:::
"""


def test_good_file_parses_with_variants() -> None:
    entry, problems = parse_faq_text(GOOD, "en", "faq_en/x.md")
    assert problems == [] and entry is not None
    assert entry.variants == {"FI": "Call 116 117.", "EE": "Call 1220."}
    assert entry.body_for("FI") == "Shared line.\n\nCall 116 117."
    assert entry.body_for("EE") == "Shared line.\n\nCall 1220."
    assert entry.reviewed == date(2026, 11, 1)


@pytest.mark.parametrize(
    ("broken", "line", "words"),
    [
        (GOOD.replace("---\nid", "id", 1), 1, "must start"),
        (GOOD.replace("reviewed: 2026-11-01\n---", "reviewed: 2026-11-01"), 1, "not closed"),
        (GOOD.replace("title: Medical", "title: [Medical"), 5, "not valid YAML"),
        (GOOD.replace("category: health", "category: money"), 3, "category"),
        (GOOD.replace("id: health-helpline", "id: Health Helpline"), 2, "id"),
        (GOOD.replace("  - medical helpline\n", ""), 5, "questions"),
        (GOOD.replace("  - https://www.hus.fi/en", "  - not a url"), 10, "sources.0"),
        (GOOD.replace("reviewed: 2026-11-01", "reviewed: someday"), 11, "reviewed"),
        (GOOD.replace("reviewed: 2026-11-01\n", ""), 1, "'reviewed' is missing"),
        (GOOD.replace("category: health", "category: health\ncolour: red"), 4, "unknown field"),
        (GOOD.replace("::: EE", "::: SE"), 19, "unknown country"),
        (GOOD.replace("Call 1220.\n:::", "Call 1220."), 19, "not closed"),
        (GOOD.replace("Shared line.", ":::"), 13, "never opened"),
        (GOOD.replace("Call 1220.", ""), 13, "empty"),
        ("---\n- a list\n---\nbody", 2, "mapping"),
    ],
)
def test_each_kind_of_error_names_file_and_line(broken: str, line: int, words: str) -> None:
    entry, problems = parse_faq_text(broken, "en", "faq_en/x.md")
    assert entry is None
    assert problems, "a broken file must be reported"
    assert any(p.line == line and words in p.message for p in problems), [str(p) for p in problems]
    assert all(str(p).startswith("faq_en/x.md") for p in problems)


def _write(root: Path, lang: str, name: str, text: str) -> None:
    folder = root / f"faq_{lang}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_cross_language_problems(tmp_path: Path) -> None:
    root = tmp_path / "content"
    for lang in ("et", "fi", "ru", "en"):
        _write(root, lang, "a.md", GOOD)
    _write(root, "en", "b.md", GOOD)  # duplicate id
    other = GOOD.replace("health-helpline", "health-other").replace(
        "Call 1220.", "See [this](faq:no-such-id)."
    )
    _write(root, "en", "c.md", other.replace("sources:", "related: [missing-one]\nsources:"))
    (root / "faq_fi" / "bad.md").write_bytes(b"\xff\xfe not utf8")
    content = load(root)
    problems = content.problems + check(content, date(2026, 11, 23))
    messages = [str(p) for p in problems]
    assert any("duplicate id 'health-helpline'" in m for m in messages)
    assert any("faq_fi/bad.md" in m and "UTF-8" in m for m in messages)
    assert any(
        "'health-other' is missing" in m and m.startswith("content/faq_et") for m in messages
    )
    assert any("'no-such-id', which does not exist" in m for m in messages)
    assert any("related entry 'missing-one'" in m for m in messages)


def test_stale_and_drifting_entries_are_warnings(tmp_path: Path) -> None:
    root = tmp_path / "content"
    for lang in ("et", "fi", "ru"):
        _write(root, lang, "a.md", GOOD)
    _write(root, "en", "a.md", GOOD.replace("2026-11-01", "2024-01-01"))
    content = load(root)
    problems = check(content, date(2026, 11, 23))
    assert all(p.severity is Severity.WARNING for p in problems)
    messages = [str(p) for p in problems]
    assert any("more than 12 months ago" in m for m in messages)
    assert any("translation may be out of date" in m for m in messages)


def test_without_warnings_the_check_finds_the_same_errors_and_nothing_else(
    tmp_path: Path,
) -> None:
    """Starting and reloading the bot ask only whether content may go live."""
    root = tmp_path / "content"
    for lang in ("et", "fi", "ru"):
        _write(root, lang, "a.md", GOOD)
    stale = GOOD.replace("2026-11-01", "2024-01-01").replace("Call 1220.", "Call 09 1234 5678.")
    _write(root, "en", "a.md", stale.replace("sources:", "related: [missing-one]\nsources:"))
    (root / "outside").mkdir()
    (root / "outside" / "en.yaml").write_text("- nurse\n", encoding="utf-8")
    content = load(root)
    every = check(content, date(2026, 11, 23))
    errors = check(content, date(2026, 11, 23), warnings=False)
    assert {p.severity for p in every} == {Severity.ERROR, Severity.WARNING}
    assert errors == [p for p in every if p.severity is Severity.ERROR]
    assert len(errors) == 1 and "related entry 'missing-one'" in str(errors[0])


def test_broken_synonyms_and_intents_are_reported(tmp_path: Path) -> None:
    root = tmp_path / "content"
    (root / "synonyms").mkdir(parents=True)
    (root / "synonyms" / "en.yaml").write_text("- [only-one]\n- [a, b]\n", encoding="utf-8")
    (root / "intents").mkdir()
    (root / "intents" / "en.yaml").write_text("dance: [hi]\n", encoding="utf-8")
    (root / "intents" / "fi.yaml").write_text("greeting: [hei\n", encoding="utf-8")
    content = load(root)
    messages = [str(p) for p in content.problems]
    assert any("group 1 must be a list of two or more" in m for m in messages)
    assert any("unknown intent 'dance'" in m for m in messages)
    assert any("intents/fi.yaml" in m and "cannot be read" in m for m in messages)
    assert content.synonyms["en"] == [["a", "b"]]


def test_outside_words_warn_where_an_entry_uses_them(tmp_path: Path) -> None:
    root = tmp_path / "content"
    for lang in ("et", "fi", "ru", "en"):
        _write(root, lang, "a.md", GOOD)
    (root / "outside").mkdir()
    (root / "outside" / "en.yaml").write_text("- nurse\n- line\n- sim-card\n", encoding="utf-8")
    (root / "outside" / "fi.yaml").write_text("just: a mapping\n", encoding="utf-8")
    (root / "synonyms").mkdir()
    (root / "synonyms" / "en.yaml").write_text("- [helpline, nurse phone]\n", encoding="utf-8")
    content = load(root)
    assert content.outside["en"] == ["nurse", "line", "sim-card"]
    assert any("outside/fi.yaml" in str(p) and "list of words" in str(p) for p in content.problems)
    messages = [str(p) for p in check(content, date(2026, 11, 23))]
    outside = [m for m in messages if "listed in content/outside/en.yaml" in m]
    assert outside and all("faq_en" in m for m in outside)
    # "nurse phone" is a synonym phrase, so in "nurse phone line" only "line" is reported.
    assert any("'nurse phone line' uses line," in m for m in outside)
    # The matcher reads "sim-card" as two words, so that item is not used, and says so.
    assert any("'sim-card' is several words to the matcher (sim, card)" in m for m in messages)


def test_outside_words_warn_where_an_entry_uses_another_form_of_them(tmp_path: Path) -> None:
    """The matcher takes a listed word's other forms by its stem: "helplines" for "helpline"."""
    root = tmp_path / "content"
    for lang in ("et", "fi", "ru", "en"):
        _write(root, lang, "a.md", GOOD)
    (root / "outside").mkdir()
    (root / "outside" / "en.yaml").write_text("- helplines\n", encoding="utf-8")
    messages = [str(p) for p in check(load(root), date(2026, 11, 23))]
    assert any("'medical helpline' uses helpline," in m for m in messages)


def test_every_phone_number_traces_to_a_listed_source(tmp_path: Path) -> None:
    root = tmp_path / "content"
    unlisted = GOOD.replace("Call 1220.", "Call **1220** or 09 1234 5678 (300 days, 2025).")
    for lang in ("et", "fi", "ru", "en"):
        _write(root, lang, "a.md", unlisted if lang == "en" else GOOD)
    (root / "phones.yaml").write_text(
        '"116 117":\n  what: helpline\n  sources: [https://www.hus.fi/en/x]\n'
        '"1220":\n  what: advice line\n  sources: [https://www.tervisekassa.ee]\n'
        '"999":\n  what: broken\n  sources: nowhere\n',
        encoding="utf-8",
    )
    content = load(root)
    assert set(content.phones) == {"116 117", "1220"}
    assert any("999: needs sources" in str(p) for p in content.problems)
    messages = [str(p) for p in check(content, date(2026, 11, 23))]
    phones = [m for m in messages if "phone" in m or "sites that list" in m]
    # 116 117 is listed and hus.fi is among the entry's sources: fine, in every language.
    assert not any("116 117" in m for m in phones)
    # 1220 is listed but the entry names no Tervisekassa page; 09 1234 5678 is not listed.
    assert any("gives 1220 but its sources" in m and "tervisekassa.ee" in m for m in phones)
    assert any("faq_en" in m and "0912345678, which content/phones.yaml" in m for m in phones)
    assert not any("300" in m or "2025" in m for m in phones)
