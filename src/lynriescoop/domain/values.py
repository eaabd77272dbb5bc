"""Value objects: frozen, slotted, self-validating."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SeatLabel:
    """The printed name of a seat: row label followed by seat number, e.g. ``C7``."""

    row: str
    number: int

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Z]{1,3}", self.row):
            raise ValueError("a row label is 1 to 3 capital letters")
        if not 1 <= self.number <= 999:
            raise ValueError("a seat number is between 1 and 999")

    def __str__(self) -> str:
        return f"{self.row}{self.number}"

    @staticmethod
    def sort_key(label: str) -> tuple[int, str, int]:
        """Seat order for a printed label: row A before row AA, seat 2 before seat 10."""
        row = label.rstrip("0123456789")
        number = label[len(row) :]
        return (len(row), row, int(number) if number.isdigit() else 0)


CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BOOKING_NUMBER_LENGTH = 8


@dataclass(frozen=True, slots=True)
class BookingNumber:
    """Eight Crockford base32 characters (no I, L, O, U): easy to read aloud."""

    value: str

    def __post_init__(self) -> None:
        if len(self.value) != BOOKING_NUMBER_LENGTH or any(c not in CROCKFORD_ALPHABET for c in self.value):
            raise ValueError("a booking number is 8 Crockford base32 characters")

    @classmethod
    def generate(cls) -> BookingNumber:
        return cls("".join(secrets.choice(CROCKFORD_ALPHABET) for _ in range(BOOKING_NUMBER_LENGTH)))

    def __str__(self) -> str:
        return self.value


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class EmailAddress:
    """An email address, normalised: trimmed and lower-cased, so that it compares case-insensitively."""

    value: str

    def __post_init__(self) -> None:
        normalised = self.value.strip().lower()
        if len(normalised) > 254 or not _EMAIL_RE.match(normalised):
            raise ValueError("not a valid email address")
        object.__setattr__(self, "value", normalised)

    def __str__(self) -> str:
        return self.value
