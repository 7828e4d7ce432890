"""The engine: one inbound message in, the messages to send out.

`Engine.handle` loads the person and the conversation, routes the message to a flow, saves the new
state and returns the replies: one read and one write transaction per message. Messages of one
conversation are handled one at a time (a lock per chat), so two quick messages cannot interleave
their state changes. A person never gets silence: even an internal error becomes a translated
apology with the way back to the menu.

Before a message reaches a flow it is cleaned (control characters, lone surrogates), counted
against the person's rate limit (over it: one polite "slow down", then silence until the window
has room again), and cut to the longest text Sild reads (the person is told once). Errors are
logged without message text unless the log level is DEBUG.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import weakref
from collections.abc import Callable
from gettext import NullTranslations

from bot.core import actions, texts
from bot.core.eventdesk import EventDesk
from bot.core.faq import Intent
from bot.core.flows import events as events_flow
from bot.core.flows import faq, handoff, menu, onboarding
from bot.core.flows import privacy as privacy_flow
from bot.core.flows.handoff import HandoffDesk
from bot.core.guard import MAX_TEXT_CHARS, Policy, RateLimiter, Verdict, clean_inbound
from bot.core.guard import error_summary as _error_summary
from bot.core.messages import Button, ChatRef, Inbound, Outbound
from bot.core.ports import Knowledge, Outbox, PrivacyStore, Store, Ticket, UserProfile
from bot.core.turn import Turn

log = logging.getLogger(__name__)

PRIVACY_COMMANDS = frozenset({"privacy", "mydata", "delete_my_data"})
COMMANDS = frozenset({"start", "menu", "help", "language", "country", "end"}) | PRIVACY_COMMANDS
PRIVACY_VERBS = frozenset({"privacy", "mydata", "forget", "forgetyes"})
__all__ = ["COMMANDS", "MAX_TEXT_CHARS", "Engine"]


class Engine:
    """Turns `Inbound` messages into `Outbound` replies; platform-free and network-free."""

    def __init__(
        self,
        store: Store,
        knowledge: Callable[[], Knowledge],
        catalogs: Callable[[str], NullTranslations],
        outbox: Outbox | None = None,
        desk: HandoffDesk | None = None,
        *,
        events: EventDesk | None = None,
        facilitators: frozenset[str] = frozenset(),
        privacy: PrivacyStore | None = None,
        policy: Policy | None = None,
    ) -> None:
        self._store = store
        self._privacy = privacy
        self.policy = policy or Policy()
        self.limiter = RateLimiter(self.policy.rate_per_minute)
        """Counts each person's messages (tests may replace it with one on a fake clock)."""
        self._outbox = outbox
        self._desk = desk
        self._events = events
        self._facilitators = facilitators
        self._knowledge = knowledge
        self._catalogs = catalogs
        self._locks: weakref.WeakValueDictionary[ChatRef, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Handle one message or button press and return what to send back."""
        inbound = clean_inbound(inbound)
        offers: list[Outbound] = []
        if not self._is_place(inbound.chat):
            verdict = self.limiter.hit(f"{inbound.platform.value}:{inbound.user_id}")
            if verdict is Verdict.DROP:
                return []
            if verdict is Verdict.WARN:
                return [await self._slow_down(inbound)]
        async with self._lock(inbound.chat):
            try:
                replies = await self._handle(inbound, offers)
            except Exception as error:
                self._log_error(f"could not handle a message in {inbound.chat}", error)
                return [self._apology(inbound)]
        # After this chat's lock is released: taking another chat's lock while holding this one
        # could deadlock with that chat doing the same.
        for message in offers:
            try:
                await self._offer_choices(message)
            except Exception as error:
                self._log_error(f"could not offer the choices of a notice to {message.to}", error)
        return replies

    @staticmethod
    def _log_error(what: str, error: Exception) -> None:
        """Log an error; its message (which may quote what a person wrote) only at DEBUG."""
        if log.isEnabledFor(logging.DEBUG):
            log.exception(what)
        else:
            log.error("%s: %s", what, _error_summary(error))

    def _is_place(self, chat: ChatRef) -> bool:
        return self._desk is not None and self._desk.is_place(chat)

    async def _slow_down(self, inbound: Inbound) -> Outbound:
        """The one message a person gets when they write faster than the rate limit allows."""
        lang = onboarding.language_from_hint(inbound.language_hint) or "en"
        try:
            profile = await self._store.get_user(inbound.platform.value, inbound.user_id)
        except Exception as error:
            self._log_error("could not read a profile for the slow-down message", error)
            profile = None
        if profile is not None and profile.language:
            lang = profile.language
        t = self._catalogs(lang)
        return Outbound(
            inbound.chat,
            t.gettext(
                "You are writing faster than I can keep up with. Please wait a minute, "
                "then write again: I will answer then."
            ),
        )

    def _apology(self, inbound: Inbound) -> Outbound:
        lang = onboarding.language_from_hint(inbound.language_hint) or "en"
        t = self._catalogs(lang)
        return Outbound(
            inbound.chat,
            t.gettext("Sorry, something went wrong on my side. Please try again in a moment."),
            ((Button(texts.back_to_menu(t), "menu"),),),
        )

    async def _handle(self, inbound: Inbound, offers: list[Outbound]) -> list[Outbound]:
        long_text = inbound.text is not None and len(inbound.text) > self.policy.max_text_chars
        if long_text:
            inbound = dataclasses.replace(inbound, text=(inbound.text or "")[: self._max_chars])
        if self._desk is not None and self._desk.is_place(inbound.chat):
            return await self._handle_place(inbound, self._desk, offers)
        platform = inbound.platform.value
        user, conversation = await self._store.load_turn(platform, inbound.user_id, inbound.chat)
        # Saved only when something changed: most turns change the conversation, not the profile.
        stored = None if user is None else (user.language, user.country, user.active)
        if user is None:
            user = UserProfile(platform=platform, user_id=inbound.user_id)
        conversation.user_id = inbound.user_id
        turn = Turn(
            inbound=inbound,
            user=user,
            conversation=conversation,
            t=self._catalogs(user.language or "en"),
            knowledge=self._knowledge(),
            store=self._store,
            catalogs=self._catalogs,
            events=self._events,
            facilitator=f"{platform}:{inbound.user_id}" in self._facilitators,
            # Topics offered under the last honest no count only when chosen right after it.
            offered=conversation.data.pop(faq.OFFERED, None),
        )
        await self._route(turn)
        if long_text and not turn.forgotten and not conversation.data.get("told_long"):
            conversation.data["told_long"] = True
            turn.replies.insert(0, self._cut_notice(turn))
        if not turn.forgotten:
            # Numbers typed next refer to the buttons of the last message that had any.
            with_buttons = [reply for reply in turn.replies if reply.buttons]
            conversation.data["choices"] = (
                [button.action for button in with_buttons[-1].choices()] if with_buttons else []
            )
            changed = stored != (user.language, user.country, True)
            await self._store.save_turn(conversation, user if changed else None)
        offers.extend(await self._send_notices(turn))
        return turn.replies

    @property
    def _max_chars(self) -> int:
        return max(1, self.policy.max_text_chars)

    def _cut_notice(self, turn: Turn) -> Outbound:
        """Said once per conversation: a long message was read only up to the limit."""
        t = turn.t
        text = t.ngettext(
            "Your message is long, so I read only its first %(count)d character.",
            "Your message is long, so I read only its first %(count)d characters.",
            self._max_chars,
        ) % {"count": self._max_chars}
        return Outbound(turn.inbound.chat, text)

    async def _handle_place(
        self, inbound: Inbound, desk: HandoffDesk, offers: list[Outbound]
    ) -> list[Outbound]:
        """A message in a facilitator place: only facilitators' ticket and event actions count."""
        facilitator = desk.is_facilitator(inbound.platform.value, inbound.user_id)
        turn = Turn(
            inbound=inbound,
            user=UserProfile(inbound.platform.value, inbound.user_id, desk.language),
            conversation=await self._store.load_conversation(inbound.chat),
            t=self._catalogs(desk.language),
            knowledge=self._knowledge(),
            store=self._store,
            catalogs=self._catalogs,
            events=self._events,
            facilitator=facilitator,
        )
        word, _, argument = (inbound.text or "").strip().partition(" ")
        command = word[1:].split("@", 1)[0].casefold() if word[:1] in ("/", "!") else ""
        verb, _, arg = (inbound.action or "").partition(":")
        if facilitator and command in events_flow.FACILITATOR_COMMANDS:
            await events_flow.facilitator_command(turn, command, argument)
        elif facilitator and verb in ("fsu", "fcsv", "fcx"):
            await events_flow.facilitator_action(turn, verb, arg)
        else:
            await handoff.in_place(turn, desk)
        offers.extend(await self._send_notices(turn))
        return turn.replies

    def _lock(self, chat: ChatRef) -> asyncio.Lock:
        """The lock that serialises one conversation."""
        lock = self._locks.get(chat)
        if lock is None:
            lock = self._locks[chat] = asyncio.Lock()
        return lock

    async def _send_notices(self, turn: Turn) -> list[Outbound]:
        """Queue the turn's notices; returns those whose buttons a typed number should pick."""
        if not turn.notices:
            return []
        if self._outbox is None:
            log.error("%d notices dropped: the engine has no outbox", len(turn.notices))
            return []
        for message, key in turn.notices:
            await self._outbox.enqueue([message], dedupe_key=key)
        return [m for m, _ in turn.notices if m.buttons and m.to != turn.inbound.chat]

    async def _offer_choices(self, message: Outbound) -> None:
        """A notice with buttons (a rating, a waitlist offer): a typed number picks them too."""
        if self._desk is not None and self._desk.is_place(message.to):
            return
        async with self._lock(message.to):
            conversation = await self._store.load_conversation(message.to)
            conversation.data["choices"] = [button.action for button in message.choices()]
            await self._store.save_conversation(conversation)

    async def _route(self, turn: Turn) -> None:
        inbound = turn.inbound
        if inbound.action is not None:
            await self._on_action(turn, inbound.action)
            return
        if inbound.unsupported is not None:
            self._on_unsupported(turn, inbound.unsupported)
            return
        text = (inbound.text or "").strip()
        if text and not text.startswith("/") and turn.knowledge.crisis(text):
            await handoff.crisis(turn, self._desk, text)
            return
        if not text:
            self._on_empty(turn)
        elif text.startswith("/"):
            await self._on_command(turn, text)
        elif self._desk is not None and turn.state == "handoff.describe":
            await handoff.open_ticket(turn, self._desk, text)
        elif (ticket := await self._open_ticket(turn)) is not None and self._desk is not None:
            await handoff.relay_from_person(turn, self._desk, ticket, text)
        elif (picked := self._numbered_choice(turn, text)) is not None:
            await self._on_action(turn, picked)
        elif (
            turn.state.startswith("events.")
            and turn.events
            and await events_flow.on_text(turn, text)
        ):
            return  # a name or a number of people while signing up
        elif not self._onboarded(turn):
            self._on_text_during_onboarding(turn, text)
        else:
            intent = await faq.answer_question(turn, text)
            if intent is not None:
                await self._on_intent(turn, intent)

    async def _open_ticket(self, turn: Turn) -> Ticket | None:
        """The person's open ticket, when they have one (their messages then go to a person)."""
        if self._desk is None or "ticket" not in turn.conversation.data:
            return None
        ticket = await self._desk.tickets.open_ticket_for(turn.inbound.chat)
        if ticket is None:
            turn.conversation.data.pop("ticket", None)
            turn.conversation.data.pop("told_relay", None)
            if turn.state == "handoff.open":
                turn.go("menu")
        return ticket

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
        if command not in COMMANDS and command not in events_flow.FACILITATOR_COMMANDS:
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
        elif command in PRIVACY_COMMANDS:
            verb = {"privacy": "privacy", "mydata": "mydata", "delete_my_data": "forget"}[command]
            await self._on_privacy(turn, verb)
        elif command == "language":
            onboarding.ask_language(turn)
        elif command == "end":
            if self._desk is not None:
                await handoff.end_by_person(turn, self._desk)
            menu.show_main_menu(
                turn, turn.t.gettext("The conversation with the facilitator has ended.")
            )
        elif command in events_flow.FACILITATOR_COMMANDS:
            await events_flow.facilitator_command(turn, command, argument)
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
        elif payload.startswith("event_") and self._events is not None:
            target = actions.parse(actions.event(payload.removeprefix("event_")))
        if not self._onboarded(turn):
            if target is not None:
                turn.conversation.data["pending"] = target.encode()
            onboarding.start(turn)
        elif target is not None and target.verb == "ev":
            await events_flow.show_event(turn, target.arg)
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
        elif verb in PRIVACY_VERBS:
            await self._on_privacy(turn, verb)
        elif not self._onboarded(turn) and verb != "country":
            onboarding.start(turn)
        elif verb == "country":
            onboarding.set_country(turn, arg)
            pending = turn.conversation.data.pop("pending", None)
            if isinstance(pending, str) and pending.startswith("ev:") and self._events:
                await events_flow.show_event(turn, pending.removeprefix("ev:"))
        elif verb == "ask":
            onboarding.ask_country(turn)
        elif verb == "menu":
            menu.show_main_menu(turn, edit=True)
        elif verb == "cat":
            menu.show_category(turn, arg)
        elif verb == "faq":
            await faq.record_related_pick(turn, arg)
            faq.show_entry(turn, arg)
        elif verb in ("fb+", "fb-"):
            await faq.record_feedback(turn, arg, helpful=verb == "fb+")
        elif verb == "settings":
            menu.show_settings(turn)
        elif verb == "help":
            menu.show_help(turn)
        elif verb == "none":
            faq.no_match(turn)
        elif verb == "hskip":
            if self._desk is not None and turn.state == "handoff.describe":
                await handoff.open_ticket(turn, self._desk, "")
            else:
                self._on_stale(turn)
        elif verb == "rate":
            if not await handoff.rate(turn, self._desk, arg):
                self._on_stale(turn)
        elif verb in actions.EVENT_VERBS or verb in ("mine", "ad", "ch"):
            await self._on_event_action(turn, verb, arg)
        elif verb == "tk":
            self._on_stale(turn)  # ticket buttons only work in a facilitator place
        else:
            await self._on_intent(turn, Intent.HUMAN if verb == "human" else Intent.EVENTS)

    async def _on_privacy(self, turn: Turn, verb: str) -> None:
        """The privacy screen, a copy of the person's data, and deleting it (also before
        onboarding: nobody has to choose a country to be forgotten)."""
        if verb == "privacy":
            privacy_flow.show(turn, self.policy.retention_days)
        elif verb == "mydata":
            await privacy_flow.send_export(turn, self._privacy)
        elif verb == "forget":
            privacy_flow.ask_forget(turn)
        else:
            await privacy_flow.forget(turn, self._privacy, self._desk)

    async def _on_event_action(self, turn: Turn, verb: str, arg: str) -> None:
        """Buttons of the groups-and-cafés flow (and the facilitators' event buttons)."""
        if turn.events is None:
            menu.coming_soon(turn, "events")
        elif verb in ("fsu", "fcsv", "fcx"):
            await events_flow.facilitator_action(turn, verb, arg)
        elif verb == "mine":
            await events_flow.show_mine(turn)
        elif verb == "ev":
            await events_flow.show_event(turn, arg)
        elif verb in ("join", "wait"):
            await events_flow.start_signup(turn, arg, waitlist=verb == "wait")
        elif verb in ("ad", "ch"):
            await events_flow.set_count(turn, verb == "ch", int(arg))
        elif verb == "leave":
            await events_flow.ask_leave(turn, arg)
        elif verb == "drop":
            await events_flow.leave(turn, arg)
        else:
            await events_flow.send_calendar(turn, arg)

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
            if turn.events is None:
                menu.coming_soon(turn, "events")
            else:
                await events_flow.show_list(turn)
        elif await self._open_ticket(turn) is not None:
            turn.say(t.gettext("You are talking with a person now; /end returns to the menu."))
        else:
            handoff.start(turn, self._desk)
