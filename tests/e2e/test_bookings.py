"""API.md §6 over HTTP: every route and every error code of the booking engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres import tables as t
from tests.e2e.conftest import Headers
from tests.factories import World


def seats(world: World, *labels: str) -> list[str]:
    return [str(world.seat(label).id) for label in labels]


async def book(
    client: httpx.AsyncClient, auth: Headers, world: World, user: str, *labels: str, **extra: Any
) -> httpx.Response:
    headers = auth(user) | extra.pop("headers", {})
    body = {"showing_id": str(world.showing.id), "seat_ids": seats(world, *labels), **extra}
    return await client.post("/bookings", json=body, headers=headers)


async def test_hold_then_confirm(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    held = await book(client, auth, world, "ann", "A1", "E1")
    assert held.status_code == 201, held.text
    body = held.json()
    assert body["status"] == "pending" and body["currency"] == "EUR"
    assert body["total_price"] == "25.00"
    assert len(body["booking_number"]) == 8 and not set(body["booking_number"]) & set("ILOU")
    assert body["showing"] == {
        "id": str(world.showing.id),
        "start_time": world.showing.start_time.isoformat().replace("+00:00", "Z"),
        "movie_title": "Test Movie",
        "room_name": world.room.name,
    }
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=9) < expires - datetime.now(UTC) <= timedelta(minutes=10)
    confirmed = await client.post(f"/bookings/{body['id']}/confirm", headers=auth("ann"))
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    again = await client.post(f"/bookings/{body['id']}/confirm", headers=auth("ann"))
    assert again.status_code == 200 and again.json() == confirmed.json()


async def test_confirm_at_once(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    response = await book(client, auth, world, "ann", "B1", confirm=True)
    assert response.status_code == 201
    assert response.json()["status"] == "confirmed" and response.json()["confirmed_at"] is not None


async def test_seats_unavailable_names_the_taken_seats(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    assert (await book(client, auth, world, "ann", "A1", "A2")).status_code == 201
    response = await book(client, auth, world, "bob", "A2", "A3")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "seats_unavailable" and problem["seat_ids"] == seats(world, "A2")
    assert (await book(client, auth, world, "bob", "A3")).status_code == 201


async def test_blocked_seat_is_unavailable(
    client: httpx.AsyncClient, auth: Headers, world: World, clean_db: AsyncEngine
) -> None:
    async with clean_db.begin() as conn:
        await conn.execute(update(t.seats).where(t.seats.c.id == world.seat("A5").id).values(is_active=False))
    response = await book(client, auth, world, "ann", "A5")
    assert response.status_code == 409 and response.json()["seat_ids"] == seats(world, "A5")


async def test_validation_errors(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    duplicate = await book(client, auth, world, "ann", "A1", "A1")
    assert duplicate.status_code == 422 and duplicate.json()["code"] == "duplicate_seats"
    empty = await client.post(
        "/bookings", json={"showing_id": str(world.showing.id), "seat_ids": []}, headers=auth("ann")
    )
    assert empty.status_code == 422 and empty.json()["code"] == "validation_error"
    extra = await book(client, auth, world, "ann", "A1", user_id=str(world.users["bob"].id))
    assert extra.status_code == 422 and extra.json()["code"] == "validation_error"
    price = await book(client, auth, world, "ann", "A1", price="0.01")
    assert price.status_code == 422
    too_many_ids = await client.post(
        "/bookings",
        json={"showing_id": str(world.showing.id), "seat_ids": [str(world.movie.id)] * 10_000},
        headers=auth("ann"),
    )
    assert too_many_ids.status_code in (413, 422)


async def test_too_many_seats(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    assert (await book(client, auth, world, "ann", *[f"A{n}" for n in range(1, 9)])).status_code == 201
    response = await book(client, auth, world, "ann", "B1", "B2", "B3")
    assert response.status_code == 422 and response.json()["code"] == "too_many_seats"


async def test_seat_not_in_room_and_unknown_showing(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    foreign = await client.post(
        "/bookings",
        json={"showing_id": str(world.showing.id), "seat_ids": [str(world.movie.id)]},
        headers=auth("ann"),
    )
    assert foreign.status_code == 422 and foreign.json()["code"] == "seat_not_in_room"
    unknown = await client.post(
        "/bookings", json={"showing_id": str(world.room.id), "seat_ids": seats(world, "A1")}, headers=auth("ann")
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "showing_not_found"


async def test_showing_not_bookable(
    client: httpx.AsyncClient, auth: Headers, world: World, clean_db: AsyncEngine
) -> None:
    async with clean_db.begin() as conn:
        await conn.execute(update(t.showings).values(status="cancelled"))
    response = await book(client, auth, world, "ann", "A1")
    assert response.status_code == 422 and response.json()["code"] == "showing_not_bookable"
    async with clean_db.begin() as conn:
        await conn.execute(
            update(t.showings).values(
                status="scheduled",
                start_time=datetime.now(UTC) - timedelta(minutes=5),
                end_time=datetime.now(UTC) + timedelta(hours=2),
            )
        )
    started = await book(client, auth, world, "ann", "A1")
    assert started.status_code == 422 and started.json()["code"] == "showing_not_bookable"


async def test_authentication_required(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post("/bookings", json={"showing_id": str(world.showing.id), "seat_ids": []})
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"
    assert (await client.get("/bookings")).status_code == 401


async def test_a_disabled_account_cannot_confirm_its_hold(
    client: httpx.AsyncClient, auth: Headers, world: World, clean_db: AsyncEngine
) -> None:
    """The route takes the caller from the token; the confirmation checks the account in its own transaction."""
    held = (await book(client, auth, world, "ann", "B3")).json()
    async with clean_db.begin() as conn:
        await conn.execute(update(t.users).where(t.users.c.id == world.users["ann"].id).values(is_active=False))
    response = await client.post(f"/bookings/{held['id']}/confirm", headers=auth("ann"))
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    async with clean_db.connect() as conn:
        status = (await conn.execute(text("SELECT status FROM bookings WHERE id = :id"), {"id": held["id"]})).scalar()
    assert status == "pending"


async def test_hold_expired_on_confirm(
    client: httpx.AsyncClient, auth: Headers, world: World, clean_db: AsyncEngine
) -> None:
    held = (await book(client, auth, world, "ann", "B4")).json()
    async with clean_db.begin() as conn:
        await conn.execute(update(t.bookings).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    response = await client.post(f"/bookings/{held['id']}/confirm", headers=auth("ann"))
    assert response.status_code == 409 and response.json()["code"] == "hold_expired"
    after = await client.get(f"/bookings/{held['id']}", headers=auth("ann"))
    assert after.json()["status"] == "expired"
    assert (await book(client, auth, world, "bob", "B4")).status_code == 201


async def test_cancel_and_booking_cancelled(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    held = (await book(client, auth, world, "ann", "B5")).json()
    cancelled = await client.post(f"/bookings/{held['id']}/cancel", headers=auth("ann"))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = await client.post(f"/bookings/{held['id']}/cancel", headers=auth("ann"))
    assert again.status_code == 200 and again.json() == cancelled.json()
    confirm = await client.post(f"/bookings/{held['id']}/confirm", headers=auth("ann"))
    assert confirm.status_code == 409 and confirm.json()["code"] == "booking_cancelled"


async def test_cancellation_closed_for_customers_not_managers(
    client: httpx.AsyncClient, auth: Headers, world: World, clean_db: AsyncEngine
) -> None:
    booked = (await book(client, auth, world, "ann", "B6", confirm=True)).json()
    async with clean_db.begin() as conn:
        soon = datetime.now(UTC) + timedelta(minutes=30)
        await conn.execute(update(t.showings).values(start_time=soon, end_time=soon + timedelta(hours=2)))
    closed = await client.post(f"/bookings/{booked['id']}/cancel", headers=auth("ann"))
    assert closed.status_code == 422 and closed.json()["code"] == "cancellation_closed"
    by_manager = await client.post(f"/bookings/{booked['id']}/cancel", headers=auth("boss"))
    assert by_manager.status_code == 200 and by_manager.json()["status"] == "cancelled"


async def test_other_users_booking_is_not_found(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    held = (await book(client, auth, world, "ann", "B8")).json()
    for method, path in (
        ("GET", f"/bookings/{held['id']}"),
        ("POST", f"/bookings/{held['id']}/confirm"),
        ("POST", f"/bookings/{held['id']}/cancel"),
    ):
        response = await client.request(method, path, headers=auth("bob"))
        assert response.status_code == 404 and response.json()["code"] == "booking_not_found", path
    assert (await client.get(f"/bookings/{held['id']}", headers=auth("boss"))).status_code == 200
    assert (await client.get(f"/bookings/{held['id']}", headers=auth("ann"))).json()["status"] == "pending"
    unknown = await client.get(f"/bookings/{world.movie.id}", headers=auth("ann"))
    assert unknown.status_code == 404


async def test_list_own_bookings_with_filters(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    first = (await book(client, auth, world, "ann", "C1")).json()
    second = (await book(client, auth, world, "ann", "C2", confirm=True)).json()
    await book(client, auth, world, "bob", "C3")
    mine = (await client.get("/bookings", headers=auth("ann"))).json()
    assert [b["id"] for b in mine["items"]] == [second["id"], first["id"]]
    assert (mine["total"], mine["limit"], mine["offset"]) == (2, 20, 0)
    confirmed = (await client.get("/bookings?status=confirmed", headers=auth("ann"))).json()
    assert [b["id"] for b in confirmed["items"]] == [second["id"]]
    upcoming = (await client.get("/bookings?upcoming=true&limit=1&offset=1", headers=auth("ann"))).json()
    assert upcoming["total"] == 2 and [b["id"] for b in upcoming["items"]] == [first["id"]]
    bad = await client.get("/bookings?limit=0", headers=auth("ann"))
    assert bad.status_code == 422


async def test_idempotency_key(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    key = {"Idempotency-Key": "retry-123"}
    first = await book(client, auth, world, "ann", "D1", headers=key)
    replay = await book(client, auth, world, "ann", "D1", headers=key)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json() and replay.headers["idempotent-replayed"] == "true"
    assert (await client.get("/bookings", headers=auth("ann"))).json()["total"] == 1
    other_body = await book(client, auth, world, "ann", "D2", headers=key)
    assert other_body.status_code == 422 and other_body.json()["code"] == "idempotency_key_reused"


async def test_concurrent_requests_with_one_idempotency_key_book_once(
    client: httpx.AsyncClient, auth: Headers, world: World, clean_db: AsyncEngine
) -> None:
    import asyncio

    key = {"Idempotency-Key": "same-moment"}
    responses = await asyncio.gather(*(book(client, auth, world, "ann", "D3", headers=key) for _ in range(8)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    async with clean_db.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM bookings"))).scalar_one() == 1


async def test_admin_bookings_with_users_and_filters(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    ann = (await book(client, auth, world, "ann", "E1")).json()
    bob = (await book(client, auth, world, "bob", "E2", confirm=True)).json()
    forbidden = await client.get("/admin/bookings", headers=auth("ann"))
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    page = (await client.get("/admin/bookings", headers=auth("boss"))).json()
    assert [b["id"] for b in page["items"]] == [bob["id"], ann["id"]]
    assert page["items"][1]["user"] == {
        "id": str(world.users["ann"].id),
        "email": "ann@example.com",
        "name": world.users["ann"].name,
    }
    by_user = (await client.get(f"/admin/bookings?user_id={world.users['bob'].id}", headers=auth("boss"))).json()
    assert [b["id"] for b in by_user["items"]] == [bob["id"]]
    by_status = (await client.get("/admin/bookings?status=pending", headers=auth("boss"))).json()
    assert [b["id"] for b in by_status["items"]] == [ann["id"]]
    by_showing = (
        await client.get(f"/admin/bookings?showing_id={world.showing.id}&limit=1", headers=auth("boss"))
    ).json()
    assert by_showing["total"] == 2 and len(by_showing["items"]) == 1


async def test_admin_stats_count_only_live_sales(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    await book(client, auth, world, "ann", "A1", "E8", confirm=True)  # 10.00 + 15.00
    await book(client, auth, world, "bob", "A2")  # held
    cancelled = (await book(client, auth, world, "bob", "A3", confirm=True)).json()
    await client.post(f"/bookings/{cancelled['id']}/cancel", headers=auth("bob"))
    assert (await client.get("/admin/stats", headers=auth("ann"))).status_code == 403
    stats = (await client.get("/admin/stats", headers=auth("boss"))).json()
    assert (stats["users"], stats["movies"], stats["rooms"], stats["upcoming_showings"]) == (3, 1, 1, 1)
    assert (stats["confirmed_bookings"], stats["tickets_sold"], stats["revenue"], stats["currency"]) == (
        1,
        2,
        "25.00",
        "EUR",
    )
    [row] = stats["occupancy"]
    assert (row["capacity"], row["sold"], row["held"], row["occupancy_pct"]) == (40, 2, 1, 5.0)
    assert stats["top_movies"] == [
        {"movie_id": str(world.movie.id), "title": "Test Movie", "tickets_sold": 2, "revenue": "25.00"}
    ]
    bad_range = await client.get("/admin/stats?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", headers=auth("boss"))
    assert bad_range.status_code == 422


async def test_lapsed_hold_is_bookable_before_and_after_the_sweeper(
    app: FastAPI, client: httpx.AsyncClient, auth: Headers, world: World
) -> None:
    from dependency_injector import providers

    from tests.factories import MutableClock

    container = app.state.container
    first = (await book(client, auth, world, "ann", "C8")).json()
    clock = MutableClock(datetime.now(UTC) + timedelta(minutes=11))
    container.clock.override(providers.Object(clock))
    try:
        # Before any sweep: the lapsed hold is released inside bob's booking transaction.
        taken_over = await book(client, auth, world, "bob", "C8", confirm=True)
        assert taken_over.status_code == 201, taken_over.text
        assert (await client.get(f"/bookings/{first['id']}", headers=auth("ann"))).json()["status"] == "expired"

        second = (await book(client, auth, world, "ann", "C7")).json()
        clock.advance(timedelta(minutes=11))
        result = await container.sweep_holds()()
        assert result.expired == 1
        assert (await client.get(f"/bookings/{second['id']}", headers=auth("ann"))).json()["status"] == "expired"
        seat_map = (await client.get(f"/showings/{world.showing.id}/seats")).json()
        c7 = next(s for s in seat_map["seats"] if s["label"] == "C7")
        assert c7["status"] == "available"
        assert (await book(client, auth, world, "bob", "C7")).status_code == 201
    finally:
        container.clock.reset_override()
