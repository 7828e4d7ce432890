"""Editing content while Sild runs: a good edit goes live, a broken one never does."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import pytest

from bot.knowledge import LiveLibrary
from bot.settings import PROJECT_ROOT

ENTRY = "health-helpline"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", folder)
    return folder


def _title(live: LiveLibrary) -> str:
    entry = live().entry(ENTRY, "en")
    assert entry is not None
    return entry.title


def _edit_title(content: Path, title: str) -> None:
    path = content / "faq_en" / f"{ENTRY}.md"
    text = path.read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.startswith("title:"))
    path.write_text(text.replace(old, f"title: {title}", 1), encoding="utf-8")


def test_a_good_edit_goes_live(content: Path) -> None:
    live = LiveLibrary(content)
    assert not live.reload_if_changed()  # nothing changed
    _edit_title(content, "A brand new title")
    assert live.reload_if_changed()
    assert _title(live) == "A brand new title"


@pytest.mark.parametrize(
    "breakage",
    [
        "front matter that is not YAML",
        "a required field removed",
        "a language folder deleted",
        "an answer file that is not UTF-8",
        "the whole content folder gone",
        "a broken event file",
    ],
)
def test_a_broken_edit_keeps_the_last_good_content_live(
    content: Path, breakage: str, caplog: pytest.LogCaptureFixture
) -> None:
    live = LiveLibrary(content)
    good_title, good_count = _title(live), len(live().content.all_entries())
    answer = content / "faq_en" / f"{ENTRY}.md"
    if breakage == "front matter that is not YAML":
        answer.write_text("---\ntitle: [unclosed\n---\nBody\n", encoding="utf-8")
    elif breakage == "a required field removed":
        text = answer.read_text(encoding="utf-8")
        answer.write_text(
            "\n".join(line for line in text.splitlines() if not line.startswith("id:")),
            encoding="utf-8",
        )
    elif breakage == "a language folder deleted":
        shutil.rmtree(content / "faq_fi")
    elif breakage == "an answer file that is not UTF-8":
        answer.write_bytes(b"---\nid: health-helpline\n\xff\xfe\xfa---\n")
    elif breakage == "the whole content folder gone":
        shutil.rmtree(content)
    else:
        event = next((content / "events").glob("*.yaml"))
        event.write_text("id: [broken\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        assert not live.reload_if_changed()
    assert "the last good content stays live" in caplog.text
    assert _title(live) == good_title
    assert len(live().content.all_entries()) == good_count
    if breakage == "a broken event file":
        shipped = list((PROJECT_ROOT / "content" / "events").glob("*.yaml"))
        assert len(live().content.events) == len(shipped)


async def test_the_watcher_survives_a_broken_edit_and_takes_the_repair(content: Path) -> None:
    live = LiveLibrary(content)
    watcher = asyncio.create_task(live.watch(0.01))
    try:
        answer = content / "faq_en" / f"{ENTRY}.md"
        good = answer.read_text(encoding="utf-8")
        good_title = _title(live)
        answer.write_text("---\nnot: [yaml\n", encoding="utf-8")
        for _ in range(500):  # until the watcher has looked at the broken edit
            if live._signature == live._scan():
                break
            await asyncio.sleep(0.02)
        assert live._signature == live._scan() and _title(live) == good_title
        answer.write_text(good, encoding="utf-8")
        _edit_title(content, "Repaired title")
        for _ in range(500):
            if _title(live) == "Repaired title":
                break
            await asyncio.sleep(0.02)
        assert _title(live) == "Repaired title"
    finally:
        watcher.cancel()
