"""API.md §4 end to end: rooms and seats over HTTP on the real stack."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres import tables as t
from tests.e2e.auth_helpers import assert_problem, bearer, register
from tests.e2e.catalogue_helpers import (
    add_movie,
    create_room,
    future,
    manager_headers,
    room_body,
    schedule,
    seat_ids,
)


async def test_create_and_read_a_room(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await manager_headers(app, client)
    response = await client.post("/rooms", json=room_body("Aurora", rows=3, per_row=4, has_3d=True), headers=headers)
    assert response.status_code == 201, response.text
    room = response.json()
    assert set(room) == {
        "id",
        "name",
        "capacity",
        "has_3d",
        "has_imax",
        "has_dolby",
        "rows",
        "created_at",
        "updated_at",
    }
    assert (room["name"], room["capacity"], room["has_3d"], room["has_imax"], room["has_dolby"]) == (
        "Aurora",
        12,
        True,
        False,
        False,
    )
    assert [row["label"] for row in room["rows"]] == ["A", "B", "C"]
    a1 = room["rows"][0]["seats"][0]
    assert set(a1) == {"id", "row", "number", "label", "category", "is_accessible", "is_active"}
    assert (a1["row"], a1["number"], a1["label"], a1["category"], a1["is_accessible"], a1["is_active"]) == (
        "A",
        1,
        "A1",
        "wheelchair",
        True,
        True,
    )
    assert [s["category"] for s in room["rows"][2]["seats"]] == ["premium"] * 4
    assert room["created_at"].endswith(("Z", "+00:00"))
    read = await client.get(f"/rooms/{room['id']}")
    assert read.status_code == 200 and read.json() == room


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        ([{"label": "A", "seats": 3}, {"label": "A", "seats": 2}], "invalid_room_layout"),
        ([{"label": "A", "seats": [{"number": 2}, {"number": 2}]}], "invalid_room_layout"),
        ([{"label": "a", "seats": 3}], "invalid_room_layout"),
        ([{"label": "A2", "seats": 3}], "invalid_room_layout"),
        ([], "invalid_room_layout"),
        ([{"label": "A", "seats": 0}], "invalid_room_layout"),
        ([{"label": "A", "seats": 600}, {"label": "B", "seats": 401}], "invalid_room_layout"),
        ([{"label": "A", "seats": 3, "category": "vip"}], "validation_error"),
        ([{"label": "A", "seats": "3"}], "validation_error"),
        ([{"label": "A", "seats": 3, "extra": 1}], "validation_error"),
    ],
)
async def test_invalid_layouts_are_422(
    app: FastAPI, client: httpx.AsyncClient, rows: list[dict[str, Any]], code: str
) -> None:
    headers = await manager_headers(app, client)
    response = await client.post("/rooms", json={"name": "Bad", "rows": rows}, headers=headers)
    assert_problem(response, 422, code)
    assert (await client.get("/rooms")).json()["total"] == 0


async def test_create_refuses_duplicates_unknown_fields_and_blank_names(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    headers = await manager_headers(app, client)
    await create_room(client, headers, name="Aurora")
    assert_problem(await client.post("/rooms", json=room_body("aurora"), headers=headers), 409, "room_name_taken")
    body = room_body("Borealis") | {"capacity": 5}
    assert_problem(await client.post("/rooms", json=body, headers=headers), 422, "validation_error")
    assert_problem(await client.post("/rooms", json=room_body("   "), headers=headers), 422, "validation_error")


async def test_manager_routes_need_a_manager(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = bearer((await register(client, "ann@example.com"))["access_token"])
    response = await client.post("/rooms", json=room_body())
    assert_problem(response, 401, "not_authenticated")
    assert response.headers["www-authenticate"] == "Bearer"
    assert_problem(await client.post("/rooms", json=room_body(), headers=user), 403, "forbidden")
    room = await create_room(client, await manager_headers(app, client))
    seat = room["rows"][0]["seats"][0]["id"]
    for method, path, body in (
        ("PATCH", f"/rooms/{room['id']}", {"name": "X"}),
        ("PATCH", f"/rooms/{room['id']}/seats/{seat}", {"is_active": False}),
        ("DELETE", f"/rooms/{room['id']}", None),
    ):
        assert_problem(await client.request(method, path, json=body), 401, "not_authenticated")
        assert_problem(await client.request(method, path, json=body, headers=user), 403, "forbidden")


async def test_list_rooms_pages_by_name(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await manager_headers(app, client)
    for name, per_row in (("Cosmos", 5), ("aurora", 2), ("Borealis", 3)):
        await create_room(client, headers, name=name, per_row=per_row)
    response = await client.get("/rooms", params={"limit": 2})
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": response.json()["items"][0]["id"],
                "name": "aurora",
                "capacity": 6,
                "has_3d": False,
                "has_imax": False,
                "has_dolby": False,
            },
            {
                "id": response.json()["items"][1]["id"],
                "name": "Borealis",
                "capacity": 9,
                "has_3d": False,
                "has_imax": False,
                "has_dolby": False,
            },
        ],
        "total": 3,
        "limit": 2,
        "offset": 0,
    }
    rest = (await client.get("/rooms", params={"limit": 2, "offset": 2})).json()
    assert [r["name"] for r in rest["items"]] == ["Cosmos"] and rest["offset"] == 2
    assert (await client.get("/rooms")).json()["limit"] == 20
    assert_problem(await client.get("/rooms", params={"limit": 0}), 422, "validation_error")
    assert_problem(await client.get("/rooms", params={"limit": 101}), 422, "validation_error")
    assert_problem(await client.get("/rooms", params={"offset": -1}), 422, "validation_error")


async def test_unknown_rooms_are_404(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await manager_headers(app, client)
    ghost = "00000000-0000-4000-8000-000000000000"
    assert_problem(await client.get(f"/rooms/{ghost}"), 404, "room_not_found")
    assert_problem(await client.patch(f"/rooms/{ghost}", json={"name": "x"}, headers=headers), 404, "room_not_found")
    assert_problem(
        await client.patch(f"/rooms/{ghost}/seats/{ghost}", json={"is_active": False}, headers=headers),
        404,
        "room_not_found",
    )
    assert_problem(await client.delete(f"/rooms/{ghost}", headers=headers), 404, "room_not_found")
    assert_problem(await client.get("/rooms/not-a-uuid"), 422, "validation_error")


async def test_patch_room(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await manager_headers(app, client)
    room = await create_room(client, headers, name="Aurora")
    await create_room(client, headers, name="Borealis")
    response = await client.patch(
        f"/rooms/{room['id']}", json={"name": " Aurora Grand ", "has_dolby": True}, headers=headers
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert (patched["name"], patched["has_dolby"], patched["has_3d"], patched["capacity"]) == (
        "Aurora Grand",
        True,
        False,
        12,
    )
    assert patched["rows"] == room["rows"]
    assert_problem(
        await client.patch(f"/rooms/{room['id']}", json={"name": "BOREALIS"}, headers=headers), 409, "room_name_taken"
    )
    assert_problem(
        await client.patch(f"/rooms/{room['id']}", json={"name": None}, headers=headers), 422, "validation_error"
    )
    assert_problem(
        await client.patch(f"/rooms/{room['id']}", json={"rows": []}, headers=headers), 422, "validation_error"
    )
    assert (await client.get(f"/rooms/{room['id']}")).json()["name"] == "Aurora Grand"


async def test_a_feature_in_use_cannot_be_removed(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await manager_headers(app, client)
    room = await create_room(client, headers, has_3d=True)
    movie = await add_movie(app)
    assert (await schedule(client, headers, movie.id, room["id"], future(24), is_3d=True)).status_code == 201
    assert_problem(
        await client.patch(f"/rooms/{room['id']}", json={"has_3d": False}, headers=headers), 409, "room_has_showings"
    )


async def test_blocking_a_seat(app: FastAPI, client: httpx.AsyncClient, clean_db: AsyncEngine) -> None:
    headers = await manager_headers(app, client)
    room, other = await create_room(client, headers, name="Aurora"), await create_room(client, headers, name="B")
    movie = await add_movie(app)
    showing = (await schedule(client, headers, movie.id, room["id"], future(24))).json()
    seat = room["rows"][1]["seats"][2]
    path = f"/rooms/{room['id']}/seats/{seat['id']}"

    response = await client.patch(path, json={"is_active": False}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == seat | {"is_active": False}
    assert (await client.get(f"/rooms/{room['id']}")).json()["capacity"] == 11
    seat_map = (await client.get(f"/showings/{showing['id']}/seats")).json()
    assert seat_map["version"] == 1
    assert next(s for s in seat_map["seats"] if s["seat_id"] == seat["id"])["status"] == "blocked"
    assert (await client.get(f"/showings/{showing['id']}")).json()["capacity"] == 11

    async with clean_db.connect() as conn:
        rows = (
            await conn.execute(
                select(t.outbox.c.destination, t.outbox.c.version, t.outbox.c.payload).order_by(t.outbox.c.id)
            )
        ).all()
    deltas = [r for r in rows if r.destination == f"seats/status/{showing['id']}"]
    assert len(deltas) == 1 and deltas[0].version == 1
    assert deltas[0].payload["reason"] == "blocked"

    recategorised = await client.patch(path, json={"is_active": True, "category": "premium"}, headers=headers)
    assert recategorised.json() | {} == seat | {"category": "premium", "is_active": True}
    seat_map = (await client.get(f"/showings/{showing['id']}/seats")).json()
    entry = next(s for s in seat_map["seats"] if s["seat_id"] == seat["id"])
    assert (seat_map["version"], entry["status"], entry["category"]) == (2, "available", "premium")

    assert_problem(await client.patch(path, json={"is_active": None}, headers=headers), 422, "validation_error")
    assert_problem(await client.patch(path, json={"category": "sofa"}, headers=headers), 422, "validation_error")
    foreign = f"/rooms/{room['id']}/seats/{seat_ids(other)[0]}"
    assert_problem(await client.patch(foreign, json={"is_active": False}, headers=headers), 404, "seat_not_found")


async def test_delete_room(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await manager_headers(app, client)
    used, empty = await create_room(client, headers, name="Aurora"), await create_room(client, headers, name="B")
    movie = await add_movie(app)
    assert (await schedule(client, headers, movie.id, used["id"], future(30))).status_code == 201
    assert_problem(await client.delete(f"/rooms/{used['id']}", headers=headers), 409, "room_has_showings")
    response = await client.delete(f"/rooms/{empty['id']}", headers=headers)
    assert response.status_code == 204 and response.content == b""
    assert_problem(await client.get(f"/rooms/{empty['id']}"), 404, "room_not_found")
    assert (await client.get(f"/rooms/{used['id']}")).status_code == 200
