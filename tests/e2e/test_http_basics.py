"""The general HTTP rules of API.md §1: problem+json everywhere, request ids, body limit, ops routes, docs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"


async def test_metrics_are_prometheus_text(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'http_requests_total{method="GET",route="/healthz",status="200"}' in response.text


async def test_unknown_path_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/path")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_found" and body["status"] == 404
    assert set(body) >= {"type", "title", "status", "detail", "code"}


async def test_wrong_method_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.delete("/healthz")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# A request id the service makes itself: a random UUID as 32 lowercase hex digits.
FRESH_REQUEST_ID = re.compile(r"[0-9a-f]{32}")


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = await client.get("/healthz")
    assert FRESH_REQUEST_ID.fullmatch(generated.headers["x-request-id"])
    hostile = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert FRESH_REQUEST_ID.fullmatch(hostile.headers["x-request-id"])  # replaced by a fresh one, not cleaned up
    assert hostile.headers["x-request-id"] != generated.headers["x-request-id"]


async def test_body_over_64_kib_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/healthz", content=b"x" * (64 * 1024 + 1))
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


async def test_docs_are_served(client: httpx.AsyncClient) -> None:
    for path in ("/docs", "/api-docs", "/redoc"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert "text/html" in response.headers["content-type"]
    spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["title"] == "LynrieScoop"


async def test_streamed_body_over_64_kib_is_413_without_content_length(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):  # 80 KiB in 4 KiB chunks, sent chunked
            yield b"x" * 4096

    response = await client.post("/auth/login", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "payload_too_large"
