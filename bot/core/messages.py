"""The values that cross the boundary between a transport and the engine.

A transport turns a platform update into one `Inbound`, hands it to `Engine.handle`, and renders the
`Outbound` values it gets back: text in a small Markdown subset plus rows of buttons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Platform(StrEnum):
    """Where a conversation happens."""

    TELEGRAM = "telegram"
    MATRIX = "matrix"
    CONSOLE = "console"


@dataclass(frozen=True, slots=True)
class ChatRef:
    """One conversation on one platform (a Telegram chat id, a Matrix room id, a terminal)."""

    platform: Platform
    chat_id: str

    def __str__(self) -> str:
        return f"{self.platform.value}:{self.chat_id}"


@dataclass(frozen=True, slots=True)
class Inbound:
    """A message or a button press from a person.

    Exactly one of `text`, `action` and `unsupported` is set: `text` is what the person typed,
    `action` the payload of a button they pressed. `language_hint` is the platform's idea of the
    person's language (for example Telegram's `language_code`), used to preselect the language on
    first contact.
    """

    chat: ChatRef
    user_id: str
    text: str | None = None
    action: str | None = None
    language_hint: str | None = None
    display_name: str | None = None
    reply_to_text: str | None = None
    """The text of the message this one replies to, when the platform says (facilitator places)."""
    thread: str | None = None
    """The logical thread the message was written in, e.g. `ticket:12` (a Telegram forum topic or
    a Matrix thread that the transport mapped back)."""
    unsupported: str | None = None
    """Set instead of text for content Sild cannot read: `photo`, `sticker`, `voice`, `file`,
    `location`, `undecryptable` (an encrypted message that could not be decrypted), ..."""

    @property
    def platform(self) -> Platform:
        """The platform the message came from."""
        return self.chat.platform


@dataclass(frozen=True, slots=True)
class Button:
    """A choice offered to the person: `label` is shown, `action` comes back when it is chosen."""

    label: str
    action: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message, such as a calendar invitation (`.ics`) or a CSV export."""

    filename: str
    mime_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Outbound:
    """A message to send.

    `text` is in Sild's Markdown subset (paragraphs, bold, italic, links, lists); any text that came
    from a person is escaped before it is put in. `buttons` are rows of choices. `edit` marks a
    message that may replace the previous menu message on platforms that can edit.
    `attachments` are files sent along (each transport sends them its own way). `thread` groups
    messages about one thing (`ticket:12`) where the platform can: a Telegram forum topic, a
    Matrix thread; `thread_title` is that thread's current title (its status). `from_content`
    marks a message built only from the FAQ content and the translations, never from anything a
    person wrote or any personal data: the same text reaches many people, so a transport may keep
    its rendering and reuse it (and must not keep anything else).
    """

    to: ChatRef
    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)
    edit: bool = False
    attachments: tuple[Attachment, ...] = ()
    thread: str | None = None
    thread_title: str | None = None
    from_content: bool = False

    def choices(self) -> list[Button]:
        """All buttons in reading order, as numbered choices are shown."""
        return [button for row in self.buttons for button in row]
