"""The engine: one inbound message in, the messages to send out.

`Engine.handle` loads the person and the conversation, routes the message to a flow, saves the new
state and returns the replies. Messages of one conversation are handled one at a time (a lock per
chat), so two quick messages cannot interleave their state changes. A person never gets silence:
even an internal error becomes a translated apology with the way back to the menu.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from gettext import NullTranslations

from bot.core import actions, texts
from bot.core.faq import Intent
from bot.core.flows import faq, menu, onboarding
from bot.core.messages import Button, ChatRef, Inbound, Outbound
from bot.core.ports import Knowledge, Outbox, Store, UserProfile
from bot.core.turn import Turn

log = logging.getLogger(__name__)

COMMANDS = frozenset({"start", "menu", "help", "language", "country"})
MAX_TEXT_CHARS = 4000
"""Longer messages are cut before they are matched: no question needs more."""


class Engine:
    """Turns `Inbound` messages into `Outbound` replies; platform-free and network-free."""

    def __init__(
        self,
        store: Store,
        knowledge: Callable[[], Knowledge],
        catalogs: Callable[[str], NullTranslations],
        outbox: Outbox | None = None,
    ) -> None:
        self._store = store
        self._outbox = outbox
        self._knowledge = knowledge
        self._catalogs = catalogs
        self._locks: weakref.WeakValueDictionary[ChatRef, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Handle one message or button press and return what to send back."""
        lock = self._locks.get(inbound.chat)
        if lock is None:
            lock = self._locks[inbound.chat] = asyncio.Lock()
        async with lock:
            try:
                return await self._handle(inbound)
            except Exception:
                log.exception("could not handle a message in %s", inbound.chat)
                return [self._apology(inbound)]

    def _apology(self, inbound: Inbound) -> Outbound:
        lang = onboarding.language_from_hint(inbound.language_hint) or "en"
        t = self._catalogs(lang)
        return Outbound(
            inbound.chat,
            t.gettext("Sorry, something went wrong on my side. Please try again in a moment."),
            ((Button(texts.back_to_menu(t), "menu"),),),
        )

    async def _handle(self, inbound: Inbound) -> list[Outbound]:
        platform = inbound.platform.value
        user = await self._store.get_user(platform, inbound.user_id)
        if user is None:
            user = UserProfile(platform=platform, user_id=inbound.user_id)
        conversation = await self._store.load_conversation(inbound.chat)
        turn = Turn(
            inbound=inbound,
            user=user,
            conversation=conversation,
            t=self._catalogs(user.language or "en"),
            knowledge=self._knowledge(),
            store=self._store,
            catalogs=self._catalogs,
        )
        await self._route(turn)
        # Numbers typed next refer to the buttons of the last message that had any.
        with_buttons = [reply for reply in turn.replies if reply.buttons]
        conversation.data["choices"] = (
            [button.action for button in with_buttons[-1].choices()] if with_buttons else []
        )
        await self._store.save_user(user)
        await self._store.save_conversation(conversation)
        if turn.notices:
            if self._outbox is None:
                log.error("%d notices dropped: the engine has no outbox", len(turn.notices))
            else:
                await self._outbox.enqueue(turn.notices)
        return turn.replies

    async def _route(self, turn: Turn) -> None:
        inbound = turn.inbound
        if inbound.action is not None:
            await self._on_action(turn, inbound.action)
            return
        if inbound.unsupported is not None:
            self._on_unsupported(turn, inbound.unsupported)
            return
        text = (inbound.text or "").strip()
        if not text:
            self._on_empty(turn)
        elif text.startswith("/"):
            await self._on_command(turn, text)
        elif (picked := self._numbered_choice(turn, text)) is not None:
            await self._on_action(turn, picked)
        elif not self._onboarded(turn):
            self._on_text_during_onboarding(turn, text)
        else:
            intent = await faq.answer_question(turn, text[:MAX_TEXT_CHARS])
            if intent is not None:
                await self._on_intent(turn, intent)

    def _onboarded(self, turn: Turn) -> bool:
        return turn.user.language is not None and turn.user.country is not None

    @staticmethod
    def _numbered_choice(turn: Turn, text: str) -> str | None:
        """The action of choice number `text`, when the text is just a number of a shown choice."""
        choices = turn.conversation.data.get("choices") or []
        candidate = text.rstrip(".)")
        if candidate.isascii() and candidate.isdigit() and len(candidate) <= 2:
            number = int(candidate)
            if 1 <= number <= len(choices):
                return str(choices[number - 1])
        return None

    def _on_unsupported(self, turn: Turn, kind: str) -> None:
        """A photo, sticker, voice message, file or location, or a message we could not decrypt."""
        t = turn.t
        if kind == "undecryptable":
            text = t.gettext(
                "I could not decrypt your last message. Please send it again; "
                "if it keeps happening, start a new chat with me."
            )
        else:
            text = t.gettext(
                "I can read only text messages. Please type your question, "
                "choose from the menu, or ask for a person."
            )
        turn.say(
            text,
            [
                [Button(texts.back_to_menu(t), "menu")],
                [Button(texts.talk_to_person(t), "human")],
            ],
        )

    def _on_empty(self, turn: Turn) -> None:
        if self._onboarded(turn):
            menu.show_main_menu(turn)
        else:
            onboarding.start(turn)

    def _on_text_during_onboarding(self, turn: Turn, text: str) -> None:
        """Typed text before onboarding is done: accept a language or country name, else re-ask."""
        lowered = text.casefold()
        if turn.user.language is None or turn.state == "onboarding.language":
            for code, name in texts.LANGUAGE_NAMES.items():
                if lowered in (name.casefold(), code):
                    onboarding.set_language(turn, code, then_country=True)
                    return
            onboarding.start(turn)
            return
        onboarding.ask_country(turn)

    async def _on_command(self, turn: Turn, text: str) -> None:
        word, _, argument = text[1:].partition(" ")
        command = word.split("@", 1)[0].casefold()  # Telegram adds @botname in groups
        if command not in COMMANDS:
            t = turn.t
            turn.say(
                t.gettext("I do not know the command %(command)s.")
                % {"command": texts.escape_markdown("/" + command[:32])}
            )
            if self._onboarded(turn):
                menu.show_help(turn)
            else:
                onboarding.start(turn)
            return
        if command == "start":
            await self._on_start(turn, argument.strip())
        elif command == "language":
            onboarding.ask_language(turn)
        elif not self._onboarded(turn):
            onboarding.start(turn)
        elif command == "country":
            onboarding.ask_country(turn)
        elif command == "help":
            menu.show_help(turn)
        else:
            menu.show_main_menu(turn)

    async def _on_start(self, turn: Turn, payload: str) -> None:
        """`/start`, possibly with a deep link payload such as `faq_health-helpline`."""
        target = None
        if payload.startswith("faq_"):
            target = actions.parse(actions.faq(payload.removeprefix("faq_")))
        if not self._onboarded(turn):
            if target is not None:
                turn.conversation.data["pending"] = target.encode()
            onboarding.start(turn)
        elif target is not None:
            faq.show_entry(turn, target.arg)
        else:
            menu.show_main_menu(turn, turn.t.gettext("Welcome back!"))

    async def _on_action(self, turn: Turn, payload: str) -> None:
        action = actions.parse(payload)
        if action is None:
            self._on_stale(turn)
            return
        verb, arg = action.verb, action.arg
        if verb == "lang":
            onboarding.set_language(turn, arg)
        elif verb == "ask" and arg == "language":
            onboarding.ask_language(turn)
        elif not self._onboarded(turn) and verb != "country":
            onboarding.start(turn)
        elif verb == "country":
            onboarding.set_country(turn, arg)
        elif verb == "ask":
            onboarding.ask_country(turn)
        elif verb == "menu":
            menu.show_main_menu(turn, edit=True)
        elif verb == "cat":
            menu.show_category(turn, arg)
        elif verb == "faq":
            faq.show_entry(turn, arg)
        elif verb in ("fb+", "fb-"):
            await faq.record_feedback(turn, arg, helpful=verb == "fb+")
        elif verb == "settings":
            menu.show_settings(turn)
        elif verb == "help":
            menu.show_help(turn)
        elif verb == "none":
            faq.no_match(turn)
        else:
            await self._on_intent(turn, Intent.HUMAN if verb == "human" else Intent.EVENTS)

    def _on_stale(self, turn: Turn) -> None:
        """A payload that is malformed, forged or from a menu that no longer exists."""
        if not self._onboarded(turn):
            onboarding.start(turn)
            return
        menu.show_main_menu(turn, turn.t.gettext("That choice is no longer available."))

    async def _on_intent(self, turn: Turn, intent: Intent) -> None:
        t = turn.t
        if intent is Intent.GREETING:
            menu.show_main_menu(turn, t.gettext("Hello! I am Sild."))
        elif intent is Intent.THANKS:
            turn.say(
                t.gettext("You are welcome! Ask me anything else, any time."),
                [[Button(texts.back_to_menu(t), "menu")]],
            )
        elif intent is Intent.LANGUAGE:
            wanted = turn.conversation.data.pop("language_wanted", None)
            if isinstance(wanted, str) and wanted in texts.LANGUAGE_NAMES:
                onboarding.set_language(turn, wanted)
            else:
                onboarding.ask_language(turn)
        elif intent is Intent.EVENTS:
            menu.coming_soon(turn, "events")
        else:
            menu.coming_soon(turn, "human")
