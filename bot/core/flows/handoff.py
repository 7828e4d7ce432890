"""Talk to a person: tickets that carry a conversation from Sild to a human facilitator.

For the person: "Talk to a person" asks for a short description (optional), opens a ticket and
says honestly when someone will answer. While the ticket is open their messages go to the
facilitators, not to the FAQ matcher; `/end` closes it. A message signalling immediate danger
gets the emergency numbers at once and marks the ticket urgent.

For facilitators, in their Telegram group or Matrix room (the "places"): a notification per
ticket with Claim / Close; `/claim 12`, `!close 12`, `/unclaim 12`, `/handover 12 telegram:42`,
`/tickets`; the words "claim" or "close" as a reply to a ticket message; and any other reply to a
ticket message (or a message in its thread) is sent to the person. `/preserve 12` keeps a
ticket's messages past the retention period (a safeguarding case), `/unpreserve 12` ends that.
Only configured facilitators can do any of this; anyone else is ignored and the attempt logged.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from gettext import NullTranslations

from babel.dates import format_datetime

from bot.core import texts
from bot.core.messages import Button, ChatRef
from bot.core.ports import OfficeHours, Ticket, TicketStore
from bot.core.turn import Turn

log = logging.getLogger(__name__)

MAX_RELAY_CHARS = 3500
RECENT_QUESTIONS = 5
_TICKET_REF = re.compile(r"#(\d{1,9})\b")
_COMMAND = re.compile(
    r"^[/!](?P<verb>claim|unclaim|close|handover|reply|tickets|preserve|unpreserve)(?:@\S+)?"
    r"(?:\s+#?(?P<number>\d{1,9}))?(?:\s+(?P<rest>.+))?$",
    re.IGNORECASE | re.DOTALL,
)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class HandoffDesk:
    """Everything the handoff flow needs besides the turn: tickets, hours and who may help."""

    tickets: TicketStore
    hours: OfficeHours
    places: tuple[ChatRef, ...]
    facilitators: dict[str, str | None] = field(default_factory=dict)
    """`platform:user_id` of each facilitator, with the name they chose to show (or None)."""
    language: str = "en"
    clock: Callable[[], datetime] = _now
    retention_days: int = 90
    """Days after a ticket closes until its messages are purged (unless it is preserved)."""

    def is_place(self, chat: ChatRef) -> bool:
        """Whether a chat is one of the facilitator places."""
        return chat in self.places

    def is_facilitator(self, platform: str, user_id: str) -> bool:
        """Whether a user is a configured facilitator."""
        return f"{platform}:{user_id}" in self.facilitators


def thread_key(ticket_id: int) -> str:
    """The logical thread of a ticket in the facilitator places."""
    return f"ticket:{ticket_id}"


def _status_title(t: NullTranslations, ticket: Ticket) -> str:
    if ticket.status == "closed":
        status = t.gettext("closed")
    elif ticket.status == "claimed":
        status = t.gettext("claimed by %(name)s") % {"name": _who(ticket)}
    else:
        status = t.gettext("waiting")
    urgent = "⚠️ " if ticket.urgent and ticket.status != "closed" else ""
    return f"{urgent}#{ticket.id} · {status} · {ticket.language} {ticket.country or ''}".strip()


def _who(ticket: Ticket) -> str:
    return ticket.claimed_by_name or ticket.claimed_by or "?"


def _tell_places(turn: Turn, desk: HandoffDesk, ticket: Ticket, text: str, buttons: bool) -> None:
    t = turn.catalogs(desk.language)
    rows: list[list[Button]] = []
    if buttons and ticket.status != "closed":
        if ticket.status == "waiting":
            rows.append([Button(t.gettext("Claim"), f"tk:claim:{ticket.id}")])
        rows.append([Button(t.gettext("Close"), f"tk:close:{ticket.id}")])
    for place in desk.places:
        turn.tell(
            place,
            text,
            rows,
            thread=thread_key(ticket.id),
            thread_title=_status_title(t, ticket),
        )


# --- the person's side -------------------------------------------------------------------------


def start(turn: Turn, desk: HandoffDesk | None) -> None:
    """ "Talk to a person": ask for a short description, or say there is a ticket already."""
    t = turn.t
    if desk is None or not desk.places:
        turn.say(
            t.gettext("Talking to a facilitator is not set up here yet. In an emergency call 112."),
            [[Button(texts.back_to_menu(t), "menu")]],
        )
        return
    turn.go("handoff.describe")
    turn.say(
        t.gettext(
            "I will pass you to a facilitator, a person from our team. "
            "In a few words, what would you like help with? (You can also skip this.)"
        ),
        [[Button(t.gettext("Skip"), "hskip")], [Button(t.gettext("Cancel"), "menu")]],
    )


async def open_ticket(
    turn: Turn, desk: HandoffDesk, description: str, urgent: bool = False
) -> Ticket:
    """Open a ticket, tell the facilitators, and tell the person honestly what happens next."""
    t = turn.t
    description = description.strip()[:MAX_RELAY_CHARS]
    ticket = await desk.tickets.open_ticket(
        turn.inbound.chat, turn.inbound.user_id, turn.lang, turn.user.country, description, urgent
    )
    if description:
        await desk.tickets.add_message(ticket.id, turn.inbound.user_id, "in", description)
    turn.conversation.data["ticket"] = ticket.id
    turn.conversation.data["told_relay"] = True
    turn.go("handoff.open")
    _notify_new(turn, desk, ticket)
    now = desk.clock()
    if desk.hours.is_open(now, turn.user.country):
        when = t.gettext("Facilitators are on duty now, so someone should answer soon.")
    else:
        opening = desk.hours.next_opening(now, turn.user.country)
        when = t.gettext(
            "Facilitators are not on duty right now. They will answer from %(when)s."
        ) % {"when": format_datetime(opening, "EEEE d MMMM, HH:mm", locale=turn.lang)}
    turn.say(
        t.gettext("Your request number is %(number)d.") % {"number": ticket.id}
        + " "
        + when
        + "\n\n"
        + t.gettext("You are talking with a person now; /end returns to the menu."),
    )
    return ticket


def _notify_new(turn: Turn, desk: HandoffDesk, ticket: Ticket) -> None:
    t = turn.catalogs(desk.language)
    lines = [
        ("⚠️ " if ticket.urgent else "")
        + t.gettext("**New request #%(number)d**") % {"number": ticket.id},
        t.gettext("Language: %(language)s · country: %(country)s")
        % {"language": ticket.language, "country": ticket.country or "?"},
    ]
    if turn.inbound.display_name:
        lines.append(
            t.gettext("Name: %(name)s")
            % {"name": texts.escape_markdown(turn.inbound.display_name[:100])}
        )
    if ticket.description:
        lines.append(
            t.gettext("They wrote: %(text)s") % {"text": texts.escape_markdown(ticket.description)}
        )
    recent = [q for q in turn.conversation.data.get("recent", []) if isinstance(q, str)]
    if recent:
        lines.append(t.gettext("Their last questions to Sild:"))
        lines.extend(f"- {texts.escape_markdown(q)}" for q in recent[-RECENT_QUESTIONS:])
    lines.append(t.gettext("Reply to this message to answer them."))
    _tell_places(turn, desk, ticket, "\n".join(lines), buttons=True)


async def relay_from_person(turn: Turn, desk: HandoffDesk, ticket: Ticket, text: str) -> None:
    """Pass a person's message to the facilitators; say once that a person reads it now."""
    text = text[:MAX_RELAY_CHARS]
    await desk.tickets.add_message(ticket.id, turn.inbound.user_id, "in", text)
    t = turn.catalogs(desk.language)
    body = t.gettext("#%(number)d writes:") % {"number": ticket.id}
    _tell_places(turn, desk, ticket, f"{body}\n{texts.escape_markdown(text)}", buttons=False)
    if not turn.conversation.data.get("told_relay"):
        turn.conversation.data["told_relay"] = True
        turn.say(turn.t.gettext("You are talking with a person now; /end returns to the menu."))


async def end_by_person(turn: Turn, desk: HandoffDesk) -> None:
    """The person's `/end`: close their ticket and tell the facilitators."""
    ticket = await desk.tickets.open_ticket_for(turn.inbound.chat)
    turn.conversation.data.pop("ticket", None)
    turn.conversation.data.pop("told_relay", None)
    if ticket is not None:
        closed = await desk.tickets.close(ticket.id)
        if closed is not None:
            t = turn.catalogs(desk.language)
            _tell_places(
                turn,
                desk,
                closed,
                t.gettext("#%(number)d was ended by the person.") % {"number": closed.id},
                False,
            )


async def close_for_deletion(turn: Turn, desk: HandoffDesk) -> None:
    """The person deleted their data: close their open ticket and tell the facilitators."""
    ticket = await desk.tickets.open_ticket_for(turn.inbound.chat)
    if ticket is None:
        return
    closed = await desk.tickets.close(ticket.id)
    if closed is None:
        return
    t = turn.catalogs(desk.language)
    _tell_places(
        turn,
        desk,
        closed,
        t.gettext(
            "#%(number)d: the person deleted their data in Sild. The request is closed and its "
            "messages are deleted; please delete what you copied elsewhere."
        )
        % {"number": closed.id},
        False,
    )


async def crisis(turn: Turn, desk: HandoffDesk | None, text: str) -> None:
    """Immediate danger: the numbers at once; the facilitators see an urgent ticket."""
    t = turn.t
    turn.say(
        turn.knowledge.crisis_message(turn.lang, turn.user.country),
        [[Button(texts.talk_to_person(t), "human")], [Button(texts.back_to_menu(t), "menu")]],
    )
    if desk is None or not desk.places:
        return
    ticket = await desk.tickets.open_ticket_for(turn.inbound.chat)
    if ticket is None:
        await open_ticket(turn, desk, text, urgent=True)
        return
    if not ticket.urgent:
        await desk.tickets.mark_urgent(ticket.id)
        ticket.urgent = True
    await relay_from_person(turn, desk, ticket, text)


async def rate(turn: Turn, desk: HandoffDesk | None, arg: str) -> bool:
    """Store the person's 1–5 rating of a closed ticket; False when the rating is not valid."""
    number, _, stars = arg.partition(":")
    if desk is None or not await desk.tickets.rate(int(number), turn.inbound.chat, int(stars)):
        return False
    t = turn.t
    turn.say(t.gettext("Thank you for your rating!"), [[Button(texts.back_to_menu(t), "menu")]])
    return True


# --- the facilitators' side --------------------------------------------------------------------


def _ticket_number(turn: Turn, explicit: str | None) -> int | None:
    if explicit:
        return int(explicit)
    thread = turn.inbound.thread or ""
    if thread.startswith("ticket:") and thread[7:].isascii() and thread[7:].isdigit():
        return int(thread[7:])
    found = _TICKET_REF.search(turn.inbound.reply_to_text or "")
    return int(found.group(1)) if found else None


async def in_place(turn: Turn, desk: HandoffDesk) -> None:
    """A message or button press in a facilitator place."""
    inbound = turn.inbound
    platform = inbound.platform.value
    if not desk.is_facilitator(platform, inbound.user_id):
        if inbound.action or (inbound.text or "").startswith(("/", "!")) or inbound.reply_to_text:
            log.warning("refused a facilitator action by %s:%s", platform, inbound.user_id)
        return
    t = turn.catalogs(desk.language)
    me = f"{platform}:{inbound.user_id}"
    if inbound.action is not None:
        verb, _, digits = inbound.action.removeprefix("tk:").partition(":")
        if inbound.action.startswith("tk:") and digits.isascii() and digits.isdigit():
            await _act(turn, desk, t, me, verb, int(digits), "")
        return
    text = (inbound.text or "").strip()
    command = _COMMAND.match(text)
    if command:
        verb = command["verb"].lower()
        if verb == "tickets":
            await _list(turn, desk, t)
            return
        wanted = _ticket_number(turn, command["number"])
        if wanted is None:
            turn.say(
                t.gettext("Which request? Add its number, for example /%(verb)s 12.")
                % {"verb": verb}
            )
            return
        await _act(turn, desk, t, me, verb, wanted, (command["rest"] or "").strip())
        return
    replied = _ticket_number(turn, None)
    if replied is None:
        return  # facilitators talking among themselves
    word = text.casefold().strip(" .!")
    if word in ("claim", "unclaim", "close"):
        await _act(turn, desk, t, me, word, replied, "")
    elif text:
        await _act(turn, desk, t, me, "reply", replied, text)


async def _act(
    turn: Turn, desk: HandoffDesk, t: NullTranslations, me: str, verb: str, number: int, rest: str
) -> None:
    ticket = await desk.tickets.get_ticket(number)
    if ticket is None:
        turn.say(t.gettext("There is no request #%(number)d.") % {"number": number})
        return
    name = desk.facilitators.get(me)
    if verb == "claim":
        result = await desk.tickets.claim(number, me, name or me)
        if result.ok and result.ticket is not None:
            _tell_places(
                turn,
                desk,
                result.ticket,
                t.gettext("#%(number)d claimed by %(name)s.")
                % {"number": number, "name": _who(result.ticket)},
                True,
            )
            pt = turn.catalogs(ticket.language)
            turn.tell(
                ticket.chat,
                pt.gettext("A facilitator has taken your request and will answer you here."),
                key=f"ticket:{number}:claimed",
            )
        elif ticket.status == "closed":
            turn.say(t.gettext("#%(number)d is already closed.") % {"number": number})
        else:
            current = result.ticket or ticket
            turn.say(
                t.gettext("#%(number)d is already taken by %(name)s.")
                % {"number": number, "name": _who(current)}
            )
    elif verb == "unclaim":
        if await desk.tickets.unclaim(number, me):
            fresh = await desk.tickets.get_ticket(number) or ticket
            _tell_places(
                turn,
                desk,
                fresh,
                t.gettext("#%(number)d is waiting again.") % {"number": number},
                True,
            )
        else:
            turn.say(
                t.gettext("Only whoever claimed #%(number)d can give it back.") % {"number": number}
            )
    elif verb == "handover":
        target = rest.split()[0] if rest else ""
        if target not in desk.facilitators:
            turn.say(
                t.gettext(
                    "Hand over to whom? Give a facilitator id, "
                    "for example /handover 12 telegram:123456."
                )
            )
            return
        moved = await desk.tickets.hand_over(
            number, target, desk.facilitators.get(target) or target
        )
        if moved is None:
            turn.say(t.gettext("#%(number)d is already closed.") % {"number": number})
        else:
            _tell_places(
                turn,
                desk,
                moved,
                t.gettext("#%(number)d handed over to %(name)s.")
                % {"number": number, "name": _who(moved)},
                True,
            )
    elif verb == "close":
        closed = await desk.tickets.close(number)
        if closed is None:
            turn.say(t.gettext("#%(number)d is already closed.") % {"number": number})
            return
        _tell_places(
            turn, desk, closed, t.gettext("#%(number)d closed.") % {"number": number}, False
        )
        pt = turn.catalogs(ticket.language)
        stars = [Button("⭐" * n, f"rate:{number}:{n}") for n in range(1, 6)]
        turn.tell(
            ticket.chat,
            pt.gettext(
                "The facilitator has closed this conversation. How helpful was it, from 1 to 5?"
            ),
            [stars[:3], stars[3:], [Button(texts.back_to_menu(pt), "menu")]],
            key=f"ticket:{number}:closed",
        )
    elif verb in ("preserve", "unpreserve"):
        await _preserve(turn, desk, t, number, verb == "preserve")
    elif verb == "reply":
        await _reply(turn, desk, t, me, ticket, rest)


async def _preserve(
    turn: Turn, desk: HandoffDesk, t: NullTranslations, number: int, keep: bool
) -> None:
    """Exempt a ticket from the automatic purge of its messages, or end the exemption."""
    await desk.tickets.set_preserve(number, keep)
    if keep:
        text = t.gettext(
            "#%(number)d is preserved: its messages are kept until someone writes "
            "/unpreserve %(number)d."
        ) % {"number": number}
    else:
        text = t.ngettext(
            "#%(number)d is no longer preserved: its messages are deleted %(days)d day after "
            "it is closed.",
            "#%(number)d is no longer preserved: its messages are deleted %(days)d days after "
            "it is closed.",
            desk.retention_days,
        ) % {"number": number, "days": desk.retention_days}
    turn.say(text)


async def _reply(
    turn: Turn, desk: HandoffDesk, t: NullTranslations, me: str, ticket: Ticket, text: str
) -> None:
    if ticket.status == "closed":
        turn.say(
            t.gettext("#%(number)d is closed: the person did not get this.") % {"number": ticket.id}
        )
        return
    if not text:
        return
    text = text[:MAX_RELAY_CHARS]
    if ticket.status == "waiting":
        result = await desk.tickets.claim(ticket.id, me, desk.facilitators.get(me) or me)
        if result.ok and result.ticket is not None:
            ticket = result.ticket
            _tell_places(
                turn,
                desk,
                ticket,
                t.gettext("#%(number)d claimed by %(name)s.")
                % {"number": ticket.id, "name": _who(ticket)},
                True,
            )
    await desk.tickets.add_message(ticket.id, me, "out", text)
    pt = turn.catalogs(ticket.language)
    name = desk.facilitators.get(me)
    who = pt.gettext("Facilitator %(name)s") % {"name": name} if name else pt.gettext("Facilitator")
    turn.tell(
        ticket.chat,
        f"💬 **{texts.escape_markdown(who)}:**\n{texts.escape_markdown(text)}",
        key=f"ticket:{ticket.id}:out:{uuid.uuid4().hex}",
    )


async def _list(turn: Turn, desk: HandoffDesk, t: NullTranslations) -> None:
    open_tickets = await desk.tickets.list_open()
    if not open_tickets:
        turn.say(t.gettext("No open requests."))
        return
    lines = [_status_title(t, ticket) for ticket in open_tickets]
    turn.say("\n".join(f"- {line}" for line in lines))


def unclaimed_reminders(
    desk: HandoffDesk, tickets: list[Ticket], t: NullTranslations
) -> list[tuple[ChatRef, str, str]]:
    """Reminder texts for the facilitator places about tickets nobody has claimed yet."""
    out = []
    for ticket in tickets:
        text = t.gettext(
            "Reminder: request #%(number)d is still waiting for someone to claim it."
        ) % {"number": ticket.id}
        for place in desk.places:
            out.append((place, text, thread_key(ticket.id)))
    return out
