"""Settings from the environment and an optional ``.env`` file (API.md §10)."""

from __future__ import annotations

import base64
import binascii
import enum
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Environment(enum.StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SettingsError(Exception):
    """A setting makes it impossible to start; the message is one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    data_dir: Path = Path("var")

    database_url: str | None = None
    db_pool_size: int = Field(default=20, ge=1, le=100)
    db_timeout_seconds: float = Field(default=5.0, gt=0)
    db_pool_timeout_seconds: float = Field(default=30.0, gt=0)
    booking_concurrency: int = Field(default=8, ge=1, le=1000)
    response_cache_entries: int = Field(default=4096, ge=0)
    response_cache_mb: int = Field(default=64, ge=0)

    mqtt_url: str | None = None
    mqtt_embedded_port: int = Field(default=1883, ge=0, le=65535)
    mqtt_embedded_ws_port: int = Field(default=9001, ge=0, le=65535)
    mqtt_topic_prefix: str = ""
    mqtt_max_payload_bytes: int = Field(default=16384, ge=256)
    # The broker's websocket address as browsers reach it (the web page's live seat maps, GET /config.json). Unset
    # with the embedded broker: its websocket listener. Unset with MQTT_URL, or empty: none, and the page polls.
    mqtt_ws_public_url: str | None = None

    jwt_secret: SecretStr | None = None
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str = "lynriescoop"
    access_token_minutes: int = Field(default=15, ge=1)
    refresh_token_days: int = Field(default=14, ge=1)
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_client: int = Field(default=20, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)
    register_max_per_client: int = Field(default=10, ge=1)
    register_window_seconds: int = Field(default=3600, ge=1)
    password_hash_workers: int = Field(default=2, ge=1, le=64)
    password_hash_max_queue: int = Field(default=32, ge=0)
    refresh_token_retention_days: int = Field(default=30, ge=1)
    account_purge_seconds: float = Field(default=3600, gt=0)
    outbox_retention_days: int = Field(default=7, ge=1)
    outbox_purge_seconds: float = Field(default=3600, gt=0)

    cinema_timezone: str = "Europe/Brussels"
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    hold_minutes: int = Field(default=10, ge=1)
    hold_sweep_seconds: float = Field(default=5, gt=0)
    max_seats_per_booking: int = Field(default=10, ge=1, le=100)
    cancel_cutoff_minutes: int = Field(default=60, ge=0)
    cleaning_minutes: int = Field(default=15, ge=0)
    single_seat_rule: bool = True
    companion_release_minutes: int = Field(default=60, ge=0)

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_level: str = "INFO"
    log_format: Literal["console", "json"] = "console"

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_tls: Literal["none", "starttls", "tls"] = "none"
    smtp_timeout_seconds: float = 10.0
    emails_from_email: str = "tickets@lynriescoop.local"
    emails_from_name: str = "LynrieScoop"
    mail_dir: Path = Path("var/mail")

    tmdb_base_url: str = "https://api.themoviedb.org/3"
    tmdb_image_base_url: str = "https://image.tmdb.org/t/p/w500"
    tmdb_api_key: SecretStr | None = None
    tmdb_read_token: SecretStr | None = None
    tmdb_timeout_seconds: float = 5.0

    seed_on_start: bool = True

    # Ed25519 keys of the ticket codes (API.md §11), raw 32 bytes in base64url: the private signing key, and the
    # public keys of retired signing keys whose tickets are still valid (comma-separated).
    ticket_signing_key: SecretStr | None = None
    ticket_previous_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("ticket_previous_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    @field_validator("ticket_previous_keys")
    @classmethod
    def _public_keys(cls, value: list[str]) -> list[str]:
        for key in value:
            _check_raw_key(key, "a previous ticket key")
        return value

    @field_validator("ticket_signing_key")
    @classmethod
    def _signing_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _check_raw_key(value.get_secret_value(), "the ticket signing key")
        return value

    @field_validator("cinema_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _asyncpg_url(cls, value: str | None) -> str | None:
        if value and value.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        return value

    @field_validator("mqtt_ws_public_url")
    @classmethod
    def _websocket_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("ws://", "wss://")):
            raise ValueError("MQTT_WS_PUBLIC_URL must start with ws:// or wss://")
        return value

    @property
    def browser_mqtt_ws_url(self) -> str | None:
        """Where browsers reach the broker over websockets: ``MQTT_WS_PUBLIC_URL`` when set (empty: nowhere); else,
        with the embedded broker (no ``MQTT_URL``), its websocket listener on the loopback address it binds."""
        if self.mqtt_ws_public_url is not None:
            return self.mqtt_ws_public_url or None
        if self.mqtt_url:
            return None
        return embedded_ws_url(self.mqtt_embedded_ws_port)

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @cached_property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.cinema_timezone)

    @property
    def outbox_retention(self) -> timedelta:
        return timedelta(days=self.outbox_retention_days)

    @property
    def response_cache_bytes(self) -> int:
        return self.response_cache_mb * 1024 * 1024

    @property
    def hold_duration(self) -> timedelta:
        return timedelta(minutes=self.hold_minutes)

    @property
    def cancel_cutoff(self) -> timedelta:
        return timedelta(minutes=self.cancel_cutoff_minutes)

    @property
    def companion_release(self) -> timedelta:
        return timedelta(minutes=self.companion_release_minutes)

    @property
    def cleaning(self) -> timedelta:
        return timedelta(minutes=self.cleaning_minutes)

    @property
    def refresh_token_retention(self) -> timedelta:
        return timedelta(days=self.refresh_token_retention_days)

    @property
    def longest_attempt_window(self) -> timedelta:
        """How long a counted login or registration attempt can matter: the longest throttle window."""
        return timedelta(seconds=max(self.login_window_seconds, self.register_window_seconds))

    def check_startable(self) -> None:
        """Production refuses to start without explicit secrets and services."""
        if not self.is_production:
            return
        missing = [
            name
            for name, value in (
                ("JWT_SECRET", self.jwt_secret),
                ("DATABASE_URL", self.database_url),
                ("MQTT_URL", self.mqtt_url),
                ("TICKET_SIGNING_KEY", self.ticket_signing_key),
            )
            if not value
        ]
        if missing:
            raise SettingsError(f"ENVIRONMENT=production requires {', '.join(missing)} to be set")
        if self.jwt_secret is not None and len(self.jwt_secret.get_secret_value()) < 32:
            raise SettingsError("JWT_SECRET must be at least 32 characters in production")


def embedded_ws_url(port: int) -> str:
    """The embedded broker's websocket listener as a browser on this machine reaches it. amqtt accepts any path;
    ``/mqtt`` is the one MQTT.js and most brokers use."""
    return f"ws://127.0.0.1:{port}/mqtt"


def _check_raw_key(text: str, what: str) -> None:
    """A key is 32 raw bytes in base64url (43 characters, padding optional). The message never shows the key."""
    value = text.strip()
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValueError(f"{what} must be 32 bytes in base64url (43 characters)")
