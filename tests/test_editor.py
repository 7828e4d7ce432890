"""Editor tools: coverage, grouping unanswered questions, adding a question to an entry."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content.loader import load
from bot.editor import EditError, add_question, coverage, group_unanswered
from bot.knowledge import Library
from tests.conftest import CONTENT


def test_coverage_lists_every_topic_in_every_language(library: Library) -> None:
    rows = coverage(library.content)
    assert {row.entry_id for row in rows} == set(library.content.entries["en"])
    helpline = next(r for r in rows if r.entry_id == "health-helpline")
    assert helpline.cells["fi"][0] == "FI+EE" and helpline.cells["fi"][1] is not None


def test_alike_questions_are_grouped_and_an_entry_suggested(library: Library) -> None:
    now = datetime.now(UTC)
    rows = [
        ("kuinka haen kela korttia", "fi", 3, now),
        ("kuinka haen kelakorttia", "fi", 2, now),
        ("miten saan kela kortin", "fi", 1, now),
        ("где купить билет на паром", "ru", 4, now),
    ]
    groups = group_unanswered(rows, library)
    sizes = {g.representative: (g.count, len(g.texts)) for g in groups}
    assert sizes["kuinka haen kela korttia"][0] >= 5
    assert groups[0].count >= 4
    fi = next(g for g in groups if g.language == "fi")
    assert fi.suggestion is not None


def test_the_topic_people_chose_under_the_honest_no_comes_first(library: Library) -> None:
    now = datetime.now(UTC)
    rows = [("kuinka haen kela korttia", "fi", 3, now), ("kuinka haen kelakorttia", "fi", 2, now)]
    picks = [
        ("kuinka haen kela korttia", "fi", "health-helpline", 1),
        ("kuinka haen kelakorttia", "fi", "health-insurance", 2),
        ("kuinka haen kela korttia", "fi", "health-insurance", 1),
        ("kuinka haen kela korttia", "et", "jobs-tax", 9),  # another language: not this group
    ]
    (group,) = group_unanswered(rows, library, picks)
    assert group.picked == {"health-insurance": 3, "health-helpline": 1}
    assert group.suggestion == "health-insurance"


def test_add_question_keeps_the_file_and_rejects_bad_input(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    path = root / "faq_fi" / "health-helpline.md"
    before = path.read_text(encoding="utf-8")
    add_question(path, "  kuka vastaa yöllä  ", "fi", root)
    after = path.read_text(encoding="utf-8")
    assert '- "kuka vastaa yöllä"' in after
    assert after.replace('  - "kuka vastaa yöllä"\n', "") == before
    content = load(root)
    assert "kuka vastaa yöllä" in content.entries["fi"]["health-helpline"].questions
    with pytest.raises(EditError):
        add_question(path, 'say "hi"', "fi", root)
    assert path.read_text(encoding="utf-8") == after
