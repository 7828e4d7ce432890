"""Settings from `SILD_*` environment variables and an optional `.env` file (pydantic-settings).

Secrets are `SecretStr`: they never show in logs, reprs or error messages.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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

    telegram_token: SecretStr | None = None
    telegram_base_url: str | None = None
    telegram_facilitator_chat: str | None = None

    matrix_homeserver: str | None = None
    matrix_user: str | None = None
    matrix_password: SecretStr | None = None
    matrix_access_token: SecretStr | None = None
    matrix_facilitator_room: str | None = None

    facilitators: str = ""

    @field_validator("telegram_token", "matrix_password", "matrix_access_token", mode="before")
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
    def thresholds(self) -> Thresholds:
        """The matching thresholds as the matcher takes them."""
        return Thresholds(
            answer=self.match_answer,
            suggest=self.match_suggest,
            margin=self.match_margin,
            fuzzy=self.match_fuzzy,
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

    def facilitator_ids(self) -> frozenset[str]:
        """The configured facilitators as `platform:user-id` strings."""
        return frozenset(part.strip() for part in self.facilitators.split(",") if part.strip())
