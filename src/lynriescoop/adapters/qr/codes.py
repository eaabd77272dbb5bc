"""QR codes of ticket codes: PNG with zxing-cpp and Pillow (the confirmation email's hot path), SVG with segno.

A ticket code is base32 (A-Z, 2-7), so it is encoded in the QR alphanumeric mode: about 175 characters fit a
version 7-8 symbol at error correction level M, which phones and door scanners read at a few centimetres.

Why two libraries: every confirmed booking renders one PNG per seat for its email, in the service's own process.
segno is pure Python and cost about 2.8 ms of CPU per PNG even with a fixed mask; zxing-cpp (C++) encodes the
symbol and chooses the best mask in about a fifth of that, and Pillow writes the PNG in C (docs/benchmarks.md,
"What each step gained"). The SVG is served only on request (GET /tickets/{id}/qr.svg), where segno's small,
titled, scalable drawing is worth its cost.
"""

from __future__ import annotations

import io
import struct
from typing import Any

import segno
import zxingcpp
from PIL import Image

SCALE_PNG = 4  # 4 pixels a module: about 210 px square, crisp on a phone or on paper
SCALE_SVG = 4
BORDER = 4  # the quiet zone the QR standard asks for (zxing-cpp's quiet zones are these 4 modules too)
# segno's fixed mask pattern: scoring all eight is most of its cost, and every pattern scans alike.
SVG_MASK = 2


def qr_png(code: str, *, scale: int = SCALE_PNG) -> bytes:
    """A black-and-white PNG of ``code`` at error correction M, ``scale`` pixels a module, with its quiet zone."""
    symbol = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    modules: Any = symbol.to_image(scale=1, add_quiet_zones=True)  # one grey byte a module (buffer protocol)
    height, width = modules.shape[:2]
    # One pixel a module, made black-and-white, then enlarged without smoothing: a quarter of the work of drawing
    # and converting the full-size image.
    image = Image.frombytes("L", (width, height), bytes(modules)).convert("1")
    image = image.resize((width * scale, height * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(code: str, *, scale: int = SCALE_SVG) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(code, error="m", mask=SVG_MASK).save(
        buffer, kind="svg", scale=scale, border=BORDER, xmldecl=True, title="Ticket code", unit="px"
    )
    return buffer.getvalue()


def png_width(png: bytes) -> int:
    """The width in pixels of a PNG (from its IHDR chunk); 0 for anything else."""
    if len(png) < 24 or png[:8] != b"\x89PNG\r\n\x1a\n":
        return 0
    return int(struct.unpack(">I", png[16:20])[0])
