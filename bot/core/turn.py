"""One turn of a conversation: who is talking, where they stand, and the replies being built."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from gettext import NullTranslations

from bot.core.messages import Button, ChatRef, Inbound, Outbound
from bot.core.ports import Conversation, Knowledge, Store, UserProfile


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
    notices: list[Outbound] = field(default_factory=list)

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
    ) -> None:
        """Queue a reply to the person."""
        rows = tuple(tuple(row) for row in buttons if row)
        self.replies.append(Outbound(self.inbound.chat, text, rows, edit=edit))

    def tell(self, chat: ChatRef, text: str, buttons: Iterable[Sequence[Button]] = ()) -> None:
        """Queue a message to someone else (a notice); it goes out through the outbox."""
        rows = tuple(tuple(row) for row in buttons if row)
        self.notices.append(Outbound(chat, text, rows))
