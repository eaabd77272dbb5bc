"""The booking/request consumer's handler: every kind of bad input gets an answer or a log line, never a crash."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from lynriescoop.adapters.memory.store import MemoryStore
from lynriescoop.adapters.memory.unit_of_work import MemoryUnitOfWork
from lynriescoop.adapters.postgres.engine import make_session_factory
from lynriescoop.adapters.postgres.unit_of_work import PostgresUnitOfWork
from lynriescoop.adapters.security.ed25519_tickets import Ed25519TicketSigner, generate_private_key
from lynriescoop.adapters.security.jwt_tokens import JwtTokenService
from lynriescoop.application.bookings.claiming import ClaimTerms
from lynriescoop.application.bookings.place_booking import PlaceBooking
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.application.ports.clock import SystemClock
from lynriescoop.entrypoints.mqtt import booking_requests
from lynriescoop.entrypoints.mqtt.booking_requests import BookingRequestHandler
from tests.factories import MutableClock, World, build_world, make_user, put_in_memory

SECRET = "s" * 40


@pytest.fixture
def setup() -> tuple[BookingRequestHandler, World, JwtTokenService]:
    clock = MutableClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    store = MemoryStore()
    world = build_world(now=clock.now())
    world.users = {"ann": make_user("ann@example.com"), "bob": make_user("bob@example.com")}
    put_in_memory(store, world)
    tokens = JwtTokenService(SECRET, issuer="lynriescoop", access_minutes=15)

    def uow() -> MemoryUnitOfWork:
        return MemoryUnitOfWork(store, route_event)

    def place() -> PlaceBooking:
        return PlaceBooking(
            uow,
            clock,
            terms=ClaimTerms(timedelta(minutes=10), 10, timedelta(hours=1), "EUR"),
            signer=Ed25519TicketSigner(generate_private_key()),
        )

    return BookingRequestHandler(place, tokens, uow, max_payload_bytes=16384), world, tokens


def _request(world: World, tokens: JwtTokenService, user: str = "ann", **overrides: Any) -> bytes:
    token = tokens.issue_access(world.users[user].id, world.users[user].role, datetime.now(UTC)).token
    body = {
        "request_id": "req-1",
        "access_token": token,
        "showing_id": str(world.showing.id),
        "seat_ids": [str(world.seat("A1").id)],
    } | overrides
    return json.dumps(body).encode()


async def test_books_and_answers_on_the_request_topic(setup: Any) -> None:
    handler, world, tokens = setup
    answer = await handler.answer(_request(world, tokens, confirm=True))
    assert answer is not None and answer.topic == "booking/response/req-1"
    assert answer.body["ok"] is True and answer.body["request_id"] == "req-1"
    assert answer.body["booking"]["status"] == "confirmed"


async def test_repeated_request_id_is_idempotent_per_user(setup: Any) -> None:
    handler, world, tokens = setup
    first = await handler.answer(_request(world, tokens))
    again = await handler.answer(_request(world, tokens))
    assert first is not None and again is not None
    assert again.body["booking"]["id"] == first.body["booking"]["id"]
    other_user = await handler.answer(_request(world, tokens, user="bob"))
    assert other_user is not None and other_user.body["error"]["code"] == "seats_unavailable"
    assert other_user.body["error"]["seat_ids"] == [str(world.seat("A1").id)]


@pytest.mark.parametrize(
    "payload",
    [
        b"\xff\xfe garbage",
        b"not json",
        b"[1, 2]",
        b'{"no": "id"}',
        b'{"request_id": "bad id with spaces"}',
        b"[" * 200_000,  # deeper than json recurses: a RecursionError, not a JSONDecodeError
    ],
)
async def test_unanswerable_payloads_are_dropped(setup: Any, payload: bytes) -> None:
    handler, _, _ = setup
    assert await handler.answer(payload) is None


async def test_missing_field_is_a_validation_error(setup: Any) -> None:
    handler, world, tokens = setup
    token = tokens.issue_access(world.users["ann"].id, world.users["ann"].role, datetime.now(UTC)).token
    answer = await handler.answer(json.dumps({"request_id": "r2", "access_token": token, "seat_ids": []}).encode())
    assert answer is not None and answer.topic == "booking/response/r2"
    assert answer.body["ok"] is False and answer.body["error"]["code"] == "validation_error"


@pytest.mark.parametrize("token", [None, "", 42, "x" * 5000])
async def test_no_usable_token_is_not_authenticated_before_anything_else(setup: Any, token: Any) -> None:
    """As over HTTP (401 before 422): who is asking is checked first, even when the rest is malformed too."""
    handler, _, _ = setup
    body: dict[str, Any] = {"request_id": "r4", "seat_ids": []}
    if token is not None:
        body["access_token"] = token
    answer = await handler.answer(json.dumps(body).encode())
    assert answer is not None and answer.body["error"]["code"] == "not_authenticated"


async def test_bad_token_is_not_authenticated(setup: Any) -> None:
    handler, world, tokens = setup
    answer = await handler.answer(_request(world, tokens, access_token="not-a-token"))
    assert answer is not None and answer.body["error"]["code"] == "not_authenticated"


async def test_an_oversized_payload_is_dropped_before_it_is_parsed(setup: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13 item 3: the size is checked before ``json.loads``, so a 1 MB payload costs no parsing."""
    handler, world, tokens = setup
    parsed: list[int] = []
    real_parse = booking_requests._parse

    def spy(payload: bytes) -> object:
        parsed.append(len(payload))
        return real_parse(payload)

    monkeypatch.setattr(booking_requests, "_parse", spy)
    assert await handler.answer(_request(world, tokens, padding="x" * 20000)) is None
    assert await handler.answer(_request(world, tokens, padding="x" * 1_000_000)) is None
    assert parsed == []
    small = _request(world, tokens, request_id="small")
    assert len(small) <= handler.max_payload_bytes
    answer = await handler.answer(small)
    assert answer is not None and answer.body["ok"] is True and parsed == [len(small)]


async def test_an_empty_payload_is_dropped(setup: Any) -> None:
    handler, _, _ = setup
    assert await handler.answer(b"") is None


async def test_handle_publishes_and_survives_publish_failures(setup: Any) -> None:
    handler, world, tokens = setup
    sent: list[tuple[str, bytes]] = []

    async def publish(topic: str, payload: bytes) -> None:
        sent.append((topic, payload))

    async def broken(topic: str, payload: bytes) -> None:
        raise ConnectionError("broker gone")

    await handler.handle(_request(world, tokens), publish)
    await handler.handle(b"garbage", publish)
    await handler.handle(b'{"request_id": "deep", "x": ' + b"[" * 200_000 + b"}", publish)
    await handler.handle(_request(world, tokens, request_id="r3", seat_ids=[str(world.seat("A2").id)]), broken)
    assert [topic for topic, _ in sent] == ["booking/response/req-1"]


async def test_a_database_outage_is_answered_as_over_http(setup: Any) -> None:
    """The postgres unit of work raises ``DatabaseUnavailable`` for a database it cannot reach, so MQTT answers
    ``database_unavailable`` like HTTP's 503, not ``internal_error``. (Port 9 refuses at once: nothing listens.)"""
    _, world, tokens = setup
    engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none", connect_args={"timeout": 5})

    def unreachable() -> PostgresUnitOfWork:
        return PostgresUnitOfWork(make_session_factory(engine), route_event)

    def place() -> PlaceBooking:
        return PlaceBooking(
            unreachable,
            SystemClock(),
            terms=ClaimTerms(timedelta(minutes=10), 10, timedelta(hours=1), "EUR"),
            signer=Ed25519TicketSigner(generate_private_key()),
        )

    handler = BookingRequestHandler(place, tokens, unreachable, max_payload_bytes=16384)
    try:
        answer = await handler.answer(_request(world, tokens))
    finally:
        await engine.dispose()
    assert answer is not None and answer.topic == "booking/response/req-1"
    assert answer.body["ok"] is False
    assert answer.body["error"]["code"] == "database_unavailable"
