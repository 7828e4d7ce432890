"""The guards in front of the engine: rate limit, text cleaning, error summaries."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.guard import RateLimiter, Verdict, clean_inbound, clean_text, error_summary
from bot.core.messages import ChatRef, Inbound, Platform


def test_rate_limit_warns_once_per_window_then_drops() -> None:
    now = [0.0]
    limiter = RateLimiter(3, window=60, clock=lambda: now[0])
    assert [limiter.hit("a") for _ in range(3)] == [Verdict.ALLOW] * 3
    assert limiter.hit("a") is Verdict.WARN
    assert limiter.hit("a") is Verdict.DROP
    assert limiter.hit("b") is Verdict.ALLOW  # per person
    now[0] = 30
    assert limiter.hit("a") is Verdict.DROP  # the window slides: still three in the last minute
    now[0] = 60.5
    assert limiter.hit("a") is Verdict.ALLOW
    assert [limiter.hit("a") for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN]


def test_no_limit_when_zero() -> None:
    limiter = RateLimiter(0)
    assert {limiter.hit("a") for _ in range(1000)} == {Verdict.ALLOW}


def test_memory_stays_bounded() -> None:
    now = [0.0]
    limiter = RateLimiter(1, window=1, clock=lambda: now[0], max_keys=100)
    for n in range(1000):
        now[0] = n * 2.0  # everyone before is out of the window
        limiter.hit(f"user{n}")
    assert len(limiter._hits) <= 100


@given(st.text())
def test_clean_text_leaves_only_storable_text(text: str) -> None:
    cleaned = clean_text(text)
    cleaned.encode("utf-8")  # no lone surrogates
    assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in cleaned)
    assert "\x7f" not in cleaned
    assert clean_text(cleaned) == cleaned


def test_clean_inbound_cleans_every_text_field() -> None:
    chat = ChatRef(Platform.MATRIX, "!r:x")
    dirty = Inbound(
        chat,
        "@a\x00:x",
        text="hi\x00\ud800",
        display_name="E\x1bve",
        reply_to_text="\x00",
        language_hint="r" * 100,
    )
    clean = clean_inbound(dirty)
    assert (clean.user_id, clean.text, clean.display_name) == ("@a:x", "hi?", "Eve")
    assert clean.reply_to_text == "" and clean.language_hint == "r" * 35
    tidy = Inbound(chat, "@a:x", text="fine")
    assert clean_inbound(tidy) is tidy


def test_error_summary_names_the_type_and_place_but_not_the_message() -> None:
    def inner() -> None:
        raise ValueError("what the person wrote: secret")

    try:
        inner()
    except ValueError as error:
        summary = error_summary(error)
    assert summary.startswith("ValueError at test_guard.py:")
    assert "inner" in summary and "secret" not in summary
