"""QR codes of ticket codes with segno (PNG without Pillow, SVG as text).

A ticket code is base32 (A-Z, 2-7), so segno encodes it in the QR alphanumeric mode: about 175 characters fit a
version 7-8 symbol at error correction level M, which phones and door scanners read at a few centimetres.
"""

from __future__ import annotations

import io
import struct

import segno

SCALE_PNG = 4  # 4 pixels a module: about 210 px square, crisp on a phone or on paper
SCALE_SVG = 4
BORDER = 4  # the quiet zone the QR standard asks for
# A fixed mask pattern: scoring the eight patterns to pick the "best" one was most of the CPU a confirmation email
# costs (docs/performance.md). Every pattern is standard and scans alike on a screen or paper.
MASK = 2


def _qr(code: str) -> segno.QRCode:
    return segno.make_qr(code, error="m", mask=MASK)


def qr_png(code: str, *, scale: int = SCALE_PNG) -> bytes:
    buffer = io.BytesIO()
    _qr(code).save(buffer, kind="png", scale=scale, border=BORDER)
    return buffer.getvalue()


def qr_svg(code: str, *, scale: int = SCALE_SVG) -> bytes:
    buffer = io.BytesIO()
    _qr(code).save(buffer, kind="svg", scale=scale, border=BORDER, xmldecl=True, title="Ticket code", unit="px")
    return buffer.getvalue()


def png_width(png: bytes) -> int:
    """The width in pixels of a PNG (from its IHDR chunk); 0 for anything else."""
    if len(png) < 24 or png[:8] != b"\x89PNG\r\n\x1a\n":
        return 0
    return int(struct.unpack(">I", png[16:20])[0])
