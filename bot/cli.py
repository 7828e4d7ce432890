"""The `bot` command: run Sild, chat in the terminal, ask, evaluate, and check content.

bot run                      every configured transport (the terminal chat when none is)
bot chat [--lang L] [--country C] [--user NAME]
bot ask [--lang L] [--country C] [--json] TEXT
bot eval FILE.jsonl [--json] [--outside]
bot events list | show ID | export ID [--out FILE] | message ID TEXT | cancel ID [--yes]
bot content check | coverage | unanswered [--lang L] [--review]
bot bench [--quick] [--json PATH] [--plot PATH] [--users N] [--messages M]
bot export-user PLATFORM USER_ID [--out FILE]
bot purge [--days N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from bot.core.faq import COUNTRIES, LANGUAGES
from bot.errors import StartupError
from bot.settings import Settings

CONFIGURE_HINT = (
    "No Telegram or Matrix account is configured, so Sild starts in this terminal. "
    "Set SILD_TELEGRAM_TOKEN, or SILD_MATRIX_HOMESERVER with SILD_MATRIX_USER and a password or "
    "access token, to connect (see README.md)."
)


def _country(value: str) -> str:
    code = value.upper()
    if code not in COUNTRIES and code != "ANY":
        raise argparse.ArgumentTypeError(f"country must be FI or EE, not {value!r}")
    return code


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `bot` command."""
    parser = argparse.ArgumentParser(prog="bot", description="Sild, the peer-support chatbot.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("run", help="start every configured transport (terminal chat if none)")

    chat = commands.add_parser("chat", help="chat with Sild in this terminal")
    chat.add_argument("--lang", choices=LANGUAGES, help="skip choosing the language")
    chat.add_argument("--country", type=_country, help="skip choosing the country (FI or EE)")
    chat.add_argument(
        "--user",
        help="who you are in the database (default: 'terminal'; a new person for every "
        "scripted run when stdin is not a terminal)",
    )

    ask = commands.add_parser("ask", help="answer one question and exit")
    ask.add_argument("--lang", choices=LANGUAGES, default="en")
    ask.add_argument("--country", type=_country, default=None)
    ask.add_argument("--json", action="store_true", help="print the match as one JSON object")
    ask.add_argument("text", nargs="+", help="the question")

    evaluate = commands.add_parser("eval", help="measure matching on labelled questions")
    evaluate.add_argument("file", type=Path, help="JSON lines: lang, country, text, expected")
    evaluate.add_argument("--json", action="store_true", help="one JSON object per input line")
    evaluate.add_argument(
        "--outside",
        action="store_true",
        help="list the off-topic words (content/outside/) that in-scope questions contain",
    )

    bench = commands.add_parser(
        "bench", help="measure matching quality and speed, memory, start and Telegram throughput"
    )
    bench.add_argument(
        "--quick", action="store_true", help="a smoke run: small sizes, fewer repetitions"
    )
    bench.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    bench.add_argument("--plot", type=Path, metavar="PATH", help="draw latency vs phrasings (PNG)")
    bench.add_argument(
        "--users", type=_positive, metavar="N", help="simulated Telegram users (default 200)"
    )
    bench.add_argument(
        "--messages", type=_positive, metavar="M", help="messages per user (default 10)"
    )

    commands.add_parser("stats", help="handoff statistics: tickets, time to first answer, ratings")

    export = commands.add_parser(
        "export-user",
        help="everything Sild holds about one person, as JSON (to answer a request for their data)",
    )
    export.add_argument("platform", choices=["telegram", "matrix", "console"])
    export.add_argument("user_id", help="the person's id on that platform, e.g. 123456789")
    export.add_argument("--out", type=Path, help="write the file here (readable only by you)")

    purge = commands.add_parser(
        "purge",
        help="apply the retention period now: old request messages and delivered messages "
        "(bot run does this every hour; use this from cron otherwise)",
    )
    purge.add_argument(
        "--days", type=_positive, help="retention in days (default: SILD_RETENTION_DAYS)"
    )

    from bot.events_cli import add_parser as add_events_parser

    add_events_parser(commands)

    content = commands.add_parser("content", help="work with the FAQ content")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    content_commands.add_parser("check", help="validate every FAQ file in every language")
    content_commands.add_parser(
        "coverage", help="per topic and language: what exists, country variants, last review"
    )
    unanswered = content_commands.add_parser(
        "unanswered", help="questions nobody answered (grouped) and answers marked not helpful"
    )
    unanswered.add_argument("--lang", choices=LANGUAGES, help="only this language")
    unanswered.add_argument(
        "--review",
        action="store_true",
        help="for each group, ask whether to add it to the suggested entry's questions",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `bot` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        problem = error.errors()[0]
        where = "SILD_" + str(problem["loc"][0]).upper() if problem["loc"] else "a setting"
        print(f"bot: {where} is not valid: {problem['msg']}", file=sys.stderr)
        return 2
    from bot.app import configure_logging

    configure_logging(settings.log_level if args.command in ("run",) else "WARNING")
    try:
        return _dispatch(settings, args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`bot eval --json … | head`): stop quietly, as Unix tools do.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stdout must stay open until exit
        return 141
    except StartupError as error:
        print(f"bot: {error}", file=sys.stderr)
        return 2


def _dispatch(settings: Settings, args: argparse.Namespace) -> int:
    """Run the chosen command."""
    if args.command == "run":
        return asyncio.run(_run(settings))
    if args.command == "chat":
        return asyncio.run(_chat(settings, args.lang, args.country, args.user))
    if args.command == "ask":
        return _ask(settings, " ".join(args.text), args.lang, args.country, args.json)
    if args.command == "bench":
        return _bench(settings, args)
    if args.command == "eval":
        return _eval(settings, args.file, args.json, args.outside)
    if args.command == "stats":
        return asyncio.run(_stats(settings))
    if args.command == "export-user":
        return asyncio.run(_export_user(settings, args.platform, args.user_id, args.out))
    if args.command == "purge":
        return asyncio.run(_purge(settings, args.days or settings.retention_days))
    if args.command == "events":
        from bot.events_cli import run as run_events

        return asyncio.run(run_events(settings, args))
    if args.content_command == "coverage":
        return _content_coverage(settings)
    if args.content_command == "unanswered":
        return asyncio.run(_content_unanswered(settings, args.lang, args.review))
    return _content_check(settings)


async def _run(settings: Settings) -> int:
    from bot.app import build_app

    if not (settings.telegram_configured or settings.matrix_configured):
        print(CONFIGURE_HINT, file=sys.stderr)
        return await _chat(settings, None, None, None)
    app = await build_app(settings)
    try:
        from bot.runner import run_transports

        await run_transports(app)
    finally:
        await app.close()
    return 0


async def _chat(settings: Settings, lang: str | None, country: str | None, user: str | None) -> int:
    from bot.app import build_app
    from bot.core.messages import Platform
    from bot.core.ports import UserProfile
    from bot.transports.console import ConsoleChat

    if user is None:
        user = "terminal" if sys.stdin.isatty() else f"script-{uuid.uuid4().hex[:8]}"
    # One local person at the keyboard (or a script an editor pipes in): no rate limit.
    app = await build_app(settings.model_copy(update={"rate_limit_per_minute": 0}))
    chat = ConsoleChat(app.engine, user)
    app.dispatcher.register(Platform.CONSOLE, chat.deliver)
    watcher = asyncio.create_task(app.library.watch(settings.content_reload_seconds))
    delivery = asyncio.create_task(app.dispatcher.run())
    scheduler = asyncio.create_task(app.scheduler.run()) if app.scheduler else None
    try:
        if lang or country:
            profile = await app.store.get_user("console", user) or UserProfile("console", user)
            profile.language = lang or profile.language
            profile.country = country if country in COUNTRIES else profile.country
            await app.store.save_user(profile)
        await chat.run()
    finally:
        from bot.runner import cancel_and_wait

        await cancel_and_wait([watcher, delivery, scheduler])
        await app.close()
    return 0


def _library(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.content.loader import load
    from bot.knowledge import Library

    return Library(load(settings.content_dir), settings.thresholds)


def _ask(settings: Settings, text: str, lang: str, country: str | None, as_json: bool) -> int:
    from bot.evaluation import describe

    library = _library(settings)
    result = library.match(text, lang, country if country in COUNTRIES else None)
    summary = describe(result)
    if as_json:
        print(
            json.dumps(
                {k: summary[k] for k in ("id", "score", "candidates", "related")},
                ensure_ascii=False,
            )
        )
        return 0
    if summary["id"] is None:
        print("No answer (Sild would offer a person).")
        if summary["related"]:
            print(f"Related topics offered: {', '.join(summary['related'])}")
    else:
        verb = "Answer" if result.decision == "answer" else "Did you mean"
        print(f"{verb}: {summary['id']} (score {summary['score']})")
        entry = library.entry(summary["id"], lang)
        if entry is not None and result.decision == "answer":
            from bot.formatting.markdown import to_plain

            where = country if country in COUNTRIES else None
            print()
            print(to_plain(f"**{entry.title}**\n\n{entry.body_for(where)}"))
    for candidate in summary["candidates"]:
        print(f"  {candidate['score']:>5}  {candidate['id']}")
    return 0


def _eval(settings: Settings, path: Path, as_json: bool, outside: bool = False) -> int:
    from bot.evaluation import evaluate, format_table, listed_in_scope, read_jsonl

    try:
        cases = read_jsonl(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    if outside:
        listed = listed_in_scope(_library(settings), cases)
        if not listed:
            print("No in-scope question contains an off-topic word.")
        for word in listed:
            print(f"{word.lang} {word.word!r} in {word.count} in-scope question(s)")
            print(f"    e.g. {word.example!r}")
        return 0
    report = evaluate(_library(settings), cases)
    if as_json:
        for line in report.lines:
            print(json.dumps(line, ensure_ascii=False))
    else:
        print(format_table(report))
    return 0


def _bench(settings: Settings, args: argparse.Namespace) -> int:
    try:
        from bot.bench.run import (
            BenchOptions,
            format_report,
            plot_latency,
            run_bench,
            stderr_progress,
            write_json,
        )
    except ImportError as exc:
        print(f"bot bench needs the test extra (pip install -e '.[test]'): {exc}", file=sys.stderr)
        return 2
    options = BenchOptions(
        quick=args.quick,
        users=args.users,
        messages=args.messages,
        content_dir=settings.content_dir,
        thresholds=settings.thresholds,
    )
    results = run_bench(options, stderr_progress)
    print(format_report(results))
    if args.json:
        write_json(results, args.json)
    if args.plot:
        plot_latency(results, args.plot)
    return 0


def _content_check(settings: Settings) -> int:
    from bot.content.problems import Severity
    from bot.knowledge import load_checked

    content, problems = load_checked(settings.content_dir, date.today())
    for problem in sorted(problems, key=lambda p: (p.path, p.line)):
        print(problem)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    entries = len(content.all_entries())
    print(
        f"{entries} entries in {len(content.entries)} languages: "
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    )
    return 1 if errors else 0


def _content_coverage(settings: Settings) -> int:
    from bot.content.loader import load
    from bot.editor import coverage, format_coverage

    content = load(settings.content_dir)
    print(format_coverage(coverage(content)))
    return 0


async def _content_unanswered(settings: Settings, lang: str | None, review: bool) -> int:
    from bot.editor import EditError, add_question, group_unanswered
    from bot.storage.db import open_store

    library = _library(settings)
    store = await open_store(settings.effective_database_url)
    try:
        rows = await store.unanswered(lang)
        picks = await store.related_picks(lang)
        feedback = await store.feedback_summary()
    finally:
        await store.close()
    groups = group_unanswered(rows, library, picks)
    if not groups:
        print("No unanswered questions" + (f" in {lang}." if lang else "."))
    for number, group in enumerate(groups, 1):
        seen = group.last_seen.date() if group.last_seen else "?"
        print(f"{number}. [{group.language}] asked {group.count}× (last {seen})")
        for text in group.texts[:3]:
            print(f"     {text}")
        if group.picked:
            chosen = ", ".join(f"{entry} {n}×" for entry, n in group.picked.most_common(3))
            print(f"   people chose instead: {chosen}")
        if group.suggestion:
            why = "most chosen" if group.picked else f"score {group.suggestion_score}"
            print(f"   likely: {group.suggestion} ({why})")
        if review and group.suggestion:
            entry = library.entry(group.suggestion, group.language)
            prompt = f"   add '{group.representative}' to {group.suggestion}? [y/N] "
            answer = await asyncio.to_thread(input, prompt)
            if (
                entry is not None
                and entry.lang == group.language
                and answer.strip() in ("y", "yes")
            ):
                try:
                    add_question(
                        settings.content_dir.parent / entry.path,
                        group.representative,
                        group.language,
                        settings.content_dir,
                    )
                    print(f"   added to {entry.path}")
                except EditError as exc:
                    print(f"   not added: {exc}")
    unhelpful = [row for row in feedback if row[3] and (not lang or row[1] == lang)]
    if unhelpful:
        print("\nAnswers marked not helpful:")
        for entry_id, language, helpful, not_helpful in sorted(unhelpful, key=lambda r: -r[3]):
            print(f"  {entry_id} [{language}]: {not_helpful} not helpful, {helpful} helpful")
    return 0


async def _export_user(settings: Settings, platform: str, user_id: str, out: Path | None) -> int:
    from bot.app import open_database
    from bot.storage.privacy import SqlPrivacy

    store = await open_database(settings)
    try:
        data = await SqlPrivacy(store.sessions).export(platform, user_id)
    finally:
        await store.close()
    found = any(data[key] for key in ("profile", "conversations", "sign_ups"))
    found = found or bool(data["requests_to_a_person"] or data["messages_to_you"])
    if not found:
        print(f"Sild holds nothing about {platform} user {user_id}.", file=sys.stderr)
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
    if out is None:
        sys.stdout.write(text)
        return 0
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(f"written to {out}", file=sys.stderr)
    return 0


async def _purge(settings: Settings, days: int) -> int:
    from bot.app import open_database
    from bot.storage.privacy import SqlPrivacy

    store = await open_database(settings)
    try:
        report = await SqlPrivacy(store.sessions).purge(days)
    finally:
        await store.close()
    print(f"Purged (retention {days} days): {report}.")
    return 0


async def _stats(settings: Settings) -> int:
    from bot.stats import format_stats, handoff_stats
    from bot.storage.db import open_store
    from bot.storage.tickets import SqlTicketStore

    store = await open_store(settings.effective_database_url)
    try:
        tickets = await SqlTicketStore(store.sessions).all_tickets()
    finally:
        await store.close()
    print(format_stats(handoff_stats(tickets)))
    return 0
