"""Settings: production refuses to start without its secrets and services, with a one-line reason."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lynriescoop.adapters.security.ed25519_tickets import generate_private_key
from lynriescoop.settings import Settings, SettingsError


def test_production_requires_secret_database_and_broker() -> None:
    settings = Settings(_env_file=None, environment="production")
    with pytest.raises(SettingsError) as info:
        settings.check_startable()
    message = str(info.value)
    assert "JWT_SECRET" in message and "DATABASE_URL" in message and "MQTT_URL" in message
    assert "TICKET_SIGNING_KEY" in message
    assert "\n" not in message


def test_production_refuses_to_start_without_a_ticket_signing_key() -> None:
    settings = Settings(
        _env_file=None,
        environment="production",
        jwt_secret="s" * 40,
        database_url="postgresql://db/x",
        mqtt_url="mqtt://broker:1883",
    )
    with pytest.raises(SettingsError) as info:
        settings.check_startable()
    assert str(info.value) == "ENVIRONMENT=production requires TICKET_SIGNING_KEY to be set"


def test_ticket_keys_must_be_32_raw_bytes_and_are_never_echoed() -> None:
    with pytest.raises(ValidationError, match="32 bytes") as info:
        Settings(_env_file=None, ticket_signing_key="not-a-key-at-all")
    # The command line prints the first error's message (see cli.main), which never holds the key.
    assert "not-a-key-at-all" not in info.value.errors()[0]["msg"]
    with pytest.raises(ValueError, match="32 bytes"):
        Settings(_env_file=None, ticket_previous_keys="abc")
    key = generate_private_key()
    assert Settings(_env_file=None, ticket_previous_keys=f" {key} ,").ticket_previous_keys == [key]


def test_production_with_everything_starts() -> None:
    Settings(
        _env_file=None,
        environment="production",
        jwt_secret="s" * 40,
        database_url="postgresql://db/x",
        mqtt_url="mqtt://broker:1883",
        ticket_signing_key=generate_private_key(),
    ).check_startable()


def test_development_needs_nothing() -> None:
    Settings(_env_file=None).check_startable()


def test_plain_postgres_url_gets_the_asyncpg_driver() -> None:
    assert Settings(_env_file=None, database_url="postgresql://u@h/db").database_url == "postgresql+asyncpg://u@h/db"


def test_cors_origins_from_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    assert Settings(_env_file=None).cors_origins == ["https://a.example", "https://b.example"]


def test_unknown_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        Settings(_env_file=None, cinema_timezone="Mars/Olympus")
