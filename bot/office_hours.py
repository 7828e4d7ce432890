"""When facilitators are on duty: weekly hours in a time zone, minus public holidays.

Holidays come from the `holidays` package: Finnish ones for people in Finland, Estonian ones for
people in Estonia.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(
    r"^\s*(?P<d1>[a-z]{3})(?:\s*-\s*(?P<d2>[a-z]{3}))?\s+"
    r"(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})\s*$",
    re.IGNORECASE,
)


class OfficeHoursError(ValueError):
    """An office-hours setting that cannot be understood."""


@dataclass(frozen=True)
class WeeklyHours:
    """Opening hours per weekday (0 = Monday): a list of (start, end) local times."""

    slots: dict[int, tuple[tuple[time, time], ...]]
    zone: ZoneInfo

    def is_open(self, when: datetime, country: str | None) -> bool:
        """Whether facilitators are on duty at `when` for a person in `country`."""
        local = when.astimezone(self.zone)
        if _is_holiday(local.date(), country):
            return False
        return any(
            start <= local.time() < end for start, end in self.slots.get(local.weekday(), ())
        )

    def next_opening(self, when: datetime, country: str | None) -> datetime:
        """The next moment facilitators are on duty (now, if they are)."""
        if self.is_open(when, country):
            return when
        local = when.astimezone(self.zone)
        for offset in range(0, 60):
            day = local.date() + timedelta(days=offset)
            if _is_holiday(day, country):
                continue
            for start, _ in sorted(self.slots.get(day.weekday(), ())):
                opening = datetime.combine(day, start, tzinfo=self.zone)
                if opening > local:
                    return opening
        raise OfficeHoursError("no opening in the next 60 days")


@cache
def _holidays(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


def _is_holiday(day: date, country: str | None) -> bool:
    return day in _holidays(country or "FI")


def parse_office_hours(spec: str, zone: str) -> WeeklyHours:
    """Parse a setting like `Mon-Fri 09:00-17:00; Sat 10:00-14:00` in the time zone `zone`."""
    slots: dict[int, list[tuple[time, time]]] = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        match = _SPEC.match(part)
        if not match:
            raise OfficeHoursError(
                f"cannot read office hours {part!r}: use e.g. 'Mon-Fri 09:00-17:00'"
            )
        try:
            first = _DAYS.index(match["d1"].lower())
            last = _DAYS.index((match["d2"] or match["d1"]).lower())
            start = time(int(match["h1"]), int(match["m1"]))
            end = time(int(match["h2"]), int(match["m2"]))
        except ValueError as exc:
            raise OfficeHoursError(f"cannot read office hours {part!r}: {exc}") from exc
        if end <= start:
            raise OfficeHoursError(f"office hours {part!r} end before they start")
        for day in (
            range(first, last + 1) if first <= last else (*range(first, 7), *range(0, last + 1))
        ):
            slots.setdefault(day, []).append((start, end))
    if not slots:
        raise OfficeHoursError("office hours are empty")
    return WeeklyHours({d: tuple(s) for d, s in slots.items()}, ZoneInfo(zone))
