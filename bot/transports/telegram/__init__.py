"""Sild on Telegram, through python-telegram-bot 22.

Settings (environment variables, see `bot/settings.py`):

- `SILD_TELEGRAM_TOKEN`: the bot token from @BotFather (required).
- `SILD_TELEGRAM_BASE_URL`: another Bot API server, e.g. `http://127.0.0.1:8081/bot` for a
  self-hosted one; its file URL is derived (`…/file/bot`).
- `SILD_TELEGRAM_FACILITATOR_CHAT`: the facilitators' group (id or @username): the only group
  where Sild reacts (to commands and buttons); it is silent in every other group.
- `SILD_TELEGRAM_POLL_TIMEOUT`: seconds a long poll waits (default 30).
- `SILD_TELEGRAM_WEBHOOK_URL`: receive updates by webhook at this public URL instead of polling;
  `SILD_TELEGRAM_WEBHOOK_LISTEN` (default 127.0.0.1) and `SILD_TELEGRAM_WEBHOOK_PORT` (default
  8443) are where the local server listens behind the reverse proxy, on the URL's path;
  `SILD_TELEGRAM_WEBHOOK_SECRET` is checked on every request (random per start when unset).

Modules: `inbound` (updates to `Inbound`), `render` (`Outbound` to HTML chunks and keyboards),
`sender` (retries without duplicates, blocked users), `profile` (commands and descriptions per
language), `redact` (the token never reaches the log), `transport` (the lifecycle and handlers).
"""

from __future__ import annotations

import os

# Opt in to python-telegram-bot's time periods as `timedelta` (announced for its next major
# version); without it, merely creating a `RetryAfter` (on every 429) emits a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.transports.telegram.transport import TelegramTransport

__all__ = ["TelegramTransport"]
