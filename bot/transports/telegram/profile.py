"""Sild's profile on Telegram in every language: the command menu and the two descriptions.

Telegram shows a person the variant for their app's language (`language_code`), and the default
(here English) to everyone else. The texts come from the gettext catalogs. Each is read first and
written only when it differs, so a restart costs a few reads, not a burst of profile edits that
Telegram rate-limits hard.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from gettext import NullTranslations
from typing import Protocol, TypeVar

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from bot.core.faq import LANGUAGES

log = logging.getLogger(__name__)
T = TypeVar("T")

DESCRIPTION_LIMIT = 512
SHORT_DESCRIPTION_LIMIT = 120
COMMAND_DESCRIPTION_LIMIT = 256


class Caller(Protocol):
    """Runs a Bot API request with retries (`Sender.call`)."""

    async def call(self, what: str, request: Callable[[], Awaitable[T]]) -> T:
        """Run `request`; raise `TelegramError` when it keeps failing."""
        ...


def commands(t: NullTranslations) -> list[BotCommand]:
    """The command menu (the core understands these commands on every platform)."""
    return [
        BotCommand("menu", t.gettext("Main menu")),
        BotCommand("help", t.gettext("How to use Sild")),
        BotCommand("language", t.gettext("Change language")),
        BotCommand("country", t.gettext("Change country")),
        BotCommand("privacy", t.gettext("Privacy and my data")),
    ]


def description(t: NullTranslations) -> str:
    """What an empty chat with Sild shows before the person presses Start."""
    return t.gettext(
        "Sild answers questions about health services, job seeking, trade unions and everyday "
        "life, for people from Estonia in Finland and for residents of Estonia. "
        "Write in Estonian, Finnish, Russian or English. Press Start to begin."
    )


def short_description(t: NullTranslations) -> str:
    """The line on Sild's profile page and under shared links."""
    return t.gettext("Answers about health, work and daily life in Finland and Estonia.")


def profile_languages() -> list[str | None]:
    """The `language_code` of each variant: None for the default, then every language."""
    return [None, *LANGUAGES]


async def publish_profile(
    bot: Bot, caller: Caller, catalogs: Callable[[str], NullTranslations]
) -> None:
    """Set the commands and descriptions for every language; a failure is logged, not raised."""
    for code in profile_languages():
        t = catalogs(code or "en")
        try:
            await _publish(bot, caller, t, code)
        except TelegramError as error:
            log.warning("could not set the bot profile for %s: %s", code or "default", error)


async def _publish(bot: Bot, caller: Caller, t: NullTranslations, code: str | None) -> None:
    wanted_commands = commands(t)
    current_commands = await caller.call(
        "getMyCommands", lambda: bot.get_my_commands(language_code=code)
    )
    if tuple(current_commands) != tuple(wanted_commands):
        await caller.call(
            "setMyCommands", lambda: bot.set_my_commands(wanted_commands, language_code=code)
        )

    wanted = description(t)
    current = await caller.call("getMyDescription", lambda: bot.get_my_description(code))
    if current.description != wanted:
        await caller.call("setMyDescription", lambda: bot.set_my_description(wanted, code))

    wanted_short = short_description(t)
    current_short = await caller.call(
        "getMyShortDescription", lambda: bot.get_my_short_description(code)
    )
    if current_short.short_description != wanted_short:
        await caller.call(
            "setMyShortDescription", lambda: bot.set_my_short_description(wanted_short, code)
        )
