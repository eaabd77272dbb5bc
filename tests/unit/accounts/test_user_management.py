"""Listing and changing users, the create-manager command and the demo accounts, on the in-memory adapters."""

from __future__ import annotations

from uuid import uuid4

import pytest

from lynriescoop.adapters.memory.store import MemoryStore
from lynriescoop.application.accounts.ensure_manager import EnsureManager, EnsureManagerCommand
from lynriescoop.application.accounts.list_users import ListUsers, ListUsersQuery
from lynriescoop.application.accounts.seed_demo_users import SeedDemoUsers
from lynriescoop.application.accounts.sessions import SessionIssuer
from lynriescoop.application.accounts.update_user import UpdateUser, UpdateUserCommand
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import LastManager, UserNotFound
from lynriescoop.domain.users import Role, User
from tests.unit.accounts.conftest import AddUser, FakeClock, FakeHasher


@pytest.fixture
def update_user(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> UpdateUser:
    return UpdateUser(uow_factory, clock)


@pytest.fixture
def ensure_manager(uow_factory: UnitOfWorkFactory, hasher: FakeHasher, clock: FakeClock) -> EnsureManager:
    return EnsureManager(uow_factory, hasher, clock)


async def give_session(uow_factory: UnitOfWorkFactory, sessions: SessionIssuer, clock: FakeClock, user: User) -> None:
    async with uow_factory() as uow:
        await sessions.issue(uow, user, clock.now())
        await uow.commit()


def live_tokens(store: MemoryStore, user: User) -> int:
    return sum(1 for t in store.state.refresh_tokens.values() if t.user_id == user.id and t.revoked_at is None)


async def test_list_users_filters_and_pages(uow_factory: UnitOfWorkFactory, add_user: AddUser) -> None:
    await add_user("ann@example.com")
    await add_user("bob@example.com", role=Role.MANAGER)
    await add_user("carol@example.com", is_active=False)
    list_users = ListUsers(uow_factory)
    everyone = await list_users(ListUsersQuery())
    assert [u.email.value for u in everyone.items] == ["ann@example.com", "bob@example.com", "carol@example.com"]
    assert (await list_users(ListUsersQuery(role=Role.MANAGER))).total == 1
    assert [u.email.value for u in (await list_users(ListUsersQuery(is_active=False))).items] == ["carol@example.com"]
    assert [u.email.value for u in (await list_users(ListUsersQuery(q="  CAR "))).items] == ["carol@example.com"]
    page = await list_users(ListUsersQuery(limit=1, offset=1))
    assert (page.total, page.limit, page.offset, [u.email.value for u in page.items]) == (3, 1, 1, ["bob@example.com"])


async def test_changing_role_or_active_flag_revokes_refresh_tokens(
    update_user: UpdateUser,
    add_user: AddUser,
    uow_factory: UnitOfWorkFactory,
    sessions: SessionIssuer,
    clock: FakeClock,
    store: MemoryStore,
) -> None:
    await add_user("boss@example.com", role=Role.MANAGER)
    ann = await add_user("ann@example.com")
    await give_session(uow_factory, sessions, clock, ann)
    promoted = await update_user(UpdateUserCommand(ann.id, role=Role.MANAGER))
    assert promoted.role is Role.MANAGER and store.state.users[ann.id].role is Role.MANAGER
    assert live_tokens(store, ann) == 0
    await give_session(uow_factory, sessions, clock, ann)
    disabled = await update_user(UpdateUserCommand(ann.id, is_active=False))
    assert not disabled.is_active and not store.state.users[ann.id].is_active
    assert live_tokens(store, ann) == 0


async def test_a_request_that_changes_nothing_revokes_nothing(
    update_user: UpdateUser,
    add_user: AddUser,
    uow_factory: UnitOfWorkFactory,
    sessions: SessionIssuer,
    clock: FakeClock,
    store: MemoryStore,
) -> None:
    ann = await add_user("ann@example.com")
    await give_session(uow_factory, sessions, clock, ann)
    same = await update_user(UpdateUserCommand(ann.id, role=Role.USER, is_active=True))
    assert (same.role, same.is_active) == (Role.USER, True)
    assert live_tokens(store, ann) == 1


async def test_the_last_active_manager_cannot_be_demoted_or_deactivated(
    update_user: UpdateUser, add_user: AddUser, store: MemoryStore
) -> None:
    boss = await add_user("boss@example.com", role=Role.MANAGER)
    await add_user("retired@example.com", role=Role.MANAGER, is_active=False)
    with pytest.raises(LastManager):
        await update_user(UpdateUserCommand(boss.id, role=Role.USER))
    with pytest.raises(LastManager):
        await update_user(UpdateUserCommand(boss.id, is_active=False))
    assert store.state.users[boss.id].is_manager
    second = await add_user("second@example.com", role=Role.MANAGER)
    demoted = await update_user(UpdateUserCommand(boss.id, role=Role.USER))
    assert demoted.role is Role.USER
    with pytest.raises(LastManager):
        await update_user(UpdateUserCommand(second.id, is_active=False))


async def test_an_unknown_user_is_not_found(update_user: UpdateUser) -> None:
    with pytest.raises(UserNotFound):
        await update_user(UpdateUserCommand(uuid4(), role=Role.MANAGER))


async def test_ensure_manager_creates_a_manager(ensure_manager: EnsureManager, store: MemoryStore) -> None:
    outcome = await ensure_manager(EnsureManagerCommand("Boss@Example.com", "The Boss", "boss-password"))
    assert outcome == "created manager boss@example.com"
    [user] = store.state.users.values()
    assert (user.email.value, user.name, user.role, user.is_active, user.password_hash) == (
        "boss@example.com",
        "The Boss",
        Role.MANAGER,
        True,
        "v1$boss-password",
    )


async def test_ensure_manager_promotes_or_reactivates_and_keeps_the_password(
    ensure_manager: EnsureManager,
    add_user: AddUser,
    store: MemoryStore,
    uow_factory: UnitOfWorkFactory,
    sessions: SessionIssuer,
    clock: FakeClock,
) -> None:
    ann = await add_user("ann@example.com", "ann-password")
    await give_session(uow_factory, sessions, clock, ann)
    outcome = await ensure_manager(EnsureManagerCommand("ann@example.com", "Other Name", "other-password"))
    assert outcome == "promoted ann@example.com to manager"
    stored = store.state.users[ann.id]
    assert (stored.role, stored.name, stored.password_hash) == (Role.MANAGER, "Ann", "v1$ann-password")
    assert live_tokens(store, ann) == 0
    assert await ensure_manager(EnsureManagerCommand("ann@example.com", "Ann", "ann-password")) == (
        "ann@example.com is already a manager"
    )
    old = await add_user("old@example.com", role=Role.MANAGER, is_active=False)
    assert await ensure_manager(EnsureManagerCommand("old@example.com", "Old", "old-password")) == (
        "reactivated old@example.com"
    )
    assert store.state.users[old.id].is_manager


@pytest.mark.parametrize(
    ("email", "name", "password"),
    [("not-an-email", "Boss", "boss-password"), ("b@example.com", " ", "boss-password"), ("b@example.com", "B", "x")],
)
async def test_ensure_manager_refuses_invalid_input(
    ensure_manager: EnsureManager, store: MemoryStore, email: str, name: str, password: str
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the command line prints whichever message it is
        await ensure_manager(EnsureManagerCommand(email, name, password))
    assert store.state.users == {}


async def test_seed_demo_users_is_idempotent_and_leaves_existing_accounts_alone(
    uow_factory: UnitOfWorkFactory, hasher: FakeHasher, clock: FakeClock, add_user: AddUser, store: MemoryStore
) -> None:
    taken = await add_user("customer@lynriescoop.local", "my-own-password", role=Role.USER)
    seed = SeedDemoUsers(uow_factory, hasher, clock)
    lines = await seed()
    assert lines == [
        "demo manager: manager@lynriescoop.local / manager-demo-123 (created)",
        "demo staff: door@lynriescoop.local / door-demo-123 (created)",
        "demo user: customer@lynriescoop.local / customer-demo-123 (already present, left unchanged)",
    ]
    assert store.state.users[taken.id].password_hash == "v1$my-own-password"
    manager = next(u for u in store.state.users.values() if u.email.value == "manager@lynriescoop.local")
    assert (manager.role, manager.password_hash) == (Role.MANAGER, "v1$manager-demo-123")
    door = next(u for u in store.state.users.values() if u.email.value == "door@lynriescoop.local")
    assert (door.role, door.password_hash) == (Role.STAFF, "v1$door-demo-123")
    again = await seed()
    assert all(line.endswith("(already present, left unchanged)") for line in again)
    assert len(store.state.users) == 3
