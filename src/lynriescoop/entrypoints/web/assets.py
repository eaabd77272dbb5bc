"""The web page's files, read once from the package: each with its media type, a strong ETag, and a gzip form.

Files are served by name from a fixed table built at start-up (no path from a request ever reaches the file
system). A file shipped compressed (``name.gz``, the vendored MQTT.js) is kept as it is, and decompressed only for a
client that does not accept gzip.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable

GZIP_MIN_BYTES = 1024

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".md": "text/markdown; charset=utf-8",
    ".json": "application/json",
}


@dataclass(frozen=True, slots=True)
class Asset:
    name: str
    media_type: str
    gzipped: bytes | None
    etag: str
    _identity: bytes | None = field(default=None, repr=False)

    def body(self, *, gzip_ok: bool) -> tuple[bytes, str | None, str]:
        """The bytes to send, their ``Content-Encoding`` (or None) and their ETag (one per representation)."""
        if gzip_ok and self.gzipped is not None:
            return self.gzipped, "gzip", f'"{self.etag}-gz"'
        identity = self._identity if self._identity is not None else gzip.decompress(self.gzipped or b"")
        return identity, None, f'"{self.etag}"'


def _media_type(name: str) -> str:
    for suffix, media_type in MEDIA_TYPES.items():
        if name.endswith(suffix):
            return media_type
    raise ValueError(f"no media type for web asset {name!r}")


def _asset(name: str, data: bytes, *, compressed: bool) -> Asset:
    if compressed:
        identity = gzip.decompress(data)
        return Asset(name, _media_type(name), data, hashlib.sha256(identity).hexdigest()[:32])
    gzipped = gzip.compress(data, compresslevel=9, mtime=0) if len(data) >= GZIP_MIN_BYTES else None
    return Asset(name, _media_type(name), gzipped, hashlib.sha256(data).hexdigest()[:32], data)


def load_assets() -> dict[str, Asset]:
    """Every file under ``static/`` by its path there (``app.js``, ``vendor/mqtt.min.js``)."""
    root = resources.files(__package__).joinpath("static")
    assets: dict[str, Asset] = {}

    def walk(folder: Traversable, prefix: str) -> None:
        for entry in folder.iterdir():
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".gz"):
                name = prefix + entry.name.removesuffix(".gz")
                assets[name] = _asset(name, entry.read_bytes(), compressed=True)
            elif not entry.name.startswith("."):
                assets[prefix + entry.name] = _asset(prefix + entry.name, entry.read_bytes(), compressed=False)

    walk(root, "")
    return assets
