"""Tickets: one per seat of a confirmed booking, admitted once at the door with a signed code (API.md §11).

The code's byte layout lives here, because it is part of the contract (docs/tickets.md) and has no dependency:

    payload   = version (1 byte, 0x01)
              | key id (4 bytes: the first 4 bytes of SHA-256 over the raw 32-byte Ed25519 public key)
              | ticket id (16 bytes, UUID big-endian)
              | showing id (16 bytes)
              | showing start (4 bytes, unsigned big-endian Unix seconds, UTC)
              | seat label length (1 byte, 1..16) | seat label (ASCII)
    signature = Ed25519 over ``payload`` (64 bytes)
    code      = RFC 4648 base32 of ``payload | signature``, upper case, without ``=`` padding

Signing and verifying are a port (``TicketSigner``); this module only packs and unpacks.
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID, uuid4

from lynriescoop.domain.errors import AlreadyCheckedIn, InvalidTicket, TicketRevoked
from lynriescoop.domain.formats import rfc3339

CODE_VERSION = 1
KEY_ID_BYTES = 4
SIGNATURE_BYTES = 64
MAX_LABEL_BYTES = 16
MAX_CODE_LENGTH = 200
_FIXED = 1 + KEY_ID_BYTES + 16 + 16 + 4 + 1
_SEPARATORS = re.compile(r"[\s\-]+")


class TicketStatus(enum.StrEnum):
    VALID = "valid"
    CHECKED_IN = "checked_in"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class TicketClaims:
    """What a code says, and what its signature vouches for."""

    ticket_id: UUID
    showing_id: UUID
    seat_label: str
    start_time: datetime
    key_id: str  # 8 lower-case hex digits

    def payload(self) -> bytes:
        """The signed bytes (see the module docstring)."""
        label = self.seat_label.encode("ascii")
        if not 1 <= len(label) <= MAX_LABEL_BYTES:
            raise ValueError(f"a seat label on a ticket has 1 to {MAX_LABEL_BYTES} characters")
        key_id = bytes.fromhex(self.key_id)
        if len(key_id) != KEY_ID_BYTES:
            raise ValueError("a key id is 4 bytes")
        seconds = int(self.start_time.astimezone(UTC).timestamp())
        return (
            bytes([CODE_VERSION])
            + key_id
            + self.ticket_id.bytes
            + self.showing_id.bytes
            + seconds.to_bytes(4, "big")
            + bytes([len(label)])
            + label
        )


@dataclass(frozen=True, slots=True)
class SignedCode:
    """A code taken apart: its claims, the exact signed bytes and the signature (not yet verified)."""

    claims: TicketClaims
    payload: bytes
    signature: bytes


def encode_code(payload: bytes, signature: bytes) -> str:
    if len(signature) != SIGNATURE_BYTES:
        raise ValueError("an Ed25519 signature has 64 bytes")
    code = base64.b32encode(payload + signature).decode("ascii").rstrip("=")
    if len(code) > MAX_CODE_LENGTH:
        raise ValueError("a ticket code would exceed 200 characters")
    return code


def normalize_code(text: str) -> str:
    """What a person or a scanner may add is dropped: spaces, line breaks, hyphens between groups, lower case."""
    return _SEPARATORS.sub("", text).upper()


def decode_code(text: str) -> SignedCode:
    """Unpack a code without checking its signature. Anything garbled is InvalidTicket."""
    code = normalize_code(text)
    if not code or len(code) > MAX_CODE_LENGTH or not re.fullmatch(r"[A-Z2-7]+", code):
        raise InvalidTicket("The code is not a ticket code.")
    try:
        raw = base64.b32decode(code + "=" * (-len(code) % 8))
    except (binascii.Error, ValueError) as exc:
        raise InvalidTicket("The code is not a ticket code.") from exc
    if len(raw) < _FIXED + 1 + SIGNATURE_BYTES or raw[0] != CODE_VERSION:
        raise InvalidTicket("The code is not a ticket code of a known version.")
    label_length = raw[_FIXED - 1]
    end = _FIXED + label_length
    if not 1 <= label_length <= MAX_LABEL_BYTES or len(raw) != end + SIGNATURE_BYTES:
        raise InvalidTicket("The code is garbled.")
    try:
        label = raw[_FIXED:end].decode("ascii")
    except UnicodeDecodeError as exc:
        raise InvalidTicket("The code is garbled.") from exc
    claims = TicketClaims(
        ticket_id=UUID(bytes=raw[5:21]),
        showing_id=UUID(bytes=raw[21:37]),
        seat_label=label,
        start_time=datetime.fromtimestamp(int.from_bytes(raw[37:41], "big"), UTC),
        key_id=raw[1:5].hex(),
    )
    return SignedCode(claims, raw[:end], raw[end:])


@dataclass(eq=False, slots=True)
class Ticket:
    """One seat of a confirmed booking. ``valid`` -> ``checked_in`` (once) ; ``valid``/``checked_in`` -> ``revoked``
    when the booking is cancelled."""

    booking_id: UUID
    showing_id: UUID
    seat_id: UUID
    seat_label: str
    code: str
    key_id: str
    issued_at: datetime
    status: TicketStatus = TicketStatus.VALID
    checked_in_at: datetime | None = None
    revoked_at: datetime | None = None
    id: UUID = field(default_factory=uuid4)

    def check_in(self, at: datetime) -> None:
        """Admit the holder once: a second scan is AlreadyCheckedIn (with the first time), a revoked one refused."""
        if self.status is TicketStatus.REVOKED:
            raise TicketRevoked()
        if self.status is TicketStatus.CHECKED_IN:
            raise already_checked_in(self.checked_in_at or at)
        self.status = TicketStatus.CHECKED_IN
        self.checked_in_at = at

    def revoke(self, at: datetime) -> bool:
        """Returns False when it was already revoked."""
        if self.status is TicketStatus.REVOKED:
            return False
        self.status = TicketStatus.REVOKED
        self.revoked_at = at
        return True


def already_checked_in(at: datetime) -> AlreadyCheckedIn:
    stamp = rfc3339(at)
    return AlreadyCheckedIn(f"This ticket was checked in at {stamp}.", checked_in_at=stamp)
