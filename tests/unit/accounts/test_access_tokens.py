"""Access-token verification (adapters/security/jwt_tokens.py): the claims of a verified token are kept until it
expires, and keeping them changes no answer: expired, forged or foreign tokens are refused as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from uuid import uuid4

import jwt
import pytest

from lynriescoop.adapters.security import jwt_tokens
from lynriescoop.adapters.security.jwt_tokens import LEEWAY, JwtTokenService
from lynriescoop.domain.errors import NotAuthenticated
from lynriescoop.domain.users import Role

SECRET = "s" * 40


def service() -> JwtTokenService:
    return JwtTokenService(SECRET, issuer="lynriescoop-test", access_minutes=15)


def test_a_token_is_verified_once_then_answered_from_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = service()
    user = uuid4()
    token = tokens.issue_access(user, Role.USER, datetime.now(UTC)).token
    decodes: list[str] = []
    original = jwt.decode
    monkeypatch.setattr(jwt_tokens.jwt, "decode", lambda *a, **k: decodes.append("x") or original(*a, **k))
    first = tokens.verify_access(token)
    second = tokens.verify_access(token)
    assert first == second and first.user_id == user and first.role is Role.USER
    assert len(decodes) == 1


def test_a_kept_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = service()
    issued = datetime.now(UTC)
    token = tokens.issue_access(uuid4(), Role.USER, issued).token
    tokens.verify_access(token)
    expires = issued + timedelta(minutes=15)
    later = (expires + LEEWAY + timedelta(seconds=1)).timestamp()

    class Later(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Later:
            return cls.fromtimestamp(later, tz)

    monkeypatch.setattr(jwt_tokens.time, "time", lambda: later)  # the kept claims
    monkeypatch.setattr(jwt.api_jwt, "datetime", Later)  # PyJWT, once the kept claims are dropped
    with pytest.raises(NotAuthenticated, match="expired"):
        tokens.verify_access(token)


def test_forged_and_foreign_tokens_are_refused_every_time() -> None:
    tokens = service()
    token = tokens.issue_access(uuid4(), Role.MANAGER, datetime.now(UTC)).token
    tokens.verify_access(token)
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    foreign = JwtTokenService("t" * 40, issuer="lynriescoop-test", access_minutes=15).issue_access(
        uuid4(), Role.MANAGER, datetime.now(UTC)
    )
    for _ in range(2):
        for bad in (forged, foreign.token, token + "x"):
            with pytest.raises(NotAuthenticated):
                tokens.verify_access(bad)


def test_the_kept_tokens_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jwt_tokens, "VERIFIED_TOKENS", 3)
    tokens = service()
    now = datetime.now(UTC)
    issued = [tokens.issue_access(uuid4(), Role.USER, now).token for _ in range(5)]
    for token in issued:
        tokens.verify_access(token)
    assert list(tokens._verified) == issued[2:]
