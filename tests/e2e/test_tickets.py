"""API.md §11 over HTTP: every route and answer of tickets and check-in, the staff role (§2, §7), the checked-in
count of the stats, and the tickets in the confirmation email (§9)."""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import httpx
import pytest
from asgi_lifespan import LifespanManager
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres import tables as t
from lynriescoop.adapters.security.ed25519_tickets import Ed25519TicketSigner, generate_private_key
from lynriescoop.domain.tickets import TicketClaims
from lynriescoop.domain.users import Role
from lynriescoop.entrypoints.http.app import create_app
from tests.delivery_support import eml_files, eventually
from tests.e2e.auth_helpers import assert_problem
from tests.e2e.conftest import Headers, SettingsFactory
from tests.factories import World, build_world, make_user, put_in_postgres
from tests.qr_support import read_qr_png, read_qr_svg


@pytest.fixture
async def world(clean_db: AsyncEngine) -> World:
    world = build_world(rows=3, per_row=6)
    world.users = {
        "ann": make_user("ann@example.com"),
        "bob": make_user("bob@example.com"),
        "door": make_user("door@example.com", role=Role.STAFF),
        "boss": make_user("boss@example.com", role=Role.MANAGER),
    }
    await put_in_postgres(clean_db, world)
    return world


async def book(
    client: httpx.AsyncClient, auth: Headers, world: World, user: str, *labels: str, confirm: bool = True
) -> dict[str, Any]:
    seat_ids = [str(world.seat(label).id) for label in labels]
    body = {"showing_id": str(world.showing.id), "seat_ids": seat_ids, "confirm": confirm}
    response = await client.post("/bookings", json=body, headers=auth(user))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def tickets(client: httpx.AsyncClient, auth: Headers, booking_id: str, user: str = "ann") -> list[dict[str, Any]]:
    response = await client.get(f"/bookings/{booking_id}/tickets", headers=auth(user))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def verify_with_jwks(code: str, keys: dict[str, Any]) -> bytes:
    """A third-party scanner's check, from docs/tickets.md and the JWK set alone: the payload it vouches for."""
    raw = base64.b32decode(code + "=" * (-len(code) % 8))
    end = 42 + raw[41]
    payload, signature = raw[:end], raw[end:]
    jwk = next(k for k in keys["keys"] if k["kid"] == payload[1:5].hex())
    x = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    Ed25519PublicKey.from_public_bytes(x).verify(signature, payload)  # raises InvalidSignature when forged
    return payload


async def test_keys_are_a_jwk_set_that_verifies_the_codes(
    client: httpx.AsyncClient, auth: Headers, world: World
) -> None:
    keys = (await client.get("/tickets/keys")).json()
    assert len(keys["keys"]) == 1
    key = keys["keys"][0]
    assert (key["kty"], key["crv"], key["use"], len(key["kid"])) == ("OKP", "Ed25519", "sig", 8)
    booking = await book(client, auth, world, "ann", "A1")
    [ticket] = await tickets(client, auth, booking["id"])
    payload = verify_with_jwks(ticket["code"], keys)
    assert payload[5:21].hex() == ticket["id"].replace("-", "")
    assert payload[21:37].hex() == str(world.showing.id).replace("-", "")
    assert payload[42:] == b"A1"


async def test_keys_list_the_previous_keys_after_a_rotation(
    make_settings: SettingsFactory, clean_db: AsyncEngine
) -> None:
    old, new = generate_private_key(), generate_private_key()
    old_public = Ed25519TicketSigner(old).public_keys()[0]
    app = create_app(make_settings(ticket_signing_key=new, ticket_previous_keys=old_public.x))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        keys = (await http.get("/tickets/keys")).json()["keys"]
    assert [k["kid"] for k in keys] == [Ed25519TicketSigner(new).key_id, old_public.kid]
    assert keys[1]["x"] == old_public.x


async def test_a_booking_lists_its_tickets_by_state(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    held = await book(client, auth, world, "ann", "B2", "B1", confirm=False)
    assert await tickets(client, auth, held["id"]) == []
    await client.post(f"/bookings/{held['id']}/confirm", headers=auth("ann"))
    issued = await tickets(client, auth, held["id"])
    assert [(t["seat_label"], t["status"], t["checked_in_at"]) for t in issued] == [
        ("B1", "valid", None),
        ("B2", "valid", None),
    ]
    assert {t["booking_id"] for t in issued} == {held["id"]} and {t["showing_id"] for t in issued} == {
        str(world.showing.id)
    }
    assert all(len(t["code"]) <= 200 for t in issued)
    assert await tickets(client, auth, held["id"], "boss") == issued  # a manager reads them too
    assert_problem(await client.get(f"/bookings/{held['id']}/tickets", headers=auth("bob")), 404, "booking_not_found")
    assert_problem(await client.get(f"/bookings/{held['id']}/tickets", headers=auth("door")), 404, "booking_not_found")
    assert_problem(await client.get(f"/bookings/{held['id']}/tickets"), 401, "not_authenticated")
    await client.post(f"/bookings/{held['id']}/cancel", headers=auth("ann"))
    assert [t["status"] for t in await tickets(client, auth, held["id"])] == ["revoked", "revoked"]


async def test_qr_codes_carry_the_code_for_the_owner_or_a_manager(
    client: httpx.AsyncClient, auth: Headers, world: World
) -> None:
    booking = await book(client, auth, world, "ann", "C3")
    [ticket] = await tickets(client, auth, booking["id"])
    png = await client.get(f"/tickets/{ticket['id']}/qr.png", headers=auth("ann"))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert read_qr_png(png.content) == ticket["code"]
    svg = await client.get(f"/tickets/{ticket['id']}/qr.svg", headers=auth("boss"))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert read_qr_svg(svg.content) == ticket["code"]
    for path in ("qr.png", "qr.svg"):
        assert_problem(
            await client.get(f"/tickets/{ticket['id']}/{path}", headers=auth("bob")), 404, "ticket_not_found"
        )
    missing = "00000000-0000-4000-8000-000000000000"
    assert_problem(await client.get(f"/tickets/{missing}/qr.png", headers=auth("boss")), 404, "ticket_not_found")
    assert_problem(await client.get(f"/tickets/{ticket['id']}/qr.png"), 401, "not_authenticated")


async def test_check_in_admits_once(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    booking = await book(client, auth, world, "ann", "A1")
    [ticket] = await tickets(client, auth, booking["id"])
    first = await client.post(
        "/checkin", json={"code": ticket["code"], "showing_id": str(world.showing.id)}, headers=auth("door")
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["first_check_in"] is True
    assert body["ticket"]["status"] == "checked_in" and body["ticket"]["id"] == ticket["id"]
    assert body["showing"] == {
        "id": str(world.showing.id),
        "movie_title": "Test Movie",
        "room_name": world.room.name,
        "start_time": world.showing.start_time.isoformat().replace("+00:00", "Z"),
    }
    again = await client.post("/checkin", json={"code": ticket["code"]}, headers=auth("boss"))
    problem = assert_problem(again, 409, "already_checked_in")
    assert problem["checked_in_at"] == body["ticket"]["checked_in_at"]
    [listed] = await tickets(client, auth, booking["id"])
    assert (listed["status"], listed["checked_in_at"]) == ("checked_in", body["ticket"]["checked_in_at"])


async def test_check_in_refusals(client: httpx.AsyncClient, auth: Headers, world: World, clean_db: AsyncEngine) -> None:
    booking = await book(client, auth, world, "ann", "A1", "A2")
    a1, a2 = await tickets(client, auth, booking["id"])
    door = auth("door")
    wrong = await client.post(
        "/checkin", json={"code": a1["code"], "showing_id": "00000000-0000-4000-8000-000000000000"}, headers=door
    )
    assert_problem(wrong, 422, "wrong_showing")
    assert_problem(await client.post("/checkin", json={"code": "HELLO"}, headers=door), 422, "invalid_ticket")
    forged = a1["code"][:-4] + ("AAAA" if not a1["code"].endswith("AAAA") else "BBBB")
    assert_problem(await client.post("/checkin", json={"code": forged}, headers=door), 422, "invalid_ticket")
    other = Ed25519TicketSigner(generate_private_key())
    foreign = other.sign(TicketClaims(UUID(a1["id"]), world.showing.id, "A1", world.showing.start_time, other.key_id))
    assert_problem(await client.post("/checkin", json={"code": foreign}, headers=door), 422, "invalid_ticket")
    assert_problem(
        await client.post("/checkin", json={"code": a1["code"], "seat": "A1"}, headers=door), 422, "validation_error"
    )
    assert_problem(await client.post("/checkin", json={"code": a1["code"]}, headers=auth("ann")), 403, "forbidden")
    assert_problem(await client.post("/checkin", json={"code": a1["code"]}), 401, "not_authenticated")
    await client.post(f"/bookings/{booking['id']}/cancel", headers=auth("ann"))
    assert_problem(await client.post("/checkin", json={"code": a2["code"]}, headers=door), 409, "ticket_revoked")
    # A showing that has ended closes its doors.
    second = await book(client, auth, world, "bob", "C1")
    [c1] = await tickets(client, auth, second["id"], "bob")
    past = datetime.now(UTC) - timedelta(hours=3)
    async with clean_db.begin() as conn:
        await conn.execute(
            update(t.showings)
            .where(t.showings.c.id == world.showing.id)
            .values(start_time=past, end_time=past + timedelta(hours=2))
        )
    assert_problem(await client.post("/checkin", json={"code": c1["code"]}, headers=door), 422, "checkin_closed")


async def test_a_cancelled_showing_closes_check_in(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    booking = await book(client, auth, world, "ann", "A3")
    [ticket] = await tickets(client, auth, booking["id"])
    assert (await client.post(f"/showings/{world.showing.id}/cancel", headers=auth("boss"))).status_code == 200
    assert [t["status"] for t in await tickets(client, auth, booking["id"])] == ["revoked"]
    refused = await client.post("/checkin", json={"code": ticket["code"]}, headers=auth("door"))
    assert_problem(refused, 422, "checkin_closed")


async def test_two_doors_scanning_one_ticket_at_once_admit_it_once(
    client: httpx.AsyncClient, auth: Headers, world: World
) -> None:
    booking = await book(client, auth, world, "ann", "B1", "B2", "B3", "B4")
    for ticket in await tickets(client, auth, booking["id"]):
        answers = await asyncio.gather(
            client.post("/checkin", json={"code": ticket["code"]}, headers=auth("door")),
            client.post("/checkin", json={"code": ticket["code"]}, headers=auth("boss")),
        )
        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        loser = next(a for a in answers if a.status_code == 409)
        winner = next(a for a in answers if a.status_code == 200)
        assert loser.json()["code"] == "already_checked_in"
        assert loser.json()["checked_in_at"] == winner.json()["ticket"]["checked_in_at"]


async def test_a_batch_from_an_offline_scanner(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    booking = await book(client, auth, world, "ann", "C1", "C2")
    c1, c2 = await tickets(client, auth, booking["id"])
    early = datetime.now(UTC) - timedelta(minutes=10)
    scans = [
        {"code": c1["code"], "scanned_at": (early + timedelta(minutes=2)).isoformat()},
        {"code": "NOT A CODE", "scanned_at": early.isoformat()},
        {"code": c1["code"], "scanned_at": early.isoformat()},
        {"code": c2["code"], "scanned_at": (early + timedelta(minutes=1)).isoformat()},
    ]
    response = await client.post("/checkin/batch", json={"scans": scans}, headers=auth("door"))
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["code"], r["ok"]) for r in results] == [
        (c1["code"], False),
        ("NOT A CODE", False),
        (c1["code"], True),
        (c2["code"], True),
    ]
    assert results[0]["error"]["code"] == "already_checked_in"
    assert results[1]["error"]["code"] == "invalid_ticket" and "ticket" not in results[1]
    assert datetime.fromisoformat(results[2]["ticket"]["checked_in_at"]) == early
    assert results[0]["error"]["checked_in_at"] == results[2]["ticket"]["checked_in_at"]
    again = await client.post("/checkin/batch", json={"scans": scans[:1]}, headers=auth("door"))
    assert again.json()["results"][0]["error"]["code"] == "already_checked_in"


@pytest.mark.parametrize(
    "body",
    [
        {"scans": []},
        {"scans": [{"code": "X"}]},
        {"scans": [{"code": "X", "scanned_at": "2026-12-01T10:00:00"}]},  # no offset
        {"scans": [{"code": "X", "scanned_at": "2026-12-01T10:00:00Z", "door": 1}]},
        {"scans": [{"code": "X", "scanned_at": "2026-12-01T10:00:00Z"}] * 501},
        {},
    ],
)
async def test_a_malformed_batch_is_422(
    client: httpx.AsyncClient, auth: Headers, world: World, body: dict[str, Any]
) -> None:
    assert_problem(await client.post("/checkin/batch", json=body, headers=auth("door")), 422, "validation_error")


async def test_batch_is_for_staff(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    body = {"scans": [{"code": "X", "scanned_at": "2026-12-01T10:00:00Z"}]}
    assert_problem(await client.post("/checkin/batch", json=body, headers=auth("ann")), 403, "forbidden")
    assert (await client.post("/checkin/batch", json=body, headers=auth("boss"))).status_code == 200


async def test_a_manager_makes_door_staff_who_may_check_in_and_nothing_else(
    client: httpx.AsyncClient, auth: Headers, world: World
) -> None:
    bob = world.users["bob"]
    promoted = await client.patch(f"/admin/users/{bob.id}", json={"role": "staff"}, headers=auth("boss"))
    assert promoted.status_code == 200 and promoted.json()["role"] == "staff"
    listed = await client.get("/admin/users", params={"role": "staff"}, headers=auth("boss"))
    assert {u["email"] for u in listed.json()["items"]} == {"bob@example.com", "door@example.com"}
    staff = auth("door")
    for path in ("/admin/users", "/admin/bookings", "/admin/stats", "/admin/outbox"):
        assert_problem(await client.get(path, headers=staff), 403, "forbidden")
    assert_problem(await client.post("/movies", json={"title": "X", "runtime": 90}, headers=staff), 403, "forbidden")
    assert_problem(await client.post(f"/showings/{world.showing.id}/cancel", headers=staff), 403, "forbidden")
    assert (await client.get("/showings", headers=staff)).status_code == 200
    assert (await client.get(f"/showings/{world.showing.id}", headers=staff)).status_code == 200
    booking = await book(client, auth, world, "ann", "A6")
    [ticket] = await tickets(client, auth, booking["id"])
    assert (await client.post("/checkin", json={"code": ticket["code"]}, headers=staff)).status_code == 200
    boss = world.users["boss"]
    last = await client.patch(f"/admin/users/{boss.id}", json={"role": "staff"}, headers=auth("boss"))
    assert_problem(last, 409, "last_manager")


async def test_stats_count_the_checked_in(client: httpx.AsyncClient, auth: Headers, world: World) -> None:
    booking = await book(client, auth, world, "ann", "A1", "A2")
    first, _ = await tickets(client, auth, booking["id"])
    await client.post("/checkin", json={"code": first["code"]}, headers=auth("door"))
    stats = (await client.get("/admin/stats", headers=auth("boss"))).json()
    row = next(r for r in stats["occupancy"] if r["showing_id"] == str(world.showing.id))
    assert (row["sold"], row["checked_in"]) == (2, 1)


async def test_the_confirmation_email_carries_a_qr_per_seat_that_verifies_with_the_public_key_alone(
    client: httpx.AsyncClient, auth: Headers, world: World, app: FastAPI, make_settings: SettingsFactory
) -> None:
    booking = await book(client, auth, world, "ann", "B5", "B6")
    mail_dir = app.state.settings.mail_dir
    await eventually(lambda: eml_files(mail_dir), "the confirmation email")
    message = email.message_from_bytes(eml_files(mail_dir)[0].read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    plain, markup = text.get_content(), html.get_content()
    assert "entrance" not in plain.lower() and "entrance" not in markup.lower()
    assert booking["booking_number"] in plain and "does not admit" in plain
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 2
    keys = (await client.get("/tickets/keys")).json()  # the public key alone: no database, no private key
    codes = []
    for image in images:
        cid = image["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in markup  # shown inline from the message itself, not loaded from a link
        code = read_qr_png(image.get_content())
        payload = verify_with_jwks(code, keys)
        assert payload[21:37].hex() == str(world.showing.id).replace("-", "")
        assert code in plain  # the same code as text in the text part
        codes.append((payload[42:].decode(), code))
    assert sorted(label for label, _ in codes) == ["B5", "B6"]
    listed = {t["seat_label"]: t["code"] for t in await tickets(client, auth, booking["id"])}
    assert dict(codes) == listed


async def test_the_signing_key_is_generated_once_under_data_dir(
    make_settings: SettingsFactory, clean_db: AsyncEngine
) -> None:
    settings = make_settings()
    kids = []
    for _ in range(2):
        app = create_app(settings)
        async with (
            LifespanManager(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
        ):
            kids.append((await http.get("/tickets/keys")).json()["keys"][0]["kid"])
    assert kids[0] == kids[1]
    key_file = settings.data_dir / "ticket-signing-key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert kids[0] == Ed25519TicketSigner(key_file.read_text().strip()).key_id
