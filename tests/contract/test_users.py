"""The user repository behaves the same in memory and in PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lynriescoop.application.ports.repositories import UserFilter
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import EmailTaken
from lynriescoop.domain.users import Role, User
from lynriescoop.domain.values import EmailAddress

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def make_user(email: str, *, name: str = "Ann", role: Role = Role.USER, minutes: int = 0) -> User:
    return User(
        email=EmailAddress(email),
        name=name,
        password_hash="hash",
        role=role,
        created_at=T0 + timedelta(minutes=minutes),
    )


async def test_add_then_get_round_trips_every_field(uow_factory: UnitOfWorkFactory) -> None:
    user = make_user("Ann@Example.com", role=Role.MANAGER)
    user.avatar = "https://example.com/a.png"
    async with uow_factory() as uow:
        await uow.users.add(user)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.users.get(user.id)
        by_email = await uow.users.get_by_email("ANN@example.com")
    assert found is not None and by_email is not None
    assert found.id == by_email.id == user.id
    assert (found.email.value, found.name, found.role, found.is_active, found.avatar) == (
        "ann@example.com",
        "Ann",
        Role.MANAGER,
        True,
        "https://example.com/a.png",
    )
    assert found.created_at == T0


async def test_email_is_unique_case_insensitively(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.users.add(make_user("bob@example.com"))
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(EmailTaken):
            await uow.users.add(make_user("BOB@example.com"))


async def test_leaving_without_commit_rolls_back(uow_factory: UnitOfWorkFactory) -> None:
    user = make_user("carol@example.com")
    async with uow_factory() as uow:
        await uow.users.add(user)
    async with uow_factory() as uow:
        assert await uow.users.get(user.id) is None


async def test_update_and_count_active_managers(uow_factory: UnitOfWorkFactory) -> None:
    first, second = make_user("m1@example.com", role=Role.MANAGER), make_user("m2@example.com", role=Role.MANAGER)
    async with uow_factory() as uow:
        await uow.users.add(first)
        await uow.users.add(second)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.users.count_active_managers() == 2
        second.is_active = False
        await uow.users.update(second)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.users.count_active_managers() == 1


async def test_list_filters_orders_and_pages(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        for i in range(5):
            await uow.users.add(make_user(f"user{i}@example.com", name=f"User {i}", minutes=i))
        await uow.users.add(make_user("boss@example.com", name="Boss", role=Role.MANAGER, minutes=10))
        await uow.commit()
    async with uow_factory() as uow:
        page = await uow.users.list(UserFilter(), limit=2, offset=1)
        managers = await uow.users.list(UserFilter(role=Role.MANAGER), limit=20, offset=0)
        search = await uow.users.list(UserFilter(q="USER 3"), limit=20, offset=0)
        wildcard = await uow.users.list(UserFilter(q="%"), limit=20, offset=0)
    assert page.total == 6 and [u.email.value for u in page.items] == ["user1@example.com", "user2@example.com"]
    assert [u.email.value for u in managers.items] == ["boss@example.com"]
    assert [u.email.value for u in search.items] == ["user3@example.com"]
    assert wildcard.total == 0


async def test_get_for_update_reads_the_same_user(uow_factory: UnitOfWorkFactory) -> None:
    user = User(email=EmailAddress("lock@example.com"), name="Lock", password_hash="h", created_at=datetime.now(UTC))
    async with uow_factory() as uow:
        await uow.users.add(user)
        await uow.commit()
    async with uow_factory() as uow:
        locked = await uow.users.get(user.id, for_update=True)
        plain = await uow.users.get(user.id)
    assert locked is not None and plain is not None
    assert (locked.id, locked.email.value, locked.password_hash) == (plain.id, "lock@example.com", "h")
