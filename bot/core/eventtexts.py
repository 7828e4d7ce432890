"""What Sild says about events: dates and times with Babel in the person's locale and the event's
time zone, places left with real plural forms, the calendar file and the CSV export.

Everything here is a pure function of an event, a catalog and a language, so the chat flow, the
scheduler's reminders and the command line word things the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from gettext import NullTranslations
from zoneinfo import ZoneInfo

import icalendar
from babel import Locale
from babel.dates import format_date, format_skeleton, format_time

from bot.core import texts
from bot.core.events import Event, EventKind, EventState, Participant, Session, SignUpStatus
from bot.core.messages import Attachment

LOCALES = {"et": "et", "fi": "fi", "ru": "ru", "en": "en_GB"}
"""Babel locale per language: English uses British conventions (24-hour clock, day first)."""
MAX_SESSIONS_SHOWN = 12


def locale_for(lang: str) -> str:
    """The Babel locale used for `lang`."""
    return LOCALES.get(lang, "en_GB")


def kind_label(t: NullTranslations, kind: EventKind) -> str:
    """The kind of an event in the person's language."""
    if kind is EventKind.PEER_GROUP:
        return t.gettext("Peer support group")
    if kind is EventKind.THEME_EVENING:
        return t.gettext("Theme evening")
    if kind is EventKind.MENTORING:
        return t.gettext("Mentoring")
    return t.gettext("Family café")


def format_session(session: Session, lang: str, tz_name: str, *, long: bool = True) -> str:
    """A meeting's date and hours, for example `tiistai 12. tammikuuta 2027, 17.30–19.30`."""
    locale = locale_for(lang)
    tz = ZoneInfo(tz_name)
    start, end = session.start.astimezone(tz), session.end.astimezone(tz)
    day = (
        format_date(start, "full", locale=locale)
        if long
        else format_skeleton("yMMMEd", start, locale=locale, tzinfo=tz)
    )
    begin = format_time(start, "short", locale=locale, tzinfo=tz)
    finish = format_time(end, "short", locale=locale, tzinfo=tz)
    if end.date() != start.date():
        other = format_skeleton("MMMEd", end, locale=locale, tzinfo=tz)
        return f"{day}, {begin} – {other}, {finish}"
    return f"{day}, {begin}–{finish}"


def format_moment(moment: datetime, lang: str, tz_name: str) -> str:
    """A single moment (a deadline, a send time) with date and time."""
    tz = ZoneInfo(tz_name)
    locale = locale_for(lang)
    local = moment.astimezone(tz)
    day = format_skeleton("MMMEd", local, locale=locale, tzinfo=tz)
    return f"{day}, {format_time(local, 'short', locale=locale, tzinfo=tz)}"


def when_line(t: NullTranslations, event: Event, lang: str) -> str:
    """The first meeting, and for a series how many meetings there are."""
    first = format_session(event.sessions[0], lang, event.time_zone)
    if not event.is_series:
        return first
    count = len(event.sessions)
    more = t.ngettext("%(count)d meeting", "%(count)d meetings", count) % {"count": count}
    return t.gettext("First meeting: %(first)s (%(meetings)s)") % {
        "first": first,
        "meetings": more,
    }


def sessions_list(event: Event, lang: str) -> str:
    """Every meeting of a series, one per line."""
    lines = [
        "- " + format_session(session, lang, event.time_zone, long=False)
        for session in event.sessions[:MAX_SESSIONS_SHOWN]
    ]
    if len(event.sessions) > MAX_SESSIONS_SHOWN:
        lines.append("- …")
    return "\n".join(lines)


def place_line(t: NullTranslations, event: Event) -> str:
    """Where the event meets: the address with a map link, and/or the online link."""
    parts: list[str] = []
    if event.place is not None:
        where = event.place.address
        if event.place.name:
            where = f"{event.place.name}, {where}"
        line = texts.escape_markdown(where)
        if event.place.map_url:
            label = t.gettext("map")
            line += f" ([{label}]({event.place.map_url}))"
        parts.append(t.gettext("Place: %(place)s") % {"place": line})
    if event.online_url:
        label = t.gettext("join online")
        link = f"[{label}]({event.online_url})"
        parts.append(t.gettext("Online: %(link)s") % {"link": link})
    return "\n".join(parts)


def languages_line(t: NullTranslations, event: Event, lang: str) -> str:
    """The languages spoken at the event, named in the person's language."""
    names = Locale.parse(locale_for(lang)).languages
    spoken = ", ".join(names.get(code, code) for code in event.languages)
    return t.gettext("Languages: %(languages)s") % {"languages": spoken}


def places_line(t: NullTranslations, state: EventState) -> str:
    """Places left ("5 places left"), separately for adults and children at a café."""
    if state.cancelled:
        return t.gettext("This event has been cancelled.")
    if state.full:
        if state.waitlisted:
            waiting = t.ngettext(
                "%(count)d person is on the waitlist.",
                "%(count)d people are on the waitlist.",
                state.waitlisted,
            ) % {"count": state.waitlisted}
            return t.gettext("Full: you can join the waitlist.") + " " + waiting
        return t.gettext("Full: you can join the waitlist.")
    if state.event.is_cafe:
        adults = t.ngettext(
            "%(count)d place for adults", "%(count)d places for adults", state.adults_left
        ) % {"count": state.adults_left}
        children = t.ngettext(
            "%(count)d place for children", "%(count)d places for children", state.children_left
        ) % {"count": state.children_left}
        return t.gettext("Free: %(adults)s, %(children)s") % {
            "adults": adults,
            "children": children,
        }
    return t.ngettext("%(count)d place left", "%(count)d places left", state.adults_left) % {
        "count": state.adults_left
    }


def summary(t: NullTranslations, state: EventState, lang: str) -> str:
    """An event in a list: title and kind, when, where, languages, places left."""
    event = state.event
    lines = [
        f"**{event.title_in(lang)}** · {kind_label(t, event.kind)}",
        when_line(t, event, lang),
        place_line(t, event),
        languages_line(t, event, lang),
        places_line(t, state),
    ]
    return "\n".join(line for line in lines if line)


def details(t: NullTranslations, state: EventState, lang: str, now: datetime) -> str:
    """Everything about one event, with every meeting of a series."""
    event = state.event
    parts = [
        f"**{event.title_in(lang)}**\n{kind_label(t, event.kind)}",
        event.text(event.description, lang),
    ]
    if event.is_series:
        count = len(event.sessions)
        heading = t.ngettext(
            "One sign-up for all %(count)d meeting:",
            "One sign-up for all %(count)d meetings:",
            count,
        ) % {"count": count}
        parts.append(heading + "\n" + sessions_list(event, lang))
    else:
        parts.append(format_session(event.sessions[0], lang, event.time_zone))
    facts = [place_line(t, event), languages_line(t, event, lang), places_line(t, state)]
    if state.open_for_signup(now):
        facts.append(
            t.gettext("Sign up by %(deadline)s.")
            % {"deadline": format_moment(event.deadline, lang, event.time_zone)}
        )
    elif not state.cancelled:
        facts.append(t.gettext("Sign-up has closed."))
    if event.needs_names:
        facts.append(
            t.gettext("Names are needed: %(reason)s")
            % {"reason": event.text(event.names_reason, lang)}
        )
    parts.append("\n".join(fact for fact in facts if fact))
    return "\n\n".join(part for part in parts if part)


def party_line(t: NullTranslations, participant: Participant) -> str:
    """How many are coming, for a café sign-up."""
    adults = t.ngettext("%(count)d adult", "%(count)d adults", participant.adults) % {
        "count": participant.adults
    }
    if not participant.children:
        return adults
    children = t.ngettext("%(count)d child", "%(count)d children", participant.children) % {
        "count": participant.children
    }
    return f"{adults}, {children}"


def status_line(t: NullTranslations, state: EventState, participant: Participant) -> str:
    """Where a person's sign-up stands."""
    if state.cancelled:
        return t.gettext("Cancelled by the organisers.")
    if participant.status is SignUpStatus.WAITLISTED:
        return t.gettext("On the waitlist, number %(number)d.") % {"number": participant.queue or 1}
    return t.gettext("Your place is confirmed.")


def reminder_text(t: NullTranslations, event: Event, session: Session, lang: str) -> str:
    """The reminder before a meeting."""
    lines = [
        t.gettext("Reminder: **%(title)s**") % {"title": event.title_in(lang)},
        format_session(session, lang, event.time_zone),
        place_line(t, event),
        t.gettext("If you cannot come, please cancel so someone else can take your place."),
    ]
    return "\n".join(line for line in lines if line)


def promoted_text(t: NullTranslations, event: Event, lang: str) -> str:
    """The message to someone moved up from the waitlist."""
    return "\n".join(
        line
        for line in (
            t.gettext("Good news: a place came free and it is yours! **%(title)s**")
            % {"title": event.title_in(lang)},
            when_line(t, event, lang),
            place_line(t, event),
        )
        if line
    )


def cancelled_event_text(t: NullTranslations, event: Event, lang: str) -> str:
    """The message to everyone signed up when an event is called off."""
    return (
        t.gettext("Sorry: **%(title)s** (%(when)s) has been cancelled.")
        % {"title": event.title_in(lang), "when": when_line(t, event, lang)}
        + "\n"
        + t.gettext("You do not need to do anything. See the other groups and cafés in the menu.")
    )


def broadcast_text(t: NullTranslations, event: Event, lang: str, message: str) -> str:
    """A facilitator's message to everyone signed up, with the event it is about."""
    heading = t.gettext("Message from the organisers of **%(title)s**:") % {
        "title": event.title_in(lang)
    }
    return f"{heading}\n\n{texts.escape_markdown(message)}"


def calendar_file(event: Event, lang: str, *, status: str = "CONFIRMED") -> Attachment:
    """An `.ics` file with every meeting of the event, made with icalendar."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Sild//events//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    title = event.title_in(lang)
    description = event.text(event.description, lang)
    location = ""
    if event.place is not None:
        location = ", ".join(part for part in (event.place.name, event.place.address) if part)
    elif event.online_url:
        location = event.online_url
    tz = event.tz
    for number, session in enumerate(event.sessions, 1):
        item = icalendar.Event()
        item.add("uid", f"{event.id}-{number}@sild")
        item.add("summary", title)
        item.add("dtstart", session.start.astimezone(tz))
        item.add("dtend", session.end.astimezone(tz))
        item.add("dtstamp", event.start)
        item.add("status", status)
        if location:
            item.add("location", location)
        if description:
            item.add("description", description)
        link = event.online_url or (event.place.map_url if event.place else None)
        if link:
            item.add("url", link)
        calendar.add_component(item)
    calendar.add_missing_timezones()
    return Attachment(f"{event.id}.ics", "text/calendar", calendar.to_ical())


def _cell(value: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_csv(event: Event, participants: Sequence[Participant]) -> Attachment:
    """The sign-up list of an event as a CSV file (UTF-8 with a byte order mark, for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["number", "status", "waitlist", "name", "adults", "children", "platform", "signed_up"]
    )
    tz = event.tz
    for number, person in enumerate(participants, 1):
        writer.writerow(
            [
                number,
                person.status.value,
                person.queue or "",
                _cell(person.name or ""),
                person.adults,
                person.children,
                person.platform,
                person.created.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    data = buffer.getvalue().encode("utf-8-sig")
    return Attachment(f"signups-{event.id}.csv", "text/csv", data)
