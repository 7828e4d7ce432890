"""Small pieces of the transport: URLs, the webhook secret, duplicate updates, the token filter."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

import bot.transports.telegram  # noqa: F401
from bot.settings import Settings
from bot.transports.telegram import redact
from bot.transports.telegram.transport import RecentUpdates, file_url, webhook_secret


def test_the_file_url_follows_the_bot_api_url() -> None:
    assert file_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert (
        file_url("https://api.example.org/bot{token}") == "https://api.example.org/file/bot{token}"
    )
    assert file_url("https://proxy.example.org/telegram") == "https://proxy.example.org/telegram"


def test_the_webhook_secret_is_checked_and_never_echoed() -> None:
    settings = Settings(_env_file=None, telegram_webhook_secret=SecretStr("ok_Secret-1"))  # type: ignore[call-arg]
    assert webhook_secret(settings) == "ok_Secret-1"
    bad = Settings(_env_file=None, telegram_webhook_secret=SecretStr("not ok!"))  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="SILD_TELEGRAM_WEBHOOK_SECRET") as raised:
        webhook_secret(bad)
    assert "not ok" not in str(raised.value)


def test_without_a_secret_a_random_one_is_made() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    first, second = webhook_secret(settings), webhook_secret(settings)
    assert first != second and len(first) >= 32


def test_an_update_is_handled_once() -> None:
    recent = RecentUpdates(size=3)
    assert [recent.seen(n) for n in (1, 2, 1, 3, 4, 5)] == [False, False, True, False, False, False]
    assert recent.seen(1) is False  # long forgotten


def test_the_token_is_masked_in_library_logs(caplog: pytest.LogCaptureFixture) -> None:
    token = "123:SECRET"
    filter_ = redact.install(token)
    try:
        caplog.set_level(logging.DEBUG)
        caplog.set_level(logging.DEBUG, "httpx")  # `bot.app.configure_logging` may have raised it
        logging.getLogger("httpx").info("HTTP Request: POST %s", f"https://x/bot{token}/getMe")
        logging.getLogger("telegram.Bot").debug("Set Bot API URL: https://x/bot%s", token)
        try:
            raise RuntimeError(f"bad url https://x/bot{token}")
        except RuntimeError:
            logging.getLogger("telegram.ext.Updater").exception("failed")
    finally:
        redact.uninstall(filter_)
    assert token not in caplog.text
    assert caplog.text.count("<token>") == 2
    assert "RuntimeError hidden" in caplog.text
