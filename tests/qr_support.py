"""Reading QR codes back in tests: a small PNG decoder (greyscale and palette images, as Pillow and segno write
them) and zxing-cpp, so what is checked is the PNG as a mail client gets it."""

from __future__ import annotations

import struct
import zlib

import zxingcpp


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, one grey byte per pixel) of a non-interlaced greyscale or palette PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, palette = 8, b"", b""
    width = height = depth = color = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert color in (0, 3) and interlace == 0, "only greyscale or palette PNGs"
        elif kind == b"PLTE":
            palette = body
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = (width * depth + 7) // 8
    rows, previous, offset = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1 : offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - 1] if i else 0
            up, corner = previous[i], previous[i - 1] if i else 0
            predictor = (0, left, up, (left + up) // 2, _paeth(left, up, corner))[kind]
            line[i] = (line[i] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    pixels = bytearray()
    for line in rows:
        for x in range(width):
            bit = x * depth
            value = (line[bit // 8] >> (8 - depth - bit % 8)) & ((1 << depth) - 1)
            if color == 3:
                value = palette[3 * value]  # the red channel is enough for black on white
            elif depth < 8:
                value = value * 255 // ((1 << depth) - 1)
            pixels.append(value)
    return width, height, bytes(pixels)


def read_qr_png(data: bytes) -> str:
    """The text of the one QR code in a PNG."""
    width, height, pixels = decode_png(data)
    found = zxingcpp.read_barcodes(memoryview(pixels).cast("B", (height, width)))
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    return str(found[0].text)


def read_qr_svg(data: bytes) -> str:
    """The text of a segno SVG, rasterized by hand: segno draws each dark run as ``M x y h n`` in module units."""
    import re

    text = data.decode()
    path = re.search(r'<path[^>]*d="([^"]+)"', text)
    size = re.search(r'viewBox="0 0 (\d+) (\d+)"', text)
    scale = re.search(r'transform="scale\((\d+)\)"', text)
    assert path and size and scale
    modules = int(size.group(1)) // int(scale.group(1))
    grid = bytearray([255] * (modules * modules))
    x = y = 0.0
    for command, a, b in re.findall(r"([MmHhVv])(-?[\d.]+)(?:[ ,](-?[\d.]+))?", path.group(1).replace(" h", "h")):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        elif command in "hH":
            end = x + float(a) if command == "h" else float(a)
            row = int(y - 0.5)
            for col in range(int(min(x, end)), int(max(x, end))):
                grid[row * modules + col] = 0
            x = end
    scale_up = 4
    big = bytearray()
    for row in range(modules):
        line = bytearray()
        for col in range(modules):
            line += bytes([grid[row * modules + col]]) * scale_up
        big += bytes(line) * scale_up
    side = modules * scale_up
    found = zxingcpp.read_barcodes(memoryview(bytes(big)).cast("B", (side, side)))
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    return str(found[0].text)
