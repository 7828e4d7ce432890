"""Questions and answers: a typed question is matched, then answered, clarified or handed on.

A confident match is answered, with the other entries that also matched well as buttons beside
the entry's own links; a close call becomes "did you mean" with up to three buttons; no
match is said honestly, with a person offered, the entries that came close offered as topics to
try, and the question kept (without who asked) for the editors. Every answer offers Helpful / Not
helpful and the way back to the menu.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import urlsplit

from bot.core import actions, texts
from bot.core.faq import Candidate, Intent, MatchResult
from bot.core.flows import menu
from bot.core.messages import Button
from bot.core.personal import mask_personal
from bot.core.turn import Turn

OFFERED = "offered"
"""Conversation data: the question refused in the last reply and the topics offered under it."""

TOPIC_BUTTONS = 3
"""An answer's buttons to the entries it links to; one more for what else a question matched,
so that a phone screen still shows the answer above its buttons."""

_FAQ_LINK = re.compile(r"\[([^\]]*)\]\(faq:([a-z0-9-]+)\)")


def _inline_faq_links(body: str) -> tuple[str, list[str]]:
    """Turn `[text](faq:id)` links into plain text; the ids become buttons instead."""
    linked = [match.group(2) for match in _FAQ_LINK.finditer(body)]
    return _FAQ_LINK.sub(lambda match: match.group(1), body), linked


def show_entry(turn: Turn, entry_id: str, runners_up: Sequence[str] = ()) -> None:
    """Answer with an FAQ entry in the person's language, for their country.

    The entry's own links come first as buttons, then `runners_up`: the other entries a typed
    question also matched well, in case the answer is not what the person asked.
    """
    t = turn.t
    entry = turn.knowledge.entry(entry_id, turn.lang)
    if entry is None:
        menu.show_main_menu(turn, t.gettext("Sorry, that answer is no longer available."))
        return
    country = turn.user.country
    body = entry.body_for(country)
    if not body:
        # The entry only speaks about the other country: say so rather than show nothing.
        other = next(iter(entry.variants), None)
        body = t.gettext("This answer is about %(country)s.") % {
            "country": texts.country_name(t, other)
        }
        body += "\n\n" + entry.body_for(other)
    body, linked = _inline_faq_links(body)
    parts = [f"**{entry.title}**", body]
    sources = [url for url in entry.sources if _for_country(url, country)]
    if sources:
        links = ", ".join(f"[{_host(url)}]({url})" for url in sources[:2])
        parts.append(t.gettext("Source: %(links)s") % {"links": links})
    rows: list[list[Button]] = [
        [
            Button(t.gettext("Helpful"), actions.feedback(entry.id, True)),
            Button(t.gettext("Not helpful"), actions.feedback(entry.id, False)),
        ]
    ]
    authored = list(dict.fromkeys([*linked, *entry.related]))[:TOPIC_BUTTONS]
    topics = [i for i in dict.fromkeys([*authored, *runners_up]) if i != entry.id]
    for related_id in topics[: TOPIC_BUTTONS + 1]:
        related = turn.knowledge.entry(related_id, turn.lang)
        if related is not None:
            rows.append([Button(related.title, actions.faq(related.id))])
    if "events" in entry.actions:
        rows.append([Button(texts.groups_and_cafes(t), "events")])
    if "handoff" in entry.actions:
        rows.append([Button(texts.talk_to_person(t), "human")])
    rows.append([Button(texts.back_to_menu(t), "menu")])
    turn.go(f"answer:{entry.id}")
    turn.say("\n\n".join(parts), rows, from_content=True)


def _for_country(url: str, country: str | None) -> bool:
    """Whether a source fits the person's country (an Estonian site is no source for Finland)."""
    other = {"FI": ".ee", "EE": ".fi"}.get(country or "")
    return other is None or not (_hostname(url) or "").endswith(other)


def _host(url: str) -> str:
    return (_hostname(url) or url).removeprefix("www.")


@lru_cache(maxsize=4096)
def _hostname(url: str) -> str | None:
    """A source's host name. Sources are content: the same few hundred URLs, parsed for every
    answer (four or five times each) before they were remembered."""
    return urlsplit(url).hostname


async def answer_question(turn: Turn, text: str) -> Intent | None:
    """Match a typed question and reply; returns the intent to act on, if it was one."""
    # The last few questions go with a ticket, so a facilitator sees what the person tried.
    recent = [q for q in turn.conversation.data.get("recent", []) if isinstance(q, str)]
    turn.conversation.data["recent"] = [*recent, text[:200]][-5:]
    result = turn.knowledge.match(text, turn.lang, turn.user.country)
    best = result.best
    if result.decision == "answer" and best is not None:
        if best.id.startswith("intent:"):
            turn.conversation.data["language_wanted"] = result.language
            return Intent(best.id.removeprefix("intent:"))
        show_entry(turn, best.id, [c.id for c in result.related])
        return None
    if result.decision == "suggest":
        suggest(turn, result)
        return None
    normalised = _stored_form(turn, text)
    no_match(turn, result.related, normalised)
    if normalised:
        await turn.store.record_unanswered(normalised, turn.lang)
    return None


def suggest(turn: Turn, result: MatchResult) -> None:
    """Ask "did you mean" with up to three candidates as buttons."""
    t = turn.t
    rows: list[list[Button]] = []
    for candidate in result.candidates[:3]:
        button = _candidate_button(turn, candidate.id)
        if button is not None:
            rows.append([button])
    if not rows:
        no_match(turn)
        return
    rows.append([Button(t.gettext("None of these"), "none")])
    turn.go("suggest")
    turn.say(t.gettext("I am not sure I understood. Did you mean:"), rows, from_content=True)


def _candidate_button(turn: Turn, candidate_id: str) -> Button | None:
    t = turn.t
    if candidate_id == Intent.HUMAN.key:
        return Button(texts.talk_to_person(t), "human")
    if candidate_id == Intent.EVENTS.key:
        return Button(texts.groups_and_cafes(t), "events")
    if candidate_id == Intent.LANGUAGE.key:
        return Button(t.gettext("Change language"), "ask:language")
    if candidate_id.startswith("intent:"):
        return None
    entry = turn.knowledge.entry(candidate_id, turn.lang)
    return Button(entry.title, actions.faq(entry.id)) if entry else None


def no_match(turn: Turn, related: Sequence[Candidate] = (), question: str = "") -> None:
    """Say honestly that Sild does not know, and offer a person or the menu.

    Entries that came close (`MatchResult.related`) go first as topics to try: a question Sild
    refuses by a small margin is most often in scope, worded in a way no entry foresaw. Which one
    the person then chooses is counted for the editors (see `record_related_pick`), against
    `question` in its stored form.
    """
    t = turn.t
    shown = [(c.id, button) for c in related if (button := _candidate_button(turn, c.id))]
    if shown and question:
        turn.conversation.data[OFFERED] = {"question": question, "ids": [id_ for id_, _ in shown]}
    rows = [[button] for _, button in shown]
    if rows:
        text = t.gettext(
            "Sorry, I do not know the answer to that yet. Perhaps one of these topics helps? "
            "Or shall I ask a person?"
        )
    else:
        text = t.gettext(
            "Sorry, I do not know the answer to that yet. "
            "Shall I ask a person? You can also choose a topic from the menu."
        )
    rows += [[Button(texts.talk_to_person(t), "human")], [Button(texts.back_to_menu(t), "menu")]]
    turn.go("menu")
    turn.say(text, rows, from_content=True)


def _stored_form(turn: Turn, text: str) -> str:
    """A question as Sild keeps it when nobody could answer it: in comparison form, with phone
    numbers and identity codes masked first (see `bot.core.personal`), and without who asked."""
    return turn.knowledge.normalise(mask_personal(text))[:500]


async def record_related_pick(turn: Turn, entry_id: str) -> None:
    """Count `entry_id` for the editors when the person chose it from the topics offered under
    the honest no in the previous reply (`Turn.offered`)."""
    offered = turn.offered
    if not isinstance(offered, dict):
        return
    question, ids = offered.get("question"), offered.get("ids")
    if isinstance(question, str) and isinstance(ids, list) and entry_id in ids:
        await turn.store.record_related_pick(question, turn.lang, entry_id)


async def record_feedback(turn: Turn, entry_id: str, helpful: bool) -> None:
    """Count a vote on an answer and thank the person; offer a person when it did not help."""
    t = turn.t
    if turn.knowledge.entry(entry_id, turn.lang) is None:
        menu.show_main_menu(turn, t.gettext("Sorry, that answer is no longer available."))
        return
    await turn.store.record_feedback(entry_id, turn.lang, helpful)
    if helpful:
        turn.say(t.gettext("Thank you! Glad it helped."), [[Button(texts.back_to_menu(t), "menu")]])
        return
    turn.say(
        t.gettext("Thank you for telling us. Would you like to ask a person?"),
        [[Button(texts.talk_to_person(t), "human")], [Button(texts.back_to_menu(t), "menu")]],
    )
