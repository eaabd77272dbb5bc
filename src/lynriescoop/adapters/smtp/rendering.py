"""Renders the customer emails of API.md §9 from jinja2 templates: a plain-text and an HTML alternative.

The HTML environment autoescapes, so a name like ``<script>`` arrives as text; the plain-text one does not (it is
not HTML). Times are shown in the cinema's time zone, 24-hour, e.g. ``Sat 28 Nov 2026, 20:30``, with English
names whatever the machine's locale.

A confirmation carries the booking's tickets: the text part lists each seat with its code, the HTML part shows
each ticket's QR code as an inline PNG (``multipart/related``, referenced as ``cid:``), so it shows without
loading remote images. The booking number is called a reference, never an entrance code: it admits no one.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from email.charset import QP, Charset
from email.message import Message
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import Compat32
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from lynriescoop.adapters.qr.codes import png_width, qr_png
from lynriescoop.application.ports.delivery import BookingEmail, BookingEmailKind
from lynriescoop.domain.formats import money

TEMPLATES = Path(__file__).parent / "templates"

# Text parts as UTF-8 in quoted-printable: readable in the raw message, safe for any mail server.
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

SUBJECTS = {
    BookingEmailKind.CONFIRMED: "Booking confirmed – {number} – {title}",
    BookingEmailKind.CANCELLED: "Booking cancelled – {number} – {title}",
}

# Why a booking was cancelled, by ``BookingDetails.reason`` when it holds the booking's ``cancelled_by`` code.
CANCEL_REASONS = {
    "customer": "You cancelled this booking.",
    "manager": "The cinema cancelled this booking.",
    "showing_cancelled": "The showing was cancelled by the cinema, so this booking was cancelled.",
}
DEFAULT_CANCEL_REASON = "This booking was cancelled."


def cancel_reason(reason: str | None) -> str:
    """A ``cancelled_by`` code becomes its sentence; any other text is shown as it is (escaped in HTML)."""
    if not reason:
        return DEFAULT_CANCEL_REASON
    return CANCEL_REASONS.get(reason, reason)


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    """``Sat 28 Nov 2026, 20:30`` in ``zone``."""
    local = moment.astimezone(zone)
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"


class _Compat32Unfolded(Compat32):
    """``compat32``, the policy of ``email.mime``, except that a header already short and ASCII is written as it is.
    ``compat32`` runs every header through ``email.header.Header`` to fold it, about a millisecond of CPU for the 25
    headers of a confirmation; for a short ASCII value that gives back the same line (a unit test compares the
    bytes). Other headers (the subject, with its dash) are folded and encoded as before."""

    def _as_is(self, name: str, value: object) -> str | None:
        if (
            isinstance(value, str)
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
            and len(name) + 2 + len(value) <= (self.max_line_length or 78)
        ):
            return f"{name}: {value}{self.linesep}"
        return None

    def fold(self, name: str, value: str) -> str:
        line = self._as_is(name, value)
        return line if line is not None else super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        line = self._as_is(name, value)
        return line.encode("ascii") if line is not None else super().fold_binary(name, value)


WRITING_POLICY = _Compat32Unfolded()


def message_bytes(message: Message) -> bytes:
    """The message as it goes on the wire or into a file (line ends as ``compat32`` writes them)."""
    return message.as_bytes(policy=WRITING_POLICY)


def _boundary() -> str:
    """A random multipart boundary. Set up front, it spares the generator its search for a boundary absent from the
    parts (a regular expression compiled per message, run over every part): ``=_`` never occurs in
    quoted-printable (``=`` is written ``=3D``) nor in base64, the encodings of every part."""
    return f"=_{secrets.token_hex(16)}"


def _text_part(body: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype)
    part.set_payload(body, _UTF8)
    return part


def _one_line(text: str) -> str:
    return " ".join(text.split())


class BookingEmailRenderer:
    def __init__(
        self,
        *,
        from_email: str,
        from_name: str,
        timezone: ZoneInfo,
        cancel_cutoff: timedelta,
        templates: Path = TEMPLATES,
    ) -> None:
        self.from_email = from_email
        self._from = formataddr((_one_line(from_name), from_email), charset="utf-8")
        self._domain = from_email.rpartition("@")[2] or "lynriescoop.local"
        self._zone = timezone
        self._cutoff = cancel_cutoff
        loader = FileSystemLoader(templates)
        self._html = Environment(
            loader=loader, autoescape=select_autoescape(enabled_extensions=("html",)), undefined=StrictUndefined
        )
        # Plain text is not HTML: escaping it would show ``&lt;`` to the reader.
        self._text = Environment(loader=loader, autoescape=False, undefined=StrictUndefined)  # noqa: S701

    def context(self, email: BookingEmail, images: list[tuple[str, bytes]] | None = None) -> dict[str, Any]:
        """What the templates show; ``images`` are the (content id, PNG) pairs of the tickets' QR codes."""
        d = email.details
        images = images if images is not None else [("", b"")] * len(d.tickets)
        tickets = [
            {"seat_label": t.seat_label, "code": t.code, "cid": cid.strip("<>"), "width": png_width(png)}
            for t, (cid, png) in zip(d.tickets, images, strict=True)
        ]
        deadline = d.cancel_deadline or d.start_time - self._cutoff
        return {
            "name": d.recipient_name,
            "booking_number": d.booking_number,
            "movie_title": d.movie_title,
            "room_name": d.room_name,
            "when": local_time(d.start_time, self._zone),
            "timezone": self._zone.key,
            "seats": ", ".join(d.seat_labels),
            "seat_count": len(d.seat_labels),
            "total": f"{money(d.total_price)} {d.currency}",
            "cancel_deadline": local_time(deadline, self._zone),
            "reason": cancel_reason(d.reason),
            "tickets": tickets,
        }

    def subject(self, email: BookingEmail) -> str:
        return _one_line(
            SUBJECTS[email.kind].format(number=email.details.booking_number, title=email.details.movie_title)
        )

    def render(self, email: BookingEmail) -> Message:
        """The message: ``multipart/alternative`` of the text and the HTML (``multipart/related`` with the QR
        images when the booking has tickets). Built with the classic ``email.mime`` classes: the header registry
        of ``EmailMessage`` parses and refolds every header of every part, which cost about 3 ms of CPU per
        confirmation, more than the booking itself (docs/performance.md)."""
        images = [(make_msgid(domain=self._domain), qr_png(t.code)) for t in email.details.tickets]
        context = self.context(email, images)
        message = MIMEMultipart("alternative", boundary=_boundary())
        message["Subject"] = self.subject(email)  # encoded (RFC 2047) when the message is written
        message["From"] = self._from
        name = _one_line(email.details.recipient_name)
        message["To"] = formataddr((name, email.details.recipient_email), charset="utf-8")
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain=self._domain)
        message.attach(_text_part(self._text.get_template(f"{email.kind.value}.txt").render(context), "plain"))
        html = _text_part(self._html.get_template(f"{email.kind.value}.html").render(context), "html")
        if not images:
            message.attach(html)
            return message
        related = MIMEMultipart("related", boundary=_boundary())
        related.attach(html)
        for cid, png in images:
            image = MIMEImage(png, "png")
            image["Content-ID"] = cid
            image["Content-Disposition"] = "inline"
            related.attach(image)
        message.attach(related)
        return message
