"""Handoff statistics for `bot stats`: tickets opened, time to first answer, ratings."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from bot.core.ports import Ticket


@dataclass(frozen=True)
class HandoffStats:
    """Figures over a set of tickets."""

    opened: int
    urgent: int
    closed: int
    answered: int
    median_first_answer: timedelta | None
    p90_first_answer: timedelta | None
    ratings: Counter[int]

    @property
    def mean_rating(self) -> float | None:
        """The average rating, if anyone rated."""
        total = sum(self.ratings.values())
        return sum(k * v for k, v in self.ratings.items()) / total if total else None


def handoff_stats(tickets: list[Ticket]) -> HandoffStats:
    """Compute the statistics of a list of tickets."""
    waits = sorted(
        (t.first_response - t.created).total_seconds()
        for t in tickets
        if t.first_response is not None and t.created is not None
    )
    median = timedelta(seconds=statistics.median(waits)) if waits else None
    p90 = None
    if waits:
        p90 = timedelta(seconds=waits[min(len(waits) - 1, int(0.9 * len(waits)))])
    return HandoffStats(
        opened=len(tickets),
        urgent=sum(t.urgent for t in tickets),
        closed=sum(t.status == "closed" for t in tickets),
        answered=len(waits),
        median_first_answer=median,
        p90_first_answer=p90,
        ratings=Counter(t.rating for t in tickets if t.rating is not None),
    )


def format_stats(stats: HandoffStats) -> str:
    """The statistics as lines of text."""

    def _duration(value: timedelta | None) -> str:
        if value is None:
            return "–"
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"

    rating = f"{stats.mean_rating:.1f}" if stats.mean_rating is not None else "–"
    spread = ", ".join(f"{k}★ {stats.ratings[k]}" for k in range(1, 6) if stats.ratings[k])
    return "\n".join(
        [
            f"tickets opened:           {stats.opened} "
            f"({stats.urgent} urgent, {stats.closed} closed)",
            f"answered by a person:     {stats.answered}",
            f"time to first answer:     median {_duration(stats.median_first_answer)}, "
            f"90th percentile {_duration(stats.p90_first_answer)}",
            f"rating:                   {rating} ({spread or 'no ratings yet'})",
        ]
    )
