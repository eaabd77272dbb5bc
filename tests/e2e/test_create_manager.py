"""``lynriescoop create-manager`` and the demo accounts of ``lynriescoop seed``, through the real entry points."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from lynriescoop.entrypoints.seed import create_manager
from tests.e2e.auth_helpers import bearer, login, register
from tests.e2e.conftest import SettingsFactory


async def test_create_manager_creates_then_reports(
    app: FastAPI, client: httpx.AsyncClient, make_settings: SettingsFactory
) -> None:
    settings = make_settings()
    assert await create_manager(settings, "Boss@Example.com", "The Boss", "boss-password") == (
        "created manager boss@example.com"
    )
    boss = await login(client, "boss@example.com", "boss-password")
    assert (boss["user"]["role"], boss["user"]["name"]) == ("manager", "The Boss")
    assert (await client.get("/admin/users", headers=bearer(boss["access_token"]))).status_code == 200
    again = await create_manager(settings, "boss@example.com", "The Boss", "boss-password")
    assert again == "boss@example.com is already a manager"


async def test_create_manager_promotes_an_existing_user(
    app: FastAPI, client: httpx.AsyncClient, make_settings: SettingsFactory
) -> None:
    ann = await register(client, "ann@example.com", password="ann-password")
    outcome = await create_manager(make_settings(), "ann@example.com", "Ann", "some-other-password")
    assert outcome == "promoted ann@example.com to manager"
    assert (await client.post("/auth/refresh", json={"refresh_token": ann["refresh_token"]})).status_code == 401
    promoted = await login(client, "ann@example.com", "ann-password")  # the password is unchanged
    assert promoted["user"]["role"] == "manager"


@pytest.mark.parametrize(
    ("email", "name", "password"),
    [
        ("not-an-email", "Boss", "boss-password"),
        ("b@example.com", "Boss", "short"),
        ("b@example.com", " ", "pw-123456"),
    ],
)
async def test_create_manager_refuses_invalid_input(
    app: FastAPI, make_settings: SettingsFactory, email: str, name: str, password: str
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the command line prints the message, whichever it is
        await create_manager(make_settings(), email, name, password)


async def test_demo_accounts_are_seeded_once_and_can_log_in(app: FastAPI, client: httpx.AsyncClient) -> None:
    seed = app.state.container.seed_demo_users()
    assert await seed() == [
        "demo manager: manager@lynriescoop.local / manager-demo-123 (created)",
        "demo staff: door@lynriescoop.local / door-demo-123 (created)",
        "demo user: customer@lynriescoop.local / customer-demo-123 (created)",
    ]
    manager = await login(client, "manager@lynriescoop.local", "manager-demo-123")
    customer = await login(client, "customer@lynriescoop.local", "customer-demo-123")
    door = await login(client, "door@lynriescoop.local", "door-demo-123")
    assert (manager["user"]["role"], customer["user"]["role"], door["user"]["role"]) == ("manager", "user", "staff")
    await client.patch("/auth/me", json={"name": "Renamed"}, headers=bearer(customer["access_token"]))
    again = await seed()
    assert all(line.endswith("(already present, left unchanged)") for line in again)
    me = await client.get("/auth/me", headers=bearer(customer["access_token"]))
    assert me.json()["name"] == "Renamed"
