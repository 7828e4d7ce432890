"""Engine flows end to end, through the real content and a real SQLite database."""

from __future__ import annotations

import copy

import pytest

from bot.core.engine import Engine
from bot.core.messages import Platform
from bot.i18n import translations
from bot.knowledge import Library
from bot.matching.matcher import Thresholds
from bot.storage.repository import SqlStore
from tests.chat import Person

EN = translations("en")


async def test_first_contact_asks_language_in_all_four(engine: Engine) -> None:
    person = Person(engine)
    await person.says("/start")
    assert person.actions() == ["lang:et", "lang:fi", "lang:ru", "lang:en"]
    assert "Hello" in person.text() and "Привет" in person.text()


async def test_platform_hint_preselects_language_and_asks_country(engine: Engine) -> None:
    person = Person(engine, hint="ru-RU")
    await person.says("/start")
    ru = translations("ru")
    assert person.actions()[:2] == ["country:FI", "country:EE"]
    assert person.labels()[:2] == [ru.gettext("Finland"), ru.gettext("Estonia")]
    assert "ask:language" in person.actions()


async def test_onboarding_ends_with_privacy_notice_and_main_menu(engine: Engine) -> None:
    person = Person(engine)
    await person.onboard("en", "EE")
    assert "keeps only your language" in person.text()
    assert person.actions() == [
        "cat:health",
        "cat:jobs",
        "cat:unions",
        "cat:living",
        "events",
        "human",
        "settings",
    ]
    assert "Living in Estonia" in person.labels()


async def test_category_lists_titles_and_answer_offers_feedback(
    engine: Engine, library: Library
) -> None:
    person = Person(engine)
    await person.onboard("en", "FI")
    await person.presses("cat:health")
    titles = [e.title for e in library.entries("health", "en", "FI")]
    assert person.labels() == [*titles, "Back to menu"]
    await person.presses_label(titles[0])
    entry = library.entries("health", "en", "FI")[0]
    assert person.text().startswith(f"**{entry.title}**")
    assert person.actions()[:2] == [f"fb+:{entry.id}", f"fb-:{entry.id}"]
    assert person.actions()[-1] == "menu"


async def test_answer_is_for_the_persons_country(engine: Engine, library: Library) -> None:
    finn, eesti = Person(engine, user="fi1"), Person(engine, user="ee1")
    await finn.onboard("en", "FI")
    await eesti.onboard("en", "EE")
    await finn.presses("faq:jobs-register-unemployed")
    await eesti.presses("faq:jobs-register-unemployed")
    entry = library.entry("jobs-register-unemployed", "en")
    assert entry is not None
    fi_start, ee_start = (entry.variants[c].split("\n")[0] for c in ("FI", "EE"))
    assert fi_start in finn.text() and ee_start not in finn.text()
    assert ee_start in eesti.text() and fi_start not in eesti.text()
    assert "(faq:" not in finn.text()
    assert "Töötukassa" not in finn.text()
    assert "Kela" not in eesti.text()


async def test_typed_number_picks_a_choice(engine: Engine) -> None:
    person = Person(engine)
    await person.says("/start")
    await person.says("4")  # English
    await person.says("1")  # Finland
    await person.says("2")  # Job seeking
    assert person.text().startswith("**Job seeking**")


async def test_free_question_is_answered_in_the_persons_language(engine: Engine) -> None:
    person = Person(engine)
    await person.onboard("ru", "EE")
    await person.says("lost my job, how do I register as unemployed")  # asked in English
    assert person.actions()[0] == "fb+:jobs-register-unemployed"
    assert translations("ru").gettext("Back to menu") in person.labels()


async def test_an_answer_also_offers_what_else_the_question_matched_well(
    engine: Engine, library: Library
) -> None:
    person = Person(engine)
    await person.onboard("en", "FI")
    question = "Does my blue EU health card work at Finnish hospitals?"
    result = library.match(question, "en", "FI")
    assert result.decision == "answer" and result.best is not None
    assert "health-emergency" in [c.id for c in result.related]
    entry = library.entry(result.best.id, "en")
    assert entry is not None and "health-emergency" not in entry.related
    await person.says(question)
    assert person.actions()[0] == f"fb+:{entry.id}"
    # Emergency care came next: one tap away, after the entry's own links, before the menu.
    topics = [a for a in person.actions() if a.startswith("faq:")]
    assert topics == [*(f"faq:{i}" for i in entry.related[:3]), "faq:health-emergency"]
    assert person.actions()[-1] == "menu"


async def test_no_match_is_honest_and_remembered_without_the_person(
    engine: Engine, store: SqlStore
) -> None:
    person = Person(engine)
    await person.onboard("en", "FI")
    await person.says("qwzx vbnm plkj")
    assert "do not know" in person.text()
    assert person.actions() == ["human", "menu"]
    rows = await store.unanswered()
    assert [(text, lang, count) for text, lang, count, _ in rows] == [("qwzx vbnm plkj", "en", 1)]


async def refused(store: SqlStore, library: Library, question: str) -> Person:
    """A person in Finland whose `question` Sild refuses, as if nothing had scored high enough."""
    strict = copy.copy(library)
    strict.thresholds = Thresholds(answer=100.1, suggest=100.1)
    person = Person(Engine(store, lambda: strict, translations))
    await person.onboard("en", "FI")
    await person.says(question)
    return person


async def test_a_refusal_offers_close_topics_before_a_person(
    store: SqlStore, library: Library
) -> None:
    # The entries that came close are offered as topics; a person and the menu stay there.
    person = await refused(store, library, "how do I find a family doctor")
    assert "do not know" in person.text() and "one of these topics" in person.text()
    assert "faq:health-find-doctor" in person.actions()
    assert person.actions()[-2:] == ["human", "menu"]
    await person.presses("faq:health-find-doctor")
    assert person.text().startswith("**")
    ((question, lang, _, _),) = await store.unanswered()
    # The choice is counted for the editors, against the question in its stored form.
    assert await store.related_picks() == [(question, lang, "health-find-doctor", 1)]


async def test_only_a_topic_chosen_right_after_the_honest_no_is_counted(
    store: SqlStore, library: Library
) -> None:
    person = await refused(store, library, "how do I find a family doctor")
    assert "faq:health-find-doctor" in person.actions()
    await person.presses("menu")
    await person.presses("faq:health-find-doctor")  # from elsewhere, later: not a choice
    await person.says("how do I find a family doctor")
    await person.presses("faq:health-dental")  # not one of the topics offered
    assert await store.related_picks() == []


async def test_feedback_is_counted(engine: Engine, store: SqlStore) -> None:
    person = Person(engine)
    await person.onboard("en", "FI")
    await person.presses("faq:health-emergency")
    await person.presses("fb-:health-emergency")
    assert person.actions() == ["human", "menu"]
    assert await store.feedback_summary() == [("health-emergency", "en", 0, 1)]


@pytest.mark.parametrize("payload", ["faq:../../etc", "cat:nope", "lang:xx", "x" * 200, "fb+:"])
async def test_forged_or_stale_payloads_are_refused_politely(engine: Engine, payload: str) -> None:
    person = Person(engine)
    await person.onboard("en", "FI")
    await person.presses(payload)
    assert person.text()
    assert "menu" not in person.text() or person.actions()


async def test_unknown_faq_id_says_it_is_gone(engine: Engine) -> None:
    person = Person(engine)
    await person.onboard("en", "FI")
    await person.presses("faq:no-such-entry")
    assert "no longer available" in person.text()


async def test_unknown_command_is_explained(engine: Engine) -> None:
    person = Person(engine)
    await person.onboard("en", "FI")
    await person.says("/frobnicate <b>x</b>")
    assert "I do not know the command /frobnicate" in person.text()
    assert "/language" in person.text()


async def test_commands_work_the_same_everywhere(engine: Engine) -> None:
    for platform in (Platform.TELEGRAM, Platform.MATRIX, Platform.CONSOLE):
        person = Person(engine, user=f"cmd-{platform}", platform=platform)
        await person.onboard("fi", "FI")
        await person.says("/language")
        assert person.actions()[:4] == ["lang:et", "lang:fi", "lang:ru", "lang:en"]
        await person.says("/country")
        assert person.actions()[:2] == ["country:FI", "country:EE"]
        await person.says("/help")
        assert "/menu" in person.text()
        await person.says("/menu@SildBot")
        assert "cat:health" in person.actions()


async def test_changing_language_shows_menu_in_new_language(engine: Engine) -> None:
    person = Person(engine)
    await person.onboard("en", "FI")
    await person.says("/language")
    await person.presses("lang:et")
    et = translations("et")
    assert et.gettext("I will write in English from now on.") in person.text()
    assert et.gettext("Health services") in person.labels()


async def test_language_intent_switches_directly(engine: Engine) -> None:
    person = Person(engine)
    await person.onboard("en", "FI")
    await person.says("please switch to russian")
    ru = translations("ru")
    assert ru.gettext("Health services") in person.labels()


async def test_deep_link_before_onboarding_opens_entry_after_it(engine: Engine) -> None:
    person = Person(engine)
    await person.says("/start faq_health-helpline")
    await person.presses("lang:en")
    await person.presses("country:FI")
    assert person.last[-1].text.startswith("**")
    assert person.actions()[0] == "fb+:health-helpline"


async def test_handoff_without_facilitator_places_says_so_honestly(engine: Engine) -> None:
    person = Person(engine)
    await person.onboard("en", "FI")
    await person.presses("human")
    assert "not set up here yet" in person.text() and "112" in person.text()


async def test_state_survives_a_restart(store: SqlStore, library: Library) -> None:
    first = Person(Engine(store, lambda: library, translations))
    await first.onboard("et", "EE")
    await first.presses("cat:jobs")
    second = Person(Engine(store, lambda: library, translations))
    await second.says("1")  # picks the first question shown before the "restart"
    assert second.actions()[0].startswith("fb+:jobs-")


async def test_internal_error_becomes_an_apology(store: SqlStore) -> None:
    def broken() -> Library:
        raise RuntimeError("content exploded")

    person = Person(Engine(store, broken, translations), hint="fi")
    await person.says("hei")
    assert (
        translations("fi").gettext(
            "Sorry, something went wrong on my side. Please try again in a moment."
        )
        in person.text()
    )


async def test_empty_and_whitespace_messages_get_a_reply(engine: Engine) -> None:
    person = Person(engine)
    for text in ("", "   ", "\u200b"):
        assert await person.says(text)


async def test_stickers_and_photos_get_a_friendly_reply(engine: Engine) -> None:
    from bot.core.messages import ChatRef, Inbound

    person = Person(engine)
    await person.onboard("ru", "EE")
    for kind in ("sticker", "photo", "undecryptable"):
        replies = await engine.handle(
            Inbound(ChatRef(Platform.CONSOLE, "chat-u1"), "u1", unsupported=kind)
        )
        assert replies and replies[0].buttons
        assert [b.action for b in replies[0].choices()] == ["menu", "human"]


async def test_only_replies_without_the_persons_words_are_marked_from_content(
    engine: Engine,
) -> None:
    """Transports keep the rendering of `from_content` replies: the person's words never go in."""
    person = Person(engine)
    await person.onboard("en", "FI")
    marked = 0
    for text in [
        "zorbulon how do I find a doctor",
        "zorbulon",
        "qwzx zorbulon plkj",
        "doctor zorbulon",
        "/help",
        "/menu",
        "I want to talk to a person about zorbulon",
        "zorbulon",
    ]:
        for reply in await person.says(text):
            if reply.from_content:
                marked += 1
                words = [reply.text, *(button.label for button in reply.choices())]
                assert not any("zorbulon" in word.lower() for word in words), reply
    assert marked >= 5
    await person.says("how do I find a doctor")
    assert person.last[-1].from_content  # an FAQ answer: the same text for everyone
