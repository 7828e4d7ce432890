"""A small transcript helper: talk to the engine as one person and look at the replies."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.engine import Engine
from bot.core.messages import ChatRef, Inbound, Outbound, Platform


@dataclass
class Person:
    """One person in one chat, keeping the replies of their last message."""

    engine: Engine
    user: str = "u1"
    platform: Platform = Platform.CONSOLE
    hint: str | None = None
    last: list[Outbound] = field(default_factory=list)

    @property
    def chat(self) -> ChatRef:
        return ChatRef(self.platform, f"chat-{self.user}")

    async def says(self, text: str) -> list[Outbound]:
        """Send typed text."""
        self.last = await self.engine.handle(
            Inbound(self.chat, self.user, text=text, language_hint=self.hint)
        )
        return self.last

    async def presses(self, action: str) -> list[Outbound]:
        """Press a button by its payload."""
        self.last = await self.engine.handle(
            Inbound(self.chat, self.user, action=action, language_hint=self.hint)
        )
        return self.last

    async def presses_label(self, label: str) -> list[Outbound]:
        """Press the button with this label on the last message that had buttons."""
        for reply in reversed(self.last):
            for button in reply.choices():
                if button.label == label:
                    return await self.presses(button.action)
        raise AssertionError(f"no button {label!r} in {self.labels()}")

    def labels(self) -> list[str]:
        """Labels of the buttons of the last message that had any."""
        with_buttons = [r for r in self.last if r.buttons]
        return [b.label for b in with_buttons[-1].choices()] if with_buttons else []

    def actions(self) -> list[str]:
        """Payloads of the buttons of the last message that had any."""
        with_buttons = [r for r in self.last if r.buttons]
        return [b.action for b in with_buttons[-1].choices()] if with_buttons else []

    def text(self) -> str:
        """All reply texts of the last turn, joined."""
        return "\n\n".join(r.text for r in self.last)

    async def onboard(self, lang: str = "en", country: str = "FI") -> None:
        """Go through onboarding by buttons."""
        await self.says("/start")
        if f"lang:{lang}" in self.actions():
            await self.presses(f"lang:{lang}")
        await self.presses(f"country:{country}")
