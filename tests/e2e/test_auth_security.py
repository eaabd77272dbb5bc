"""Tokens that must never be accepted, bodies that must never slip a role in, and routes that stay closed."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.auth_helpers import assert_problem, bearer, manager, register


def secret_of(app: FastAPI) -> str:
    value: str = app.state.settings.jwt_secret.get_secret_value()
    return value


def claims_for(user_id: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": user_id,
        "role": "user",
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "iss": "lynriescoop",
        "typ": "access",
    }
    claims.update(overrides)
    return claims


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def assert_refused(client: httpx.AsyncClient, token: str) -> None:
    for response in (
        await client.get("/auth/me", headers=bearer(token)),
        await client.get("/admin/users", headers=bearer(token)),
    ):
        assert_problem(response, 401, "not_authenticated")
        assert response.headers["www-authenticate"] == "Bearer"


async def test_a_well_formed_token_of_our_own_is_accepted(app: FastAPI, client: httpx.AsyncClient) -> None:
    """The control: the forged tokens below differ from this one in one way only."""
    ann = await register(client, "ann@example.com")
    token = jwt.encode(claims_for(ann["user"]["id"]), secret_of(app), algorithm="HS256")
    assert (await client.get("/auth/me", headers=bearer(token))).status_code == 200


async def test_alg_none_is_refused(client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann@example.com")
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims_for(ann['user']['id']))}."
    await assert_refused(client, unsigned)


async def test_a_wrong_signature_is_refused(client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann@example.com")
    forged = jwt.encode(claims_for(ann["user"]["id"]), "another-secret-" + "z" * 40, algorithm="HS256")
    await assert_refused(client, forged)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_another_algorithm_with_our_secret_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann@example.com")
    await assert_refused(client, jwt.encode(claims_for(ann["user"]["id"]), secret_of(app), algorithm="HS512"))


async def test_an_expired_token_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann@example.com")
    past = int(time.time()) - 3600
    expired = jwt.encode(claims_for(ann["user"]["id"], iat=past, exp=past + 900), secret_of(app), algorithm="HS256")
    await assert_refused(client, expired)


async def test_a_refresh_token_is_not_an_access_token(app: FastAPI, client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann@example.com")
    await assert_refused(client, ann["refresh_token"])
    typed_refresh = jwt.encode(claims_for(ann["user"]["id"], typ="refresh"), secret_of(app), algorithm="HS256")
    await assert_refused(client, typed_refresh)


async def test_a_token_of_another_issuer_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann@example.com")
    foreign = jwt.encode(claims_for(ann["user"]["id"], iss="someone-else"), secret_of(app), algorithm="HS256")
    await assert_refused(client, foreign)


async def test_a_token_missing_a_claim_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann@example.com")
    claims = claims_for(ann["user"]["id"])
    del claims["jti"]
    await assert_refused(client, jwt.encode(claims, secret_of(app), algorithm="HS256"))


async def test_a_tampered_role_claim_is_refused(client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann@example.com")
    header, payload, signature = ann["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["role"] == "user"
    claims["role"] = "manager"
    await assert_refused(client, f"{header}.{b64(claims)}.{signature}")


async def test_a_signed_manager_claim_does_not_beat_the_database(app: FastAPI, client: httpx.AsyncClient) -> None:
    """Even a validly signed token claiming "manager" is checked against the account's role in the database."""
    ann = await register(client, "ann@example.com")
    token = jwt.encode(claims_for(ann["user"]["id"], role="manager"), secret_of(app), algorithm="HS256")
    assert_problem(await client.get("/admin/users", headers=bearer(token)), 403, "forbidden")


async def test_register_cannot_slip_in_a_role(client: httpx.AsyncClient, clean_db: AsyncEngine) -> None:
    for extra in ({"role": "manager"}, {"is_active": False}, {"id": str(uuid.uuid4())}):
        body = {"email": "sneaky@example.com", "name": "Sneaky", "password": "secret-123", **extra}
        response = await client.post("/auth/register", json=body)
        assert_problem(response, 422, "validation_error")
    async with clean_db.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM users"))).scalar() == 0


async def test_a_user_calling_manager_routes_gets_403(app: FastAPI, client: httpx.AsyncClient) -> None:
    boss = await manager(app, client)
    ann = await register(client, "ann@example.com")
    auth = bearer(ann["access_token"])
    assert_problem(await client.get("/admin/users", headers=auth), 403, "forbidden")
    promote_self = await client.patch(f"/admin/users/{ann['user']['id']}", json={"role": "manager"}, headers=auth)
    assert_problem(promote_self, 403, "forbidden")
    demote_boss = await client.patch(f"/admin/users/{boss['user']['id']}", json={"role": "user"}, headers=auth)
    assert_problem(demote_boss, 403, "forbidden")
    assert (await client.get("/auth/me", headers=auth)).json()["role"] == "user"


async def test_a_deactivated_user_gets_401_on_me_and_refresh(client: httpx.AsyncClient, clean_db: AsyncEngine) -> None:
    ann = await register(client, "ann@example.com")
    async with clean_db.begin() as conn:
        await conn.execute(text("UPDATE users SET is_active = false"))
    assert_problem(await client.get("/auth/me", headers=bearer(ann["access_token"])), 401, "not_authenticated")
    patch = await client.patch("/auth/me", json={"name": "Still here"}, headers=bearer(ann["access_token"]))
    assert_problem(patch, 401, "not_authenticated")
    refresh = await client.post("/auth/refresh", json={"refresh_token": ann["refresh_token"]})
    assert_problem(refresh, 401, "not_authenticated")


async def test_a_token_of_a_deleted_user_is_refused(client: httpx.AsyncClient, clean_db: AsyncEngine) -> None:
    ann = await register(client, "ann@example.com")
    async with clean_db.begin() as conn:
        await conn.execute(text("DELETE FROM users"))
    await assert_refused(client, ann["access_token"])
