"""Button payloads: built short, parsed strictly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core import actions


def test_round_trip() -> None:
    for payload in ("menu", "lang:ru", "country:EE", "cat:jobs", "faq:health-helpline", "fb+:x1"):
        parsed = actions.parse(payload)
        assert parsed is not None and parsed.encode() == payload


def test_rejects_unknown_and_malformed() -> None:
    for payload in (
        "",
        "lang:xx",
        "menu:1",
        "faq:Health",
        "faq:a/b",
        "cat:",
        "drop table",
        "é" * 40,
    ):
        assert actions.parse(payload) is None


@given(st.text())
def test_any_payload_parses_or_is_refused(payload: str) -> None:
    parsed = actions.parse(payload)
    if parsed is not None:
        assert len(parsed.encode().encode()) <= actions.MAX_PAYLOAD_BYTES
