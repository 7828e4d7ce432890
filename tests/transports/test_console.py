"""The terminal chat, scripted through stdin as a newcomer or an editor would use it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.core.messages import Button, ChatRef, Outbound, Platform
from bot.transports.console import ConsoleChat, render


def test_render_numbers_buttons() -> None:
    reply = Outbound(
        ChatRef(Platform.CONSOLE, "x"),
        "**Hi** [Kela](https://kela.fi)",
        ((Button("One", "a"), Button("Two", "b")), (Button("Three", "c"),)),
    )
    assert render(reply) == "Hi Kela (https://kela.fi)\n\n  1) One\n  2) Two\n  3) Three"


async def test_console_chat_walks_to_an_answer(engine: Engine, tmp_path: Path) -> None:
    script = tmp_path / "in.txt"
    script.write_text("4\n1\n1\n1\n", encoding="utf-8")  # English, Finland, Health, first question
    out = tmp_path / "out.txt"
    with script.open(encoding="utf-8") as stdin, out.open("w", encoding="utf-8") as stdout:
        await ConsoleChat(engine, "tester", out=stdout).run(stdin)
    text = out.read_text(encoding="utf-8")
    assert "1) Eesti" in text and "Health services" in text
    assert "1) Helpful" in text


@pytest.mark.slow
def test_bot_chat_command_reads_piped_lines(tmp_path: Path) -> None:
    env = {**os.environ, "SILD_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        # Suomi, Estonia, Job seeking, the first entry, then a typed question
        input="2\n2\n2\n1\njäin työttömäksi\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert "Helpful" not in result.stdout  # Finnish throughout
    assert result.stdout.count("> ") == 5
    assert (tmp_path / "sild.db").exists()


@pytest.mark.slow
def test_bot_run_without_accounts_starts_terminal_chat(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SILD_TELEGRAM", "SILD_MATRIX"))
    }
    env["SILD_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="/quit\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert "SILD_TELEGRAM_TOKEN" in result.stderr
    assert "Русский" in result.stdout
