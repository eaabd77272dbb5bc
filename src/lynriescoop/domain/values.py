"""Value objects: frozen, slotted, self-validating."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_CENT = Decimal("0.01")
_MAX_AMOUNT = Decimal("100000")


@dataclass(frozen=True, slots=True)
class Money:
    """A non-negative amount with two decimal places in one currency."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise ValueError("amount must be a Decimal")
        if not self.amount.is_finite() or self.amount < 0 or self.amount >= _MAX_AMOUNT:
            raise ValueError("amount must be between 0 and 99999.99")
        if not re.fullmatch(r"[A-Z]{3}", self.currency):
            raise ValueError("currency must be a three-letter ISO code")
        object.__setattr__(self, "amount", self.amount.quantize(_CENT, rounding=ROUND_HALF_UP))

    @classmethod
    def of(cls, value: str | int | Decimal, currency: str) -> Money:
        try:
            return cls(Decimal(str(value)), currency)
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal amount: {value!r}") from exc

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal("0"), currency)

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError("cannot add amounts in different currencies")
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount:.2f}"


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
