"""Translations of everything a person reads, from gettext catalogs in `bot/i18n/locales/`.

The catalogs are `.po` files kept in git and compiled to `.mo` by Babel when Sild is installed
(`make install` runs `pybabel compile`). If a compiled file is missing or older than its `.po`,
the catalog is compiled in memory at first use, so a plain `pip install -e .` works too.
"""

from __future__ import annotations

import gettext
import io
import logging
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.core.faq import LANGUAGES

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "sild"
log = logging.getLogger(__name__)


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The gettext translations for `lang`; English (the msgids) for an unknown language."""
    if lang not in LANGUAGES or lang == "en":
        lang = "en"
    po = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if not po.exists():
        log.warning("no catalog for %s: showing English", lang)
        return gettext.NullTranslations()
    return compile_in_memory(po)


def compile_in_memory(po: Path) -> gettext.GNUTranslations:
    """Compile a `.po` file with Babel without writing anything to disk."""
    with po.open("rb") as fh:
        catalog = read_po(fh)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
