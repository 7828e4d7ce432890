"""Nothing crashes on any input, and nobody gets someone else's data (hypothesis, via the engine).

A victim has sign-ups (with a name) and requests (one closed, one open); an attacker then sends
arbitrary Unicode, control, zero-width and right-to-left characters, 100,000-character messages,
HTML and Markdown in texts and names, unknown commands, and malformed and forged button payloads
(the victim's sign-up and ticket ids, payloads of old menus). Every case must get a reply (or be
refused, which on a button means "that choice is no longer available") and never the engine's
apology: the error boundary is not what may save it. And no reply, no file and no notice to the
attacker may carry the victim's data.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.actions import EVENT_VERBS, VERBS_WITHOUT_ARGUMENT
from bot.core.events import SignUpStatus
from bot.core.messages import ChatRef, Inbound, Outbound, Platform
from bot.knowledge import Library
from tests.conftest import POSTGRES_URL
from tests.trust import ANNA, APOLOGY, CAFE, GROUP, SMALL, Sandbox, World, onboard, replies_text

VICTIM = ChatRef(Platform.TELEGRAM, "7007007")
VICTIM_TWO = ChatRef(Platform.MATRIX, "!victim2room:example.org")
ATTACKER = ChatRef(Platform.TELEGRAM, "666")
VICTIM_NAME = "Viktoria Salanimi"
VICTIM_SECRETS = ("Salanimi", "quokka-saffron", "marmot-indigo", "7007007", "victim2room")

PG = [
    pytest.mark.postgres,
    pytest.mark.skipif(POSTGRES_URL is None, reason="set SILD_TEST_POSTGRES_URL to run it"),
]
CHANGES_TICKETS = re.compile(
    r"^[/!](claim|unclaim|close|handover|preserve|unpreserve|reply|cancel_event)", re.I
)
EXAMPLES = 150
"""Examples per property (each is one message through the whole engine and database)."""

SPECIAL = (
    "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\u00ad\u200b\u200c\u200d\u200e\u200f\u202a\u202b"
    "\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\ufffd\U0001f600\u0301\u0336"
    "<>&\"'`*_[]()#!|~\\/:@%$\n\r\t "
)
MARKUP = [
    "<b>bold</b>",
    '<a href="javascript:alert(1)">x</a>',
    "<script>alert(1)</script>",
    "**bold** _it_ [link](http://evil.example) `code` ~~s~~",
    "[faq](faq:health-helpline)",
    "&amp; &lt; &#0; &#x110000;",
    "\u202eevil\u202c",
    "# heading\n> quote\n- list",
]


def _long(seed: str, length: int) -> str:
    return (seed * (length // max(1, len(seed)) + 1))[:length]


texts = st.one_of(
    st.text(),
    st.text(alphabet=SPECIAL, max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(MARKUP),
    st.builds(_long, st.text(min_size=1, max_size=12), st.integers(4_001, 100_000)),
    st.builds(lambda s: "/" + s, st.text(max_size=60)),
    st.from_regex(r"/[a-z_@]{1,40}( [^\n]{0,40})?", fullmatch=True),
    st.sampled_from(
        [
            "/start faq_../../etc/passwd",
            "/start event_" + "a" * 200,
            f"/start event_{SMALL}",
            "/signups " + CAFE,
            "/export " + CAFE,
            f"/broadcast {CAFE} hello all",
            f"/cancel_event {SMALL}",
            "/events",
            "/claim 1",
            "/close 2",
            "/preserve 1",
            "/handover 2 telegram:666",
            "/reply 2 hi",
            "/tickets",
            "/end",
            "/mydata",
            "/privacy",
            "/start",
            "99",
            "1.",
            "0",
            "²",
            "١٢",
        ]
    ),
)
forged = st.one_of(
    st.text(max_size=80),
    st.from_regex(r"[a-z+-]{1,9}(:[A-Za-z0-9:_\-\u00e4\u0660-\u0669]{0,60})?", fullmatch=True),
    st.builds(
        lambda verb, arg: f"{verb}:{arg}",
        st.sampled_from(sorted(EVENT_VERBS | {"rate", "tk", "faq", "cat", "lang", "country"})),
        st.sampled_from(
            [SMALL, CAFE, "1", "2", "1:5", "2:1", "claim:1", "close:2", "x" * 70, "", "²", "-1"]
        ),
    ),
    st.sampled_from(
        [
            *sorted(VERBS_WITHOUT_ARGUMENT),
            *("rate:1:5", "rate:2:3", "tk:claim:2", "tk:close:2", "tk:close:²"),
            *(f"leave:{SMALL}", f"drop:{SMALL}", f"drop:{CAFE}", f"ics:{CAFE}", f"fsu:{CAFE}"),
            *(f"fcsv:{CAFE}", f"fcx:{SMALL}", "ad:20", "ch:0", "ad:21", "cat:health", "fb+:x"),
        ]
    ),
)
names = st.one_of(st.none(), st.sampled_from(MARKUP), st.text(alphabet=SPECIAL, max_size=80))
hints = st.one_of(st.none(), st.sampled_from(["ru", "fi-FI", "et_EE", "xx", ""]), st.text())


async def _victims(world: World) -> None:
    """Two people with data worth stealing: sign-ups with a name, a closed and an open request."""
    await onboard(world, VICTIM, "7007007")
    await world.press(VICTIM, "7007007", f"join:{SMALL}")
    await world.press(VICTIM, "7007007", f"join:{CAFE}")
    await world.press(VICTIM, "7007007", "ad:1")
    await world.press(VICTIM, "7007007", "ch:0")
    await world.say(VICTIM, "7007007", VICTIM_NAME)
    await world.press(VICTIM, "7007007", "human")
    await world.say(VICTIM, "7007007", "quokka-saffron is my secret")
    await world.say(GROUP, ANNA, "/close 1")
    victim_two = "@victim2:example.org"
    await onboard(world, VICTIM_TWO, victim_two)
    await world.press(VICTIM_TWO, victim_two, "human")
    await world.say(VICTIM_TWO, victim_two, "marmot-indigo please help")
    await onboard(world, ATTACKER, "666")
    await world.flush()


@pytest.fixture
def sandbox(tmp_path: Path, library: Library) -> Iterator[Sandbox]:
    box = Sandbox(tmp_path, library)
    box.run(_victims(box.world))
    yield box
    box.run(_check_victims_untouched(box.world))
    box.close()


@pytest.fixture
def pg_sandbox(tmp_path: Path, library: Library) -> Iterator[Sandbox]:
    assert POSTGRES_URL is not None
    box = Sandbox(tmp_path, library, postgres_url=POSTGRES_URL)
    box.run(_victims(box.world))
    yield box
    box.run(_check_victims_untouched(box.world))
    box.close()


async def _check_victims_untouched(world: World) -> None:
    small = await world.events.store.sign_up_of(SMALL, "telegram", "7007007")
    cafe = await world.events.store.sign_up_of(CAFE, "telegram", "7007007")
    assert small is not None and small.status is SignUpStatus.CONFIRMED
    assert cafe is not None and cafe.name == VICTIM_NAME
    closed = await world.tickets.get_ticket(1)
    assert closed is not None and closed.status == "closed" and closed.rating is None
    open_one = await world.tickets.get_ticket(2)
    assert open_one is not None and open_one.status == "waiting" and not open_one.preserve
    for state in await world.events.store.all_events():
        people = await world.events.store.participants(state.id)
        confirmed = sum(p.adults for p in people if p.status is SignUpStatus.CONFIRMED)
        assert state.taken_adults == confirmed <= state.event.capacity_adults


def _attack(box: Sandbox, inbound: Inbound) -> list[Outbound]:
    world = box.world
    replies = box.run(world.engine.handle(inbound))
    notices = box.run(world.flush())
    shown = replies_text(replies)
    assert APOLOGY not in shown, "the error boundary had to catch an exception"
    assert all(reply.to == inbound.chat for reply in replies)
    to_attacker = [m for m in notices if m.to == inbound.chat]
    leaked = [s for s in VICTIM_SECRETS if s in shown or s in replies_text(to_attacker)]
    assert leaked == [], f"someone else's data shown: {leaked}"
    if not replies:
        # Silence is right only while the attacker talks to a person (their messages are relayed).
        ticket = box.run(world.tickets.open_ticket_for(inbound.chat))
        assert ticket is not None, f"no reply to {inbound!r:.300}"
    return replies


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=texts, name=names, hint=hints)
def test_any_text_gets_an_answer(sandbox: Sandbox, text: str, name: str | None, hint: str) -> None:
    _attack(sandbox, Inbound(ATTACKER, "666", text=text, display_name=name, language_hint=hint))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(action=forged, name=names)
def test_any_button_payload_is_answered_or_refused(
    sandbox: Sandbox, action: str, name: str | None
) -> None:
    _attack(sandbox, Inbound(ATTACKER, "666", action=action, display_name=name))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.one_of(texts, st.none()), action=st.one_of(forged, st.none()))
def test_a_stranger_in_the_facilitator_place_gets_nothing(
    sandbox: Sandbox, text: str | None, action: str | None
) -> None:
    world = sandbox.world
    replies = sandbox.run(
        world.engine.handle(
            Inbound(GROUP, "666", text=text, action=action, reply_to_text="New request #2")
        )
    )
    assert replies == []
    assert sandbox.run(world.flush()) == []


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.one_of(texts, st.none()), action=st.one_of(forged, st.none()))
def test_a_facilitator_typing_anything_breaks_nothing(
    sandbox: Sandbox, text: str | None, action: str | None
) -> None:
    if text and CHANGES_TICKETS.match(text.strip()):
        text = "/tickets"  # the victims' tickets must stay as they are for the final check
    if action and action.startswith(("tk:", "fcx")):
        action = None
    replies = sandbox.run(
        sandbox.world.engine.handle(Inbound(GROUP, ANNA, text=text, action=action))
    )
    assert APOLOGY not in replies_text(replies)


@PG[0]
@PG[1]
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=texts, name=names)
def test_any_text_on_postgresql(pg_sandbox: Sandbox, text: str, name: str | None) -> None:
    """PostgreSQL refuses NUL characters that SQLite takes: the engine must clean them first."""
    _attack(pg_sandbox, Inbound(ATTACKER, "666", text=text, display_name=name))


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=PG)])
def test_control_characters_are_stored_nowhere(
    tmp_path: Path, library: Library, backend: str
) -> None:
    """A NUL in a request or a sign-up name: PostgreSQL would refuse the row and the person
    would get the apology; the engine cleans the text first."""
    box = Sandbox(tmp_path, library, postgres_url=POSTGRES_URL if backend != "sqlite" else None)
    try:
        world = box.world
        nasty = "a\x00b\x1b[31mc\ud800d\x7f"
        box.run(onboard(world, ATTACKER, "666"))
        steps: list[tuple[str, str]] = [
            ("press", f"join:{CAFE}"),
            ("press", "ad:1"),
            ("press", "ch:0"),
            ("say", f"Name {nasty}"),
            ("press", "human"),
            ("say", nasty),
            ("say", nasty),
        ]
        for kind, value in steps:
            act = world.press if kind == "press" else world.say
            assert APOLOGY not in replies_text(box.run(act(ATTACKER, "666", value)))
        signup = box.run(world.events.store.sign_up_of(CAFE, "telegram", "666"))
        assert signup is not None and signup.name == "Name ab[31mc?d"
        ticket = box.run(world.tickets.get_ticket(1))
        assert ticket is not None and ticket.description == "ab[31mc?d"
    finally:
        box.close()


def test_no_message_text_reaches_the_log_at_info(
    tmp_path: Path, library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    """Even when handling fails: the log names the error and where, never what was written."""
    box = Sandbox(tmp_path, library)
    try:
        world = box.world
        with caplog.at_level(logging.INFO):
            box.run(onboard(world, ATTACKER, "666"))
            box.run(world.say(ATTACKER, "666", "secret-walrus question +358 40 123 4567"))
            box.run(world.press(ATTACKER, "666", "human"))
            box.run(world.say(ATTACKER, "666", "secret-walrus in my request"))

            async def broken(*_: object, **__: object) -> None:
                raise ValueError("secret-walrus in an exception message")

            world.store.save_turn = broken  # type: ignore[method-assign]
            replies = box.run(world.say(ATTACKER, "666", "secret-walrus again"))
        assert APOLOGY in replies_text(replies)  # here the boundary is meant to catch it
        assert "ValueError" in caplog.text and "engine.py" in caplog.text
        assert "secret-walrus" not in caplog.text and "123 4567" not in caplog.text
    finally:
        box.close()
