"""The main menu, the category menus and the help text."""

from __future__ import annotations

from bot.core import actions, texts
from bot.core.faq import CATEGORIES
from bot.core.messages import Button
from bot.core.turn import Turn


def main_menu_buttons(turn: Turn) -> list[list[Button]]:
    """The main menu: the four FAQ areas, groups, a person, my sign-ups, and settings."""
    t, country = turn.t, turn.user.country

    def _cat(name: str) -> Button:
        return Button(texts.category_label(t, name, country), actions.category(name))

    settings = Button(t.gettext("Language and country"), "settings")
    last_row = [settings]
    if turn.events is not None:  # sign-ups exist only where the engine has events
        last_row = [Button(t.gettext("My sign-ups"), "mine"), settings]
    return [
        [_cat("health"), _cat("jobs")],
        [_cat("unions"), _cat("living")],
        [Button(texts.groups_and_cafes(t), "events"), Button(texts.talk_to_person(t), "human")],
        last_row,
    ]


def show_main_menu(turn: Turn, intro: str | None = None, *, edit: bool = False) -> None:
    """Show the main menu, optionally after a line of introduction."""
    t = turn.t
    prompt = t.gettext("What would you like to know? Choose a topic, or just type your question.")
    text = f"{intro}\n\n{prompt}" if intro else prompt
    turn.go("menu")
    # An introduction may carry something of the person's (a ticket number, their own words).
    turn.say(text, main_menu_buttons(turn), edit=edit, from_content=intro is None)


def show_category(turn: Turn, category: str) -> None:
    """List a category's questions as buttons."""
    t = turn.t
    entries = turn.knowledge.entries(category, turn.lang, turn.user.country)
    if category not in CATEGORIES or not entries:
        show_main_menu(turn, t.gettext("There is nothing in this topic yet."))
        return
    label = texts.category_label(t, category, turn.user.country)
    count = t.ngettext(
        "%(count)d question. Choose one, or type your own.",
        "%(count)d questions. Choose one, or type your own.",
        len(entries),
    ) % {"count": len(entries)}
    rows: list[list[Button]] = [[Button(e.title, actions.faq(e.id))] for e in entries]
    if category == "community":
        rows.append([Button(texts.groups_and_cafes(t), "events")])
    rows.append([Button(texts.back_to_menu(t), "menu")])
    turn.go(f"category:{category}")
    turn.say(f"**{label}**\n{count}", rows, edit=True, from_content=True)


def show_help(turn: Turn) -> None:
    """Explain how to use Sild, then show the menu."""
    t = turn.t
    text = t.gettext(
        "Choose from the menu, or type your question in your own words: "
        "spelling mistakes are fine.\n\n"
        "If you do not see buttons, reply with the number of a choice.\n\n"
        "/menu: the main menu\n"
        "/language: change the language\n"
        "/country: change the country\n"
        "/help: this help"
    )
    text += "\n" + t.gettext("/privacy: what Sild keeps about you, a copy of it, deleting it")
    turn.go("menu")
    turn.say(text, main_menu_buttons(turn), from_content=True)


def show_settings(turn: Turn) -> None:
    """Offer to change the language or the country, and the privacy screen."""
    t = turn.t
    text = t.gettext("Your language: %(language)s. Your country: %(country)s.") % {
        "language": texts.LANGUAGE_NAMES.get(turn.lang, turn.lang),
        "country": texts.country_name(t, turn.user.country),
    }
    turn.go("menu")
    turn.say(
        text,
        [
            [Button(t.gettext("Change language"), "ask:language")],
            [Button(t.gettext("Change country"), "ask:country")],
            [Button(t.gettext("Privacy and my data"), "privacy")],
            [Button(texts.back_to_menu(t), "menu")],
        ],
        edit=True,
    )


def coming_soon(turn: Turn, what: str) -> None:
    """Say honestly that a flow (groups, handoff) is not open yet, and offer the menu."""
    t = turn.t
    if what == "events":
        text = t.gettext("Signing up for groups and family cafés through Sild is coming soon.")
    else:
        text = t.gettext(
            "Talking to a facilitator through Sild is coming soon. "
            "Until then, the FAQ is here for you, and in an emergency call 112."
        )
    turn.say(text, [[Button(texts.back_to_menu(t), "menu")]])
