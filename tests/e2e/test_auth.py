"""API.md §2 over HTTP: register, login (JSON and OAuth2 form), refresh, logout, GET and PATCH /auth/me."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import httpx
import pytest
from argon2 import PasswordHasher as Argon2
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.auth_helpers import DEFAULT_PASSWORD, assert_problem, bearer, client_at, login, register

USER_FIELDS = {"id", "email", "name", "role", "is_active", "avatar", "created_at"}


async def scalar(db: AsyncEngine, sql: str, **params: object) -> object:
    async with db.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


# -- register --------------------------------------------------------------------------------------------


async def test_register_answers_a_token_pair_and_stores_a_hashed_password(
    client: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    response = await client.post(
        "/auth/register", json={"email": "Ann@Example.com", "name": "  Ann  ", "password": "secret-123"}
    )
    assert response.status_code == 201
    pair = response.json()
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
    assert (pair["token_type"], pair["expires_in"]) == ("bearer", 15 * 60)
    user = pair["user"]
    assert set(user) == USER_FIELDS
    assert (user["email"], user["name"], user["role"], user["is_active"], user["avatar"]) == (
        "ann@example.com",
        "Ann",
        "user",
        True,
        None,
    )
    assert datetime.fromisoformat(user["created_at"]).utcoffset() == timedelta(0)
    stored_hash = str(await scalar(clean_db, "SELECT password_hash FROM users WHERE id = :id", id=user["id"]))
    assert stored_hash.startswith("$argon2id$") and "secret-123" not in stored_hash
    token_hash = await scalar(clean_db, "SELECT token_hash FROM refresh_tokens WHERE user_id = :id", id=user["id"])
    assert token_hash == hashlib.sha256(pair["refresh_token"].encode()).hexdigest()
    me = await client.get("/auth/me", headers=bearer(pair["access_token"]))
    assert me.status_code == 200 and me.json() == user


async def test_register_refuses_a_taken_email_case_insensitively(client: httpx.AsyncClient) -> None:
    await register(client, "bob@example.com")
    response = await client.post(
        "/auth/register", json={"email": "BOB@EXAMPLE.COM", "name": "Bob", "password": "secret-123"}
    )
    assert_problem(response, 409, "email_taken")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "name": "Ann", "password": "secret-123"}, "email"),
        ({"email": "ann@example.com", "name": "Ann", "password": "seven77"}, "password"),
        ({"email": "ann@example.com", "name": "Ann", "password": "x" * 129}, "password"),
        ({"email": "ann@example.com", "name": "", "password": "secret-123"}, "name"),
        ({"email": "ann@example.com", "name": "   ", "password": "secret-123"}, "name"),
        ({"email": "ann@example.com", "password": "secret-123"}, "name"),
        ({"email": "ann@example.com", "name": "Ann", "password": "secret-123", "role": "manager"}, "role"),
    ],
)
async def test_register_refuses_invalid_bodies(
    client: httpx.AsyncClient, clean_db: AsyncEngine, body: dict[str, str], field: str
) -> None:
    problem = assert_problem(await client.post("/auth/register", json=body), 422, "validation_error")
    errors = problem["errors"]
    assert isinstance(errors, list) and any(e["loc"] == ["body", field] for e in errors)
    assert await scalar(clean_db, "SELECT count(*) FROM users") == 0


async def test_register_accepts_passwords_of_8_and_128_characters(client: httpx.AsyncClient) -> None:
    await register(client, "short@example.com", password="8" * 8)
    await register(client, "long@example.com", password="x" * 128)
    await login(client, "long@example.com", "x" * 128)


# -- login -----------------------------------------------------------------------------------------------


async def test_login_with_json(client: httpx.AsyncClient) -> None:
    registered = await register(client, "ann@example.com")
    pair = await login(client, "ANN@example.com")
    assert pair["user"] == registered["user"] and pair["token_type"] == "bearer"
    assert pair["refresh_token"] != registered["refresh_token"]
    assert (await client.get("/auth/me", headers=bearer(pair["access_token"]))).status_code == 200


async def test_login_with_the_oauth2_password_form_as_swagger_sends_it(client: httpx.AsyncClient) -> None:
    registered = await register(client, "ann@example.com")
    response = await client.post(
        "/auth/login",
        data={"grant_type": "password", "username": "ann@example.com", "password": DEFAULT_PASSWORD, "scope": ""},
    )
    assert response.status_code == 200, response.text
    pair = response.json()
    assert pair["token_type"] == "bearer" and pair["user"]["id"] == registered["user"]["id"]
    me = await client.get("/auth/me", headers=bearer(pair["access_token"]))
    assert me.json()["email"] == "ann@example.com"
    multipart = await client.post(
        "/auth/login", files={"username": (None, "ann@example.com"), "password": (None, DEFAULT_PASSWORD)}
    )
    assert multipart.status_code == 200, multipart.text


async def test_login_documents_both_body_types(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    operation = spec["paths"]["/auth/login"]["post"]
    content = operation["requestBody"]["content"]
    assert set(content["application/json"]["schema"]["properties"]) == {"email", "password"}
    assert {"username", "password"} <= set(content["application/x-www-form-urlencoded"]["schema"]["properties"])
    assert {"401", "403", "422", "429"} <= set(operation["responses"])
    assert spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == (
        "/auth/login"
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"json": {"email": "ann@example.com"}}, "password"),
        ({"json": {"email": "a@example.com", "password": "x", "role": "manager"}}, "role"),
        ({"data": {"username": "ann@example.com"}}, "password"),
        ({"data": {"username": "a@example.com", "password": "x", "grant_type": "client_credentials"}}, "grant_type"),
        ({"content": b"{not json", "headers": {"Content-Type": "application/json"}}, None),
    ],
)
async def test_login_refuses_malformed_bodies(
    client: httpx.AsyncClient, kwargs: dict[str, object], field: str | None
) -> None:
    problem = assert_problem(await client.post("/auth/login", **kwargs), 422, "validation_error")  # type: ignore[arg-type]
    errors = problem["errors"]
    assert isinstance(errors, list) and errors
    if field is not None:
        assert any(e["loc"] == ["body", field] for e in errors)


async def test_unknown_email_and_wrong_password_give_the_same_401(client: httpx.AsyncClient) -> None:
    await register(client, "ann@example.com")
    wrong = await client.post("/auth/login", json={"email": "ann@example.com", "password": "wrong-password"})
    unknown = await client.post("/auth/login", json={"email": "nobody@example.com", "password": "wrong-password"})
    malformed = await client.post("/auth/login", json={"email": "not an email", "password": "wrong-password"})
    for response in (wrong, unknown, malformed):
        assert_problem(response, 401, "invalid_credentials")
        assert response.headers["www-authenticate"] == "Bearer"
    assert wrong.json() == unknown.json() == malformed.json()


async def test_a_disabled_account_gets_403_with_the_right_password(
    client: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    await register(client, "gone@example.com")
    async with clean_db.begin() as conn:
        await conn.execute(text("UPDATE users SET is_active = false WHERE email = 'gone@example.com'"))
    right = await client.post("/auth/login", json={"email": "gone@example.com", "password": DEFAULT_PASSWORD})
    assert_problem(right, 403, "account_disabled")
    wrong = await client.post("/auth/login", json={"email": "gone@example.com", "password": "not-the-password"})
    assert_problem(wrong, 401, "invalid_credentials")


async def test_repeated_failures_for_one_email_get_429_with_retry_after(app: FastAPI) -> None:
    async with client_at(app, "10.0.0.1") as first:
        await register(first, "ann@example.com")
    for i in range(5):  # LOGIN_MAX_FAILURES, from five different addresses
        async with client_at(app, f"10.0.1.{i}") as attacker:
            response = await attacker.post("/auth/login", json={"email": "ann@example.com", "password": "guess"})
            assert_problem(response, 401, "invalid_credentials")
    async with client_at(app, "10.0.2.1") as owner:
        blocked = await owner.post("/auth/login", json={"email": "ann@example.com", "password": DEFAULT_PASSWORD})
        other = await owner.post("/auth/login", json={"email": "bob@example.com", "password": "whatever"})
    assert_problem(blocked, 429, "too_many_attempts")
    assert 1 <= int(blocked.headers["retry-after"]) <= 300
    assert_problem(other, 401, "invalid_credentials")  # the other email and this client are not throttled


async def test_repeated_failures_from_one_client_get_429(app: FastAPI) -> None:
    async with client_at(app, "10.0.0.1") as setup:
        await register(setup, "victim@example.com")
    async with client_at(app, "203.0.113.9") as attacker:
        for i in range(20):  # LOGIN_MAX_FAILURES_PER_CLIENT: higher than per email (shared addresses)
            response = await attacker.post("/auth/login", json={"email": f"u{i}@example.com", "password": "guess"})
            assert_problem(response, 401, "invalid_credentials")
        blocked = await attacker.post("/auth/login", data={"username": "victim@example.com", "password": "guess"})
    assert_problem(blocked, 429, "too_many_attempts")
    assert int(blocked.headers["retry-after"]) >= 1
    async with client_at(app, "198.51.100.4") as victim:
        await login(victim, "victim@example.com")


async def test_a_successful_login_clears_the_email_failures(app: FastAPI, clean_db: AsyncEngine) -> None:
    async with client_at(app, "10.0.0.1") as setup:
        await register(setup, "ann@example.com")
    for i in range(4):
        async with client_at(app, f"10.0.1.{i}") as guesser:
            await guesser.post("/auth/login", json={"email": "ann@example.com", "password": "guess"})
    async with client_at(app, "10.0.2.1") as owner:
        await login(owner, "ann@example.com")
    assert await scalar(clean_db, "SELECT count(*) FROM login_attempts WHERE key = 'email:ann@example.com'") == 0
    for i in range(4):  # would have been the 5th..8th failure, throttled from the 6th, without the reset
        async with client_at(app, f"10.0.3.{i}") as guesser:
            response = await guesser.post("/auth/login", json={"email": "ann@example.com", "password": "guess"})
            assert_problem(response, 401, "invalid_credentials")


async def test_login_rehashes_a_password_hashed_with_other_parameters(
    client: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    await register(client, "ann@example.com")
    old_hash = Argon2(time_cost=2, memory_cost=2048).hash(DEFAULT_PASSWORD)
    async with clean_db.begin() as conn:
        await conn.execute(text("UPDATE users SET password_hash = :h"), {"h": old_hash})
    await login(client, "ann@example.com")
    new_hash = str(await scalar(clean_db, "SELECT password_hash FROM users"))
    assert new_hash != old_hash and "m=1024,t=1" in new_hash
    await login(client, "ann@example.com")


# -- refresh and logout ----------------------------------------------------------------------------------


async def test_refresh_rotates_and_a_reused_token_revokes_every_session(
    client: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    first = await register(client, "ann@example.com")
    other_device = await login(client, "ann@example.com")
    response = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"] and second["user"] == first["user"]
    assert (await client.get("/auth/me", headers=bearer(second["access_token"]))).status_code == 200
    reused = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_problem(reused, 401, "not_authenticated")
    assert reused.headers["www-authenticate"] == "Bearer"
    for token in (second["refresh_token"], other_device["refresh_token"]):
        assert_problem(await client.post("/auth/refresh", json={"refresh_token": token}), 401, "not_authenticated")
    live = await scalar(clean_db, "SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL")
    assert live == 0


async def test_refresh_refuses_unknown_and_expired_tokens(client: httpx.AsyncClient, clean_db: AsyncEngine) -> None:
    unknown = await client.post("/auth/refresh", json={"refresh_token": "no-such-token"})
    assert_problem(unknown, 401, "not_authenticated")
    pair = await register(client, "ann@example.com")
    async with clean_db.begin() as conn:
        await conn.execute(text("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'"))
    expired = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert_problem(expired, 401, "not_authenticated")
    assert_problem(await client.post("/auth/refresh", json={}), 422, "validation_error")


async def test_logout_ends_the_session_and_is_idempotent(client: httpx.AsyncClient) -> None:
    pair = await register(client, "ann@example.com")
    other = await login(client, "ann@example.com")
    response = await client.post("/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert response.status_code == 204 and response.content == b""
    again = await client.post("/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 204
    assert (await client.post("/auth/logout", json={"refresh_token": "never-issued"})).status_code == 204
    refused = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert_problem(refused, 401, "not_authenticated")
    assert (await client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})).status_code == 200
    assert_problem(await client.post("/auth/logout", json={"token": "x"}), 422, "validation_error")


# -- /auth/me --------------------------------------------------------------------------------------------


async def test_me_needs_a_bearer_token(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/auth/me"),
        await client.get("/auth/me", headers={"Authorization": "Bearer garbage"}),
        await client.patch("/auth/me", json={"name": "X"}),
    ):
        assert_problem(response, 401, "not_authenticated")
        assert response.headers["www-authenticate"] == "Bearer"


async def test_patch_me_changes_name_and_avatar(client: httpx.AsyncClient) -> None:
    pair = await register(client, "ann@example.com", name="Ann")
    auth = bearer(pair["access_token"])
    response = await client.patch(
        "/auth/me", json={"name": " Ann B ", "avatar": "https://img.example/a.png"}, headers=auth
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["avatar"]) == ("Ann B", "https://img.example/a.png")
    kept = await client.patch("/auth/me", json={}, headers=auth)
    assert kept.json()["avatar"] == "https://img.example/a.png"
    cleared = await client.patch("/auth/me", json={"avatar": None}, headers=auth)
    assert cleared.json()["avatar"] is None and cleared.json()["name"] == "Ann B"
    assert (await client.get("/auth/me", headers=auth)).json() == cleared.json()


async def test_patch_me_changes_the_password_with_the_current_one(
    client: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    pair = await register(client, "ann@example.com", password="old-password")
    other = await login(client, "ann@example.com", "old-password")
    auth = bearer(pair["access_token"])
    wrong = await client.patch(
        "/auth/me", json={"password": "new-password", "current_password": "nope-nope"}, headers=auth
    )
    assert_problem(wrong, 401, "invalid_credentials")
    await login(client, "ann@example.com", "old-password")
    response = await client.patch(
        "/auth/me", json={"password": "new-password", "current_password": "old-password"}, headers=auth
    )
    assert response.status_code == 200
    assert await scalar(clean_db, "SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL") == 0
    for token in (pair["refresh_token"], other["refresh_token"]):
        assert_problem(await client.post("/auth/refresh", json={"refresh_token": token}), 401, "not_authenticated")
    old = await client.post("/auth/login", json={"email": "ann@example.com", "password": "old-password"})
    assert_problem(old, 401, "invalid_credentials")
    await login(client, "ann@example.com", "new-password")


@pytest.mark.parametrize(
    "body",
    [
        {"password": "new-password"},
        {"password": "short", "current_password": "old-password"},
        {"password": "x" * 129, "current_password": "old-password"},
        {"name": ""},
        {"name": "   "},
        {"name": None},
        {"email": "new@example.com"},
        {"role": "manager"},
        {"is_active": False},
    ],
)
async def test_patch_me_refuses_invalid_bodies(
    client: httpx.AsyncClient, clean_db: AsyncEngine, body: dict[str, object]
) -> None:
    pair = await register(client, "ann@example.com", name="Ann", password="old-password")
    response = await client.patch("/auth/me", json=body, headers=bearer(pair["access_token"]))
    assert_problem(response, 422, "validation_error")
    assert await scalar(clean_db, "SELECT name || ' ' || role || ' ' || is_active::text FROM users") == "Ann user true"
