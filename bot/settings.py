"""Settings from `SILD_*` environment variables and an optional `.env` file (pydantic-settings).

Secrets are `SecretStr`: they never show in logs, reprs or error messages.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.events import QuietHours, parse_reminder_hours
from bot.core.guard import Policy
from bot.matching.matcher import Thresholds

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_DEFAULTS = Thresholds()


class Settings(BaseSettings):
    """Everything an operator can configure. See the README for each setting."""

    model_config = SettingsConfigDict(
        env_prefix="SILD_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Path("data")
    database_url: str | None = None
    content_dir: Path = PROJECT_ROOT / "content"
    content_reload_seconds: float = Field(default=2.0, gt=0)
    log_level: str = "INFO"

    match_answer: float = Field(default=_DEFAULTS.answer, ge=0, le=100)
    match_suggest: float = Field(default=_DEFAULTS.suggest, ge=0, le=100)
    match_margin: float = Field(default=_DEFAULTS.margin, ge=0, le=100)
    match_fuzzy: float = Field(default=_DEFAULTS.fuzzy, ge=0, le=100)
    match_related: float = Field(default=_DEFAULTS.related, ge=0, le=100)
    match_runner_up: float = Field(default=_DEFAULTS.runner_up, ge=0, le=100)

    telegram_token: SecretStr | None = None
    telegram_base_url: str | None = None
    telegram_facilitator_chat: str | None = None
    telegram_poll_timeout: float = Field(default=30.0, gt=0, le=50)
    """Seconds one long-polling `getUpdates` call may wait for news."""
    telegram_webhook_url: str | None = None
    """Public HTTPS URL Telegram posts updates to; set it to use a webhook instead of polling."""
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    telegram_webhook_secret: SecretStr | None = None
    """Checked on every webhook request (1-256 of A-Z, a-z, 0-9, _ and -); when unset, a random one
    is made at each start."""

    matrix_homeserver: str | None = None
    matrix_user: str | None = None
    matrix_password: SecretStr | None = None
    matrix_access_token: SecretStr | None = None
    matrix_facilitator_room: str | None = None
    matrix_allowed_servers: str = ""
    """Homeservers whose users may invite Sild (comma-separated, e.g. `matrix.org,example.fi`);
    empty: anyone."""

    facilitators: str = ""

    reminder_hours: str = "24,2"
    """Hours before each meeting of an event when confirmed participants are reminded."""
    quiet_hours: str = "21-8"
    """Local hours (in the event's time zone) when no messages go to many people; empty: none."""
    events_scheduler_seconds: float = Field(default=30.0, gt=0)
    """How often the scheduler syncs event content and queues due reminders."""
    office_hours: str = "Mon-Fri 09:00-17:00"
    office_timezone: str = "Europe/Helsinki"
    handoff_reminder_minutes: int = Field(default=30, gt=0)

    rate_limit_per_minute: int = Field(default=20, ge=0)
    """Messages and button presses one person may send a minute; 0 turns the limit off."""
    max_message_chars: int = Field(default=4000, ge=100)
    """Longer messages are cut before they are read (the person is told once)."""
    retention_days: int = Field(default=90, ge=1)
    """Days after a request to a person is closed until its messages are deleted."""

    @field_validator(
        "telegram_token",
        "telegram_webhook_secret",
        "matrix_password",
        "matrix_access_token",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def effective_database_url(self) -> str:
        """The database URL: the setting, or a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'sild.db').resolve()}"

    @property
    def policy(self) -> Policy:
        """The rate limit, message length and retention the engine enforces."""
        return Policy(
            rate_per_minute=self.rate_limit_per_minute,
            max_text_chars=self.max_message_chars,
            retention_days=self.retention_days,
        )

    @property
    def thresholds(self) -> Thresholds:
        """The matching thresholds as the matcher takes them."""
        return Thresholds(
            answer=self.match_answer,
            suggest=self.match_suggest,
            margin=self.match_margin,
            fuzzy=self.match_fuzzy,
            related=self.match_related,
            runner_up=self.match_runner_up,
        )

    @property
    def telegram_configured(self) -> bool:
        """Whether Telegram settings are present."""
        return self.telegram_token is not None

    @property
    def matrix_configured(self) -> bool:
        """Whether Matrix settings are present."""
        return bool(self.matrix_homeserver and self.matrix_user) and (
            self.matrix_password is not None or self.matrix_access_token is not None
        )

    def matrix_allowed_server_set(self) -> frozenset[str]:
        """The homeservers allowed to invite Sild, lower-cased; empty means any server."""
        return frozenset(
            part.strip().lower() for part in self.matrix_allowed_servers.split(",") if part.strip()
        )

    @field_validator("reminder_hours")
    @classmethod
    def _check_reminder_hours(cls, value: str) -> str:
        parse_reminder_hours(value)
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _check_quiet_hours(cls, value: str) -> str:
        QuietHours.parse(value)
        return value

    @property
    def reminders(self) -> tuple[float, ...]:
        """The reminder hours, largest first."""
        return parse_reminder_hours(self.reminder_hours)

    @property
    def quiet(self) -> QuietHours | None:
        """The quiet hours, or None when there are none."""
        return QuietHours.parse(self.quiet_hours)

    def facilitator_ids(self) -> frozenset[str]:
        """The configured facilitators as `platform:user-id` strings."""
        return frozenset(self.facilitator_names())

    def facilitator_names(self) -> dict[str, str | None]:
        """Facilitators with the first name each chose to show people (`telegram:123=Anna`)."""
        names: dict[str, str | None] = {}
        for part in self.facilitators.split(","):
            ident, _, name = part.strip().partition("=")
            if ident.strip():
                names[ident.strip()] = name.strip() or None
        return names
