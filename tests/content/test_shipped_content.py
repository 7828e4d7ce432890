"""The content we ship passes every check."""

from __future__ import annotations

from datetime import date

from bot.content.problems import Severity
from bot.core.faq import LANGUAGES
from bot.knowledge import load_checked
from tests.conftest import CONTENT


def test_shipped_content_has_no_errors() -> None:
    content, problems = load_checked(CONTENT, date.today())
    errors = [str(p) for p in problems if p.severity is Severity.ERROR]
    assert errors == []
    ids = {lang: set(content.entries[lang]) for lang in LANGUAGES}
    assert all(ids[lang] == ids["en"] for lang in LANGUAGES)
    assert len(ids["en"]) >= 5


def test_no_finland_only_agency_in_estonian_text_and_back() -> None:
    content, _ = load_checked(CONTENT)
    for entry in content.all_entries():
        assert "Kela" not in entry.variants.get("EE", ""), entry.path
        assert "Töötukassa" not in entry.variants.get("FI", ""), entry.path
