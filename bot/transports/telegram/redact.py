"""Keeping the bot token out of the log.

Every Bot API URL contains the token (`…/bot<token>/sendMessage`). httpx logs request URLs at INFO
and python-telegram-bot logs its base URL at DEBUG; `bot.app.configure_logging` already keeps httpx
at WARNING, and this filter removes the token from whatever these libraries still log, at any level.
"""

from __future__ import annotations

import logging

WATCHED_PREFIXES = ("telegram", "httpx", "httpcore", "tornado")
"""Loggers of the libraries that see Bot API URLs."""
MASK = "<token>"


class RedactToken(logging.Filter):
    """Replaces the token in a record's message with `<token>`."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record when its message contains the token; never drop it."""
        if not self._token:
            return True
        message = record.getMessage()
        if self._token in message:
            record.msg = message.replace(self._token, MASK)
            record.args = None
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and self._token in str(error):
            record.exc_info = None
            record.msg = f"{record.msg} ({type(error).__name__} hidden: it named the token)"
        return True


def watched_loggers() -> list[logging.Logger]:
    """Every logger, existing now, of a library that handles Bot API URLs.

    A filter on a logger sees only records logged to that very logger, not to its children, so
    each one is listed (python-telegram-bot and httpx create theirs when imported).
    """
    names = [
        name
        for name in list(logging.Logger.manager.loggerDict)
        if name.split(".")[0] in WATCHED_PREFIXES
    ]
    return [logging.getLogger(name) for name in {*WATCHED_PREFIXES, *names}]


def install(token: str) -> RedactToken:
    """Add a token filter to every watched logger; returns it for `uninstall`."""
    redact = RedactToken(token)
    for logger in watched_loggers():
        logger.addFilter(redact)
    return redact


def uninstall(redact: RedactToken) -> None:
    """Remove a filter added by `install`."""
    for logger in watched_loggers():
        logger.removeFilter(redact)
