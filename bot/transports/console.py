"""The terminal chat: Sild in a terminal, with buttons shown as numbered choices.

Interactive when stdin is a terminal; otherwise it reads one message per line and prints the
replies, so a conversation can be scripted (`printf '1\\n2\\n' | bot chat`).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.core.engine import Engine
from bot.core.messages import ChatRef, Inbound, Outbound, Platform
from bot.formatting.markdown import to_plain

PROMPT = "> "


def render(reply: Outbound) -> str:
    """A reply as terminal text: the message, then its buttons as numbered choices."""
    lines = [to_plain(reply.text)]
    lines.extend(f"[{attachment.filename}]" for attachment in reply.attachments)
    choices = reply.choices()
    if choices:
        lines.append("")
        lines.extend(f"  {number}) {button.label}" for number, button in enumerate(choices, 1))
    return "\n".join(lines)


class ConsoleChat:
    """One person chatting with the engine through a terminal or a pipe."""

    def __init__(self, engine: Engine, user: str, out: TextIO = sys.stdout) -> None:
        self.engine = engine
        self.chat = ChatRef(Platform.CONSOLE, user)
        self.user = user
        self.out = out

    async def send(self, text: str) -> list[Outbound]:
        """Hand one typed line to the engine and print the replies."""
        replies = await self.engine.handle(Inbound(self.chat, self.user, text=text))
        self.show(replies)
        return replies

    async def deliver(self, message: Outbound) -> None:
        """Show a notice from the outbox if it is for this terminal's person."""
        if message.to == self.chat:
            self.show([message])

    def show(self, replies: Iterable[Outbound]) -> None:
        """Print replies, separated by a rule."""
        for reply in replies:
            self.out.write(render(reply) + "\n\n")
        self.out.flush()

    async def run(self, stdin: TextIO = sys.stdin, first: str = "/start") -> None:
        """Chat until end of input (Ctrl-D) or /quit."""
        interactive = stdin.isatty()
        await self.send(first)
        while True:
            if interactive:
                self.out.write(PROMPT)
                self.out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            text = line.rstrip("\r\n")
            if text.strip() in ("/quit", "/exit"):
                break
            if not interactive:
                self.out.write(f"{PROMPT}{text}\n")
            await self.send(text)
