"""Labels and messages shared by the flows, each through the person's gettext catalog.

The msgids are English; `bot/i18n/locales/<lang>/LC_MESSAGES/sild.po` translates them.
"""

from __future__ import annotations

from gettext import NullTranslations

LANGUAGE_NAMES: dict[str, str] = {"et": "Eesti", "fi": "Suomi", "ru": "Русский", "en": "English"}
"""Each language in its own words, as it is offered before a language has been chosen."""

WELCOME = (
    "Tere! · Hei! · Привет! · Hello!\n\n"
    "**Sild** — vali keel · valitse kieli · выберите язык · choose your language:"
)


def category_label(t: NullTranslations, category: str, country: str | None) -> str:
    """The menu label of an FAQ category."""
    if category == "health":
        return t.gettext("Health services")
    if category == "jobs":
        return t.gettext("Job seeking")
    if category == "unions":
        return t.gettext("Trade unions and rights")
    if category == "living":
        if country == "EE":
            return t.gettext("Living in Estonia")
        return t.gettext("Living in Finland")
    return t.gettext("Our community")


def country_name(t: NullTranslations, country: str | None) -> str:
    """The name of a country in the person's language."""
    if country == "EE":
        return t.gettext("Estonia")
    return t.gettext("Finland")


def back_to_menu(t: NullTranslations) -> str:
    """The label of the button that leads back to the main menu."""
    return t.gettext("Back to menu")


def talk_to_person(t: NullTranslations) -> str:
    """The label of the handoff button."""
    return t.gettext("Talk to a person")


def groups_and_cafes(t: NullTranslations) -> str:
    """The label of the events button."""
    return t.gettext("Groups and cafés")


_MARKDOWN_SPECIAL = "\\`*_[]()<>#!|~"


def escape_markdown(text: str) -> str:
    """Escape text a person wrote so it shows as typed inside Sild's Markdown."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)
