"""The customer emails of API.md §9: subject, local time, alternatives, and a name that cannot inject HTML."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from html import escape as html_escape
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from lynriescoop.adapters.smtp.rendering import BookingEmailRenderer, local_time, message_bytes
from lynriescoop.application.ports.delivery import BookingEmail, BookingEmailKind
from lynriescoop.domain.events import TicketLine
from tests.factories import booking_details

BRUSSELS = ZoneInfo("Europe/Brussels")


def _renderer(**overrides: object) -> BookingEmailRenderer:
    values: dict[str, object] = {
        "from_email": "tickets@lynriescoop.test",
        "from_name": "LynrieScoop",
        "timezone": BRUSSELS,
        "cancel_cutoff": timedelta(minutes=60),
    }
    values.update(overrides)
    return BookingEmailRenderer(**values)  # type: ignore[arg-type]


def _email(kind: BookingEmailKind = BookingEmailKind.CONFIRMED, **overrides: object) -> BookingEmail:
    values: dict[str, object] = {
        "recipient_name": "Ann <script>alert(1)</script>",
        "movie_title": "Tom & Jerry",
        "total_price": Decimal("25.5"),
        **overrides,
    }
    return BookingEmail(kind, uuid4(), booking_details(**values))


def _seen(renderer: BookingEmailRenderer, mail: BookingEmail) -> EmailMessage:
    """The rendered email as a mail client reads it: its bytes, parsed."""
    parsed = email.message_from_bytes(message_bytes(renderer.render(mail)), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _parts(message: object) -> tuple[str, str]:
    assert isinstance(message, EmailMessage)
    assert message.get_content_type() == "multipart/alternative"
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    assert text_part is not None and html_part is not None
    return str(text_part.get_content()), str(html_part.get_content())


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 28, 19, 30, tzinfo=UTC), "Sat 28 Nov 2026, 20:30"),  # winter: UTC+1
        (datetime(2026, 7, 4, 18, 5, tzinfo=UTC), "Sat 4 Jul 2026, 20:05"),  # summer: UTC+2
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "Sun 29 Mar 2026, 01:59"),  # just before the clocks go forward
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "Sun 29 Mar 2026, 03:00"),  # just after
    ],
)
def test_local_time_is_24_hour_in_the_cinema_zone(moment: datetime, expected: str) -> None:
    assert local_time(moment, BRUSSELS) == expected


def test_confirmation_has_subject_headers_and_every_detail() -> None:
    message = _seen(_renderer(), _email())
    assert message["Subject"] == "Booking confirmed – 7KQ2M9XA – Tom & Jerry"
    assert message["From"] == "LynrieScoop <tickets@lynriescoop.test>"
    assert message["To"].addresses[0].addr_spec == "ann@example.com"
    assert message["Message-ID"]
    text, html = _parts(message)
    for body in (text, html):
        assert "7KQ2M9XA" in body
        assert "Sat 28 Nov 2026, 20:30" in body
        assert "Room 1" in body
        assert "C7, C8" in body
        assert "25.50 EUR" in body
        assert "Sat 28 Nov 2026, 19:30" in body  # cancellation deadline: start - 60 min, local
    assert "Tom & Jerry" in text


def test_html_escapes_the_name_and_title_while_text_keeps_them() -> None:
    text, html = _parts(_seen(_renderer(), _email()))
    assert "<script>" not in html
    assert "Ann &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Tom &amp; Jerry" in html
    assert "Ann <script>alert(1)</script>" in text


def test_an_explicit_deadline_wins_over_the_cutoff() -> None:
    deadline = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    text, _ = _parts(_seen(_renderer(), _email(cancel_deadline=deadline)))
    assert "until Fri 27 Nov 2026, 13:00" in text


@pytest.mark.parametrize(
    ("reason", "sentence"),
    [
        ("customer", "You cancelled this booking."),
        ("manager", "The cinema cancelled this booking."),
        ("showing_cancelled", "The showing was cancelled by the cinema"),
        (None, "This booking was cancelled."),
        ("The cinema closed for <repairs>.", "The cinema closed for <repairs>."),
    ],
)
def test_cancellation_says_what_and_why(reason: str | None, sentence: str) -> None:
    message = _seen(_renderer(), _email(BookingEmailKind.CANCELLED, reason=reason))
    assert message["Subject"] == "Booking cancelled – 7KQ2M9XA – Tom & Jerry"
    text, html = _parts(message)
    assert sentence in text
    assert html_escape(sentence) in html
    for body in (text, html):
        assert "7KQ2M9XA" in body and "C7, C8" in body and "Sat 28 Nov 2026, 20:30" in body


def test_a_title_with_a_line_break_cannot_add_headers() -> None:
    message = _seen(_renderer(), _email(movie_title="Evil\r\nBcc: victim@example.com"))
    assert message["Subject"] == "Booking confirmed – 7KQ2M9XA – Evil Bcc: victim@example.com"
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "Booking confirmed – 7KQ2M9XA – Evil Bcc: victim@example.com"


def test_other_zone_and_cutoff_settings_apply() -> None:
    renderer = _renderer(timezone=ZoneInfo("America/New_York"), cancel_cutoff=timedelta(minutes=30))
    text, _ = _parts(_seen(renderer, _email()))
    assert "Sat 28 Nov 2026, 14:30" in text
    assert "until Sat 28 Nov 2026, 14:00" in text


def test_confirmation_never_calls_the_booking_number_an_entrance_code() -> None:
    """Issue 13 item 5: the booking number is published nowhere public, but it is no credential either."""
    text, html = _parts(_seen(_renderer(), _email()))
    for body in (text, html):
        assert "7KQ2M9XA" in body
        assert "entrance" not in body.lower()
        assert "does not admit anyone" in body


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"recipient_name": 'Zoë Ñúñez-Łukasiewicz, née "Q" <x>', "movie_title": "Amélie – " + "very long " * 12},
        {"movie_title": "Plain ASCII title that is long enough to need folding in the subject line " * 2},
        {"recipient_name": "A" * 90},
    ],
)
def test_written_bytes_are_those_of_compat32(overrides: dict[str, object]) -> None:
    """The fast writing policy changes no byte: short ASCII headers as they are, the rest folded by compat32."""
    code = "LS1" + "Q" * 120
    mail = _email(tickets=(TicketLine(uuid4(), "C7", code + "A"), TicketLine(uuid4(), "C8", code + "B")), **overrides)
    message = _renderer().render(mail)
    assert message_bytes(message) == message.as_bytes(policy=email.policy.compat32)


def test_boundaries_are_random_and_absent_from_the_parts() -> None:
    renderer = _renderer()
    mail = _email(tickets=(TicketLine(uuid4(), "C7", "LS1" + "Q" * 120),))
    first, second = renderer.render(mail), renderer.render(mail)
    boundaries = {m.get_boundary() for m in (first, second)}
    assert len(boundaries) == 2 and all(b and b.startswith("=_") for b in boundaries)
    written = message_bytes(first)
    for part in first.walk():
        if not part.is_multipart():
            assert b"=_" not in str(part.get_payload()).encode()
    # Each boundary delimits its own parts only: the message parses back into the same tree.
    parsed = email.message_from_bytes(written, policy=email.policy.default)
    assert [p.get_content_type() for p in parsed.walk()] == [p.get_content_type() for p in first.walk()]
