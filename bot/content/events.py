"""Events from `content/events/*.yaml`: one event per file, validated with pydantic.

`load_events(folder, root)` returns every event it could read and every problem it found, each
with the file and the line, like the FAQ loader; it never raises on bad content. Times in a file
are wall-clock times in the event's time zone (Europe/Helsinki or Europe/Tallinn).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import yaml
from babel import Locale
from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from bot.content.files import parse_yaml, read_text, relative_name
from bot.content.problems import Problem, Severity
from bot.core.events import TIME_ZONES, Event, EventKind, Place, Session
from bot.core.faq import COUNTRIES, LANGUAGES

MAX_FILE_BYTES = 64 * 1024
TITLE_MAX = 60
EventId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$", max_length=50)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1500)]
_KNOWN_LANGUAGES = frozenset(Locale("en").languages)


def _sexagesimal(value: Any) -> Any:
    """YAML reads an unquoted 17:30 as the number 1050 (17 × 60 + 30): read it back as a time."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(value // 60, value % 60)
    return value


class PerLanguage(BaseModel):
    """A text in each of Sild's four languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    et: Text
    fi: Text
    ru: Text
    en: Text

    def as_dict(self) -> dict[str, str]:
        """The texts by language code."""
        return {lang: getattr(self, lang) for lang in LANGUAGES}


class SeriesSpec(BaseModel):
    """A series: the same hours on every listed date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time
    dates: list[date] = Field(min_length=2, max_length=60)

    _times = field_validator("start", "end", mode="before")(_sexagesimal)


class PlaceSpec(BaseModel):
    """Where the event meets."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Line | None = None
    address: Line
    map: AnyHttpUrl


class CafeCapacity(BaseModel):
    """Separate places for adults and children (family cafés)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    adults: int = Field(ge=1, le=1000)
    children: int = Field(ge=0, le=1000)


class NamesSpec(BaseModel):
    """Names are asked for; `reason` says why, in one line per language."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: PerLanguage


class EventFile(BaseModel):
    """What an event file says."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: EventId
    kind: Literal["peer-group", "theme-evening", "mentoring", "family-cafe"]
    country: Literal["FI", "EE"]
    time_zone: Literal["Europe/Helsinki", "Europe/Tallinn"]
    title: PerLanguage
    description: PerLanguage
    start: datetime | None = None
    end: datetime | None = None
    series: SeriesSpec | None = None
    place: PlaceSpec | None = None
    online: AnyHttpUrl | None = None
    languages: list[Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]] = Field(
        min_length=1, max_length=6
    )
    capacity: Annotated[int, Field(ge=1, le=1000)] | CafeCapacity
    names: NamesSpec | None = None
    signup_deadline: datetime | None = None
    cancel_cutoff_hours: float = Field(default=0, ge=0, le=24 * 14)
    late_cancel_contact: Line

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code not in _KNOWN_LANGUAGES]
        if unknown:
            raise ValueError(f"unknown language code {unknown[0]!r}: use ISO 639-1 (et, fi, ru)")
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value


def load_events(folder: Path, root: Path) -> tuple[list[Event], list[Problem]]:
    """Read every `*.yaml` event file under `folder`; problems name the file and the line."""
    events: list[Event] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return events, problems
    seen: dict[str, str] = {}
    for path in sorted([*folder.rglob("*.yaml"), *folder.rglob("*.yml")]):
        event, found = parse_event_file(path, root)
        problems.extend(found)
        if event is None:
            continue
        if event.id in seen:
            problems.append(
                Problem(event.path, 1, f"duplicate event id {event.id!r}: also in {seen[event.id]}")
            )
            continue
        seen[event.id] = event.path
        events.append(event)
    events.sort(key=lambda e: (e.start, e.id))
    return events, problems


def parse_event_file(path: Path, root: Path) -> tuple[Event | None, list[Problem]]:
    """Parse one event file; the event is None when the file has errors."""
    name = relative_name(path, root)
    text, problems = read_text(path, name, MAX_FILE_BYTES)
    if text is None:
        return None, problems
    return parse_event_text(text, name)


def parse_event_text(text: str, name: str) -> tuple[Event | None, list[Problem]]:
    """Parse the YAML text of an event file named `name` (used in problems)."""
    node, data, problems = parse_yaml(text, name)
    if problems:
        return None, problems
    if not isinstance(data, dict) or node is None:
        return None, [Problem(name, 1, "an event file must be a mapping of fields (key: value)")]
    lines = dict(_node_lines(node, ()))
    try:
        spec = EventFile.model_validate(data)
    except ValidationError as exc:
        return None, [
            Problem(name, _line_of(tuple(error["loc"]), lines), _message(error))
            for error in _without_union_noise(exc.errors(), data)
        ]
    return _build(spec, name, lines)


def _node_lines(node: yaml.Node, prefix: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], int]]:
    """Every key and list item path in a YAML document with its 1-based line."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = (*prefix, key.value)
            yield path, key.start_mark.line + 1
            yield from _node_lines(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = (*prefix, index)
            yield path, item.start_mark.line + 1
            yield from _node_lines(item, path)


def _line_of(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int:
    """The line of the deepest part of `loc` found in the file (pydantic adds union branches)."""
    parts = tuple(str(part) if not isinstance(part, int) else part for part in loc)
    for end in range(len(parts), 0, -1):
        if parts[:end] in lines:
            return lines[parts[:end]]
    return 1


def _without_union_noise(errors: list[Any], data: dict[Any, Any]) -> list[Any]:
    """One clear error for `capacity`, which may be a number or a mapping (pydantic tries both)."""
    kept: list[Any] = []
    said = False
    for error in errors:
        loc = tuple(error["loc"])
        if loc[:1] != ("capacity",) or len(loc) < 2:
            kept.append(error)
        elif isinstance(data.get("capacity"), dict) and loc[1] == "CafeCapacity":
            kept.append({**error, "loc": ("capacity", *loc[2:])})
        elif not isinstance(data.get("capacity"), dict) and not said:
            said = True
            kept.append(
                {
                    "loc": ("capacity",),
                    "type": "capacity",
                    "msg": "give a number of places from 1 to 1000, or for a family café "
                    "'adults' and 'children'",
                }
            )
    return kept


def _message(error: Any) -> str:
    loc = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"field {loc!r} is missing"
    if error["type"] == "extra_forbidden":
        return f"unknown field {loc!r}"
    return f"{loc}: {error['msg']}"


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time in `tz`; a time with an offset is converted to `tz`."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def _build(
    spec: EventFile, name: str, lines: dict[tuple[Any, ...], int]
) -> tuple[Event | None, list[Problem]]:
    """Check what one field alone cannot tell, and build the event."""
    problems: list[Problem] = []

    def problem(key: tuple[Any, ...], message: str) -> None:
        """Report an error at the line of `key`."""
        problems.append(Problem(name, _line_of(key, lines), message))

    tz = ZoneInfo(spec.time_zone)
    sessions: list[Session] = []
    if spec.series is not None:
        if spec.start is not None or spec.end is not None:
            problem(("series",), "give either 'start' and 'end' or 'series', not both")
        if spec.series.end <= spec.series.start:
            problem(("series", "end"), "the series ends before it starts")
        previous: date | None = None
        for index, day in enumerate(spec.series.dates):
            if previous is not None and day <= previous:
                problem(("series", "dates", index), f"{day} is not after {previous}")
            previous = day
            start = datetime.combine(day, spec.series.start, tz)
            sessions.append(Session(start, datetime.combine(day, spec.series.end, tz)))
    elif spec.start is None or spec.end is None:
        problem(("start",), "give 'start' and 'end', or a 'series' of dates")
    else:
        start, end = _local(spec.start, tz), _local(spec.end, tz)
        if end <= start:
            problem(("end",), "the event ends before it starts")
        elif end - start > timedelta(days=3):
            problem(("end",), "the event lasts more than three days: is 'end' right?")
        sessions.append(Session(start, end))
    if spec.place is None and spec.online is None:
        problem(("kind",), "give a 'place' (address and map link) or an 'online' link")
    if isinstance(spec.capacity, CafeCapacity):
        if spec.kind != "family-cafe":
            problem(("capacity",), "only a family café has separate adult and child places")
        adults, children = spec.capacity.adults, spec.capacity.children
    else:
        if spec.kind == "family-cafe":
            problem(("capacity",), "a family café needs 'adults' and 'children' places")
        adults, children = spec.capacity, 0
    deadline = _local(spec.signup_deadline, tz) if spec.signup_deadline else None
    if deadline is not None and sessions and deadline > sessions[-1].start:
        problem(("signup_deadline",), "the sign-up deadline is after the last meeting starts")
    for lang in LANGUAGES:
        title = getattr(spec.title, lang)
        if len(title) > TITLE_MAX:
            problems.append(
                Problem(
                    name,
                    _line_of(("title", lang), lines),
                    f"title is {len(title)} characters: buttons show about {TITLE_MAX}",
                    Severity.WARNING,
                )
            )
    if any(p.severity is Severity.ERROR for p in problems):
        return None, problems
    place = None
    if spec.place is not None:
        place = Place(spec.place.address, str(spec.place.map), spec.place.name)
    event = Event(
        id=spec.id,
        kind=EventKind(spec.kind),
        country=spec.country,
        time_zone=spec.time_zone,
        title=spec.title.as_dict(),
        description=spec.description.as_dict(),
        sessions=tuple(sessions),
        languages=tuple(spec.languages),
        capacity_adults=adults,
        capacity_children=children,
        place=place,
        online_url=str(spec.online) if spec.online else None,
        names_reason=spec.names.reason.as_dict() if spec.names else {},
        signup_deadline=deadline,
        cancel_cutoff_hours=spec.cancel_cutoff_hours,
        late_cancel_contact=spec.late_cancel_contact,
        path=name,
    )
    return event, problems


def check_events(events: list[Event], today: date) -> list[Problem]:
    """Warnings that depend on the date: events that are over can be removed."""
    problems: list[Problem] = []
    for event in events:
        if event.end.date() < today:
            problems.append(
                Problem(
                    event.path,
                    0,
                    f"the event ended on {event.end.date()}: remove the file when nobody needs it",
                    Severity.WARNING,
                )
            )
        if event.country not in COUNTRIES or event.time_zone not in TIME_ZONES:
            problems.append(Problem(event.path, 0, "unknown country or time zone"))
    return problems
