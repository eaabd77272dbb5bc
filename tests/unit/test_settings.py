"""Settings: production refuses to start without its secrets and services, with a one-line reason."""

from __future__ import annotations

import pytest

from lynriescoop.settings import Settings, SettingsError


def test_production_requires_secret_database_and_broker() -> None:
    settings = Settings(_env_file=None, environment="production")
    with pytest.raises(SettingsError) as info:
        settings.check_startable()
    message = str(info.value)
    assert "JWT_SECRET" in message and "DATABASE_URL" in message and "MQTT_URL" in message
    assert "\n" not in message


def test_production_with_everything_starts() -> None:
    Settings(
        _env_file=None,
        environment="production",
        jwt_secret="s" * 40,
        database_url="postgresql://db/x",
        mqtt_url="mqtt://broker:1883",
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
