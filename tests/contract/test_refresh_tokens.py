"""The refresh token repository behaves the same in memory and in PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.users import RefreshToken, User
from lynriescoop.domain.values import EmailAddress

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


async def add_user(uow_factory: UnitOfWorkFactory, email: str) -> User:
    user = User(email=EmailAddress(email), name="Ann", password_hash="hash", created_at=T0)
    async with uow_factory() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


def make_token(user: User, token_hash: str, family_id: UUID | None = None) -> RefreshToken:
    return RefreshToken(
        user_id=user.id,
        token_hash=token_hash,
        family_id=family_id or uuid4(),
        created_at=T0,
        expires_at=T0 + timedelta(days=14),
    )


async def test_add_then_get_by_hash_round_trips_every_field(uow_factory: UnitOfWorkFactory) -> None:
    user = await add_user(uow_factory, "ann@example.com")
    token = make_token(user, "h1")
    async with uow_factory() as uow:
        await uow.refresh_tokens.add(token)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.refresh_tokens.get_by_hash("h1")
        missing = await uow.refresh_tokens.get_by_hash("nope")
    assert missing is None
    assert found is not None
    assert (found.id, found.user_id, found.token_hash, found.family_id) == (token.id, user.id, "h1", token.family_id)
    assert (found.created_at, found.expires_at, found.rotated_at, found.revoked_at) == (
        T0,
        T0 + timedelta(days=14),
        None,
        None,
    )


async def test_update_stores_rotated_and_revoked(uow_factory: UnitOfWorkFactory) -> None:
    user = await add_user(uow_factory, "bob@example.com")
    token = make_token(user, "h2")
    async with uow_factory() as uow:
        await uow.refresh_tokens.add(token)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.refresh_tokens.get_by_hash("h2")
        assert found is not None
        found.rotated_at = T0 + timedelta(minutes=1)
        found.revoked_at = T0 + timedelta(minutes=2)
        await uow.refresh_tokens.update(found)
        await uow.commit()
    async with uow_factory() as uow:
        again = await uow.refresh_tokens.get_by_hash("h2")
    assert again is not None
    assert (again.rotated_at, again.revoked_at) == (T0 + timedelta(minutes=1), T0 + timedelta(minutes=2))
    assert not again.is_usable(T0 + timedelta(minutes=3))


async def test_revoke_family_touches_only_live_tokens_of_that_family(uow_factory: UnitOfWorkFactory) -> None:
    user = await add_user(uow_factory, "carol@example.com")
    family, other_family = uuid4(), uuid4()
    earlier = T0 + timedelta(minutes=1)
    already = make_token(user, "a", family)
    already.revoked_at = earlier
    async with uow_factory() as uow:
        for token in (make_token(user, "f1", family), make_token(user, "f2", family), already):
            await uow.refresh_tokens.add(token)
        await uow.refresh_tokens.add(make_token(user, "o1", other_family))
        await uow.commit()
    now = T0 + timedelta(minutes=5)
    async with uow_factory() as uow:
        assert await uow.refresh_tokens.revoke_family(family, now) == 2
        await uow.commit()
    async with uow_factory() as uow:
        states = {h: await uow.refresh_tokens.get_by_hash(h) for h in ("f1", "f2", "a", "o1")}
    assert {h: t.revoked_at for h, t in states.items() if t} == {"f1": now, "f2": now, "a": earlier, "o1": None}


async def test_revoke_all_for_user_leaves_other_users_alone(uow_factory: UnitOfWorkFactory) -> None:
    ann = await add_user(uow_factory, "dave@example.com")
    bob = await add_user(uow_factory, "erin@example.com")
    async with uow_factory() as uow:
        await uow.refresh_tokens.add(make_token(ann, "a1"))
        await uow.refresh_tokens.add(make_token(ann, "a2"))
        await uow.refresh_tokens.add(make_token(bob, "b1"))
        await uow.commit()
    now = T0 + timedelta(hours=1)
    async with uow_factory() as uow:
        assert await uow.refresh_tokens.revoke_all_for_user(ann.id, now) == 2
        assert await uow.refresh_tokens.revoke_all_for_user(ann.id, now) == 0
        await uow.commit()
    async with uow_factory() as uow:
        a1, a2, b1 = [await uow.refresh_tokens.get_by_hash(h) for h in ("a1", "a2", "b1")]
    assert a1 is not None and a2 is not None and b1 is not None
    assert (a1.revoked_at, a2.revoked_at, b1.revoked_at) == (now, now, None)


async def test_leaving_without_commit_rolls_back(uow_factory: UnitOfWorkFactory) -> None:
    user = await add_user(uow_factory, "fay@example.com")
    async with uow_factory() as uow:
        await uow.refresh_tokens.add(make_token(user, "gone"))
    async with uow_factory() as uow:
        assert await uow.refresh_tokens.get_by_hash("gone") is None


async def test_purge_deletes_tokens_expired_or_revoked_before_a_moment(uow_factory: UnitOfWorkFactory) -> None:
    user = await add_user(uow_factory, "ann@example.com")
    cutoff = T0 + timedelta(days=20)
    tokens = {
        "expired before": (T0 + timedelta(days=19), None, None),
        "revoked before": (T0 + timedelta(days=40), T0 + timedelta(days=1), None),
        "expired after": (T0 + timedelta(days=21), None, None),
        "revoked after": (T0 + timedelta(days=40), T0 + timedelta(days=21), None),
        "rotated before, not expired": (T0 + timedelta(days=40), None, T0 + timedelta(days=1)),
    }
    async with uow_factory() as uow:
        for token_hash, (expires_at, revoked_at, rotated_at) in tokens.items():
            token = make_token(user, token_hash)
            token.expires_at, token.revoked_at, token.rotated_at = expires_at, revoked_at, rotated_at
            await uow.refresh_tokens.add(token)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.refresh_tokens.purge(cutoff) == 2
        await uow.commit()
    async with uow_factory() as uow:
        left = {h for h in tokens if await uow.refresh_tokens.get_by_hash(h, for_update=False) is not None}
    assert left == {"expired after", "revoked after", "rotated before, not expired"}
