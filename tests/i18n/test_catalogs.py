"""Every string a person reads is translated, with the right plural forms."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, compile_in_memory, translations


@pytest.mark.parametrize("lang", ["et", "fi", "ru"])
def test_catalog_is_complete(lang: str) -> None:
    po = LOCALES_DIR / lang / "LC_MESSAGES" / "sild.po"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    with (LOCALES_DIR / "sild.pot").open("rb") as fh:
        template = read_po(fh)
    missing = [m.id for m in template if m.id and m.id not in catalog]
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy)
    ]
    assert missing == [] and untranslated == []


def test_russian_plurals() -> None:
    ru = compile_in_memory(LOCALES_DIR / "ru" / "LC_MESSAGES" / "sild.po")
    one, few, many = (
        "%(count)d question. Choose one, or type your own.",
        "%(count)d questions. Choose one, or type your own.",
        None,
    )
    forms = {n: ru.ngettext(one, few, n) % {"count": n} for n in (1, 2, 5, 21, 11)}
    assert forms[1].startswith("1 вопрос") and not forms[1].startswith("1 вопроса")
    assert forms[2].startswith("2 вопроса")
    assert forms[5].startswith("5 вопросов")
    assert forms[21].startswith("21 вопрос ") or forms[21].startswith("21 вопрос.")
    assert forms[11].startswith("11 вопросов")
    assert many is None


def test_unknown_language_falls_back_to_english() -> None:
    assert translations("xx").gettext("Back to menu") == "Back to menu"
