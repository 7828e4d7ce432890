"""Event files: the shipped ones load cleanly; every broken one is reported with file and line."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.content.events import check_events, load_events, parse_event_text
from bot.content.problems import Severity
from bot.core.events import EventKind
from bot.knowledge import load_checked
from tests.conftest import CONTENT

GOOD = """\
id: test-evening
kind: theme-evening
country: EE
time_zone: Europe/Tallinn
title:
  et: Teemaõhtu
  fi: Teemailta
  ru: Тематический вечер
  en: Theme evening
description:
  et: Kirjeldus.
  fi: Kuvaus.
  ru: Описание.
  en: Description.
start: 2026-12-03 18:00
end: 2026-12-03 20:00
place:
  address: Estonia pst 8, Tallinn
  map: https://www.openstreetmap.org/
languages: [ru, et]
capacity: 30
late_cancel_contact: info@sild.example
"""


def test_shipped_events_load_without_problems() -> None:
    events, problems = load_events(CONTENT / "events", CONTENT)
    assert problems == []
    kinds = {event.kind for event in events}
    assert kinds == set(EventKind)
    for event in events:
        assert set(event.title) == set(event.description) == {"et", "fi", "ru", "en"}
        assert event.start.year >= 2026 and event.start > datetime(2026, 11, 23, tzinfo=event.tz)
    series = next(e for e in events if e.id == "job-seekers-group-helsinki")
    assert len(series.sessions) == 8 and series.is_series
    cafe = next(e for e in events if e.kind is EventKind.FAMILY_CAFE)
    assert cafe.capacity_children > 0 and cafe.needs_names


def test_shipped_content_check_includes_events() -> None:
    content, problems = load_checked(CONTENT, date(2026, 11, 24))
    assert len(content.events) >= 4
    assert not [p for p in problems if "events" in p.path]


def test_good_file_uses_wall_clock_time_of_its_zone() -> None:
    event, problems = parse_event_text(GOOD, "events/x.yaml")
    assert problems == [] and event is not None
    assert event.start == datetime(2026, 12, 3, 18, 0, tzinfo=ZoneInfo("Europe/Tallinn"))
    assert event.deadline == event.start and event.cancel_cutoff == event.start
    assert event.capacity_adults == 30 and event.capacity_children == 0


def test_unquoted_series_times_are_read_as_times() -> None:
    text = GOOD.replace(
        "start: 2026-12-03 18:00\nend: 2026-12-03 20:00\n",
        "series:\n  start: 17:30\n  end: 19:30\n  dates: [2027-01-12, 2027-01-19]\n",
    )
    event, problems = parse_event_text(text, "events/x.yaml")
    assert problems == [] and event is not None
    assert [s.start.hour for s in event.sessions] == [17, 17]
    assert event.sessions[1].end.minute == 30


@pytest.mark.parametrize(
    ("broken", "line", "words"),
    [
        (GOOD.replace("  ru: Тематический вечер\n", ""), 5, "title.ru"),
        (GOOD.replace("kind: theme-evening", "kind: party"), 2, "kind"),
        (GOOD.replace("end: 2026-12-03 20:00", "end: 2026-12-03 17:00"), 16, "ends before"),
        (GOOD.replace("capacity: 30", "capacity: 0"), 21, "capacity: give a number"),
        (GOOD.replace("capacity: 30", "capacity:\n  adults: 0\n  children: 5"), 22, "adults"),
        (GOOD.replace("capacity: 30", "capacity:\n  adults: 5\n  children: 5"), 21, "café"),
        (GOOD.replace("kind: theme-evening", "kind: family-cafe"), 21, "adults"),
        (GOOD.replace("languages: [ru, et]", "languages: [ru, xx]"), 20, "xx"),
        (GOOD.replace("  map: https://www.openstreetmap.org/", "  map: not a link"), 19, "map"),
        (GOOD.replace("place:\n  address: Estonia pst 8, Tallinn\n", "oops:\n"), 17, "oops"),
        (GOOD.replace("title:\n", "title: [\n"), 7, "YAML"),
        (GOOD + "signup_deadline: 2026-12-04 10:00\n", 23, "deadline"),
        (GOOD.replace("late_cancel_contact: info@sild.example\n", ""), 1, "late_cancel_contact"),
        (GOOD.replace("id: test-evening", "id: Test Evening"), 1, "id"),
        (
            GOOD.replace(
                "place:\n  address: Estonia pst 8, Tallinn\n  map: https://www.openstreetmap.org/\n",
                "",
            ),
            2,
            "online",
        ),
        (
            GOOD.replace(
                "start: 2026-12-03 18:00\nend: 2026-12-03 20:00\n",
                "series:\n  start: '17:30'\n  end: '19:30'\n  dates:\n"
                "    - 2027-01-19\n    - 2027-01-12\n",
            ),
            20,
            "not after",
        ),
    ],
)
def test_broken_file_is_reported_with_line(broken: str, line: int, words: str) -> None:
    event, problems = parse_event_text(broken, "events/bad.yaml")
    assert event is None
    assert problems, "expected a problem"
    assert any(p.line == line and words in p.message for p in problems), [str(p) for p in problems]
    assert all(p.path == "events/bad.yaml" for p in problems)


def test_folder_reports_duplicates_and_files(tmp_path: Path) -> None:
    folder = tmp_path / "content" / "events"
    folder.mkdir(parents=True)
    (folder / "a.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "b.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "c.yaml").write_text("- just a list\n", encoding="utf-8")
    (folder / "d.yaml").write_bytes(b"\xff\xfe not utf-8")
    events, problems = load_events(folder, tmp_path / "content")
    assert [e.id for e in events] == ["test-evening"]
    messages = {p.path: p.message for p in problems}
    assert "duplicate event id" in messages["content/events/b.yaml"]
    assert "mapping" in messages["content/events/c.yaml"]
    assert "UTF-8" in messages["content/events/d.yaml"]


def test_events_that_are_over_are_a_warning() -> None:
    event, _ = parse_event_text(GOOD, "events/x.yaml")
    assert event is not None
    assert check_events([event], date(2026, 12, 1)) == []
    (warning,) = check_events([event], date(2027, 1, 1))
    assert warning.severity is Severity.WARNING and "ended" in warning.message


def test_content_check_command_reports_a_bad_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    (root / "events" / "broken.yaml").write_text(
        GOOD.replace("capacity: 30", "capacity: lots"), encoding="utf-8"
    )
    monkeypatch.setenv("SILD_CONTENT_DIR", str(root))
    assert main(["content", "check"]) == 1
    out = capsys.readouterr().out
    assert "content/events/broken.yaml:21: error: capacity" in out
