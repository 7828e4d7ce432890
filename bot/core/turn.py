"""One turn of a conversation: who is talking, where they stand, and the replies being built."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from gettext import NullTranslations
from typing import TYPE_CHECKING

from bot.core.messages import Attachment, Button, ChatRef, Inbound, Outbound
from bot.core.ports import Conversation, Knowledge, Store, UserProfile

if TYPE_CHECKING:
    from bot.core.eventdesk import EventDesk


@dataclass(slots=True)
class Turn:
    """Everything a flow needs to answer one inbound message.

    Flows read `user` and `conversation`, change them, and add replies with `say`; the engine
    saves both and returns the replies once the flow is done.
    """

    inbound: Inbound
    user: UserProfile
    conversation: Conversation
    t: NullTranslations
    knowledge: Knowledge
    store: Store
    catalogs: Callable[[str], NullTranslations]
    replies: list[Outbound] = field(default_factory=list)
    notices: list[tuple[Outbound, str | None]] = field(default_factory=list)
    events: EventDesk | None = None
    """Events and sign-ups, when the engine has them (see `bot.core.eventdesk`)."""
    facilitator: bool = False
    """Whether the person is a configured facilitator (may see sign-up lists, cancel events)."""
    forgotten: bool = False
    """Set when the person's data was deleted in this turn: the engine then saves nothing."""
    offered: object = None
    """What the previous reply offered under an honest no, as `flows.faq.no_match` kept it (the
    refused question and the topics), for counting the topic the person chooses now."""

    @property
    def lang(self) -> str:
        """The person's language (English until they choose)."""
        return self.user.language or "en"

    @property
    def state(self) -> str:
        """The conversation's current state."""
        return self.conversation.state

    def go(self, state: str) -> None:
        """Move the conversation to `state`."""
        self.conversation.state = state

    def say(
        self,
        text: str,
        buttons: Iterable[Sequence[Button]] = (),
        *,
        edit: bool = False,
        attachments: Sequence[Attachment] = (),
        from_content: bool = False,
    ) -> None:
        """Queue a reply to the person, with files (a calendar file, an export) if given.

        Pass `from_content=True` only when text and buttons come from the content and the
        translations alone (see `Outbound.from_content`).
        """
        rows = tuple(tuple(row) for row in buttons if row)
        self.replies.append(
            Outbound(
                self.inbound.chat,
                text,
                rows,
                edit=edit,
                attachments=tuple(attachments),
                from_content=from_content,
            )
        )

    def tell(
        self,
        chat: ChatRef,
        text: str,
        buttons: Iterable[Sequence[Button]] = (),
        *,
        key: str | None = None,
        thread: str | None = None,
        thread_title: str | None = None,
    ) -> None:
        """Queue a message to someone else (a notice); it goes out through the outbox.

        `key` makes it idempotent and names what it is about (`ticket:12:…`), so a failed
        delivery can be reported where it belongs.
        """
        rows = tuple(tuple(row) for row in buttons if row)
        message = Outbound(chat, text, rows, thread=thread, thread_title=thread_title)
        self.notices.append((message, key))
