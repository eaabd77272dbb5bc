"""Registering and logging in, with throttling, on the in-memory adapters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lynriescoop.adapters.memory.store import MemoryStore
from lynriescoop.adapters.security.jwt_tokens import JwtTokenService
from lynriescoop.application.accounts.log_in import LogIn, LogInCommand
from lynriescoop.application.accounts.login_throttle import LoginThrottle, RegistrationThrottle
from lynriescoop.application.accounts.purge_account_records import PurgeAccountRecords
from lynriescoop.application.accounts.register_user import RegisterCommand, RegisterUser
from lynriescoop.application.accounts.sessions import SessionIssuer
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import AccountDisabled, EmailTaken, InvalidCredentials, RuleViolated, TooManyAttempts
from lynriescoop.domain.users import Role
from tests.unit.accounts.conftest import MAX_FAILURES, REGISTER_MAX, WINDOW_SECONDS, AddUser, FakeClock, FakeHasher


@pytest.fixture
def register(
    uow_factory: UnitOfWorkFactory, hasher: FakeHasher, sessions: SessionIssuer, clock: FakeClock
) -> RegisterUser:
    return RegisterUser(uow_factory, hasher, sessions, clock, RegistrationThrottle(REGISTER_MAX, WINDOW_SECONDS))


@pytest.fixture
def log_in(
    uow_factory: UnitOfWorkFactory,
    hasher: FakeHasher,
    sessions: SessionIssuer,
    throttle: LoginThrottle,
    clock: FakeClock,
) -> LogIn:
    return LogIn(uow_factory, hasher, sessions, throttle, clock)


async def test_register_creates_a_user_and_a_session(
    register: RegisterUser, store: MemoryStore, tokens: JwtTokenService
) -> None:
    session = await register(RegisterCommand(email="  Ann@Example.COM ", name=" Ann ", password="secret-123"))
    user = store.state.users[session.user.id]
    assert (user.email.value, user.name, user.role, user.is_active) == ("ann@example.com", "Ann", Role.USER, True)
    assert user.password_hash == "v1$secret-123"
    claims = tokens.verify_access(session.access_token)
    assert (claims.user_id, claims.role) == (user.id, Role.USER)
    assert session.expires_in == 15 * 60
    [stored] = store.state.refresh_tokens.values()
    assert stored.user_id == user.id
    assert stored.token_hash == tokens.hash_refresh_token(session.refresh_token) != session.refresh_token


async def test_register_refuses_a_taken_email_case_insensitively(register: RegisterUser, store: MemoryStore) -> None:
    await register(RegisterCommand(email="bob@example.com", name="Bob", password="secret-123"))
    with pytest.raises(EmailTaken):
        await register(RegisterCommand(email="BOB@example.com", name="Other Bob", password="secret-456"))
    assert len(store.state.users) == 1


@pytest.mark.parametrize(
    ("email", "name", "password"),
    [
        ("not-an-email", "Ann", "secret-123"),
        ("ann@example.com", "   ", "secret-123"),
        ("ann@example.com", "Ann", "short"),
        ("ann@example.com", "Ann", "x" * 129),
    ],
)
async def test_register_refuses_invalid_input(
    register: RegisterUser, store: MemoryStore, email: str, name: str, password: str
) -> None:
    with pytest.raises(RuleViolated):
        await register(RegisterCommand(email=email, name=name, password=password))
    assert store.state.users == {}


async def test_login_starts_a_new_session(
    log_in: LogIn, add_user: AddUser, store: MemoryStore, tokens: JwtTokenService
) -> None:
    user = await add_user("ann@example.com", "correct-horse")
    first = await log_in(LogInCommand(email="ANN@example.com ", password="correct-horse", client="10.0.0.1"))
    second = await log_in(LogInCommand(email="ann@example.com", password="correct-horse", client="10.0.0.1"))
    assert first.user.id == second.user.id == user.id
    assert tokens.verify_access(first.access_token).user_id == user.id
    families = {t.family_id for t in store.state.refresh_tokens.values()}
    assert len(store.state.refresh_tokens) == 2 and len(families) == 2


async def test_wrong_password_and_unknown_email_give_the_same_answer(
    log_in: LogIn, add_user: AddUser, hasher: FakeHasher, store: MemoryStore
) -> None:
    await add_user("ann@example.com", "correct-horse")
    with pytest.raises(InvalidCredentials) as wrong:
        await log_in(LogInCommand(email="ann@example.com", password="wrong-horse", client="10.0.0.1"))
    with pytest.raises(InvalidCredentials) as unknown:
        await log_in(LogInCommand(email="nobody@example.com", password="wrong-horse", client="10.0.0.1"))
    assert (wrong.value.code, wrong.value.detail) == (unknown.value.code, unknown.value.detail)
    # The same argon2 work either way: one real verification, one against the dummy hash.
    assert (hasher.verified, hasher.burned) == (1, 1)
    assert sorted(k for k, _ in store.state.login_attempts.values()) == [
        "client:10.0.0.1",
        "client:10.0.0.1",
        "email:ann@example.com",
        "email:nobody@example.com",
    ]
    assert store.state.refresh_tokens == {}


async def test_repeated_failures_for_one_email_are_throttled_even_with_the_right_password(
    log_in: LogIn, add_user: AddUser, clock: FakeClock
) -> None:
    await add_user("ann@example.com", "correct-horse")
    for i in range(MAX_FAILURES):
        with pytest.raises(InvalidCredentials):
            await log_in(LogInCommand(email="ann@example.com", password="wrong", client=f"10.0.0.{i}"))
        clock.advance(seconds=10)
    with pytest.raises(TooManyAttempts) as throttled:
        await log_in(LogInCommand(email="ann@example.com", password="correct-horse", client="10.9.9.9"))
    # The oldest failure leaves the window WINDOW_SECONDS after it happened, 30 s ago.
    assert throttled.value.retry_after == WINDOW_SECONDS - 30
    clock.advance(seconds=WINDOW_SECONDS - 30)
    session = await log_in(LogInCommand(email="ann@example.com", password="correct-horse", client="10.9.9.9"))
    assert session.user.email.value == "ann@example.com"


async def test_repeated_failures_from_one_client_are_throttled_across_emails(log_in: LogIn, add_user: AddUser) -> None:
    await add_user("victim@example.com", "correct-horse")
    for i in range(MAX_FAILURES):
        with pytest.raises(InvalidCredentials):
            await log_in(LogInCommand(email=f"guess{i}@example.com", password="wrong", client="203.0.113.7"))
    with pytest.raises(TooManyAttempts):
        await log_in(LogInCommand(email="victim@example.com", password="correct-horse", client="203.0.113.7"))
    # Another client is not affected.
    await log_in(LogInCommand(email="victim@example.com", password="correct-horse", client="198.51.100.1"))


async def test_throttled_attempts_are_not_counted(log_in: LogIn, add_user: AddUser, store: MemoryStore) -> None:
    await add_user("ann@example.com")
    for _ in range(MAX_FAILURES):
        with pytest.raises(InvalidCredentials):
            await log_in(LogInCommand(email="ann@example.com", password="wrong", client=None))
    for _ in range(3):
        with pytest.raises(TooManyAttempts):
            await log_in(LogInCommand(email="ann@example.com", password="wrong", client=None))
    assert len(store.state.login_attempts) == MAX_FAILURES


async def test_success_clears_the_email_failures_but_not_the_client_ones(
    log_in: LogIn, add_user: AddUser, store: MemoryStore
) -> None:
    await add_user("ann@example.com", "correct-horse")
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(InvalidCredentials):
            await log_in(LogInCommand(email="ann@example.com", password="wrong", client="10.0.0.1"))
    await log_in(LogInCommand(email="ann@example.com", password="correct-horse", client="10.0.0.1"))
    keys = [k for k, _ in store.state.login_attempts.values()]
    assert keys == ["client:10.0.0.1"] * (MAX_FAILURES - 1)


async def test_old_failures_are_pruned_by_the_purger(
    log_in: LogIn, store: MemoryStore, clock: FakeClock, uow_factory: UnitOfWorkFactory
) -> None:
    purge = PurgeAccountRecords(uow_factory, clock, timedelta(days=30), timedelta(seconds=WINDOW_SECONDS))
    with pytest.raises(InvalidCredentials):
        await log_in(LogInCommand(email="old@example.com", password="wrong", client=None))
    clock.advance(seconds=WINDOW_SECONDS + 1)
    with pytest.raises(InvalidCredentials):
        await log_in(LogInCommand(email="new@example.com", password="wrong", client=None))
    assert (await purge()).attempts == 1
    assert [k for k, _ in store.state.login_attempts.values()] == ["email:new@example.com"]


async def test_deactivated_account_is_refused_only_with_the_right_password(
    log_in: LogIn, add_user: AddUser, store: MemoryStore
) -> None:
    await add_user("gone@example.com", "correct-horse", is_active=False)
    with pytest.raises(InvalidCredentials):
        await log_in(LogInCommand(email="gone@example.com", password="wrong", client=None))
    with pytest.raises(AccountDisabled):
        await log_in(LogInCommand(email="gone@example.com", password="correct-horse", client=None))
    assert store.state.refresh_tokens == {}
    assert len(store.state.login_attempts) == 1  # only the wrong password counted


async def test_login_rehashes_when_the_parameters_changed(
    log_in: LogIn, add_user: AddUser, hasher: FakeHasher, store: MemoryStore
) -> None:
    user = await add_user("ann@example.com", "correct-horse")
    await log_in(LogInCommand(email="ann@example.com", password="correct-horse", client=None))
    assert store.state.users[user.id].password_hash == "v1$correct-horse" and hasher.hashed == []
    hasher.version = 2
    await log_in(LogInCommand(email="ann@example.com", password="correct-horse", client=None))
    assert store.state.users[user.id].password_hash == "v2$correct-horse"
    await log_in(LogInCommand(email="ann@example.com", password="correct-horse", client=None))
    assert hasher.hashed == ["correct-horse"]


async def test_retry_after_never_exceeds_the_window(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> None:
    throttle = RegistrationThrottle(max_per_client=1, window_seconds=WINDOW_SECONDS)
    keys = throttle.keys("10.0.0.1")
    async with uow_factory() as uow:
        # Recorded by a concurrent request whose clock read came a moment after this one's.
        await uow.login_attempts.add(keys[0], clock.now() + timedelta(seconds=2))
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(TooManyAttempts) as throttled:
            await throttle.reserve(uow, keys, clock.now())
    assert throttled.value.retry_after == WINDOW_SECONDS


async def test_registrations_are_throttled_per_client(register: RegisterUser, store: MemoryStore) -> None:
    for i in range(REGISTER_MAX):
        await register(RegisterCommand(email=f"u{i}@example.com", name="U", password="secret-123", client="10.0.0.9"))
    with pytest.raises(TooManyAttempts):
        await register(RegisterCommand(email="late@example.com", name="L", password="secret-123", client="10.0.0.9"))
    await register(RegisterCommand(email="other@example.com", name="O", password="secret-123", client="10.0.0.8"))
    await register(RegisterCommand(email="nobody@example.com", name="N", password="secret-123"))  # no address known
    assert len(store.state.users) == REGISTER_MAX + 2
