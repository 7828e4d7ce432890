"""First contact: choose a language (preselected from the platform's hint), then a country.

After the country comes a two-line privacy notice and the main menu; a deep link that arrived
before onboarding (`/start faq_<id>`) is honoured once onboarding is done.
"""

from __future__ import annotations

from bot.core import actions, texts
from bot.core.faq import COUNTRIES, LANGUAGES
from bot.core.flows import faq as faq_flow
from bot.core.flows.menu import show_main_menu
from bot.core.messages import Button
from bot.core.turn import Turn


def language_from_hint(hint: str | None) -> str | None:
    """Sild's language for a platform hint such as `ru`, `fi-FI` or `et_EE`, if it speaks it."""
    if not hint:
        return None
    code = hint.replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else None


def start(turn: Turn) -> None:
    """Begin onboarding: with a usable hint go straight to the country, else ask the language."""
    hinted = language_from_hint(turn.inbound.language_hint)
    if hinted and turn.user.language is None:
        set_language(turn, hinted, then_country=True)
    else:
        ask_language(turn)


def ask_language(turn: Turn) -> None:
    """Offer the four languages, each in its own words."""
    turn.go("onboarding.language")
    buttons = [Button(texts.LANGUAGE_NAMES[code], actions.lang(code)) for code in LANGUAGES]
    turn.say(texts.WELCOME, [buttons[:2], buttons[2:]], edit=True)


def ask_country(turn: Turn) -> None:
    """Ask where the person lives."""
    t = turn.t
    turn.go("onboarding.country")
    rows = [
        [Button(texts.country_name(t, code), actions.country(code)) for code in COUNTRIES],
        [Button(t.gettext("Other language"), "ask:language")],
    ]
    turn.say(
        t.gettext("Where do you live? I will answer with the rules and services of that country."),
        rows,
        edit=True,
    )


def set_language(turn: Turn, code: str, *, then_country: bool = False) -> None:
    """Switch the person's language; continue onboarding, or confirm and show the menu."""
    turn.user.language = code
    turn.t = turn.catalogs(code)
    if then_country or turn.user.country is None:
        ask_country(turn)
    else:
        show_main_menu(turn, turn.t.gettext("I will write in English from now on."))


def set_country(turn: Turn, code: str) -> None:
    """Set the country; the first time, finish onboarding with the privacy notice."""
    t = turn.t
    first_time = turn.state.startswith("onboarding") or turn.user.country is None
    turn.user.country = code
    if not first_time:
        show_main_menu(
            turn,
            t.gettext("From now on I answer for %(country)s.")
            % {"country": texts.country_name(t, code)},
        )
        return
    notice = t.gettext(
        "Sild keeps only your language, your country and where you are in the menu.\n"
        "Questions it cannot answer are kept without your name, so the team can add answers."
    )
    notice += "\n" + t.gettext("/privacy tells more, and how to delete your data.")
    pending = turn.conversation.data.get("pending")
    show_main_menu(turn, notice)
    if isinstance(pending, str) and pending.startswith("faq:"):
        del turn.conversation.data["pending"]
        faq_flow.show_entry(turn, pending.removeprefix("faq:"))
    # Other deep links (`ev:<id>`) need the database: the engine opens them next.
