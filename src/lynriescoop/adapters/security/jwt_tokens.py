"""JWT access tokens (PyJWT) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from lynriescoop.application.ports.security import AccessClaims, IssuedToken, TokenService
from lynriescoop.domain.errors import NotAuthenticated
from lynriescoop.domain.users import Role

ACCESS_TYPE = "access"
LEEWAY = timedelta(seconds=30)
# Access tokens verified lately, kept with their claims: about 1 KB each.
VERIFIED_TOKENS = 4096


class JwtTokenService(TokenService):
    """HS256 by default. Decoding names the one allowed algorithm, requires every claim, checks ``iss`` and
    ``typ``, and allows at most :data:`LEEWAY` of clock skew.

    A verified token's claims are kept (the :data:`VERIFIED_TOKENS` most recent, least recently used dropped
    first) until the token expires: verifying the same bytes again can only give the same answer until then, and
    a customer's every request carries the same token. Expiry is checked on every use."""

    def __init__(self, secret: str, *, issuer: str, access_minutes: int, algorithm: str = "HS256") -> None:
        if len(secret) < 32:
            raise ValueError("the JWT secret must be at least 32 characters")
        self._secret = secret
        self._issuer = issuer
        self._lifetime = timedelta(minutes=access_minutes)
        self._algorithm = algorithm
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()

    def issue_access(self, user_id: UUID, role: Role, now: datetime) -> IssuedToken:
        expires = now + self._lifetime
        claims = {
            "sub": str(user_id),
            "role": role.value,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": uuid.uuid4().hex,
            "iss": self._issuer,
            "typ": ACCESS_TYPE,
        }
        token = jwt.encode(claims, self._secret, algorithm=self._algorithm)
        return IssuedToken(token=token, expires_in=int(self._lifetime.total_seconds()))

    def verify_access(self, token: str) -> AccessClaims:
        known = self._verified.get(token)
        if known is not None:
            if time.time() < (known.expires_at + LEEWAY).timestamp():
                self._verified.move_to_end(token)
                return known
            del self._verified[token]
        claims = self._decode(token)
        self._verified[token] = claims
        if len(self._verified) > VERIFIED_TOKENS:
            self._verified.popitem(last=False)
        return claims

    def _decode(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self._algorithm],
                issuer=self._issuer,
                leeway=LEEWAY,
                options={"require": ["sub", "role", "exp", "iat", "jti", "iss", "typ"]},
            )
            if claims["typ"] != ACCESS_TYPE:
                raise NotAuthenticated("Not an access token.")
            return AccessClaims(
                user_id=UUID(str(claims["sub"])),
                role=Role(claims["role"]),
                token_id=str(claims["jti"]),
                issued_at=datetime.fromtimestamp(int(claims["iat"]), UTC),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            )
        except jwt.ExpiredSignatureError as exc:
            raise NotAuthenticated("The access token has expired.") from exc
        except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
            raise NotAuthenticated("The access token is invalid.") from exc

    def new_refresh_token(self) -> str:
        return secrets.token_urlsafe(32)

    def hash_refresh_token(self, token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
