"""Lost updates on accounts, with two units of work interleaved deterministically on the real PostgreSQL.

One use case is paused right after a chosen repository call (a gate), the other is started and run until it either
finishes or waits on a database lock (seen in ``pg_stat_activity``); then the first is let go. Without row locks the
second one finishes while the first is paused, and the first then writes back what it read (or leaves a new refresh
token alive): each test below fails that way before the fix.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Self

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from lynriescoop.adapters.postgres.engine import make_session_factory
from lynriescoop.adapters.postgres.unit_of_work import PostgresUnitOfWork
from lynriescoop.adapters.security.argon2_hasher import Argon2PasswordHasher
from lynriescoop.adapters.security.jwt_tokens import JwtTokenService
from lynriescoop.application.accounts.log_in import LogIn, LogInCommand
from lynriescoop.application.accounts.login_throttle import LoginThrottle
from lynriescoop.application.accounts.refresh_session import RefreshSession
from lynriescoop.application.accounts.sessions import SessionIssuer, SessionTokens
from lynriescoop.application.accounts.update_me import UpdateMe, UpdateMeCommand
from lynriescoop.application.accounts.update_user import UpdateUser, UpdateUserCommand
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.application.ports.clock import SystemClock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import InvalidCredentials, NotAuthenticated
from lynriescoop.domain.users import Role, User
from lynriescoop.domain.values import EmailAddress

PASSWORD = "correct-horse-42"
NEW_PASSWORD = "battery-staple-99"


class Gate:
    """Pauses the first call of ``repository.method`` (for which ``when(kwargs)`` holds) after it returns."""

    def __init__(self, repository: str, method: str, when: Callable[[dict[str, Any]], bool] = lambda _: True) -> None:
        self.repository = repository
        self.method = method
        self.when = when
        self.reached = asyncio.Event()
        self.opened = asyncio.Event()

    async def pause(self) -> None:
        self.reached.set()
        await self.opened.wait()


class GatedUnitOfWork(PostgresUnitOfWork):
    def __init__(self, sessions: async_sessionmaker[AsyncSession], gate: Gate) -> None:
        super().__init__(sessions, route_event)
        self._gate = gate

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        gate = self._gate
        repository = getattr(self, gate.repository)
        real = getattr(repository, gate.method)

        async def gated(*args: Any, **kwargs: Any) -> Any:
            result = await real(*args, **kwargs)
            if not gate.reached.is_set() and gate.when(kwargs):
                await gate.pause()
            return result

        setattr(repository, gate.method, gated)
        return self


class Accounts:
    """The account use cases on one database, each with a plain or a gated unit-of-work factory."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = make_session_factory(engine)
        self.hasher = Argon2PasswordHasher(time_cost=1, memory_cost=1024)
        self.clock = SystemClock()
        self.issuer = SessionIssuer(JwtTokenService("race-test-secret-" + "r" * 40, issuer="t", access_minutes=15), 14)
        self.throttle = LoginThrottle(max_failures=50, window_seconds=300)

    def uow(self, gate: Gate | None = None) -> UnitOfWorkFactory:
        if gate is None:
            return lambda: PostgresUnitOfWork(self.sessions, route_event)
        return lambda: GatedUnitOfWork(self.sessions, gate)

    def update_me(self, gate: Gate | None = None) -> UpdateMe:
        return UpdateMe(self.uow(gate), self.hasher, self.clock, self.throttle)

    def update_user(self, gate: Gate | None = None) -> UpdateUser:
        return UpdateUser(self.uow(gate), self.clock)

    def log_in(self, gate: Gate | None = None) -> LogIn:
        return LogIn(self.uow(gate), self.hasher, self.issuer, self.throttle, self.clock)

    def refresh(self, gate: Gate | None = None) -> RefreshSession:
        return RefreshSession(self.uow(gate), self.issuer, self.clock)

    async def add_user(self, email: str, *, role: Role = Role.USER, password_hash: str | None = None) -> User:
        user = User(
            email=EmailAddress(email),
            name="Before",
            password_hash=password_hash or await self.hasher.hash(PASSWORD),
            created_at=datetime.now(UTC),
            role=role,
        )
        async with self.uow()() as uow:
            await uow.users.add(user)
            await uow.commit()
        return user

    async def user(self, user_id: Any) -> User:
        async with self.uow()() as uow:
            found = await uow.users.get(user_id)
        assert found is not None
        return found

    async def live_tokens(self, user_id: Any) -> int:
        async with self.engine.connect() as conn:
            query = (
                "SELECT count(*) FROM refresh_tokens WHERE user_id = :u AND revoked_at IS NULL AND rotated_at IS NULL"
            )
            return int((await conn.execute(text(query), {"u": user_id})).scalar_one())


@pytest.fixture
async def accounts(clean_db: AsyncEngine) -> Accounts:
    return Accounts(clean_db)


async def waiting_on_a_lock(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        return bool((await conn.execute(text(query))).scalar_one())


async def run_until_blocked_or_done(engine: AsyncEngine, task: asyncio.Task[Any]) -> None:
    """Let ``task`` run until it finishes or waits for a lock another transaction holds."""
    for _ in range(1000):
        if task.done() or await waiting_on_a_lock(engine):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the second unit of work neither finished nor waited for a lock")


async def interleave(
    engine: AsyncEngine, gate: Gate, first: Awaitable[Any], second: Callable[[], Awaitable[Any]]
) -> tuple[Any, Any]:
    """Run ``first`` to its gate, then ``second`` until it ends or blocks, then open the gate; both outcomes
    (a result or the exception raised)."""
    first_task = asyncio.ensure_future(first)
    reached = asyncio.ensure_future(gate.reached.wait())
    await asyncio.wait([first_task, reached], return_when=asyncio.FIRST_COMPLETED)
    reached.cancel()
    assert gate.reached.is_set(), f"the first unit of work ended before its gate: {first_task.result()!r}"
    second_task = asyncio.ensure_future(second())
    await run_until_blocked_or_done(engine, second_task)
    gate.opened.set()
    outcomes = await asyncio.gather(first_task, second_task, return_exceptions=True)
    return outcomes[0], outcomes[1]


# --- users: what a use case read must not overwrite a concurrent change ---------------------------------------------


async def test_patch_me_racing_a_demotion_and_deactivation_does_not_write_the_old_role_back(
    accounts: Accounts, clean_db: AsyncEngine
) -> None:
    await accounts.add_user("boss@example.com", role=Role.MANAGER)  # so another manager remains
    staff = await accounts.add_user("door@example.com", role=Role.MANAGER)
    gate = Gate("users", "get", when=lambda kwargs: bool(kwargs.get("for_update")))
    me, manager = await interleave(
        clean_db,
        gate,
        accounts.update_me(gate)(UpdateMeCommand(user_id=staff.id, name="After")),
        lambda: accounts.update_user()(UpdateUserCommand(user_id=staff.id, role=Role.USER, is_active=False)),
    )
    assert isinstance(me, User) and isinstance(manager, User)
    stored = await accounts.user(staff.id)
    assert (stored.name, stored.role, stored.is_active) == ("After", Role.USER, False)


async def test_a_login_rehash_racing_a_password_change_does_not_write_the_old_password_back(
    accounts: Accounts, clean_db: AsyncEngine
) -> None:
    # Hashed with other parameters than the hasher's, so the login rehashes the (old) password.
    old_params = Argon2PasswordHasher(time_cost=2, memory_cost=2048)
    ann = await accounts.add_user("ann@example.com", password_hash=await old_params.hash(PASSWORD))
    gate = Gate("users", "get", when=lambda kwargs: bool(kwargs.get("for_update")))
    change = UpdateMeCommand(user_id=ann.id, password=NEW_PASSWORD, current_password=PASSWORD)
    login, changed = await interleave(
        clean_db,
        gate,
        accounts.log_in(gate)(LogInCommand(email="ann@example.com", password=PASSWORD)),
        lambda: accounts.update_me()(change),
    )
    assert isinstance(login, SessionTokens)
    stored = (await accounts.user(ann.id)).password_hash
    if isinstance(changed, User):
        # The change was answered as done: the new password must be the one stored, whatever the login wrote.
        assert await accounts.hasher.verify(stored, NEW_PASSWORD)
    else:
        # Or it was refused as "changed meanwhile" (the rehash came first), and the old password still works.
        assert isinstance(changed, InvalidCredentials)
        assert await accounts.hasher.verify(stored, PASSWORD)


# --- refresh tokens: a rotation racing "revoke all" must not leave its new token alive --------------------------------


async def deactivate(accounts: Accounts, user: User, _: SessionTokens, __: str) -> Any:
    return await accounts.update_user()(UpdateUserCommand(user_id=user.id, is_active=False))


async def change_password(accounts: Accounts, user: User, _: SessionTokens, __: str) -> Any:
    command = UpdateMeCommand(user_id=user.id, password=NEW_PASSWORD, current_password=PASSWORD)
    return await accounts.update_me()(command)


async def reuse_a_rotated_token(accounts: Accounts, _: User, __: SessionTokens, rotated: str) -> Any:
    return await accounts.refresh()(rotated)


@pytest.mark.parametrize("revoke_all", [deactivate, change_password, reuse_a_rotated_token])
async def test_a_refresh_racing_revoke_all_leaves_no_live_token(
    accounts: Accounts,
    clean_db: AsyncEngine,
    revoke_all: Callable[[Accounts, User, SessionTokens, str], Awaitable[Any]],
) -> None:
    ann = await accounts.add_user("ann@example.com")
    first = await accounts.log_in()(LogInCommand(email="ann@example.com", password=PASSWORD))
    second = await accounts.refresh()(first.refresh_token)  # ``first`` is now a rotated token: reusing it is theft
    # The rotation is paused after it stored its new token and before it commits.
    gate = Gate("refresh_tokens", "add")
    rotation, revoked = await interleave(
        clean_db,
        gate,
        accounts.refresh(gate)(second.refresh_token),
        lambda: revoke_all(accounts, ann, second, first.refresh_token),
    )
    assert not isinstance(revoked, InvalidCredentials), revoked
    assert await accounts.live_tokens(ann.id) == 0
    if isinstance(rotation, SessionTokens):
        with pytest.raises(NotAuthenticated):
            await accounts.refresh()(rotation.refresh_token)
