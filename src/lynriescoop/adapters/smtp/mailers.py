"""The two mailers: SMTP (aiosmtplib) when ``SMTP_HOST`` is set, else ``.eml`` files under ``MAIL_DIR``."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import aiosmtplib

from lynriescoop.adapters.smtp.rendering import BookingEmailRenderer, message_bytes
from lynriescoop.application.ports.delivery import BookingEmail, MailDeliveryError, Mailer

TlsMode = Literal["none", "starttls", "tls"]
MAX_ERROR = 200


def describe_smtp_error(exc: BaseException) -> str:
    """Short and free of secrets: the server's code and text, or the kind of network failure."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"SMTP {exc.code}: {' '.join(exc.message.split())}"[:MAX_ERROR]
    text = " ".join(str(exc).split())
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:MAX_ERROR]


class SmtpMailer(Mailer):
    """Sends through an SMTP server. ``tls``: ``none`` (plain, no STARTTLS even if offered), ``starttls`` (upgrade
    required) or ``tls`` (implicit TLS, usually port 465). ``health()`` is ``unknown`` until the first send, then
    ``ok`` or ``down`` after the last one."""

    def __init__(
        self,
        renderer: BookingEmailRenderer,
        *,
        host: str,
        port: int = 25,
        username: str | None = None,
        password: str | None = None,
        tls: TlsMode = "none",
        timeout: float = 10.0,
    ) -> None:
        self._renderer = renderer
        self._host = host
        self._port = port
        self._username = username or None
        self._password = password if username else None
        self._tls = tls
        self._timeout = timeout
        self._health = "unknown"

    def health(self) -> str:
        return self._health

    async def send(self, email: BookingEmail) -> None:
        message = self._renderer.render(email)
        try:
            # Written here (message_bytes), not by aiosmtplib's compat32 generator: the sender and recipient given.
            await aiosmtplib.send(
                message_bytes(message),
                sender=self._renderer.from_email,
                recipients=[email.details.recipient_email],
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._tls == "tls",
                start_tls=self._tls == "starttls",
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            self._health = "down"
            raise MailDeliveryError(describe_smtp_error(exc)) from exc
        self._health = "ok"


class FileMailer(Mailer):
    """Writes each email as an ``.eml`` file under ``directory`` (created if needed); ``health()`` is ``file``.
    A file appears whole or not at all (written aside, then renamed)."""

    def __init__(self, renderer: BookingEmailRenderer, directory: Path) -> None:
        self._renderer = renderer
        self._directory = directory

    @property
    def directory(self) -> Path:
        return self._directory

    def health(self) -> str:
        return "file"

    async def send(self, email: BookingEmail) -> None:
        message = self._renderer.render(email)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        number = re.sub(r"[^A-Za-z0-9]", "", email.details.booking_number)[:16]
        name = f"{stamp}-{email.kind.value}-{number}-{secrets.token_hex(3)}.eml"
        try:
            await asyncio.to_thread(self._write, name, message_bytes(message))
        except OSError as exc:
            raise MailDeliveryError(f"cannot write {self._directory}: {exc.strerror or exc}") from exc

    def _write(self, name: str, data: bytes) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        final = self._directory / name
        partial = final.with_suffix(".eml.part")
        partial.write_bytes(data)
        os.replace(partial, final)
