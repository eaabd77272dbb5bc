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


COMPLETE = {
    "jwt_secret": "s" * 40,
    "database_url": "postgresql://db/x",
    "mqtt_url": "mqtt://broker:1883",
    "ticket_signing_key": generate_private_key(),
}
ENV_NAMES = {
    "jwt_secret": "JWT_SECRET",
    "database_url": "DATABASE_URL",
    "mqtt_url": "MQTT_URL",
    "ticket_signing_key": "TICKET_SIGNING_KEY",
}


@pytest.fixture(autouse=True)
def _no_service_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests decide every value: nothing leaks in from the machine's environment."""
    for name in (*ENV_NAMES.values(), "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)


def test_production_with_everything_starts() -> None:
    settings = Settings(_env_file=None, environment="production", **COMPLETE)
    assert settings.is_production
    settings.check_startable()  # raises SettingsError when refused
    assert settings.database_url == "postgresql+asyncpg://db/x"
    assert settings.mqtt_url == COMPLETE["mqtt_url"]


@pytest.mark.parametrize("left_out", sorted(COMPLETE))
def test_production_names_exactly_what_is_missing(left_out: str) -> None:
    partial = {name: value for name, value in COMPLETE.items() if name != left_out}
    with pytest.raises(SettingsError) as info:
        Settings(_env_file=None, environment="production", **partial).check_startable()
    assert str(info.value) == f"ENVIRONMENT=production requires {ENV_NAMES[left_out]} to be set"


def test_production_refuses_a_short_jwt_secret() -> None:
    settings = Settings(_env_file=None, environment="production", **{**COMPLETE, "jwt_secret": "s" * 31})
    with pytest.raises(SettingsError, match="at least 32 characters"):
        settings.check_startable()


def test_ticket_keys_must_be_32_raw_bytes_and_are_never_echoed() -> None:
    with pytest.raises(ValidationError, match="32 bytes") as info:
        Settings(_env_file=None, ticket_signing_key="not-a-key-at-all")
    # The command line prints the first error's message (see cli.main), which never holds the key.
    assert "not-a-key-at-all" not in info.value.errors()[0]["msg"]
    with pytest.raises(ValueError, match="32 bytes"):
        Settings(_env_file=None, ticket_previous_keys="abc")
    key = generate_private_key()
    assert Settings(_env_file=None, ticket_previous_keys=f" {key} ,").ticket_previous_keys == [key]


def test_development_needs_nothing() -> None:
    settings = Settings(_env_file=None)
    assert not settings.is_production
    assert (settings.jwt_secret, settings.database_url, settings.mqtt_url) == (None, None, None)
    settings.check_startable()  # raises SettingsError when refused


def test_plain_postgres_url_gets_the_asyncpg_driver() -> None:
    assert Settings(_env_file=None, database_url="postgresql://u@h/db").database_url == "postgresql+asyncpg://u@h/db"


def test_cors_origins_from_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    assert Settings(_env_file=None).cors_origins == ["https://a.example", "https://b.example"]


def test_unknown_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        Settings(_env_file=None, cinema_timezone="Mars/Olympus")
