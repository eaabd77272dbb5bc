"""How the contract (API.md) writes times and amounts: one place for every layer.

- A time is RFC 3339 in UTC with a ``Z``: ``2026-11-28T19:30:00Z`` (with microseconds only when it has some).
- An amount of money is a string with two decimal places: ``12.50``.

Hand-built bodies (the MQTT payloads and email rows, the placed booking's document, the domain's own error details)
use :func:`rfc3339` and :func:`money`. The HTTP response schemas hold times as ``datetime`` normalised by
:func:`utc`, which pydantic writes exactly as :func:`rfc3339` does (``tests/unit/test_formats.py`` holds the two
together), and amounts as :func:`money` strings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def utc(moment: datetime) -> datetime:
    """The same moment in UTC. A naive datetime is refused rather than guessed."""
    if moment.tzinfo is None:
        raise ValueError("a timestamp must be timezone-aware")
    return moment.astimezone(UTC)


def rfc3339(moment: datetime) -> str:
    """``2026-11-28T19:30:00Z``."""
    return utc(moment).isoformat().replace("+00:00", "Z")


def rfc3339_or_none(moment: datetime | None) -> str | None:
    return rfc3339(moment) if moment is not None else None


def parse_rfc3339(text: str) -> datetime:
    """The inverse of :func:`rfc3339` (any offset is accepted); a time without an offset is refused."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without offset: {text!r}")
    return moment


def money(amount: Decimal) -> str:
    """``12.50``: two places, half a cent rounded up (amounts are kept to the cent: nothing is rounded in practice)."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):f}"
