"""The benchmark's data, made through the public HTTP API as a manager and as customers."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import jwt

ROWS = "ABCDEFGHIJ"
SEATS_PER_ROW = 25  # 10 rows x 25 = the 250-seat room
SEATS_PER_BOOKING = 2
PAIRS_PER_SHOWING = len(ROWS) * SEATS_PER_ROW // SEATS_PER_BOOKING
RUNTIME_MINUTES = 40  # + 15 minutes of cleaning: one showing an hour fits, so a day holds 24 of them
MANAGER_EMAIL = "bench-manager@example.com"
CUSTOMER_PASSWORD = "bench-password-1"
TOKEN_MINUTES = 60  # the access tokens the benchmark signs outlive any run


class ApiError(RuntimeError):
    pass


def expect(response: httpx.Response, status: int) -> Any:
    if response.status_code != status:
        raise ApiError(
            f"{response.request.method} {response.request.url.path}: expected {status}, "
            f"got {response.status_code}: {response.text[:300]}"
        )
    return response.json() if response.content else None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Customer:
    user_id: str
    token: str


@dataclass(frozen=True)
class BookingPlan:
    """One booking that collides with no other plan: its own seats of its own showing."""

    showing_id: str
    seat_ids: tuple[str, ...]
    customer: Customer

    def body(self, *, confirm: bool) -> str:
        return json.dumps({"showing_id": self.showing_id, "seat_ids": list(self.seat_ids), "confirm": confirm})


@dataclass
class Catalogue:
    manager_token: str
    room_id: str
    seat_ids: list[str]
    movie_id: str
    timezone: ZoneInfo
    first_start: datetime
    showings: list[str] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    _taken: int = 0

    @property
    def list_day(self) -> date:
        """A local day covered hour by hour by the showings (the showings-list scenario reads it)."""
        return self.first_start.astimezone(self.timezone).date()

    def take_showings(self, count: int) -> list[str]:
        """Showings no scenario has used yet."""
        if self._taken + count > len(self.showings):
            raise ValueError(f"asked for {count} showings, {len(self.showings) - self._taken} left")
        taken = self.showings[self._taken : self._taken + count]
        self._taken += count
        return taken

    def plans(self, showings: Sequence[str]) -> Iterator[BookingPlan]:
        """Adjacent seat pairs, the showings taken in turn: consecutive bookings go to different showings, so
        concurrent ones do not queue on one showing's row lock (the booking engine locks the showing).

        Pair ``k`` of showing ``s`` goes to customer ``(k + s) mod n``: with n >= 125 customers nobody has two
        bookings of one showing, far within MAX_SEATS_PER_BOOKING (10 seats).
        """
        if len(self.customers) < PAIRS_PER_SHOWING:
            raise ValueError(f"plans need at least {PAIRS_PER_SHOWING} customers")
        for pair in range(PAIRS_PER_SHOWING):
            seats = tuple(self.seat_ids[pair * SEATS_PER_BOOKING : (pair + 1) * SEATS_PER_BOOKING])
            for index, showing_id in enumerate(showings):
                customer = self.customers[(pair + index) % len(self.customers)]
                yield BookingPlan(showing_id, seats, customer)


async def log_in(client: httpx.AsyncClient, email: str, password: str) -> str:
    pair = expect(await client.post("/auth/login", json={"email": email, "password": password}), 200)
    return str(pair["access_token"])


async def create_catalogue(client: httpx.AsyncClient, manager_token: str, timezone: ZoneInfo) -> Catalogue:
    headers = bearer(manager_token)
    rows = [{"label": label, "seats": SEATS_PER_ROW} for label in ROWS]
    room_body = {"name": f"Bench {secrets.token_hex(3)}", "rows": rows}
    room = expect(await client.post("/rooms", json=room_body, headers=headers), 201)
    seat_ids = [str(seat["id"]) for row in room["rows"] for seat in row["seats"]]
    if len(seat_ids) != len(ROWS) * SEATS_PER_ROW:
        raise ApiError(f"the room has {len(seat_ids)} seats, expected {len(ROWS) * SEATS_PER_ROW}")
    movie_body = {"title": "The Benchmark", "runtime": RUNTIME_MINUTES, "genres": ["Documentary"]}
    movie = expect(await client.post("/movies", json=movie_body, headers=headers), 201)
    tomorrow = datetime.now(timezone).date() + timedelta(days=1)
    first_start = datetime.combine(tomorrow, time(0, 0), tzinfo=timezone).astimezone(UTC)
    return Catalogue(manager_token, str(room["id"]), seat_ids, str(movie["id"]), timezone, first_start)


async def add_showings(client: httpx.AsyncClient, catalogue: Catalogue, count: int) -> None:
    """Hourly showings in the one room, one after the other (the overlap rule is checked per request)."""
    headers = bearer(catalogue.manager_token)
    for _ in range(count):
        start = catalogue.first_start + timedelta(hours=len(catalogue.showings))
        body = {
            "movie_id": catalogue.movie_id,
            "room_id": catalogue.room_id,
            "start_time": start.isoformat(),
            "price": "9.50",
        }
        showing = expect(await client.post("/showings", json=body, headers=headers), 201)
        catalogue.showings.append(str(showing["id"]))


async def register_customers(client: httpx.AsyncClient, count: int, concurrency: int = 8) -> list[Customer]:
    """Customers with access tokens; argon2 is slow on purpose, so a few at a time."""
    gate = asyncio.Semaphore(concurrency)
    run = secrets.token_hex(3)

    async def register(index: int) -> Customer:
        body = {"email": f"bench-{run}-{index}@example.com", "name": f"Bench {index}", "password": CUSTOMER_PASSWORD}
        async with gate:
            pair = expect(await client.post("/auth/register", json=body), 201)
        return Customer(str(pair["user"]["id"]), str(pair["access_token"]))

    return list(await asyncio.gather(*(register(i) for i in range(count))))


async def create_movies(client: httpx.AsyncClient, manager_token: str, count: int) -> list[str]:
    """Movies through ``POST /movies`` (a few at a time), so ``GET /movies`` fills a page of 20."""
    gate = asyncio.Semaphore(4)
    run = secrets.token_hex(3)

    async def create(index: int) -> str:
        body = {"title": f"Bench Feature {run} {index:03d}", "runtime": 95 + index % 60, "genres": ["Drama"]}
        async with gate:
            movie = expect(await client.post("/movies", json=body, headers=bearer(manager_token)), 201)
        return str(movie["id"])

    return list(await asyncio.gather(*(create(i) for i in range(count))))


def _password_hash(password: str) -> str:
    from argon2 import PasswordHasher  # the service's own hasher library: the hash is one it accepts

    return PasswordHasher().hash(password)


async def mint_customers(connection: asyncpg.Connection, secret: str, issuer: str, count: int) -> list[Customer]:
    """Customers made without ``POST /auth/register`` (argon2 costs ~50 ms of CPU per account, on purpose):
    rows in ``users`` that share one argon2 hash of :data:`CUSTOMER_PASSWORD`, each with an access token signed
    as the service signs them (``JWT_SECRET`` and ``JWT_ISSUER`` are the ones the benchmark gave the service)."""
    password_hash = await asyncio.to_thread(_password_hash, CUSTOMER_PASSWORD)
    run = secrets.token_hex(3)
    ids = [uuid.uuid4() for _ in range(count)]
    await connection.executemany(
        "INSERT INTO users (id, email, name, password_hash, role) VALUES ($1, $2, $3, $4, 'user')",
        [(uid, f"bench-{run}-{i}@example.com", f"Bench Customer {i}", password_hash) for i, uid in enumerate(ids)],
    )
    now = datetime.now(UTC)
    customers = []
    for uid in ids:
        claims = {
            "sub": str(uid),
            "role": "user",
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=TOKEN_MINUTES)).timestamp()),
            "jti": uuid.uuid4().hex,
            "iss": issuer,
            "typ": "access",
        }
        customers.append(Customer(str(uid), jwt.encode(claims, secret, algorithm="HS256")))
    return customers


async def book(client: httpx.AsyncClient, plan: BookingPlan, *, confirm: bool) -> httpx.Response:
    return await client.post(
        "/bookings",
        content=plan.body(confirm=confirm),
        headers={**bearer(plan.customer.token), "Content-Type": "application/json"},
    )


async def occupy(client: httpx.AsyncClient, catalogue: Catalogue, showing_id: str, booked: int, held: int) -> None:
    """Give a showing a realistic seat map: some pairs booked, some held, the rest available."""
    plans = catalogue.plans([showing_id])
    for _ in range(booked):
        expect(await book(client, next(plans), confirm=True), 201)
    for _ in range(held):
        expect(await book(client, next(plans), confirm=False), 201)


async def outbox_backlog(client: httpx.AsyncClient, manager_token: str) -> int:
    """Outbox rows still waiting for the relay (``GET /admin/outbox?status=pending``)."""
    page = expect(
        await client.get("/admin/outbox", params={"status": "pending", "limit": 1}, headers=bearer(manager_token)),
        200,
    )
    return int(page["total"])
