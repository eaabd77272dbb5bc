"""The confirmation email's tickets (API.md §9): codes in the text part, one inline QR image per seat in the HTML
part, and the outbox row that carries them."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from uuid import uuid4
from zoneinfo import ZoneInfo

from lynriescoop.adapters.smtp.rendering import BookingEmailRenderer
from lynriescoop.application.delivery.payloads import booking_email_from_payload, booking_email_payload
from lynriescoop.application.ports.delivery import BookingEmail, BookingEmailKind
from lynriescoop.domain.events import TicketLine
from tests.factories import booking_details
from tests.qr_support import read_qr_png

CODES = ("AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYUCULBOGAZDINRYHI6D4QCAQLEGM2TKNRX", "ZZZZ2222" * 8)


def _confirmation(tickets: tuple[TicketLine, ...]) -> BookingEmail:
    details = booking_details(movie_title="Tom & Jerry", tickets=tickets)
    return BookingEmail(BookingEmailKind.CONFIRMED, uuid4(), details)


def _render(mail: BookingEmail) -> EmailMessage:
    renderer = BookingEmailRenderer(
        from_email="tickets@lynriescoop.test",
        from_name="LynrieScoop",
        timezone=ZoneInfo("Europe/Brussels"),
        cancel_cutoff=timedelta(minutes=60),
    )
    parsed = email.message_from_bytes(renderer.render(mail).as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_each_seat_has_its_code_as_text_and_its_qr_code_inline() -> None:
    tickets = (TicketLine(uuid4(), "C7", CODES[0]), TicketLine(uuid4(), "C8", CODES[1]))
    message = _render(_confirmation(tickets))
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    plain = text.get_content()
    assert f"Seat C7:\n{CODES[0]}" in plain and f"Seat C8:\n{CODES[1]}" in plain
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    images = [p for p in related.iter_parts() if p.get_content_type() == "image/png"]
    markup = html.get_content()
    assert [read_qr_png(i.get_content()) for i in images] == list(CODES)
    for image in images:
        assert image.get_content_disposition() == "inline"
        assert f'src="cid:{image["Content-ID"].strip("<>")}"' in markup
    assert "http" not in markup.split("<body", 1)[1]  # nothing to load from elsewhere


def test_the_booking_number_is_a_reference_not_an_entrance_code() -> None:
    message = _render(_confirmation((TicketLine(uuid4(), "C7", CODES[0]),)))
    for part in (message.get_body(("plain",)), message.get_body(("html",))):
        assert part is not None
        content = part.get_content()
        assert "7KQ2M9XA" in content and "entrance" not in content.lower() and "does not admit" in content


def test_a_confirmation_without_tickets_has_no_images() -> None:
    message = _render(_confirmation(()))
    assert not [p for p in message.walk() if p.get_content_maintype() == "image"]
    for part in (message.get_body(("plain",)), message.get_body(("html",))):
        assert part is not None and "Your tickets" not in part.get_content()


def test_the_outbox_row_carries_the_tickets_and_old_rows_still_read() -> None:
    mail = _confirmation((TicketLine(uuid4(), "C7", CODES[0]),))
    payload = booking_email_payload(mail, datetime(2026, 11, 20, tzinfo=UTC))
    assert booking_email_from_payload(payload).details.tickets == mail.details.tickets
    older = {k: v for k, v in payload.items() if k != "tickets"}  # a row written before tickets existed
    assert booking_email_from_payload(older).details.tickets == ()
