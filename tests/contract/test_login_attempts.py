"""The login attempt repository behaves the same in memory and in PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lynriescoop.application.ports.repositories import AttemptWindow
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def test_window_counts_one_key_since_a_moment(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        for minutes in (0, 1, 2, 3):
            await uow.login_attempts.add("email:ann@example.com", at(minutes))
        await uow.login_attempts.add("client:10.0.0.1", at(2))
        await uow.commit()
    async with uow_factory() as uow:
        # A failure exactly at ``since`` has left the window.
        assert await uow.login_attempts.window("email:ann@example.com", at(1)) == AttemptWindow(2, at(2))
        assert await uow.login_attempts.window("email:ann@example.com", at(-1)) == AttemptWindow(4, at(0))
        assert await uow.login_attempts.window("client:10.0.0.1", at(0)) == AttemptWindow(1, at(2))
        assert await uow.login_attempts.window("email:nobody@example.com", at(0)) == AttemptWindow(0, None)


async def test_clear_forgets_one_key_only(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.login_attempts.add("email:a@example.com", at(0))
        await uow.login_attempts.add("email:a@example.com", at(1))
        await uow.login_attempts.add("email:b@example.com", at(1))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.login_attempts.clear("email:a@example.com")
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.login_attempts.window("email:a@example.com", at(-1))).count == 0
        assert (await uow.login_attempts.window("email:b@example.com", at(-1))).count == 1


async def test_prune_deletes_old_failures_of_every_key(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.login_attempts.add("email:a@example.com", at(0))
        await uow.login_attempts.add("client:10.0.0.1", at(1))
        await uow.login_attempts.add("client:10.0.0.1", at(10))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.login_attempts.prune(at(5)) == 2
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.login_attempts.window("email:a@example.com", at(-60)) == AttemptWindow(0, None)
        assert await uow.login_attempts.window("client:10.0.0.1", at(-60)) == AttemptWindow(1, at(10))


async def test_leaving_without_commit_rolls_back(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.login_attempts.add("email:x@example.com", at(0))
    async with uow_factory() as uow:
        assert (await uow.login_attempts.window("email:x@example.com", at(-1))).count == 0


async def test_add_returns_ids_that_remove_takes_back(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.login_attempts.lock(["email:a@example.com", "client:10.0.0.1"])
        first = await uow.login_attempts.add("email:a@example.com", at(0))
        second = await uow.login_attempts.add("email:a@example.com", at(1))
        other = await uow.login_attempts.add("client:10.0.0.1", at(1))
        await uow.commit()
    assert len({first, second, other}) == 3
    async with uow_factory() as uow:
        await uow.login_attempts.remove([second, other])
        await uow.login_attempts.remove([])
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.login_attempts.window("email:a@example.com", at(-1)) == AttemptWindow(1, at(0))
        assert (await uow.login_attempts.window("client:10.0.0.1", at(-1))).count == 0
