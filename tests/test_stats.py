"""Handoff statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.messages import ChatRef, Platform
from bot.core.ports import Ticket
from bot.stats import format_stats, handoff_stats

T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)


def _ticket(n: int, wait_minutes: int | None, rating: int | None = None) -> Ticket:
    return Ticket(
        id=n,
        chat=ChatRef(Platform.TELEGRAM, str(n)),
        user_id=str(n),
        language="ru",
        country="EE",
        description="",
        status="closed" if rating else "claimed",
        created=T0,
        first_response=T0 + timedelta(minutes=wait_minutes) if wait_minutes is not None else None,
        rating=rating,
    )


def test_median_p90_and_ratings() -> None:
    tickets = [_ticket(i, i * 10, rating=(i % 5) + 1) for i in range(1, 11)] + [_ticket(11, None)]
    stats = handoff_stats(tickets)
    assert stats.opened == 11 and stats.answered == 10 and stats.closed == 10
    assert stats.median_first_answer == timedelta(minutes=55)
    assert stats.p90_first_answer == timedelta(minutes=100)
    assert stats.mean_rating == 3.0
    text = format_stats(stats)
    assert "median 55 min" in text and "1 h 40 min" in text


def test_no_tickets() -> None:
    assert "no ratings yet" in format_stats(handoff_stats([]))
