"""Groups and cafés: find an event, sign up (or join the waitlist), see and cancel sign-ups.

States (kept in the database with the rest of the conversation):

    events ──> event:<id> ──> events.adults ──> events.children ──> events.name ──> signed up
      ▲            │            (cafés only)      (cafés only)     (only if names
      │            │                                                are needed)
      └── mine ────┴──> event.leave:<id> ──> cancelled

What is being signed up for is kept in `conversation.data["signup"]` until the place is taken.
Facilitators (configured users) also get commands here: `/events`, `/signups ID`, `/export ID`,
`/broadcast ID TEXT` and `/cancel_event ID`; everyone else is refused.
"""

from __future__ import annotations

import logging
from gettext import NullTranslations
from typing import Any

from bot.core import actions, eventtexts, texts
from bot.core.eventdesk import EventDesk
from bot.core.events import EventState, SignUpResult, SignUpStatus
from bot.core.messages import Button
from bot.core.ports import PersonRef
from bot.core.turn import Turn

log = logging.getLogger(__name__)

MAX_LISTED = 8
MAX_NAME_CHARS = 100
PARTY_BUTTONS = 9
FACILITATOR_COMMANDS = frozenset({"events", "signups", "export", "broadcast", "cancel_event"})


def _back_rows(turn: Turn) -> list[list[Button]]:
    t = turn.t
    return [
        [Button(texts.groups_and_cafes(t), "events")],
        [Button(texts.back_to_menu(t), "menu")],
    ]


def _desk(turn: Turn) -> EventDesk:
    if turn.events is None:
        raise RuntimeError("the events flow needs an EventDesk")
    return turn.events


def _me(turn: Turn) -> PersonRef:
    inbound = turn.inbound
    return PersonRef(inbound.platform.value, inbound.user_id, inbound.chat.chat_id)


# --- finding events ----------------------------------------------------------------------------


async def show_list(turn: Turn) -> None:
    """Upcoming events in the person's language, events in their country first."""
    t, desk = turn.t, _desk(turn)
    now = desk.now()
    country = turn.user.country
    upcoming = [state for state in await desk.store.listed() if state.upcoming(now)]
    upcoming.sort(key=lambda s: (s.event.country != country, s.event.start, s.id))
    turn.go("events")
    rows: list[list[Button]] = []
    if not upcoming:
        text = t.gettext("There are no upcoming groups or cafés right now. Please look again soon.")
    else:
        shown = upcoming[:MAX_LISTED]
        parts = [f"**{texts.groups_and_cafes(t)}**"]
        parts += [eventtexts.summary(t, state, turn.lang) for state in shown]
        parts.append(t.gettext("Choose one for the details and to sign up."))
        text = "\n\n".join(parts)
        rows = [
            [Button(state.event.title_in(turn.lang)[:60], actions.event(state.id))]
            for state in shown
        ]
    rows.append([Button(t.gettext("My sign-ups"), "mine")])
    rows.append([Button(texts.back_to_menu(t), "menu")])
    turn.say(text, rows, edit=True)


async def show_event(turn: Turn, event_id: str) -> None:
    """An event's details, with the one next step: sign up, join the waitlist, or cancel."""
    t, desk = turn.t, _desk(turn)
    now = desk.now()
    me = _me(turn)
    state = await desk.store.get(event_id)
    mine = await desk.store.sign_up_of(event_id, me.platform, me.user_id) if state else None
    if state is None or (not state.listed and mine is None):
        turn.say(t.gettext("Sorry, that event is no longer available."))
        await show_list(turn)
        return
    text = eventtexts.details(t, state, turn.lang, now)
    rows: list[list[Button]] = []
    if mine is not None:
        text += "\n\n" + eventtexts.status_line(t, state, mine)
        if state.event.is_cafe:
            text += " " + eventtexts.party_line(t, mine)
        if not state.cancelled:
            if mine.status is SignUpStatus.CONFIRMED:
                rows.append(
                    [Button(t.gettext("Calendar file"), actions.event_verb("ics", event_id))]
                )
            rows.append(
                [Button(t.gettext("Cancel my place"), actions.event_verb("leave", event_id))]
            )
    elif state.open_for_signup(now):
        if state.full:
            rows.append(
                [Button(t.gettext("Join the waitlist"), actions.event_verb("wait", event_id))]
            )
        else:
            rows.append([Button(t.gettext("Sign up"), actions.event_verb("join", event_id))])
    rows.extend(_back_rows(turn))
    turn.go(f"event:{event_id}")
    turn.say(text, rows)


# --- signing up --------------------------------------------------------------------------------


def _signup(turn: Turn) -> dict[str, Any]:
    data = turn.conversation.data.get("signup")
    return data if isinstance(data, dict) else {}


async def start_signup(turn: Turn, event_id: str, *, waitlist: bool) -> None:
    """Begin signing up: ask what the event needs to know, or take the place at once."""
    t, desk = turn.t, _desk(turn)
    me = _me(turn)
    state = await desk.store.get(event_id)
    if state is None or not state.open_for_signup(desk.now()):
        turn.say(t.gettext("Sorry, sign-up for this event has closed."))
        await show_list(turn)
        return
    if await desk.store.sign_up_of(event_id, me.platform, me.user_id) is not None:
        await show_event(turn, event_id)
        return
    previous = _signup(turn)
    if waitlist and previous.get("event") == event_id and _complete(state, previous):
        previous["waitlist"] = True
        await _finish(turn, state)
        return
    turn.conversation.data["signup"] = {"event": event_id, "waitlist": waitlist}
    await _next_question(turn, state)


def _complete(state: EventState, data: dict[str, Any]) -> bool:
    """Whether everything the event needs has been asked."""
    if "adults" not in data or "children" not in data:
        return False
    return not state.event.needs_names or bool(data.get("name"))


async def _next_question(turn: Turn, state: EventState) -> None:
    data = _signup(turn)
    if not state.event.is_cafe:
        data.setdefault("adults", 1)
        data.setdefault("children", 0)
    if "adults" not in data:
        _ask_count(turn, state, children=False)
    elif "children" not in data:
        _ask_count(turn, state, children=True)
    elif state.event.needs_names and not data.get("name"):
        _ask_name(turn, state)
    else:
        await _finish(turn, state)


def _ask_count(turn: Turn, state: EventState, *, children: bool) -> None:
    """Ask how many adults or children come; the buttons are numbered as they are labelled."""
    t = turn.t
    title = state.event.title_in(turn.lang)
    if children:
        question = t.gettext("How many children are coming?")
        free = t.ngettext(
            "%(count)d place for children is free.",
            "%(count)d places for children are free.",
            state.children_left,
        ) % {"count": state.children_left}
        make = actions.children
    else:
        question = t.gettext("How many adults are coming, you included?")
        free = t.ngettext(
            "%(count)d place for adults is free.",
            "%(count)d places for adults are free.",
            state.adults_left,
        ) % {"count": state.adults_left}
        make = actions.adults
    numbers = [Button(str(n), make(n)) for n in range(1, PARTY_BUTTONS + 1)]
    rows = [numbers[i : i + 3] for i in range(0, len(numbers), 3)]
    if children:
        rows.append([Button(t.gettext("No children"), actions.children(0))])
    rows.append([Button(t.gettext("Back"), actions.event(state.id))])
    turn.go("events.children" if children else "events.adults")
    turn.say(f"**{title}**\n{question}\n{free}", rows)


def _ask_name(turn: Turn, state: EventState) -> None:
    t = turn.t
    event = state.event
    turn.go("events.name")
    turn.say(
        t.gettext("Please type your first and last name for the list.")
        + "\n"
        + t.gettext("Why: %(reason)s") % {"reason": event.text(event.names_reason, turn.lang)},
        [[Button(t.gettext("Back"), actions.event(state.id))]],
    )


async def set_count(turn: Turn, children: bool, count: int) -> None:
    """A count was chosen (a button or a typed number) while signing up for a café."""
    desk = _desk(turn)
    data = _signup(turn)
    expected = "events.children" if children else "events.adults"
    state = await desk.store.get(str(data.get("event", "")))
    if state is None or turn.state != expected:
        turn.say(turn.t.gettext("That choice is no longer available."))
        await show_list(turn)
        return
    data["children" if children else "adults"] = count
    await _next_question(turn, state)


async def on_text(turn: Turn, text: str) -> bool:
    """Typed text while signing up (a name, a number of people); False if it is not for us."""
    state_name = turn.state
    if state_name in ("events.adults", "events.children"):
        candidate = text.strip().rstrip(".)")
        children = state_name == "events.children"
        if candidate.isascii() and candidate.isdigit() and len(candidate) <= 2:
            count = int(candidate)
            if (0 if children else 1) <= count <= actions.MAX_PARTY_BUTTON:
                await set_count(turn, children, count)
                return True
        desk = _desk(turn)
        state = await desk.store.get(str(_signup(turn).get("event", "")))
        if state is None:
            return False
        turn.say(turn.t.gettext("Please choose a number from the buttons, or type it."))
        _ask_count(turn, state, children=children)
        return True
    if state_name == "events.name":
        desk = _desk(turn)
        data = _signup(turn)
        state = await desk.store.get(str(data.get("event", "")))
        if state is None:
            return False
        name = " ".join(text.split())[:MAX_NAME_CHARS]
        if len(name) < 2:
            _ask_name(turn, state)
            return True
        data["name"] = name
        await _next_question(turn, state)
        return True
    return False


async def _finish(turn: Turn, state: EventState) -> None:
    """Take the place (or the waitlist place) and confirm with a calendar file."""
    t, desk = turn.t, _desk(turn)
    data = _signup(turn)
    event = state.event
    outcome = await desk.store.sign_up(
        state.id,
        _me(turn),
        adults=int(data.get("adults", 1)),
        children=int(data.get("children", 0)),
        name=data.get("name"),
        waitlist=bool(data.get("waitlist")),
        now=desk.now(),
    )
    title = event.title_in(turn.lang)
    rows = [
        [Button(t.gettext("My sign-ups"), "mine")],
        [Button(texts.back_to_menu(t), "menu")],
    ]
    if outcome.result is SignUpResult.FULL:
        fresh = await desk.store.get(state.id) or state
        text = t.gettext("Sorry, there are not enough free places for you right now.")
        text += "\n" + eventtexts.places_line(t, fresh)
        offer = [[Button(t.gettext("Join the waitlist"), actions.event_verb("wait", state.id))]]
        if event.is_cafe:
            offer.append(
                [Button(t.gettext("Change the numbers"), actions.event_verb("join", state.id))]
            )
        turn.go(f"event:{state.id}")
        turn.say(f"**{title}**\n{text}", [*offer, *_back_rows(turn)])
        return
    turn.conversation.data.pop("signup", None)
    if outcome.result is SignUpResult.CLOSED:
        turn.say(t.gettext("Sorry, sign-up for this event has closed."))
        await show_list(turn)
        return
    if outcome.result is SignUpResult.ALREADY:
        await show_event(turn, state.id)
        return
    participant = outcome.participant
    turn.go("menu")
    if outcome.result is SignUpResult.WAITLISTED:
        number = participant.queue if participant and participant.queue else 1
        text = t.gettext(
            "**%(title)s** is full, so you are on the waitlist: number %(number)d. "
            "If a place comes free, it is yours and I will tell you at once."
        ) % {"title": title, "number": number}
        turn.say(text, rows)
        return
    lines = [
        t.gettext("You are signed up for **%(title)s**. Welcome!") % {"title": title},
        eventtexts.when_line(t, event, turn.lang),
        eventtexts.place_line(t, event),
    ]
    if event.is_cafe and participant is not None:
        lines.append(eventtexts.party_line(t, participant))
    lines.append(t.gettext("The calendar file is attached: open it to add the dates."))
    lines.append(
        t.gettext("If you cannot come, cancel in My sign-ups so someone else can take the place.")
    )
    turn.say(
        "\n".join(line for line in lines if line),
        rows,
        attachments=[eventtexts.calendar_file(event, turn.lang)],
    )


# --- my sign-ups and cancelling -----------------------------------------------------------------


async def show_mine(turn: Turn) -> None:
    """The person's sign-ups, each with its cancel button."""
    t, desk = turn.t, _desk(turn)
    me = _me(turn)
    now = desk.now()
    mine = [
        (state, p)
        for state, p in await desk.store.sign_ups_of(me.platform, me.user_id)
        if state.event.end > now
    ]
    turn.go("events.mine")
    if not mine:
        turn.say(t.gettext("You have not signed up for anything yet."), _back_rows(turn))
        return
    heading = t.gettext("My sign-ups")
    parts = [f"**{heading}**"]
    rows: list[list[Button]] = []
    for state, participant in mine:
        title = state.event.title_in(turn.lang)
        line = f"**{title}**\n{eventtexts.when_line(t, state.event, turn.lang)}\n"
        line += eventtexts.status_line(t, state, participant)
        parts.append(line)
        rows.append([Button(title[:60], actions.event(state.id))])
        if not state.cancelled:
            label = t.gettext("Cancel: %(title)s") % {"title": title}
            rows.append([Button(label[:64], actions.event_verb("leave", state.id))])
    turn.say("\n\n".join(parts), [*rows, *_back_rows(turn)])


async def ask_leave(turn: Turn, event_id: str) -> None:
    """Ask to confirm a cancellation, or say whom to tell when it is too late for Sild."""
    t, desk = turn.t, _desk(turn)
    me = _me(turn)
    state = await desk.store.get(event_id)
    mine = await desk.store.sign_up_of(event_id, me.platform, me.user_id)
    if state is None or mine is None or state.cancelled:
        await show_mine(turn)
        return
    title = state.event.title_in(turn.lang)
    if mine.status is SignUpStatus.CONFIRMED and desk.now() >= state.event.cancel_cutoff:
        turn.say(
            t.gettext(
                "It is too late to cancel **%(title)s** through Sild. "
                "If you cannot come, please tell %(contact)s."
            )
            % {"title": title, "contact": texts.escape_markdown(state.event.late_cancel_contact)},
            _back_rows(turn),
        )
        return
    turn.go(f"event.leave:{event_id}")
    turn.say(
        t.gettext("Cancel your place at **%(title)s**?") % {"title": title},
        [
            [Button(t.gettext("Yes, cancel it"), actions.event_verb("drop", event_id))],
            [Button(t.gettext("No, keep it"), "mine")],
        ],
    )


async def leave(turn: Turn, event_id: str) -> None:
    """Cancel the person's place; the first person waiting moves up and is told at once."""
    t, desk = turn.t, _desk(turn)
    me = _me(turn)
    state = await desk.store.get(event_id)
    mine = await desk.store.sign_up_of(event_id, me.platform, me.user_id)
    if state is None or mine is None or turn.state != f"event.leave:{event_id}":
        await show_mine(turn)
        return
    if mine.status is SignUpStatus.CONFIRMED and desk.now() >= state.event.cancel_cutoff:
        await ask_leave(turn, event_id)
        return
    outcome = await desk.cancel_sign_up(event_id, me.platform, me.user_id)
    title = state.event.title_in(turn.lang)
    turn.go("menu")
    if outcome.was is SignUpStatus.WAITLISTED:
        text = t.gettext("You are off the waitlist for **%(title)s**.") % {"title": title}
    else:
        text = t.gettext(
            "Your place at **%(title)s** is cancelled. Thank you for telling us: "
            "someone else can come now."
        ) % {"title": title}
    turn.say(text, _back_rows(turn))


async def send_calendar(turn: Turn, event_id: str) -> None:
    """The calendar file again, for a confirmed sign-up."""
    t, desk = turn.t, _desk(turn)
    me = _me(turn)
    state = await desk.store.get(event_id)
    mine = await desk.store.sign_up_of(event_id, me.platform, me.user_id)
    if state is None or mine is None or mine.status is not SignUpStatus.CONFIRMED:
        await show_event(turn, event_id)
        return
    turn.say(
        t.gettext("The calendar file for **%(title)s**.")
        % {"title": state.event.title_in(turn.lang)},
        _back_rows(turn),
        attachments=[eventtexts.calendar_file(state.event, turn.lang)],
    )


# --- facilitators ------------------------------------------------------------------------------


def refuse(turn: Turn) -> None:
    """Say no to someone who is not a facilitator, and offer what they can do."""
    log.warning(
        "refused a facilitator action by %s:%s", turn.inbound.platform.value, turn.inbound.user_id
    )
    turn.say(turn.t.gettext("Sorry, only facilitators can do that."), _back_rows(turn))


async def facilitator_command(turn: Turn, command: str, argument: str) -> None:
    """`/events`, `/signups ID`, `/export ID`, `/broadcast ID TEXT`, `/cancel_event ID`."""
    if not turn.facilitator or turn.events is None:
        refuse(turn)
        return
    t = turn.t
    event_id, _, rest = argument.strip().partition(" ")
    event_id = event_id.strip().lower()
    if command == "events":
        await facilitator_overview(turn)
        return
    if not event_id or actions.parse(actions.event(event_id)) is None:
        turn.say(
            t.gettext("Which event? Write the command and the event id, for example %(example)s.")
            % {"example": texts.escape_markdown(f"/{command} family-cafe-kulturbad")}
        )
        await facilitator_overview(turn)
        return
    if command == "signups":
        await facilitator_signups(turn, event_id)
    elif command == "export":
        await facilitator_export(turn, event_id)
    elif command == "broadcast":
        await facilitator_broadcast(turn, event_id, rest)
    else:
        await facilitator_ask_cancel(turn, event_id)


async def facilitator_action(turn: Turn, verb: str, event_id: str) -> None:
    """The facilitators' buttons: sign-up list, CSV export, confirmed event cancellation."""
    if not turn.facilitator or turn.events is None:
        refuse(turn)
        return
    if verb == "fsu":
        await facilitator_signups(turn, event_id)
    elif verb == "fcsv":
        await facilitator_export(turn, event_id)
    else:
        await facilitator_cancel(turn, event_id)


def _counts(t: NullTranslations, state: EventState) -> str:
    event = state.event
    if event.is_cafe:
        confirmed = t.gettext(
            "adults %(adults)d/%(adult_places)d, children %(children)d/%(child_places)d"
        ) % {
            "adults": state.taken_adults,
            "adult_places": event.capacity_adults,
            "children": state.taken_children,
            "child_places": event.capacity_children,
        }
    else:
        confirmed = t.gettext("%(taken)d/%(places)d confirmed") % {
            "taken": state.taken_adults,
            "places": event.capacity_adults,
        }
    waiting = t.gettext("waitlist: %(count)d") % {"count": state.waitlisted}
    return f"{confirmed}, {waiting}"


async def facilitator_overview(turn: Turn) -> None:
    """Every event with its counts, for facilitators."""
    t, desk = turn.t, _desk(turn)
    states = await desk.store.all_events()
    now = desk.now()
    heading = t.gettext("Events and sign-ups")
    lines = [f"**{heading}**"]
    rows: list[list[Button]] = []
    for state in states:
        if state.event.end < now:
            continue
        flags = []
        if state.cancelled:
            flags.append(t.gettext("cancelled"))
        if not state.listed:
            flags.append(t.gettext("not listed"))
        flag = f" ({', '.join(flags)})" if flags else ""
        when = eventtexts.format_moment(state.event.start, turn.lang, state.event.time_zone)
        lines.append(
            f"{texts.escape_markdown(state.id)}{flag}\n{state.event.title_in(turn.lang)} · {when}\n"
            + _counts(t, state)
        )
        rows.append(
            [Button(state.event.title_in(turn.lang)[:60], actions.event_verb("fsu", state.id))]
        )
    if len(lines) == 1:
        lines.append(t.gettext("There are no upcoming events."))
    rows.append([Button(texts.back_to_menu(t), "menu")])
    turn.say("\n\n".join(lines), rows)


def _no_such_event(turn: Turn, event_id: str) -> None:
    turn.say(turn.t.gettext("There is no event %(id)s.") % {"id": texts.escape_markdown(event_id)})


async def facilitator_signups(turn: Turn, event_id: str) -> None:
    """The sign-up list of one event."""
    t, desk = turn.t, _desk(turn)
    state = await desk.store.get(event_id)
    if state is None:
        _no_such_event(turn, event_id)
        return
    people = await desk.store.participants(event_id)
    lines = [f"**{state.event.title_in(turn.lang)}**", _counts(t, state)]
    for number, person in enumerate(people, 1):
        who = texts.escape_markdown(person.name) if person.name else t.gettext("(no name asked)")
        status = (
            t.gettext("waitlist %(number)d") % {"number": person.queue or 0}
            if person.status is SignUpStatus.WAITLISTED
            else t.gettext("confirmed")
        )
        party = eventtexts.party_line(t, person) if state.event.is_cafe else ""
        lines.append(f"{number}. {who} · {status}" + (f" · {party}" if party else ""))
    if not people:
        lines.append(t.gettext("Nobody has signed up yet."))
    rows = [[Button(t.gettext("Export as CSV"), actions.event_verb("fcsv", event_id))]]
    if not state.cancelled:
        rows.append([Button(t.gettext("Cancel the event"), actions.event_verb("fcx", event_id))])
    rows.append([Button(texts.back_to_menu(t), "menu")])
    turn.say("\n".join(lines), rows)


async def facilitator_export(turn: Turn, event_id: str) -> None:
    """The sign-up list as a CSV file."""
    t, desk = turn.t, _desk(turn)
    state = await desk.store.get(event_id)
    if state is None:
        _no_such_event(turn, event_id)
        return
    people = await desk.store.participants(event_id)
    turn.say(
        t.ngettext(
            "The sign-up list of **%(title)s**: %(count)d person.",
            "The sign-up list of **%(title)s**: %(count)d people.",
            len(people),
        )
        % {"title": state.event.title_in(turn.lang), "count": len(people)},
        [[Button(texts.back_to_menu(t), "menu")]],
        attachments=[eventtexts.export_csv(state.event, people)],
    )


async def facilitator_broadcast(turn: Turn, event_id: str, message: str) -> None:
    """Send one message to everyone signed up for an event."""
    t, desk = turn.t, _desk(turn)
    if not message.strip():
        turn.say(
            t.gettext("Write the message after the event id, for example %(example)s.")
            % {"example": texts.escape_markdown(f"/broadcast {event_id} We meet in room 2.")}
        )
        return
    result = await desk.broadcast(event_id, message)
    if result is None:
        _no_such_event(turn, event_id)
        return
    state = await desk.store.get(event_id)
    tz = state.event.time_zone if state else "Europe/Helsinki"
    turn.say(
        t.ngettext(
            "Queued for %(count)d person; it goes out from %(when)s.",
            "Queued for %(count)d people; it goes out from %(when)s.",
            result.recipients,
        )
        % {
            "count": result.recipients,
            "when": eventtexts.format_moment(result.send_at, turn.lang, tz),
        },
        [[Button(texts.back_to_menu(t), "menu")]],
    )


async def facilitator_ask_cancel(turn: Turn, event_id: str) -> None:
    """Ask a facilitator to confirm calling an event off."""
    t, desk = turn.t, _desk(turn)
    state = await desk.store.get(event_id)
    if state is None or state.cancelled:
        turn.say(
            t.gettext("There is no active event %(id)s.") % {"id": texts.escape_markdown(event_id)}
        )
        return
    people = await desk.store.participants(event_id)
    turn.go(f"event.cancel:{event_id}")
    turn.say(
        t.ngettext(
            "Cancel **%(title)s**? %(count)d person signed up will be told.",
            "Cancel **%(title)s**? %(count)d people signed up will be told.",
            len(people),
        )
        % {"title": state.event.title_in(turn.lang), "count": len(people)},
        [
            [Button(t.gettext("Yes, cancel the event"), actions.event_verb("fcx", event_id))],
            [Button(texts.back_to_menu(t), "menu")],
        ],
    )


async def facilitator_cancel(turn: Turn, event_id: str) -> None:
    """Call an event off (after the confirmation) and tell everyone signed up."""
    t, desk = turn.t, _desk(turn)
    if turn.state != f"event.cancel:{event_id}":
        await facilitator_ask_cancel(turn, event_id)
        return
    result = await desk.cancel_event(event_id)
    turn.go("menu")
    if result is None:
        turn.say(
            t.gettext("There is no active event %(id)s.") % {"id": texts.escape_markdown(event_id)}
        )
        return
    turn.say(
        t.ngettext(
            "The event is cancelled; %(count)d person will be told.",
            "The event is cancelled; %(count)d people will be told.",
            result.recipients,
        )
        % {"count": result.recipients},
        [[Button(texts.back_to_menu(t), "menu")]],
    )
