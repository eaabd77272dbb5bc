"""The ticket code: its byte layout, the Ed25519 signer, key rotation, and the ticket's states."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from lynriescoop.adapters.security.ed25519_tickets import (
    Ed25519TicketSigner,
    Ed25519Verifier,
    generate_private_key,
    jwks,
    public_key_from_x,
)
from lynriescoop.domain.errors import AlreadyCheckedIn, InvalidTicket, TicketRevoked
from lynriescoop.domain.tickets import Ticket, TicketClaims, TicketStatus, decode_code

START = datetime(2026, 12, 5, 19, 30, tzinfo=UTC)


def claims_for(signer: Ed25519TicketSigner, label: str = "C7") -> TicketClaims:
    return TicketClaims(uuid4(), uuid4(), label, START, signer.key_id)


def test_a_code_is_base32_at_most_200_characters_and_round_trips() -> None:
    signer = Ed25519TicketSigner(generate_private_key())
    for label in ("A1", "ZZZ999"):
        claims = claims_for(signer, label)
        code = signer.sign(claims)
        assert len(code) <= 200 and set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        assert signer.verify(code) == claims


def test_the_layout_is_the_documented_one() -> None:
    """docs/tickets.md: version | key id | ticket id | showing id | start | label length | label | signature."""
    signer = Ed25519TicketSigner(generate_private_key())
    claims = claims_for(signer)
    raw = _raw(signer.sign(claims))
    assert raw[0] == 1
    assert raw[1:5].hex() == signer.key_id
    assert raw[5:21] == claims.ticket_id.bytes and raw[21:37] == claims.showing_id.bytes
    assert int.from_bytes(raw[37:41], "big") == int(START.timestamp())
    assert raw[41] == 2 and raw[42:44] == b"C7"
    assert len(raw) == 44 + 64
    public = public_key_from_x(signer.public_keys()[0].x)
    public.verify(raw[44:], raw[:44])  # raises when the signature does not cover exactly the payload


def _raw(code: str) -> bytes:
    return base64.b32decode(code + "=" * (-len(code) % 8))


def test_people_and_scanners_may_add_spaces_hyphens_and_lower_case() -> None:
    signer = Ed25519TicketSigner(generate_private_key())
    claims = claims_for(signer)
    code = signer.sign(claims)
    grouped = "-".join(code[i : i + 4] for i in range(0, len(code), 4)).lower()
    assert signer.verify(grouped) == claims
    assert signer.verify(f"  {code[:90]}\n{code[90:]} ") == claims


def test_a_forged_code_is_invalid() -> None:
    signer = Ed25519TicketSigner(generate_private_key())
    claims = claims_for(signer)
    raw = bytearray(_raw(signer.sign(claims)))
    raw[42:44] = b"D8"  # another seat, same signature
    forged = base64.b32encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(InvalidTicket, match="signature"):
        signer.verify(forged)


def test_a_code_of_another_key_is_invalid_and_names_no_secret() -> None:
    ours, theirs = Ed25519TicketSigner(generate_private_key()), Ed25519TicketSigner(generate_private_key())
    with pytest.raises(InvalidTicket, match="key"):
        ours.verify(theirs.sign(claims_for(theirs)))


@pytest.mark.parametrize("garbage", ["", "hello", "0189", "A" * 201, "AAAAAAAA", "MFRGG==="])
def test_garbled_codes_are_invalid(garbage: str) -> None:
    signer = Ed25519TicketSigner(generate_private_key())
    with pytest.raises(InvalidTicket):
        signer.verify(garbage)


def test_truncated_codes_are_invalid() -> None:
    signer = Ed25519TicketSigner(generate_private_key())
    code = signer.sign(claims_for(signer))
    for cut in (1, 8, 50, 120):
        with pytest.raises(InvalidTicket):
            signer.verify(code[:-cut])
    with pytest.raises(InvalidTicket):
        decode_code(code + "AAAAAAAA")


def test_rotation_keeps_tickets_of_previous_keys_valid() -> None:
    old = Ed25519TicketSigner(generate_private_key())
    old_code = old.sign(claims_for(old))
    new = Ed25519TicketSigner(generate_private_key(), [old.public_keys()[0].x])
    assert [k.kid for k in new.public_keys()] == [new.key_id, old.key_id]
    assert new.verify(old_code).key_id == old.key_id
    assert new.verify(new.sign(claims_for(new))).key_id == new.key_id
    retired = Ed25519TicketSigner(new_key := generate_private_key())
    assert retired.key_id != old.key_id and new_key
    with pytest.raises(InvalidTicket):
        retired.verify(old_code)


def test_the_jwk_set_verifies_alone_and_refuses_a_kid_that_lies() -> None:
    signer = Ed25519TicketSigner(generate_private_key())
    code = signer.sign(claims_for(signer))
    keys = jwks(signer.public_keys())
    assert keys["keys"][0] | {"x": "-"} == {
        "kid": signer.key_id,
        "kty": "OKP",
        "crv": "Ed25519",
        "x": "-",
        "use": "sig",
    }
    assert Ed25519Verifier.from_jwks(keys).verify(code).key_id == signer.key_id
    keys["keys"][0]["kid"] = "00000000"
    with pytest.raises(ValueError, match="kid"):
        Ed25519Verifier.from_jwks(keys)


def test_a_signer_signs_only_with_its_own_key_id() -> None:
    signer = Ed25519TicketSigner(generate_private_key())
    with pytest.raises(ValueError, match="another key"):
        signer.sign(TicketClaims(uuid4(), uuid4(), "A1", START, "00000000"))
    with pytest.raises(ValueError, match="TICKET_SIGNING_KEY"):
        Ed25519TicketSigner("short")


def _ticket() -> Ticket:
    return Ticket(uuid4(), uuid4(), uuid4(), "A1", "CODE", "00000000", START - timedelta(days=1))


def test_a_ticket_is_admitted_once() -> None:
    ticket = _ticket()
    ticket.check_in(START)
    assert (ticket.status, ticket.checked_in_at) == (TicketStatus.CHECKED_IN, START)
    with pytest.raises(AlreadyCheckedIn) as info:
        ticket.check_in(START + timedelta(minutes=1))
    assert info.value.extra["checked_in_at"] == "2026-12-05T19:30:00Z"
    assert ticket.checked_in_at == START


def test_a_revoked_ticket_admits_no_one_and_revoking_twice_changes_nothing() -> None:
    ticket = _ticket()
    assert ticket.revoke(START) and not ticket.revoke(START + timedelta(hours=1))
    assert ticket.revoked_at == START
    with pytest.raises(TicketRevoked):
        ticket.check_in(START)
