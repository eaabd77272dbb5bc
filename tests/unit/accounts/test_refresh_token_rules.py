"""The refresh token decides whether it may be used, and why not (RefreshSession acts on the answer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from lynriescoop.domain.users import RefreshToken, RefreshTokenState

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _token(**changes: datetime) -> RefreshToken:
    token = RefreshToken(uuid4(), "hash", uuid4(), created_at=T0, expires_at=T0 + timedelta(days=1))
    for name, value in changes.items():
        setattr(token, name, value)
    return token


def test_a_fresh_token_is_usable_until_it_expires() -> None:
    token = _token()
    assert token.state(T0) is RefreshTokenState.USABLE and token.is_usable(T0)
    assert token.state(T0 + timedelta(days=1)) is RefreshTokenState.EXPIRED
    assert not token.is_usable(T0 + timedelta(days=1))


def test_revoked_wins_over_rotated_and_expired_and_rotated_over_expired() -> None:
    late = T0 + timedelta(days=2)
    assert _token(revoked_at=T0, rotated_at=T0).state(late) is RefreshTokenState.REVOKED
    assert _token(rotated_at=T0).state(late) is RefreshTokenState.ROTATED
    assert _token(rotated_at=T0).state(T0) is RefreshTokenState.ROTATED


def test_rotating_uses_the_token_once() -> None:
    token = _token()
    token.rotate(T0 + timedelta(minutes=1))
    assert token.rotated_at == T0 + timedelta(minutes=1)
    assert token.state(T0 + timedelta(minutes=2)) is RefreshTokenState.ROTATED
    with pytest.raises(ValueError, match="rotated"):
        token.rotate(T0 + timedelta(minutes=2))
    with pytest.raises(ValueError, match="expired"):
        _token().rotate(T0 + timedelta(days=1))
