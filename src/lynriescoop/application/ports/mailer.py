"""The mailer port: sends the customer emails of API.md §9."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from lynriescoop.domain.events import BookingEmailDetails


class BookingEmailKind(enum.StrEnum):
    CONFIRMED = "booking_confirmed"
    CANCELLED = "booking_cancelled"


@dataclass(frozen=True, slots=True)
class BookingEmail:
    """One email to one customer about one booking, with everything it shows captured at the time of the change."""

    kind: BookingEmailKind
    booking_id: UUID
    details: BookingEmailDetails


class MailDeliveryError(Exception):
    """The email was not handed over. The message is short and carries no secret."""


class Mailer(Protocol):
    async def send(self, email: BookingEmail) -> None:
        """Render and send (or store) the email; raises :class:`MailDeliveryError` when it could not."""
        ...

    def health(self) -> str:
        """For ``/readyz``: ``ok`` after a successful send, ``down`` after a failed one, ``unknown`` before any;
        ``file`` when emails are written as files."""
        ...
