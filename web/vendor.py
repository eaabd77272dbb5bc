"""Copy the pinned MQTT.js browser bundle from ``web/node_modules`` (after ``npm ci``) into the Python package.

Run by ``make web-vendor`` (docs/web.md). The bundle is the package's own prebuilt ``dist/mqtt.min.js``, unchanged;
it is stored gzip-compressed (the page is served to browsers compressed anyway, and this keeps the shipped assets
small) with its license and a manifest of what it is: package, version, the npm integrity of the tarball, and the
SHA-256 of the uncompressed file, so anyone can check the shipped bytes against a fresh ``npm ci``.
Standard library only; deterministic (gzip header without a time stamp).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "web" / "node_modules" / "mqtt"
LOCK = ROOT / "web" / "package-lock.json"
VENDOR = ROOT / "src" / "lynriescoop" / "entrypoints" / "web" / "static" / "vendor"


def main() -> int:
    if not (MODULES / "dist" / "mqtt.min.js").is_file():
        print("web/node_modules/mqtt is missing: run `cd web && npm ci` first (or `make web-vendor`)", file=sys.stderr)
        return 1
    package = json.loads((MODULES / "package.json").read_text())
    locked = json.loads(LOCK.read_text())["packages"]["node_modules/mqtt"]
    if package["version"] != locked["version"]:
        print(f"installed mqtt {package['version']} is not the locked {locked['version']}: run `npm ci`", file=sys.stderr)
        return 1
    bundle = (MODULES / "dist" / "mqtt.min.js").read_bytes()
    VENDOR.mkdir(parents=True, exist_ok=True)
    (VENDOR / "mqtt.min.js.gz").write_bytes(gzip.compress(bundle, compresslevel=9, mtime=0))
    shutil.copyfile(MODULES / "LICENSE.md", VENDOR / "mqtt.LICENSE.md")
    manifest = {
        "package": "mqtt",
        "version": package["version"],
        "license": package["license"],
        "file": "dist/mqtt.min.js",
        "integrity": locked["integrity"],
        "sha256": hashlib.sha256(bundle).hexdigest(),
        "bytes": len(bundle),
    }
    (VENDOR / "mqtt.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"vendored mqtt {manifest['version']}: {len(bundle)} bytes, sha256 {manifest['sha256']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
