"""Fixtures for the account use cases on the in-memory adapters: a movable clock and a transparent hasher."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from lynriescoop.adapters.memory.store import MemoryStore
from lynriescoop.adapters.memory.unit_of_work import MemoryUnitOfWork
from lynriescoop.adapters.security.jwt_tokens import JwtTokenService
from lynriescoop.application.accounts.login_throttle import LoginThrottle
from lynriescoop.application.accounts.sessions import SessionIssuer
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.users import Role, User
from lynriescoop.domain.values import EmailAddress

MAX_FAILURES = 3
WINDOW_SECONDS = 300
REGISTER_MAX = 3

AddUser = Callable[..., Awaitable[User]]


class FakeClock:
    def __init__(self) -> None:
        # Near the real time: access tokens are verified against the wall clock by PyJWT.
        self.current = datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class FakeHasher:
    """``v<version>$<password>``: readable in assertions; raising ``version`` makes old hashes need a rehash."""

    version: int = 1
    burned: int = 0
    verified: int = 0
    hashed: list[str] = field(default_factory=list)

    async def hash(self, password: str) -> str:
        self.hashed.append(password)
        return f"v{self.version}${password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        return password_hash.split("$", 1)[1] == password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"v{self.version}$")

    async def burn(self, password: str) -> None:
        self.burned += 1


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def uow_factory(store: MemoryStore) -> UnitOfWorkFactory:
    return lambda: MemoryUnitOfWork(store, route_event)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hasher() -> FakeHasher:
    return FakeHasher()


@pytest.fixture
def tokens() -> JwtTokenService:
    return JwtTokenService("unit-test-secret-" + "y" * 40, issuer="lynriescoop", access_minutes=15)


@pytest.fixture
def sessions(tokens: JwtTokenService) -> SessionIssuer:
    return SessionIssuer(tokens, refresh_days=14)


@pytest.fixture
def throttle() -> LoginThrottle:
    return LoginThrottle(max_failures=MAX_FAILURES, window_seconds=WINDOW_SECONDS)


@pytest.fixture
def add_user(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> AddUser:
    async def add(
        email: str, password: str = "correct-horse", *, role: Role = Role.USER, is_active: bool = True
    ) -> User:
        user = User(
            email=EmailAddress(email),
            name=email.split("@")[0].title(),
            password_hash=f"v1${password}",
            created_at=clock.now(),
            role=role,
            is_active=is_active,
        )
        clock.advance(seconds=1)
        async with uow_factory() as uow:
            await uow.users.add(user)
            await uow.commit()
        return user

    return add
