"""`bot events`: the facilitators' command line for events.

bot events list                       every event with its counts
bot events show ID                    one event and who signed up
bot events export ID [--out FILE]     the sign-up list as CSV (to stdout without --out)
bot events message ID TEXT            one message to everyone signed up (through the outbox)
bot events cancel ID [--yes]          call the event off and tell everyone signed up

Messages are queued in the database and delivered by the running bot, outside quiet hours and
exactly once per person, even when a command is repeated.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.core import eventtexts
from bot.core.eventdesk import EventDesk
from bot.core.events import EventState
from bot.delivery import Dispatcher
from bot.formatting.markdown import to_plain
from bot.i18n import translations
from bot.settings import Settings
from bot.storage.db import open_store
from bot.storage.events import SqlEvents

LANG = "en"


def add_parser(commands: Any) -> None:
    """Add `bot events ...` to the `bot` command's subparsers."""
    events = commands.add_parser("events", help="facilitators: list, export, message or cancel")
    sub = events.add_subparsers(dest="events_command", required=True, metavar="ACTION")
    sub.add_parser("list", help="every event with its sign-up counts")
    show = sub.add_parser("show", help="one event and who signed up")
    show.add_argument("id")
    export = sub.add_parser("export", help="the sign-up list as CSV")
    export.add_argument("id")
    export.add_argument("--out", type=Path, help="write to this file instead of stdout")
    message = sub.add_parser("message", help="send one message to everyone signed up")
    message.add_argument("id")
    message.add_argument("text", nargs="+")
    cancel = sub.add_parser("cancel", help="cancel the event and tell everyone signed up")
    cancel.add_argument("id")
    cancel.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _counts(state: EventState) -> str:
    event = state.event
    if event.is_cafe:
        taken = (
            f"adults {state.taken_adults}/{event.capacity_adults}, "
            f"children {state.taken_children}/{event.capacity_children}"
        )
    else:
        taken = f"{state.taken_adults}/{event.capacity_adults}"
    flags = []
    if state.cancelled:
        flags.append("CANCELLED")
    if not state.listed:
        flags.append("unlisted")
    extra = f" [{', '.join(flags)}]" if flags else ""
    return f"{taken}, waitlist {state.waitlisted}{extra}"


async def run(settings: Settings, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run one `bot events` action (printing to `out`, stdout by default); returns the status."""
    from bot.content.events import load_events
    from bot.content.problems import Severity

    store = await open_store(settings.effective_database_url)
    try:
        desk = EventDesk(
            SqlEvents(store.sessions, store.rows),
            Dispatcher(store.sessions),
            translations,
            quiet=settings.quiet,
        )
        # The stored events follow the content (as the running bot does), unless it is broken.
        events, problems = load_events(settings.content_dir / "events", settings.content_dir)
        if not any(p.severity is Severity.ERROR for p in problems):
            report = await desk.store.sync(events)
            await desk.tell_promoted(report.promoted)
        return await _action(desk, args, out or sys.stdout)
    finally:
        await store.close()


async def _action(desk: EventDesk, args: argparse.Namespace, out: TextIO) -> int:
    t = translations(LANG)
    action = args.events_command
    if action == "list":
        for state in await desk.store.all_events():
            when = eventtexts.format_moment(state.event.start, LANG, state.event.time_zone)
            out.write(f"{state.id}\n  {state.event.title_in(LANG)} · {when}\n")
            out.write(f"  {_counts(state)}\n")
        return 0
    found = await desk.store.get(args.id)
    if found is None:
        print(f"no event {args.id!r} (see `bot events list`)", file=sys.stderr)
        return 2
    state = found
    people = await desk.store.participants(state.id)
    if action == "show":
        out.write(to_plain(eventtexts.details(t, state, LANG, desk.now())) + "\n\n")
        out.write(_counts(state) + "\n")
        for number, person in enumerate(people, 1):
            status = f"waitlist {person.queue}" if person.queue else person.status.value
            name = person.name or "(no name asked)"
            party = f", {person.adults} adults, {person.children} children"
            out.write(f"{number:>3}. {name} · {status}{party if state.event.is_cafe else ''}\n")
        return 0
    if action == "export":
        data = eventtexts.export_csv(state.event, people).data
        if args.out:
            args.out.write_bytes(data)
            print(f"{len(people)} sign-ups written to {args.out}", file=sys.stderr)
        else:
            out.write(data.decode("utf-8-sig"))
        return 0
    if action == "message":
        result = await desk.broadcast(state.id, " ".join(args.text))
        if result is None:
            return 2
        when = eventtexts.format_moment(result.send_at, LANG, state.event.time_zone)
        out.write(
            f"{result.queued} new message(s) queued for {result.recipients} people "
            f"(sending from {when}; already queued ones are not sent again)\n"
        )
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            print("add --yes to cancel without a question", file=sys.stderr)
            return 2
        question = f"Cancel {state.id!r}? {len(people)} people will be told [y/N] "
        answer = await asyncio.to_thread(input, question)
        if answer.strip().lower() not in ("y", "yes"):
            out.write("not cancelled\n")
            return 1
    cancelled = await desk.cancel_event(state.id)
    if cancelled is None:
        print(f"{state.id!r} is already cancelled", file=sys.stderr)
        return 1
    out.write(f"cancelled; {cancelled.recipients} people will be told\n")
    return 0
