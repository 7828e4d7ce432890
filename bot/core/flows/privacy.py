"""Privacy: what Sild keeps and why (`/privacy`), a copy of it (`/mydata`), deleting it.

    settings ──> privacy ──> privacy.forget ──(Yes, delete)──> everything deleted
        ▲            │              │
        └── menu ────┴──── (No) ────┘

Deleting (`/delete_my_data`, confirmed with a button) cancels the person's upcoming sign-ups
through the event desk (their places go to the waitlist at once), closes an open request and
tells the facilitators, then has the privacy store delete the rest: the profile, the
conversation, and the personal content of sign-ups and requests. The engine saves nothing of the
turn afterwards, so the next message starts from the very beginning.
"""

from __future__ import annotations

import json

from bot.core import texts
from bot.core.flows import handoff
from bot.core.flows.handoff import HandoffDesk
from bot.core.messages import Attachment, Button
from bot.core.ports import PrivacyStore
from bot.core.turn import Turn

EXPORT_FILENAME = "sild-my-data.json"
FORGET_STATE = "privacy.forget"


def _rows(turn: Turn) -> list[list[Button]]:
    t = turn.t
    return [
        [Button(t.gettext("Get a copy of my data"), "mydata")],
        [Button(t.gettext("Delete my data"), "forget")],
        [Button(texts.back_to_menu(t), "menu")],
    ]


def show(turn: Turn, retention_days: int) -> None:
    """What Sild keeps about the person, why, for how long, and who sees it."""
    t = turn.t
    heading = t.gettext("Your privacy in Sild")
    what = t.gettext(
        "What Sild keeps about you, and why:\n"
        "- your language and country, and where you are in the menu, to answer you in the "
        "right way;\n"
        "- your sign-ups for groups and cafés (how many people come, and your name when an "
        "event needs a list), so the organisers know who is coming;\n"
        "- when you talk to a person: your request and its messages, so a facilitator can "
        "help you."
    )
    how_long = t.ngettext(
        "How long: the messages of a request are deleted %(days)d day after it is closed, "
        "unless a facilitator keeps them to protect someone. Everything else stays until you "
        "delete it.",
        "How long: the messages of a request are deleted %(days)d days after it is closed, "
        "unless a facilitator keeps them to protect someone. Everything else stays until you "
        "delete it.",
        retention_days,
    ) % {"days": retention_days}
    who = t.gettext(
        "Who sees it: only the facilitators of our team see requests and sign-up lists. "
        "Questions Sild could not answer (with the topic you then chose, if any) and your Helpful "
        "votes are kept without your name, and phone numbers and identity codes are removed from "
        "them."
    )
    commands = t.gettext(
        "/mydata sends you a file with everything Sild holds about you; /delete_my_data deletes it."
    )
    turn.go("privacy")
    turn.say(f"**{heading}**\n\n{what}\n\n{how_long}\n\n{who}\n\n{commands}", _rows(turn))


async def send_export(turn: Turn, privacy: PrivacyStore | None) -> None:
    """Send the person a JSON file with everything Sild holds about them."""
    t = turn.t
    if privacy is None:
        turn.say(
            t.gettext("A copy of your data is not available here."),
            [[Button(texts.back_to_menu(t), "menu")]],
        )
        return
    inbound = turn.inbound
    data = await privacy.export(inbound.platform.value, inbound.user_id, [inbound.chat])
    # This very conversation as it stands now (the stored one is from before this message).
    data["this_conversation"] = {
        "state": turn.conversation.state,
        "data": dict(turn.conversation.data),
    }
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    turn.say(
        t.gettext("Here is everything Sild holds about you, as a file."),
        [[Button(texts.back_to_menu(t), "menu")]],
        attachments=[Attachment(EXPORT_FILENAME, "application/json", body)],
    )


def ask_forget(turn: Turn) -> None:
    """Ask the person to confirm deleting their data."""
    t = turn.t
    turn.go(FORGET_STATE)
    turn.say(
        t.gettext(
            "Delete everything Sild holds about you? Your language and country, your "
            "conversation, your sign-ups (your places go to others) and the messages of your "
            "requests to a person are deleted for good. This cannot be undone."
        ),
        [
            [Button(t.gettext("Yes, delete my data"), "forgetyes")],
            [Button(t.gettext("No, keep it"), "privacy")],
        ],
    )


async def forget(turn: Turn, privacy: PrivacyStore | None, desk: HandoffDesk | None) -> None:
    """Delete the person's data, once they confirmed it (else ask first)."""
    t = turn.t
    if turn.state != FORGET_STATE:
        ask_forget(turn)
        return
    if privacy is None:
        turn.go("menu")
        turn.say(
            t.gettext("Deleting your data is not available here. Please write to our team."),
            [[Button(texts.back_to_menu(t), "menu")]],
        )
        return
    inbound = turn.inbound
    platform, user_id = inbound.platform.value, inbound.user_id
    if turn.events is not None:
        now = turn.events.now()
        for state, _ in await turn.events.store.sign_ups_of(platform, user_id):
            if not state.cancelled and state.event.end > now:
                await turn.events.cancel_sign_up(state.id, platform, user_id)
    if desk is not None:
        await handoff.close_for_deletion(turn, desk)
    await privacy.forget(platform, user_id, [inbound.chat])
    turn.forgotten = True
    turn.say(
        t.gettext(
            "Done: your data is deleted, and Sild no longer knows anything that could identify "
            "you. If you write again, Sild starts from the beginning."
        ),
        [[Button(t.gettext("Start again"), "menu")]],
    )
