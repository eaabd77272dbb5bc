"""API.md §5 end to end: showings and seat maps over HTTP on the real stack."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres import tables as t
from lynriescoop.domain.bookings import BookingStatus
from lynriescoop.domain.showings import ShowingStatus
from tests.e2e.auth_helpers import assert_problem, bearer, register
from tests.e2e.catalogue_helpers import (
    add_movie,
    create_room,
    future,
    insert_booking,
    insert_showing,
    iso,
    manager_headers,
    schedule,
    seat_ids,
)

GHOST = "00000000-0000-4000-8000-000000000000"


async def test_schedule_a_showing(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await manager_headers(app, client)
    room = await create_room(client, headers, name="Borealis", has_3d=True, has_dolby=True)
    movie = await add_movie(app, "Dune", runtime=155, poster_path="/dune.jpg")
    start = future(48)
    response = await client.post(
        "/showings",
        json={
            "movie_id": str(movie.id),
            "room_id": room["id"],
            "start_time": start.astimezone(ZoneInfo("Europe/Brussels")).isoformat(),
            "price": 12.5,
            "prices": {"premium": "15", "wheelchair": 9},
            "is_3d": True,
            "is_dolby": True,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    showing = response.json()
    assert showing == {
        "id": showing["id"],
        "movie": {
            "id": str(movie.id),
            "title": "Dune",
            "runtime": 155,
            "poster_url": "https://image.tmdb.org/t/p/w500/dune.jpg",
        },
        "room": {"id": room["id"], "name": "Borealis"},
        "start_time": start.isoformat().replace("+00:00", "Z"),
        "end_time": (start + timedelta(minutes=155)).isoformat().replace("+00:00", "Z"),
        "is_3d": True,
        "is_imax": False,
        "is_dolby": True,
        "price": "12.50",
        "prices": {"premium": "15.00", "wheelchair": "9.00"},
        "currency": "EUR",
        "status": "scheduled",
        "capacity": 12,
        "available_seats": 12,
        "bookings_count": 0,
    }
    assert (await client.get(f"/showings/{showing['id']}")).json() == showing
    explicit_end = await schedule(
        client, headers, movie.id, room["id"], start + timedelta(hours=4), end_time=iso(start + timedelta(hours=5))
    )
    assert explicit_end.status_code == 201
    assert explicit_end.json()["end_time"] == (start + timedelta(hours=5)).isoformat().replace("+00:00", "Z")


async def test_schedule_refusals(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await manager_headers(app, client)
    room = await create_room(client, headers)
    movie = await add_movie(app, runtime=120)
    start = future(24)
    assert_problem(await schedule(client, headers, movie.id, GHOST, start), 404, "room_not_found")
    assert_problem(await schedule(client, headers, GHOST, room["id"], start), 404, "movie_not_found")  # type: ignore[arg-type]
    assert_problem(
        await schedule(client, headers, movie.id, room["id"], start, is_imax=True), 422, "room_lacks_feature"
    )
    assert_problem(await schedule(client, headers, movie.id, room["id"], future(-1)), 422, "invalid_schedule")
    assert_problem(
        await schedule(client, headers, movie.id, room["id"], start, end_time=iso(start)), 422, "invalid_schedule"
    )
    for bad in (
        {"price": -1},
        {"price": "12.345"},
        {"price": "abc"},
        {"prices": {"vip": "1.00"}},
        {"start_time": start.replace(tzinfo=None).isoformat()},
        {"status": "cancelled"},
    ):
        assert_problem(await schedule(client, headers, movie.id, room["id"], start, **bad), 422, "validation_error")
    assert (await client.get("/showings", params={"include_past": True, "status": "scheduled"})).json()["total"] == 0

    assert (await schedule(client, headers, movie.id, room["id"], start)).status_code == 201
    # 120 minutes + 15 of cleaning: 134 minutes later is too soon, 135 is fine.
    overlap = await schedule(client, headers, movie.id, room["id"], start + timedelta(minutes=134))
    assert_problem(overlap, 409, "showing_overlap")
    assert (await schedule(client, headers, movie.id, room["id"], start + timedelta(minutes=135))).status_code == 201
    before = await schedule(client, headers, movie.id, room["id"], start - timedelta(minutes=134))
    assert_problem(before, 409, "showing_overlap")

    user = bearer((await register(client, "ann@example.com"))["access_token"])
    assert_problem(await schedule(client, {}, movie.id, room["id"], future(100)), 401, "not_authenticated")
    assert_problem(await schedule(client, user, movie.id, room["id"], future(100)), 403, "forbidden")


async def test_list_showings_filters(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await manager_headers(app, client)
    aurora, borealis = await create_room(client, headers, name="Aurora"), await create_room(client, headers, name="B")
    dune, alien = await add_movie(app, "Dune", 100), await add_movie(app, "Alien", 100)
    first = (await schedule(client, headers, dune.id, aurora["id"], future(5))).json()
    second = (await schedule(client, headers, alien.id, borealis["id"], future(6))).json()
    third = (await schedule(client, headers, dune.id, borealis["id"], future(30))).json()
    ended = await insert_showing(app, alien, aurora["id"], datetime.now(UTC) - timedelta(days=1))
    running = await insert_showing(app, dune, aurora["id"], datetime.now(UTC) - timedelta(minutes=30))
    cancelled = (await schedule(client, headers, alien.id, aurora["id"], future(50))).json()
    assert (await client.post(f"/showings/{cancelled['id']}/cancel", headers=headers)).status_code == 200

    async def ids(**params: object) -> list[str]:
        response = await client.get("/showings", params=params)
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()["items"]]

    assert await ids() == [first["id"], second["id"], third["id"]]
    assert await ids(include_past="true") == [str(running.id), first["id"], second["id"], third["id"]]
    assert await ids(status="completed") == [str(ended.id)]
    assert await ids(status="cancelled") == [cancelled["id"]]
    assert await ids(movie_id=str(dune.id)) == [first["id"], third["id"]]
    assert await ids(room_id=borealis["id"]) == [second["id"], third["id"]]
    assert await ids(**{"from": second["start_time"]}) == [second["id"], third["id"]]
    assert await ids(**{"from": first["start_time"], "to": third["start_time"]}) == [first["id"], second["id"]]
    page = (await client.get("/showings", params={"limit": 1, "offset": 1})).json()
    assert ([s["id"] for s in page["items"]], page["total"], page["limit"], page["offset"]) == ([second["id"]], 3, 1, 1)
    completed = (await client.get(f"/showings/{ended.id}")).json()
    assert completed["status"] == "completed" and completed["price"] == "9.00" and completed["prices"] == {}

    for params in (
        {"status": "done"},
        {"date": "2026-13-01"},
        {"from": "2026-11-20T10:00:00"},
        {"from": first["start_time"], "to": first["start_time"]},
        {"limit": 101},
        {"movie_id": "x"},
    ):
        assert_problem(await client.get("/showings", params=params), 422, "validation_error")


async def test_date_is_the_day_in_the_cinema_time_zone(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await manager_headers(app, client)
    room = await create_room(client, headers)
    movie = await add_movie(app, runtime=30)
    brussels = ZoneInfo("Europe/Brussels")
    day = (datetime.now(brussels) + timedelta(days=3)).date()
    late = datetime.combine(day, time(23, 30), tzinfo=brussels)  # 22:30 or 21:30 UTC on the same day
    after_midnight = datetime.combine(day + timedelta(days=1), time(0, 30), tzinfo=brussels)
    assert after_midnight.astimezone(UTC).date() == day  # in UTC it is still ``day``
    late_id = (await schedule(client, headers, movie.id, room["id"], late)).json()["id"]
    next_id = (await schedule(client, headers, movie.id, room["id"], after_midnight + timedelta(minutes=30))).json()[
        "id"
    ]
    on_day = (await client.get("/showings", params={"date": day.isoformat()})).json()
    on_next = (await client.get("/showings", params={"date": (day + timedelta(days=1)).isoformat()})).json()
    assert [s["id"] for s in on_day["items"]] == [late_id]
    assert [s["id"] for s in on_next["items"]] == [next_id]
    assert on_day["items"][0]["start_time"] == late.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def test_seat_map(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await manager_headers(app, client)
    room = await create_room(client, headers, rows=2, per_row=3)
    movie = await add_movie(app)
    showing = (await schedule(client, headers, movie.id, room["id"], future(24), prices={"premium": "14"})).json()
    a1, a2, a3, b1, b2, b3 = seat_ids(room)
    await client.patch(f"/rooms/{room['id']}/seats/{a3}", json={"is_active": False}, headers=headers)
    await insert_booking(app, showing["id"], [a2, b1], BookingStatus.CONFIRMED)
    await insert_booking(app, showing["id"], [b2], BookingStatus.PENDING, datetime.now(UTC) + timedelta(minutes=10))
    await insert_booking(app, showing["id"], [b3], BookingStatus.PENDING, datetime.now(UTC) - timedelta(seconds=1))
    response = await client.get(f"/showings/{showing['id']}/seats")
    assert response.status_code == 200
    seat_map = response.json()
    assert (seat_map["showing_id"], seat_map["version"]) == (showing["id"], 1)
    assert seat_map["seats"][0] == {
        "seat_id": a1,
        "row": "A",
        "number": 1,
        "label": "A1",
        "category": "wheelchair",
        "is_accessible": True,
        "status": "available",
        "price": "10.00",
    }
    assert [(s["label"], s["status"], s["price"]) for s in seat_map["seats"]] == [
        ("A1", "available", "10.00"),
        ("A2", "booked", "10.00"),
        ("A3", "blocked", "10.00"),
        ("B1", "booked", "14.00"),
        ("B2", "held", "14.00"),
        ("B3", "available", "14.00"),  # a lapsed hold never shows as held
    ]
    counted = (await client.get(f"/showings/{showing['id']}")).json()
    assert (counted["capacity"], counted["available_seats"], counted["bookings_count"]) == (5, 2, 1)
    assert_problem(await client.get(f"/showings/{GHOST}/seats"), 404, "showing_not_found")
    assert_problem(await client.get(f"/showings/{GHOST}"), 404, "showing_not_found")


async def test_patch_showing(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await manager_headers(app, client)
    aurora, imax = (
        await create_room(client, headers, name="Aurora"),
        await create_room(client, headers, name="I", has_imax=True),
    )
    movie = await add_movie(app, runtime=100)
    start = future(24)
    showing = (await schedule(client, headers, movie.id, aurora["id"], start)).json()
    blocker = (await schedule(client, headers, movie.id, aurora["id"], start + timedelta(hours=4))).json()
    path = f"/showings/{showing['id']}"

    moved = await client.patch(path, json={"start_time": iso(start + timedelta(hours=1)), "price": 8}, headers=headers)
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["start_time"] == (start + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert body["end_time"] == (start + timedelta(hours=1, minutes=100)).isoformat().replace("+00:00", "Z")
    assert body["price"] == "8.00"

    assert_problem(
        await client.patch(path, json={"start_time": iso(start + timedelta(hours=3))}, headers=headers),
        409,
        "showing_overlap",
    )
    assert_problem(await client.patch(path, json={"is_imax": True}, headers=headers), 422, "room_lacks_feature")
    assert_problem(
        await client.patch(path, json={"start_time": iso(future(-2))}, headers=headers), 422, "invalid_schedule"
    )
    assert_problem(
        await client.patch(path, json={"end_time": body["start_time"]}, headers=headers), 422, "invalid_schedule"
    )
    assert_problem(await client.patch(path, json={"room_id": GHOST}, headers=headers), 404, "room_not_found")
    assert_problem(await client.patch(path, json={"price": None}, headers=headers), 422, "validation_error")
    assert_problem(await client.patch(path, json={"movie_id": str(movie.id)}, headers=headers), 422, "validation_error")
    assert_problem(
        await client.patch(f"/showings/{GHOST}", json={"price": 1}, headers=headers), 404, "showing_not_found"
    )

    to_imax = await client.patch(path, json={"room_id": imax["id"], "is_imax": True}, headers=headers)
    assert to_imax.status_code == 200
    assert (to_imax.json()["room"], to_imax.json()["is_imax"], to_imax.json()["capacity"]) == (
        {"id": imax["id"], "name": "I"},
        True,
        12,
    )
    await insert_booking(app, showing["id"], [seat_ids(imax)[0]], BookingStatus.PENDING, future(0.2))
    back = await client.patch(path, json={"room_id": aurora["id"], "is_imax": False}, headers=headers)
    assert_problem(back, 409, "showing_has_bookings")
    assert (await client.get(path)).json()["room"]["id"] == imax["id"]
    assert (await client.get(f"/showings/{blocker['id']}")).status_code == 200


async def test_cancel_showing_cancels_its_bookings(
    app: FastAPI, client: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    headers = await manager_headers(app, client)
    room = await create_room(client, headers)
    movie = await add_movie(app)
    showing = (await schedule(client, headers, movie.id, room["id"], future(24))).json()
    seats = seat_ids(room)
    confirmed = await insert_booking(app, showing["id"], seats[:2], BookingStatus.CONFIRMED)
    held = await insert_booking(app, showing["id"], seats[2:3], BookingStatus.PENDING, future(0.1))

    response = await client.post(f"/showings/{showing['id']}/cancel", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    again = await client.post(f"/showings/{showing['id']}/cancel", headers=headers)
    assert again.status_code == 200 and again.json() == response.json()
    async with clean_db.connect() as conn:
        statuses = dict((await conn.execute(select(t.bookings.c.id, t.bookings.c.status))).all())
        live = (await conn.execute(select(t.seat_reservations.c.id).where(t.seat_reservations.c.is_live))).all()
        updates = (
            await conn.execute(
                select(t.outbox.c.payload).where(t.outbox.c.destination == f"showing/update/{showing['id']}")
            )
        ).all()
    assert statuses == {confirmed.id: "cancelled", held.id: "cancelled"}
    assert live == []
    assert [u.payload["event"] for u in updates] == ["created", "cancelled"]
    seat_map = (await client.get(f"/showings/{showing['id']}/seats")).json()
    assert {s["status"] for s in seat_map["seats"]} == {"available"}
    assert seat_map["version"] == 1
    assert (await client.get("/showings", params={"status": "cancelled"})).json()["total"] == 1
    assert_problem(await client.post(f"/showings/{GHOST}/cancel", headers=headers), 404, "showing_not_found")
    assert_problem(
        await client.patch(f"/showings/{showing['id']}", json={"price": 1}, headers=headers), 422, "invalid_schedule"
    )
    user = bearer((await register(client, "ann@example.com"))["access_token"])
    assert_problem(await client.post(f"/showings/{showing['id']}/cancel", headers=user), 403, "forbidden")


async def test_an_ended_showing_cannot_be_cancelled(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await manager_headers(app, client)
    room = await create_room(client, headers)
    movie = await add_movie(app)
    ended = await insert_showing(app, movie, room["id"], datetime.now(UTC) - timedelta(days=1))
    assert_problem(await client.post(f"/showings/{ended.id}/cancel", headers=headers), 422, "invalid_schedule")
    assert (await client.get(f"/showings/{ended.id}")).json()["status"] == ShowingStatus.COMPLETED.value


async def test_delete_showing(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await manager_headers(app, client)
    room = await create_room(client, headers)
    movie = await add_movie(app)
    kept = (await schedule(client, headers, movie.id, room["id"], future(24))).json()
    gone = (await schedule(client, headers, movie.id, room["id"], future(48))).json()
    await insert_booking(app, kept["id"], seat_ids(room)[:1], BookingStatus.CANCELLED)
    assert_problem(await client.delete(f"/showings/{kept['id']}", headers=headers), 409, "showing_has_bookings")
    response = await client.delete(f"/showings/{gone['id']}", headers=headers)
    assert response.status_code == 204 and response.content == b""
    assert_problem(await client.get(f"/showings/{gone['id']}"), 404, "showing_not_found")
    assert_problem(await client.delete(f"/showings/{gone['id']}", headers=headers), 404, "showing_not_found")
    assert_problem(await client.delete(f"/showings/{kept['id']}"), 401, "not_authenticated")


@pytest.mark.parametrize("path", ["/showings", "/rooms"])
async def test_routes_are_documented(client: httpx.AsyncClient, path: str) -> None:
    spec = (await client.get("/openapi.json")).json()
    operations = [op for p, ops in spec["paths"].items() if p.startswith(path) for op in ops.values()]
    assert len(operations) >= 6
    for operation in operations:
        assert operation["summary"] and "**Auth:**" in operation["description"]
        assert any(code.startswith("4") for code in operation["responses"])
