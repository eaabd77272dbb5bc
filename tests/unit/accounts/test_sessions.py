"""Refresh rotation with reuse detection, logout, and the own account, on the in-memory adapters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from lynriescoop.adapters.memory.store import MemoryStore
from lynriescoop.adapters.security.jwt_tokens import JwtTokenService
from lynriescoop.application.accounts.get_me import GetMe
from lynriescoop.application.accounts.log_out import LogOut
from lynriescoop.application.accounts.login_throttle import LoginThrottle
from lynriescoop.application.accounts.refresh_session import RefreshSession
from lynriescoop.application.accounts.sessions import SessionIssuer, SessionTokens
from lynriescoop.application.accounts.update_me import UpdateMe, UpdateMeCommand
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import InvalidCredentials, NotAuthenticated, RuleViolated
from lynriescoop.domain.users import User
from tests.unit.accounts.conftest import AddUser, FakeClock, FakeHasher

StartSession = Callable[[User], Awaitable[SessionTokens]]


@pytest.fixture
def refresh(uow_factory: UnitOfWorkFactory, sessions: SessionIssuer, clock: FakeClock) -> RefreshSession:
    return RefreshSession(uow_factory, sessions, clock)


@pytest.fixture
def log_out(uow_factory: UnitOfWorkFactory, sessions: SessionIssuer, clock: FakeClock) -> LogOut:
    return LogOut(uow_factory, sessions, clock)


@pytest.fixture
def update_me(
    uow_factory: UnitOfWorkFactory, hasher: FakeHasher, clock: FakeClock, throttle: LoginThrottle
) -> UpdateMe:
    return UpdateMe(uow_factory, hasher, clock, throttle)


@pytest.fixture
def start_session(uow_factory: UnitOfWorkFactory, sessions: SessionIssuer, clock: FakeClock) -> StartSession:
    async def start(user: User) -> SessionTokens:
        async with uow_factory() as uow:
            session = await sessions.issue(uow, user, clock.now())
            await uow.commit()
        return session

    return start


async def test_refresh_rotates_within_the_family(
    refresh: RefreshSession,
    add_user: AddUser,
    start_session: StartSession,
    store: MemoryStore,
    tokens: JwtTokenService,
    clock: FakeClock,
) -> None:
    user = await add_user("ann@example.com")
    first = await start_session(user)
    clock.advance(seconds=5)
    second = await refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert tokens.verify_access(second.access_token).user_id == user.id
    old = store.state.refresh_tokens
    by_hash = {t.token_hash: t for t in old.values()}
    rotated = by_hash[tokens.hash_refresh_token(first.refresh_token)]
    fresh = by_hash[tokens.hash_refresh_token(second.refresh_token)]
    assert rotated.rotated_at == clock.now() and rotated.revoked_at is None
    assert fresh.family_id == rotated.family_id and fresh.is_usable(clock.now())
    third = await refresh(second.refresh_token)
    assert third.user.id == user.id


async def test_reusing_a_rotated_token_revokes_every_token_of_the_user(
    refresh: RefreshSession, add_user: AddUser, start_session: StartSession, store: MemoryStore
) -> None:
    user = await add_user("ann@example.com")
    other_user = await add_user("bob@example.com")
    stolen = await start_session(user)
    other_device = await start_session(user)
    bystander = await start_session(other_user)
    legit = await refresh(stolen.refresh_token)
    with pytest.raises(NotAuthenticated):
        await refresh(stolen.refresh_token)
    assert all(t.revoked_at is not None for t in store.state.refresh_tokens.values() if t.user_id == user.id)
    for token in (legit.refresh_token, other_device.refresh_token):
        with pytest.raises(NotAuthenticated):
            await refresh(token)
    assert (await refresh(bystander.refresh_token)).user.id == other_user.id


async def test_refresh_refuses_unknown_expired_and_disabled(
    refresh: RefreshSession,
    add_user: AddUser,
    start_session: StartSession,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    with pytest.raises(NotAuthenticated):
        await refresh("not-a-token")
    user = await add_user("ann@example.com")
    expiring = await start_session(user)
    clock.advance(days=14)
    with pytest.raises(NotAuthenticated):
        await refresh(expiring.refresh_token)
    live = await start_session(user)
    async with uow_factory() as uow:
        stored = await uow.users.get(user.id)
        assert stored is not None
        stored.is_active = False
        await uow.users.update(stored)
        await uow.commit()
    with pytest.raises(NotAuthenticated):
        await refresh(live.refresh_token)


async def test_logout_revokes_the_session_only(
    log_out: LogOut, refresh: RefreshSession, add_user: AddUser, start_session
) -> None:
    user = await add_user("ann@example.com")
    phone = await start_session(user)
    laptop = await start_session(user)
    rotated = await refresh(phone.refresh_token)
    await log_out(rotated.refresh_token)
    await log_out(rotated.refresh_token)  # twice is the same as once
    await log_out("never-issued")
    with pytest.raises(NotAuthenticated):
        await refresh(rotated.refresh_token)
    assert (await refresh(laptop.refresh_token)).user.id == user.id


async def test_get_me_reads_the_account(uow_factory: UnitOfWorkFactory, add_user: AddUser) -> None:
    get_me = GetMe(uow_factory)
    active = await add_user("ann@example.com")
    inactive = await add_user("gone@example.com", is_active=False)
    assert (await get_me(active.id)).email.value == "ann@example.com"
    with pytest.raises(NotAuthenticated):
        await get_me(inactive.id)


async def test_update_me_changes_name_and_avatar(update_me: UpdateMe, add_user: AddUser, store: MemoryStore) -> None:
    user = await add_user("ann@example.com")
    changed = await update_me(
        UpdateMeCommand(user.id, name="  Ann B ", avatar="https://a.example/x.png", change_avatar=True)
    )
    assert (changed.name, changed.avatar) == ("Ann B", "https://a.example/x.png")
    kept = await update_me(UpdateMeCommand(user.id))
    assert (kept.name, kept.avatar) == ("Ann B", "https://a.example/x.png")
    cleared = await update_me(UpdateMeCommand(user.id, avatar=None, change_avatar=True))
    assert cleared.avatar is None and store.state.users[user.id].avatar is None


async def test_password_change_needs_the_current_password_and_revokes_refresh_tokens(
    update_me: UpdateMe, add_user: AddUser, start_session: StartSession, store: MemoryStore
) -> None:
    user = await add_user("ann@example.com", "old-password")
    await start_session(user)
    await start_session(user)
    with pytest.raises(InvalidCredentials):
        await update_me(UpdateMeCommand(user.id, password="new-password", current_password="wrong-password"))
    assert store.state.users[user.id].password_hash == "v1$old-password"
    assert all(t.revoked_at is None for t in store.state.refresh_tokens.values())
    await update_me(UpdateMeCommand(user.id, password="new-password", current_password="old-password"))
    assert store.state.users[user.id].password_hash == "v1$new-password"
    assert all(t.revoked_at is not None for t in store.state.refresh_tokens.values())


@pytest.mark.parametrize(
    "command_fields",
    [
        {"password": "new-password"},
        {"password": "short", "current_password": "old-password"},
        {"name": "   "},
    ],
)
async def test_update_me_refuses_invalid_changes(
    update_me: UpdateMe, add_user: AddUser, store: MemoryStore, command_fields: dict[str, str]
) -> None:
    user = await add_user("ann@example.com", "old-password")
    with pytest.raises(RuleViolated):
        await update_me(UpdateMeCommand(user.id, **command_fields))  # type: ignore[arg-type]
    stored = store.state.users[user.id]
    assert (stored.name, stored.password_hash) == ("Ann", "v1$old-password")


async def test_update_me_refuses_a_disabled_account(update_me: UpdateMe, add_user: AddUser) -> None:
    user = await add_user("gone@example.com", "old-password", is_active=False)
    with pytest.raises(NotAuthenticated):
        await update_me(UpdateMeCommand(user.id, name="New"))
    with pytest.raises(NotAuthenticated):
        await update_me(UpdateMeCommand(user.id, password="new-password", current_password="old-password"))
