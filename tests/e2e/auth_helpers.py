"""Helpers for e2e tests that need accounts: register, log in, make a manager, and the bearer header."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from lynriescoop.application.accounts.ensure_manager import EnsureManagerCommand

DEFAULT_PASSWORD = "correct-horse-42"


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    """The response is application/problem+json with this status and code; its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["code"] == code and body["status"] == status
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register(
    client: httpx.AsyncClient, email: str, *, name: str = "Test User", password: str = DEFAULT_PASSWORD
) -> dict[str, Any]:
    """Register through the API; the TokenPair body."""
    response = await client.post("/auth/register", json={"email": email, "name": name, "password": password})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def login(client: httpx.AsyncClient, email: str, password: str = DEFAULT_PASSWORD) -> dict[str, Any]:
    response = await client.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def manager(
    app: FastAPI, client: httpx.AsyncClient, email: str = "boss@example.com", password: str = DEFAULT_PASSWORD
) -> dict[str, Any]:
    """A manager made the operator's way (the create-manager use case), logged in: its TokenPair body."""
    await app.state.container.ensure_manager()(EnsureManagerCommand(email=email, name="The Boss", password=password))
    return await login(client, email, password)


def client_at(app: FastAPI, address: str) -> httpx.AsyncClient:
    """A client whose requests come from ``address`` (what the app sees as ``request.client.host``)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")
