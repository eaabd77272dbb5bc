"""API.md §4 and §6 over HTTP: layouts with aisles and companion seats, the single-seat rule, companion seats and
best available, end to end on the real app and database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres import tables as t
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.domain.users import Role
from lynriescoop.entrypoints.http.app import create_app
from tests.e2e.conftest import Headers, SettingsFactory
from tests.factories import World, build_world, make_user, put_in_postgres

# Rows A..E of 8 seats; row A: [W][C][ ][ ][ ][ ][C][W]; row E premium. The ideal row (two thirds back) is row D.
WHEELCHAIR = ("A1", "A8")
COMPANION = ("A2", "A7")


@pytest.fixture
async def world(clean_db: AsyncEngine) -> World:
    world = build_world(rows=5, per_row=8)
    for label in WHEELCHAIR:
        world.seat(label).category = SeatCategory.WHEELCHAIR
    for label in COMPANION:
        world.seat(label).category = SeatCategory.COMPANION
    world.users = {
        "ann": make_user("ann@example.com"),
        "bob": make_user("bob@example.com"),
        "boss": make_user("boss@example.com", role=Role.MANAGER),
    }
    await put_in_postgres(clean_db, world)
    return world


def ids(world: World, *labels: str) -> list[str]:
    return [str(world.seat(label).id) for label in labels]


async def book(client: httpx.AsyncClient, auth: Headers, world: World, user: str, *labels: str) -> httpx.Response:
    body = {"showing_id": str(world.showing.id), "seat_ids": ids(world, *labels)}
    return await client.post("/bookings", json=body, headers=auth(user))


async def best(client: httpx.AsyncClient, auth: Headers, world: World, user: str, **body: Any) -> httpx.Response:
    headers = auth(user) | body.pop("headers", {})
    return await client.post(f"/showings/{world.showing.id}/best-available", json=body, headers=headers)


def labels(response: httpx.Response) -> list[str]:
    return [seat["label"] for seat in response.json()["seats"]]


async def test_single_seat_gap_names_the_stranded_seats(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    assert (await book(client, auth, world, "bob", "B4")).status_code == 201
    # Row B: [ ][x][ ][h][ ][ ][ ][ ]  -> B1 and B3 would each be alone: refused, naming both.
    refused = await book(client, auth, world, "ann", "B2")
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["code"] == "single_seat_gap" and problem["seat_labels"] == ["B1", "B3"]
    assert "B1" in problem["detail"]
    # Row B: [ ][ ][x][h][ ]...  -> B1 and B2 stay together: fine.
    assert (await book(client, auth, world, "ann", "B3")).status_code == 201
    # Row C: [x][x][ ][x][ ][ ][h][h] -> C3 would be alone: refused (the picture of docs/bookings.md).
    assert (await book(client, auth, world, "bob", "C7", "C8")).status_code == 201
    picture = await book(client, auth, world, "ann", "C1", "C2", "C4")
    assert picture.status_code == 422 and picture.json()["seat_labels"] == ["C3"]
    # Nothing was claimed by the refused requests.
    seat_map = (await client.get(f"/showings/{world.showing.id}/seats")).json()
    taken = sorted(s["label"] for s in seat_map["seats"] if s["status"] != "available")
    assert taken == ["B3", "B4", "C7", "C8"]


async def test_a_seat_freed_by_a_lapsed_hold_counts_as_available(
    client: httpx.AsyncClient, auth: Headers, world: World, clean_db: AsyncEngine
) -> None:
    held = await book(client, auth, world, "bob", "D1")
    assert held.status_code == 201
    # Row D: [h][x][ ]... is fine while D1 is held; once its hold lapses D1 is free again, and D2 would strand it.
    async with clean_db.begin() as conn:
        await conn.execute(update(t.bookings).values(expires_at=t.bookings.c.created_at))
    refused = await book(client, auth, world, "ann", "D2")
    assert refused.status_code == 422 and refused.json()["seat_labels"] == ["D1"]


async def test_every_way_strands_one_is_allowed(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    assert (await book(client, auth, world, "bob", "B1", "B5", "B6", "B7", "B8")).status_code == 201
    # Row B: [h][ ][x][x][h]...: a run of three taking two; every way strands one, so it is allowed.
    assert (await book(client, auth, world, "ann", "B3", "B4")).status_code == 201


async def test_companion_seat_needs_its_wheelchair_space(
    client: httpx.AsyncClient, auth: Headers, world: World
) -> None:
    alone = await book(client, auth, world, "ann", "A2")
    assert alone.status_code == 422
    assert alone.json()["code"] == "companion_needs_wheelchair" and alone.json()["seat_labels"] == ["A2"]
    together = await book(client, auth, world, "ann", "A1", "A2")
    assert together.status_code == 201 and labels(together) == ["A1", "A2"]
    assert {s["category"] for s in together.json()["seats"]} == {"wheelchair", "companion"}


async def test_the_rules_follow_the_settings(make_settings: SettingsFactory, world: World) -> None:
    # SINGLE_SEAT_RULE=false, and companion seats open to anyone from 5 days before the start (it starts in 2).
    app = create_app(make_settings(single_seat_rule=False, companion_release_minutes=5 * 24 * 60))
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        user = world.users["ann"]
        token = app.state.container.token_service().issue_access(user.id, user.role, datetime.now(UTC)).token
        headers = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            for asked in (["B2"], ["A7"]):
                body = {"showing_id": str(world.showing.id), "seat_ids": ids(world, *asked)}
                response = await client.post("/bookings", json=body, headers=headers)
                assert response.status_code == 201, response.text


async def test_best_available_picks_the_middle_two_thirds_back(
    client: httpx.AsyncClient, auth: Headers, world: World
) -> None:
    first = await best(client, auth, world, "ann", count=2)
    assert first.status_code == 201, first.text
    assert labels(first) == ["D4", "D5"] and first.json()["status"] == "pending"
    second = await best(client, auth, world, "bob", count=3, confirm=True)
    assert second.status_code == 201 and second.json()["status"] == "confirmed"
    # Row D is left with [ ][ ][ ][x][x][ ][ ][ ]: three seats there sit 2.5 seats off the middle (1.41 m from the
    # ideal point), three in the middle of row C only 0.69 m; C3..C5 and C4..C6 tie, the lower numbers win.
    assert labels(second) == ["C3", "C4", "C5"]
    premium = await best(client, auth, world, "boss", count=2, category="premium")
    assert premium.status_code == 201 and {s["category"] for s in premium.json()["seats"]} == {"premium"}


async def test_best_available_accessible_takes_a_wheelchair_space_with_its_companion(
    client: httpx.AsyncClient, auth: Headers, world: World
) -> None:
    response = await best(client, auth, world, "ann", count=2, accessible=True)
    assert response.status_code == 201, response.text
    assert [(s["label"], s["category"]) for s in response.json()["seats"]] == [
        ("A1", "wheelchair"),
        ("A2", "companion"),
    ]
    other = await best(client, auth, world, "bob", count=2, accessible=True)
    assert other.status_code == 201 and labels(other) == ["A7", "A8"]
    none_left = await best(client, auth, world, "boss", count=2, accessible=True)
    assert none_left.status_code == 409 and none_left.json()["code"] == "no_adjacent_seats"
    assert none_left.json()["available_seats"] == 40 - 4


async def test_no_adjacent_seats_says_how_many_are_free(
    client: httpx.AsyncClient, auth: Headers, world: World, clean_db: AsyncEngine
) -> None:
    # Block every other seat of rows B..E: 16 seats stay free there, none beside another; row A keeps A3..A6 and
    # its wheelchair spaces and companion seats (8 free seats).
    async with clean_db.begin() as conn:
        for seat in world.room.seats:
            if seat.row != "A" and seat.number % 2 == 0:
                await conn.execute(update(t.seats).where(t.seats.c.id == seat.id).values(is_active=False))
    refused = await best(client, auth, world, "ann", count=5)
    assert refused.status_code == 409
    assert refused.json()["code"] == "no_adjacent_seats" and refused.json()["available_seats"] == 8 + 16
    single = await best(client, auth, world, "ann", count=1)
    assert single.status_code == 201 and labels(single) == ["D5"]


async def test_best_available_replays_an_idempotency_key(
    client: httpx.AsyncClient, auth: Headers, world: World
) -> None:
    first = await best(client, auth, world, "ann", count=2, headers={"Idempotency-Key": "party-1"})
    again = await best(client, auth, world, "ann", count=2, headers={"Idempotency-Key": "party-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    other = await best(client, auth, world, "ann", count=3, headers={"Idempotency-Key": "party-1"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    "body",
    [
        {"count": 0},
        {"count": 2, "category": "wheelchair"},
        {"count": 2, "category": "premium", "accessible": True},
        {"count": 2, "role": "manager"},
        {},
    ],
)
async def test_best_available_validation(
    client: httpx.AsyncClient, auth: Headers, world: World, body: dict[str, Any]
) -> None:
    response = await best(client, auth, world, "ann", **body)
    assert response.status_code == 422 and response.json()["code"] == "validation_error"


async def test_best_available_errors(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    too_many = await best(client, auth, world, "ann", count=11)
    assert too_many.status_code == 422 and too_many.json()["code"] == "too_many_seats"
    unknown = await client.post(
        "/showings/00000000-0000-0000-0000-000000000000/best-available", json={"count": 1}, headers=auth("ann")
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "showing_not_found"
    anonymous = await client.post(f"/showings/{world.showing.id}/best-available", json={"count": 1})
    assert anonymous.status_code == 401


async def test_layouts_with_aisles_and_companion_seats(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    row = [
        {"number": 1, "category": "wheelchair"},
        {"number": 2, "category": "companion"},
        {"number": 3},
        {"number": 5},
        {"number": 6},
    ]
    created = await client.post(
        "/rooms", json={"name": "Aisle", "rows": [{"label": "A", "seats": row}]}, headers=auth("boss")
    )
    assert created.status_code == 201, created.text
    seats = created.json()["rows"][0]["seats"]
    assert [(s["label"], s["category"], s["is_accessible"]) for s in seats] == [
        ("A1", "wheelchair", True),
        ("A2", "companion", False),
        ("A3", "standard", False),
        ("A5", "standard", False),
        ("A6", "standard", False),
    ]
    room = (await client.get(f"/rooms/{created.json()['id']}")).json()
    assert [s["category"] for s in room["rows"][0]["seats"]][:2] == ["wheelchair", "companion"]
    lonely = [{"number": 1, "category": "wheelchair"}, {"number": 3, "category": "companion"}]
    refused = await client.post(
        "/rooms", json={"name": "Lonely", "rows": [{"label": "A", "seats": lonely}]}, headers=auth("boss")
    )
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_room_layout"
    assert refused.json()["seat_labels"] == ["A3"]
    seat_map = (await client.get(f"/showings/{world.showing.id}/seats")).json()
    assert {s["label"]: s["category"] for s in seat_map["seats"] if s["row"] == "A"} == {
        "A1": "wheelchair",
        "A2": "companion",
        **{f"A{n}": "standard" for n in range(3, 7)},
        "A7": "companion",
        "A8": "wheelchair",
    }


async def test_a_seat_becomes_a_companion_seat_only_beside_a_wheelchair_space(
    client: httpx.AsyncClient, auth: Headers, world: World
) -> None:
    path = f"/rooms/{world.room.id}/seats"
    refused = await client.patch(f"{path}/{world.seat('B3').id}", json={"category": "companion"}, headers=auth("boss"))
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_room_layout"
    orphan = await client.patch(f"{path}/{world.seat('A1').id}", json={"category": "standard"}, headers=auth("boss"))
    assert orphan.status_code == 422 and orphan.json()["seat_labels"] == ["A2"]
    chained = await client.patch(f"{path}/{world.seat('A3').id}", json={"category": "companion"}, headers=auth("boss"))
    assert chained.status_code == 422  # A3 is beside A2, a companion seat, not a wheelchair space
    room = (await client.get(f"/rooms/{world.room.id}")).json()
    assert [s["category"] for s in room["rows"][0]["seats"]][:3] == ["wheelchair", "companion", "standard"]
