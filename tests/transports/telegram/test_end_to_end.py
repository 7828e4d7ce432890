"""The real python-telegram-bot `Application` against the fake Bot API server, end to end."""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket

import aiohttp
import pytest
from pydantic import SecretStr
from telegram.error import InvalidToken
from telegram.ext import AIORateLimiter

from bot.core.engine import Engine
from bot.core.faq import CATEGORIES
from bot.core.messages import ChatRef, Outbound, Platform
from bot.i18n import translations
from bot.knowledge import Library
from bot.storage.repository import SqlStore
from tests.transports.telegram.conftest import Harness, running, telegram_settings
from tests.transports.telegram.fake_bot_api import TOKEN, FakeBotApi, user

pytestmark = pytest.mark.slow


def gettext(lang: str, msgid: str) -> str:
    return translations(lang).gettext(msgid)


def assert_all_accepted(api: FakeBotApi) -> None:
    """Telegram accepted every message: the HTML parsed, nothing was too long."""
    refused = [(c.method, c.params.get("text")) for c in api.calls if c.status == 400]
    assert refused == []


async def test_onboarding_menu_category_and_answer_by_buttons(
    telegram: Harness, library: Library
) -> None:
    person = telegram.person(1001, language="en")
    (country,) = await person.says("/start")
    assert country.kind == "send"  # the language came from Telegram: straight to the country
    assert country.message.labels()[:2] == ["Finland", "Estonia"]

    (main,) = await person.presses("Finland")
    assert main.kind == "send" and "Health services" in main.message.labels()

    (category,) = await person.presses("Health services")
    assert category.kind == "send"  # the main menu after onboarding stays
    titles = [e.title for e in library.entries("health", "en", "FI")]
    assert category.message.labels()[: len(titles)] == titles

    (back,) = await person.presses("Back to menu")
    assert back.kind == "edit" and back.message is category.message  # navigation edits
    (again,) = await person.presses("Health services")
    assert again.kind == "edit" and again.message is category.message

    (answer,) = await person.presses(titles[0])
    assert answer.kind == "send" and answer.text.startswith(titles[0])
    assert answer.message.labels()[:2] == ["Helpful", "Not helpful"]

    (menu,) = await person.presses("Back to menu")
    assert menu.kind == "send"  # the answer is not overwritten
    assert telegram.api.messages[(1001, answer.message.message_id)].text == answer.text

    presses = 6
    assert len(telegram.api.answered) == presses  # every button press was answered
    assert_all_accepted(telegram.api)


async def test_a_free_question_gets_its_answer(telegram: Harness, library: Library) -> None:
    entry = library.entry("health-helpline", "en")
    assert entry is not None
    person = await telegram.onboarded(1002)
    (answer,) = await person.says(entry.questions[0])
    assert answer.text.startswith(entry.title)
    assert "Helpful" in answer.message.labels()
    assert "<b>" in answer.message.html  # rendered Markdown


async def test_did_you_mean_offers_buttons(telegram: Harness, library: Library) -> None:
    words = ["benefit", "kela", "card", "salary", "help", "language", "doctor", "work"]
    words += ["money", "fund", "sick", "child"]
    candidates = words + [f"{a} {b}" for a, b in itertools.combinations(words, 2)]
    question = next(q for q in candidates if library.match(q, "en", "FI").decision == "suggest")
    person = await telegram.onboarded(1003)
    (suggestion,) = await person.says(question)
    labels = suggestion.message.labels()
    assert labels[-1] == "None of these" and len(labels) >= 2
    (answer,) = await person.presses(labels[0])
    assert answer.kind == "send"


async def test_a_deep_link_opens_the_entry_after_onboarding(
    telegram: Harness, library: Library
) -> None:
    entry = library.entry("health-helpline", "ru")
    assert entry is not None
    person = telegram.person(1004, language="ru")
    (country,) = await person.says("/start faq_health-helpline")
    assert country.message.labels()[0] == gettext("ru", "Finland")
    events = await person.presses(gettext("ru", "Finland"))
    assert [e.kind for e in events] == ["send", "send"]
    assert events[1].text.startswith(entry.title)  # in Russian, as the app's language


async def test_a_sticker_gets_a_friendly_reply_in_the_persons_language(telegram: Harness) -> None:
    person = await telegram.onboarded(1005, language="et")
    (reply,) = await person.sends_sticker()
    assert reply.text == gettext(
        "et",
        "I can read only text messages. Please type your question, "
        "choose from the menu, or ask for a person.",
    )
    assert gettext("et", "Back to menu") in reply.message.labels()


async def test_html_in_a_name_and_in_a_message_stays_text(telegram: Harness) -> None:
    person = telegram.person(1006, first_name='<b>Eve</b> &amp; <a href="x">', language="en")
    await person.says("/start")
    await person.presses("Finland")
    (unknown, *_) = await person.says("/<script>alert(1)</script>")
    assert "/<script>alert(1)</script>" in unknown.text  # shown as typed
    assert "&lt;script&gt;" in unknown.message.html
    await person.says('<b>bold</b> & <a href="javascript:alert(1)">x</a> &amp;')
    assert_all_accepted(telegram.api)  # the fake refuses unescaped HTML like Telegram does


async def test_a_429_on_send_is_waited_out_and_the_reply_sent_once(telegram: Harness) -> None:
    person = await telegram.onboarded(1007)
    telegram.api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    (reply,) = await person.says("/menu")
    statuses = [c.status for c in telegram.api.requests("sendMessage", 1007)]
    assert statuses == [429, 200]
    assert len(telegram.api.sent(1007)) == 1 and "Health services" in reply.message.labels()


async def test_a_502_on_send_is_retried_and_the_reply_sent_once(telegram: Harness) -> None:
    person = await telegram.onboarded(1008)
    telegram.api.fail("sendMessage", 502, "Bad Gateway", times=2)
    await person.says("/menu")
    statuses = [c.status for c in telegram.api.requests("sendMessage", 1008)]
    assert statuses == [502, 502, 200]
    assert len(telegram.api.sent(1008)) == 1


async def test_a_send_whose_answer_is_lost_is_not_repeated(telegram: Harness) -> None:
    person = await telegram.onboarded(1009)
    telegram.api.fail("sendMessage", 0, "", drop=True)
    await person.says("/menu")
    assert len(telegram.api.requests("sendMessage", 1009)) == 1
    assert len(telegram.api.sent(1009)) == 1  # Telegram had it: shown once, not twice
    (next_reply,) = await person.says("/help")  # and the conversation goes on
    assert next_reply.kind == "send"


async def test_a_person_who_blocked_sild_is_marked_inactive_once(
    telegram: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "bot.transports.telegram")
    person = telegram.person(1010, language="en")
    await person.says("/start faq_health-helpline")
    telegram.api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", times=99)
    before = len(telegram.api.requests("sendMessage", 1010))
    await person.presses("Finland")  # two replies: the menu and the entry
    assert len(telegram.api.requests("sendMessage", 1010)) == before + 1  # no storm
    assert not await telegram.store.is_user_active("telegram", "1010")
    assert len([r for r in caplog.records if "cannot be reached" in r.getMessage()]) == 1


async def test_fifty_people_at_once_each_get_their_own_answers_in_their_language(
    bot_api: FakeBotApi, store: SqlStore, engine: Engine, library: Library
) -> None:
    languages = ["et", "fi", "ru", "en"]
    questions: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for lang in languages:
        for country in ("FI", "EE"):
            found = questions.setdefault((lang, country), [])
            for category in CATEGORIES:
                for entry in library.entries(category, lang, country):
                    result = library.match(entry.questions[0], lang, country)
                    if result.decision == "answer" and result.best and result.best.id == entry.id:
                        found.append((entry.questions[0], entry.title))
            assert len(found) >= 5, (lang, country)

    fast = AIORateLimiter(overall_max_rate=1000, max_retries=3)
    async with running(bot_api, store, engine, rate_limiter=fast) as h:
        people = [
            (h.person(2000 + n, f"P{n}", languages[n % 4]), languages[n % 4], ("FI", "EE")[n % 2])
            for n in range(50)
        ]
        for person, _, _ in people:
            await h.api.text(person.user, "/start")
        await h.settle()
        for person, lang, country in people:
            (reply,) = person.events
            assert reply.message.labels()[0] == gettext(lang, "Finland")
            name = "Finland" if country == "FI" else "Estonia"
            message, data = person.button(gettext(lang, name))
            await h.api.press(person.user, message, data)
        await h.settle()
        asked: dict[int, str] = {}
        for n, (person, lang, country) in enumerate(people):
            assert len(person.events) == 2
            assert person.events[1].message.labels()[-1] == gettext(lang, "Language and country")
            question, title = questions[(lang, country)][n % 5]
            asked[person.chat_id] = title
            await h.api.text(person.user, question)
        await h.settle()
        for person, _, _ in people:
            assert len(person.events) == 3
            assert person.events[2].text.startswith(asked[person.chat_id])
        assert len(h.api.requests("sendMessage")) == 150  # nothing twice
        assert len(h.api.answered) == 50
        assert_all_accepted(h.api)


async def test_groups_are_quiet_and_presses_there_are_still_answered(telegram: Harness) -> None:
    stranger = user(3001)
    await telegram.api.text(stranger, "/help", chat_id=-100555)
    await telegram.api.text(stranger, "hello everyone", chat_id=-100555)
    await telegram.settle()
    assert telegram.api.chat(-100555) == []
    menu = await telegram.onboarded(3002)
    (shown,) = await menu.says("/menu")
    shown.message.chat_id = -100555  # the same keyboard, as if forwarded to a group
    await telegram.api.press(stranger, shown.message, "menu")
    await telegram.settle()
    assert telegram.api.chat(-100555) == [] and len(telegram.api.answered) == 1


async def test_commands_and_descriptions_per_language_set_once(
    telegram: Harness, store: SqlStore, engine: Engine
) -> None:
    api = telegram.api
    assert set(api.commands) == {"", "et", "fi", "ru", "en"}
    assert [c["command"] for c in api.commands["fi"]] == [
        "menu",
        "help",
        "language",
        "country",
        "privacy",
    ]
    assert api.commands["ru"][2]["description"] == gettext("ru", "Change language")
    assert api.commands[""] == api.commands["en"]
    assert set(api.descriptions) == set(api.short_descriptions) == set(api.commands)
    assert api.descriptions["et"] != api.descriptions["en"]
    writes = len([c for c in api.calls if c.method.startswith("setMy")])
    async with running(api, store, engine):  # a restart reads, and writes nothing
        pass
    assert len([c for c in api.calls if c.method.startswith("setMy")]) == writes


async def test_the_outbox_delivers_notices_through_telegram(telegram: Harness) -> None:
    notice = Outbound(ChatRef(Platform.TELEGRAM, "4001"), "Reminder: **café** tomorrow")
    assert await telegram.app.dispatcher.enqueue([notice]) == 1
    assert await telegram.app.dispatcher.deliver_due() == 1
    (sent,) = telegram.api.sent(4001)
    assert sent.html == "Reminder: <b>café</b> tomorrow"
    telegram.api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", times=9)
    blocked = Outbound(ChatRef(Platform.TELEGRAM, "4002"), "Reminder")
    await telegram.app.dispatcher.enqueue([blocked])
    assert await telegram.app.dispatcher.deliver_due() == 0
    assert await telegram.app.dispatcher.deliver_due() == 0  # given up for good
    assert len(telegram.api.requests("sendMessage", 4002)) == 1


async def test_the_token_never_reaches_the_log(
    bot_api: FakeBotApi, store: SqlStore, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, "httpx")  # it logs every URL at INFO
    async with running(bot_api, store, engine) as h:
        person = h.person(5001)
        await person.says("/start")
        await person.presses("Finland")
    assert TOKEN not in caplog.text
    assert "<token>" in caplog.text  # the URLs were logged, without it


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_webhook_mode_checks_the_secret_on_every_request(
    bot_api: FakeBotApi, store: SqlStore, engine: Engine
) -> None:
    port = free_port()
    settings = telegram_settings(
        bot_api,
        telegram_webhook_url=f"http://127.0.0.1:{port}/hook/sild",
        telegram_webhook_port=port,
        telegram_webhook_secret="s3cret-Token_1",
    )
    person = user(6001)
    update = {
        "update_id": 77,
        "message": bot_api.user_message(person, text="/start"),
    }
    async with running(bot_api, store, engine, settings=settings) as h:
        assert bot_api.webhook["url"] == f"http://127.0.0.1:{port}/hook/sild"
        assert bot_api.webhook["secret_token"] == "s3cret-Token_1"
        url = f"http://127.0.0.1:{port}/hook/sild"
        async with aiohttp.ClientSession() as http:
            for secret in (None, "wrong"):
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                async with http.post(url, json=update, headers=headers) as response:
                    assert response.status == 403
            headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 200
        await bot_api.wait_until(lambda: len(bot_api.sent(6001)) == 1)
        await h.transport.application.update_queue.join()
        await asyncio.sleep(0)
        assert len(bot_api.sent(6001)) == 1  # the refused requests were never handled


async def test_a_wrong_token_stops_the_start_cleanly(
    bot_api: FakeBotApi, store: SqlStore, engine: Engine
) -> None:
    settings = telegram_settings(bot_api, telegram_token=SecretStr("999:WRONG"))
    with pytest.raises(InvalidToken):
        async with running(bot_api, store, engine, settings=settings):
            pass
    assert [c.method for c in bot_api.calls] == []  # refused before any method ran
