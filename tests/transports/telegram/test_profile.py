"""The bot profile: commands and descriptions fit Telegram's limits in every language."""

from __future__ import annotations

import re

import pytest

import bot.transports.telegram  # noqa: F401
from bot.i18n import translations
from bot.transports.telegram.profile import (
    COMMAND_DESCRIPTION_LIMIT,
    DESCRIPTION_LIMIT,
    SHORT_DESCRIPTION_LIMIT,
    commands,
    description,
    profile_languages,
    short_description,
)


@pytest.mark.parametrize("lang", ["et", "fi", "ru", "en"])
def test_texts_fit_telegrams_limits(lang: str) -> None:
    t = translations(lang)
    assert 0 < len(description(t)) <= DESCRIPTION_LIMIT
    assert 0 < len(short_description(t)) <= SHORT_DESCRIPTION_LIMIT
    for command in commands(t):
        assert re.fullmatch(r"[a-z0-9_]{1,32}", command.command)
        assert 0 < len(command.description) <= COMMAND_DESCRIPTION_LIMIT


@pytest.mark.parametrize("lang", ["et", "fi", "ru"])
def test_texts_are_translated(lang: str) -> None:
    english, t = translations("en"), translations(lang)
    assert description(t) != description(english)
    assert short_description(t) != short_description(english)
    assert [c.description for c in commands(t)] != [c.description for c in commands(english)]


def test_the_default_and_every_language_get_a_variant() -> None:
    assert profile_languages() == [None, "et", "fi", "ru", "en"]
