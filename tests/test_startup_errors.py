"""Sild cannot start: one clear line naming what to fix, a non-zero exit, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

UNREACHABLE = "postgresql+asyncpg://sild:hunter2@127.0.0.1:9/sild"
"""Nothing listens on port 9 (discard): the connection is refused at once."""


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No SILD_* settings from outside, no .env file, a data folder in tmp."""
    for name in list(os.environ):
        if name.startswith("SILD_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SILD_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    return lines[0]


@pytest.mark.parametrize("command", [["run"], ["chat"], ["export-user", "telegram", "1"]])
def test_an_unreachable_database(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    monkeypatch.setenv("SILD_DATABASE_URL", UNREACHABLE)
    if command == ["run"]:
        monkeypatch.setenv("SILD_TELEGRAM_TOKEN", "123:abc")
    assert main(command) == 2
    line = _one_line(capsys)
    assert line.startswith("bot: cannot open the database postgresql+asyncpg://sild:***@")
    assert "SILD_DATABASE_URL" in line and "hunter2" not in line


def test_a_database_folder_that_cannot_be_made(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = clean_env / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SILD_DATA_DIR", str(blocker / "data"))
    assert main(["chat"]) == 2
    line = _one_line(capsys)
    assert line.startswith("bot: cannot open the database sqlite+aiosqlite:///")
    assert "SILD_DATABASE_URL" in line


@pytest.mark.parametrize("problem", ["missing", "a file", "empty"])
def test_an_unreadable_content_folder(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    problem: str,
) -> None:
    folder = clean_env / "content"
    if problem == "a file":
        folder.write_text("")
    elif problem == "empty":
        folder.mkdir()
    monkeypatch.setenv("SILD_CONTENT_DIR", str(folder))
    assert main(["chat"]) == 2
    line = _one_line(capsys)
    assert line.startswith("bot: ") and str(folder) in line and "SILD_CONTENT_DIR" in line


def test_a_setting_that_makes_no_sense(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SILD_RATE_LIMIT_PER_MINUTE", "lots")
    assert main(["run"]) == 2
    assert _one_line(capsys).startswith("bot: SILD_RATE_LIMIT_PER_MINUTE is not valid")


TOKEN = {"SILD_TELEGRAM_TOKEN": "1:x"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "settings", "names"),
    [
        (["run"], {"SILD_DATABASE_URL": UNREACHABLE, **TOKEN}, "database"),
        (["chat"], {"SILD_DATABASE_URL": UNREACHABLE}, "database"),
        (["run"], {"SILD_CONTENT_DIR": "/nonexistent/content", **TOKEN}, "content"),
    ],
)
def test_the_real_command_exits_with_one_line(
    tmp_path: Path, command: list[str], settings: dict[str, str], names: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SILD_")}
    env |= {"SILD_DATA_DIR": str(tmp_path / "data"), **settings}
    done = subprocess.run(
        [sys.executable, "-m", "bot", *command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and names in lines[0], done.stderr
    assert "Traceback" not in done.stderr + done.stdout
