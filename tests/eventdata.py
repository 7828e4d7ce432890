"""Small events for tests, built directly (the shipped ones live in content/events)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.events import Event, EventKind, Place, Session

HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
"""The tests' "now": a Tuesday, before every test event."""


def make_event(
    event_id: str = "test-group",
    *,
    capacity: int = 10,
    children: int = 0,
    kind: EventKind = EventKind.PEER_GROUP,
    start: datetime | None = None,
    meetings: int = 1,
    names: bool = False,
    cutoff_hours: float = 0,
    deadline: datetime | None = None,
    country: str = "FI",
    title: str = "Test group",
) -> Event:
    """An event with English-only texts in the other languages' places too."""
    first = start or datetime(2026, 12, 1, 17, 30, tzinfo=HELSINKI)
    sessions = tuple(
        Session(first + timedelta(weeks=n), first + timedelta(weeks=n, hours=2))
        for n in range(meetings)
    )
    texts = {lang: f"{title} ({lang})" for lang in ("et", "fi", "ru", "en")}
    return Event(
        id=event_id,
        kind=kind,
        country=country,
        time_zone="Europe/Helsinki" if country == "FI" else "Europe/Tallinn",
        title=texts,
        description={lang: f"About {title} in {lang}." for lang in texts},
        sessions=sessions,
        languages=("et", "fi"),
        capacity_adults=capacity,
        capacity_children=children,
        place=Place("Kulttuuriaukio 2, 00100 Helsinki", "https://www.openstreetmap.org/", "Caisa"),
        names_reason={lang: f"the list ({lang})" for lang in texts} if names else {},
        signup_deadline=deadline,
        cancel_cutoff_hours=cutoff_hours,
        late_cancel_contact="Kadri, ryhmat@sild.example",
        path="content/events/test.yaml",
    )
