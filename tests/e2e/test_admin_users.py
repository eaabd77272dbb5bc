"""API.md §7, the user rows: GET /admin/users and PATCH /admin/users/{id}, for managers only."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.auth_helpers import DEFAULT_PASSWORD, assert_problem, bearer, manager, register


async def test_managers_list_users_in_creation_order_with_filters(app: FastAPI, client: httpx.AsyncClient) -> None:
    boss = await manager(app, client)
    auth = bearer(boss["access_token"])
    for name in ("Ann", "Bob", "Carol"):
        await register(client, f"{name.lower()}@example.com", name=name)
    response = await client.get("/admin/users", headers=auth)
    assert response.status_code == 200
    page = response.json()
    assert (page["total"], page["limit"], page["offset"]) == (4, 20, 0)
    assert [u["email"] for u in page["items"]] == [
        "boss@example.com",
        "ann@example.com",
        "bob@example.com",
        "carol@example.com",
    ]
    assert set(page["items"][0]) == {"id", "email", "name", "role", "is_active", "avatar", "created_at"}

    async def emails(**params: object) -> list[str]:
        result = await client.get("/admin/users", params=params, headers=auth)
        assert result.status_code == 200, result.text
        return [u["email"] for u in result.json()["items"]]

    assert await emails(role="manager") == ["boss@example.com"]
    assert await emails(q="CAR") == ["carol@example.com"]
    assert await emails(q="example.com", role="user", limit=1, offset=1) == ["bob@example.com"]
    carol = next(u for u in page["items"] if u["name"] == "Carol")
    await client.patch(f"/admin/users/{carol['id']}", json={"is_active": False}, headers=auth)
    assert await emails(is_active="false") == ["carol@example.com"]
    assert len(await emails(is_active="true")) == 3


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"role": "admin"}, {"is_active": "maybe"}]
)
async def test_list_users_refuses_bad_query_parameters(
    app: FastAPI, client: httpx.AsyncClient, params: dict[str, object]
) -> None:
    boss = await manager(app, client)
    response = await client.get("/admin/users", params=params, headers=bearer(boss["access_token"]))
    assert_problem(response, 422, "validation_error")


async def test_users_and_strangers_cannot_use_the_admin_user_routes(client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann@example.com")
    auth = bearer(ann["access_token"])
    assert_problem(await client.get("/admin/users", headers=auth), 403, "forbidden")
    patch = await client.patch(f"/admin/users/{ann['user']['id']}", json={"role": "manager"}, headers=auth)
    assert_problem(patch, 403, "forbidden")
    assert_problem(await client.get("/admin/users"), 401, "not_authenticated")
    assert_problem(
        await client.patch(f"/admin/users/{ann['user']['id']}", json={"role": "manager"}), 401, "not_authenticated"
    )
    me = await client.get("/auth/me", headers=auth)
    assert me.json()["role"] == "user"


async def test_promoting_a_user_revokes_their_refresh_tokens(
    app: FastAPI, client: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    boss = await manager(app, client)
    ann = await register(client, "ann@example.com")
    response = await client.patch(
        f"/admin/users/{ann['user']['id']}", json={"role": "manager"}, headers=bearer(boss["access_token"])
    )
    assert response.status_code == 200
    assert (response.json()["role"], response.json()["is_active"]) == ("manager", True)
    refused = await client.post("/auth/refresh", json={"refresh_token": ann["refresh_token"]})
    assert_problem(refused, 401, "not_authenticated")
    # The old access token names the role "user", yet the database now says manager: the database wins.
    listed = await client.get("/admin/users", headers=bearer(ann["access_token"]))
    assert listed.status_code == 200
    async with clean_db.connect() as conn:
        role = (await conn.execute(text("SELECT role FROM users WHERE email = 'ann@example.com'"))).scalar()
    assert role == "manager"


async def test_deactivating_a_user_locks_them_out_at_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    boss = await manager(app, client)
    ann = await register(client, "ann@example.com")
    response = await client.patch(
        f"/admin/users/{ann['user']['id']}", json={"is_active": False}, headers=bearer(boss["access_token"])
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert_problem(await client.get("/auth/me", headers=bearer(ann["access_token"])), 401, "not_authenticated")
    refresh = await client.post("/auth/refresh", json={"refresh_token": ann["refresh_token"]})
    assert_problem(refresh, 401, "not_authenticated")
    login = await client.post("/auth/login", json={"email": "ann@example.com", "password": DEFAULT_PASSWORD})
    assert_problem(login, 403, "account_disabled")
    reactivated = await client.patch(
        f"/admin/users/{ann['user']['id']}", json={"is_active": True}, headers=bearer(boss["access_token"])
    )
    assert reactivated.json()["is_active"] is True
    assert (
        await client.post("/auth/login", json={"email": "ann@example.com", "password": DEFAULT_PASSWORD})
    ).status_code == 200


async def test_the_last_active_manager_stays(app: FastAPI, client: httpx.AsyncClient) -> None:
    boss = await manager(app, client)
    auth = bearer(boss["access_token"])
    boss_id = boss["user"]["id"]
    assert_problem(
        await client.patch(f"/admin/users/{boss_id}", json={"role": "user"}, headers=auth), 409, "last_manager"
    )
    assert_problem(
        await client.patch(f"/admin/users/{boss_id}", json={"is_active": False}, headers=auth), 409, "last_manager"
    )
    second = await manager(app, client, "second@example.com")
    demoted = await client.patch(f"/admin/users/{boss_id}", json={"role": "user"}, headers=auth)
    assert demoted.status_code == 200 and demoted.json()["role"] == "user"
    # The demoted manager's access token still says "manager", but the database is checked.
    assert_problem(await client.get("/admin/users", headers=auth), 403, "forbidden")
    last = await client.patch(
        f"/admin/users/{second['user']['id']}", json={"is_active": False}, headers=bearer(second["access_token"])
    )
    assert_problem(last, 409, "last_manager")


async def test_patch_user_errors(app: FastAPI, client: httpx.AsyncClient) -> None:
    boss = await manager(app, client)
    auth = bearer(boss["access_token"])
    ann = await register(client, "ann@example.com")
    missing = await client.patch(f"/admin/users/{uuid.uuid4()}", json={"role": "manager"}, headers=auth)
    assert_problem(missing, 404, "user_not_found")
    assert_problem(await client.patch("/admin/users/not-a-uuid", json={}, headers=auth), 422, "validation_error")
    for body in ({"role": "admin"}, {"email": "x@example.com"}, {"is_active": None}, {"role": None}, {"name": "X"}):
        response = await client.patch(f"/admin/users/{ann['user']['id']}", json=body, headers=auth)
        assert_problem(response, 422, "validation_error")
    unchanged = await client.patch(f"/admin/users/{ann['user']['id']}", json={}, headers=auth)
    assert unchanged.status_code == 200 and unchanged.json() == ann["user"]
    assert (await client.post("/auth/refresh", json={"refresh_token": ann["refresh_token"]})).status_code == 200


async def test_admin_user_routes_document_their_errors(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"401", "403", "422"} <= set(paths["/admin/users"]["get"]["responses"])
    patch = paths["/admin/users/{user_id}"]["patch"]
    assert {"401", "403", "404", "409", "422"} <= set(patch["responses"])
    assert "last_manager" in patch["responses"]["409"]["description"]
