"""SINGLE_SEAT_RULE and COMPANION_RELEASE_MINUTES (API.md §10) reach the seat rules of the booking use cases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lynriescoop.domain.seat_rules import SeatRules
from lynriescoop.entrypoints.container import build_container
from lynriescoop.settings import Settings


def test_defaults() -> None:
    settings = Settings(_env_file=None)
    assert settings.single_seat_rule is True and settings.companion_release == timedelta(minutes=60)
    assert build_container(settings).seat_rules() == SeatRules(True, timedelta(minutes=60))


def test_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINGLE_SEAT_RULE", "false")
    monkeypatch.setenv("COMPANION_RELEASE_MINUTES", "90")
    rules = build_container(Settings(_env_file=None)).seat_rules()
    assert rules == SeatRules(single_seat_rule=False, companion_release=timedelta(minutes=90))
