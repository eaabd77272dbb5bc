"""Ed25519 ticket codes (library ``cryptography``): the ``TicketSigner`` adapter and the offline verifier.

Keys are raw 32-byte Ed25519 keys written as base64url without padding: ``TICKET_SIGNING_KEY`` is the private key
(the 32-byte seed), ``TICKET_PREVIOUS_KEYS`` lists the public keys (the JWK ``x``) of retired signing keys whose
tickets are still valid. A key's id is the first 4 bytes of SHA-256 over its raw public key, in hex.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from lynriescoop.application.ports.tickets import PublicKey, TicketSigner
from lynriescoop.domain.errors import InvalidTicket
from lynriescoop.domain.tickets import TicketClaims, decode_code, encode_code


class TicketKeyError(ValueError):
    """A configured key cannot be used; the message is one line and never shows the key."""


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64url(text: str, what: str) -> bytes:
    value = text.strip()
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TicketKeyError(f"{what} is not base64url") from exc
    if len(raw) != 32:
        raise TicketKeyError(f"{what} must be 32 bytes (base64url, 43 characters)")
    return raw


def generate_private_key() -> str:
    """A new signing key as ``TICKET_SIGNING_KEY`` expects it."""
    return b64url(secrets.token_bytes(32))


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id_of(raw_public_key: bytes) -> str:
    return hashlib.sha256(raw_public_key).digest()[:4].hex()


def public_key_from_x(x: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_unb64url(x, "a ticket public key"))


class Ed25519Verifier:
    """Verifies codes against a set of public keys, by key id. Needs no database and no network."""

    def __init__(self, keys: Iterable[Ed25519PublicKey]) -> None:
        self._keys: dict[str, Ed25519PublicKey] = {}
        for key in keys:
            self._keys.setdefault(key_id_of(raw_public(key)), key)

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def verify(self, code: str) -> TicketClaims:
        signed = decode_code(code)
        key = self._keys.get(signed.claims.key_id)
        if key is None:
            raise InvalidTicket("The code is signed with a key this cinema does not accept.")
        try:
            key.verify(signed.signature, signed.payload)
        except InvalidSignature as exc:
            raise InvalidTicket("The code's signature is wrong.") from exc
        return signed.claims

    @classmethod
    def from_jwks(cls, jwks: Mapping[str, Any]) -> Ed25519Verifier:
        """From a saved ``GET /tickets/keys`` answer; keys that are not Ed25519 are ignored."""
        keys = []
        for jwk in jwks.get("keys", []):
            if isinstance(jwk, Mapping) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
                key = public_key_from_x(str(jwk.get("x", "")))
                if jwk.get("kid") not in (None, key_id_of(raw_public(key))):
                    raise TicketKeyError(f"key {jwk.get('kid')!r}: its kid does not match its x")
                keys.append(key)
        return cls(keys)


class Ed25519TicketSigner(TicketSigner):
    """Implements ``TicketSigner``: signs with ``private_key``, verifies with it and ``previous_public_keys``."""

    def __init__(self, private_key: str, previous_public_keys: Sequence[str] = ()) -> None:
        self._private = Ed25519PrivateKey.from_private_bytes(_unb64url(private_key, "TICKET_SIGNING_KEY"))
        current = self._private.public_key()
        previous = [public_key_from_x(x) for x in previous_public_keys]
        self._key_id = key_id_of(raw_public(current))
        self._verifier = Ed25519Verifier([current, *previous])
        self._public = [PublicKey(key_id_of(raw_public(k)), b64url(raw_public(k))) for k in [current, *previous]]
        # A previous key equal to the current one is listed once.
        self._public = list({k.kid: k for k in self._public}.values())

    @property
    def key_id(self) -> str:
        return self._key_id

    def sign(self, claims: TicketClaims) -> str:
        if claims.key_id != self._key_id:
            raise ValueError("claims name another key than the signing key")
        payload = claims.payload()
        return encode_code(payload, self._private.sign(payload))

    def verify(self, code: str) -> TicketClaims:
        return self._verifier.verify(code)

    def public_keys(self) -> Sequence[PublicKey]:
        return list(self._public)


def jwks(keys: Sequence[PublicKey]) -> dict[str, list[dict[str, str]]]:
    """The JWK set of ``GET /tickets/keys``."""
    return {"keys": [{"kid": k.kid, "kty": "OKP", "crv": "Ed25519", "x": k.x, "use": "sig"} for k in keys]}


@dataclass(frozen=True, slots=True)
class OfflineVerdict:
    valid: bool
    reason: str  # "valid", "revoked" or an InvalidTicket detail
    claims: TicketClaims | None = None


def verify_offline(code: str, keys: Mapping[str, Any], revoked: Mapping[str, Any] | None = None) -> OfflineVerdict:
    """Check a ticket code with no database: its signature against a saved ``GET /tickets/keys`` answer, and its
    ticket id against a saved retained ``tickets/revoked/{showing_id}`` message of its showing (when given).

    A valid verdict says the cinema issued this ticket and had not revoked it when the list was saved; it cannot
    say whether another door admitted the same code already (see SECURITY.md).
    """
    try:
        claims = Ed25519Verifier.from_jwks(keys).verify(code)
    except InvalidTicket as error:
        return OfflineVerdict(False, error.detail)
    if revoked is not None and _listed(revoked, claims):
        return OfflineVerdict(False, "revoked", claims)
    return OfflineVerdict(True, "valid", claims)


def _listed(revoked: Mapping[str, Any], claims: TicketClaims) -> bool:
    """The ticket is in a ``tickets/revoked`` message of its own showing."""
    if str(revoked.get("showing_id")) != str(claims.showing_id):
        return False
    return str(claims.ticket_id) in {str(t) for t in revoked.get("ticket_ids", [])}
