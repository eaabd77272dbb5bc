"""The command line refuses to start with one clear line and a non-zero exit when it cannot work."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path


def _run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "MQTT_", "JWT_", "ENVIRONMENT", "TICKET_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "lynriescoop.entrypoints.cli", *args],
        env=clean | env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_without_secrets_refuses_to_start(tmp_path: Path) -> None:
    result = _run("serve", env={"ENVIRONMENT": "production"}, cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "lynriescoop: ENVIRONMENT=production requires JWT_SECRET, DATABASE_URL, MQTT_URL, TICKET_SIGNING_KEY to be set"
    ]


def test_http_port_clash_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("serve", env={"PORT": str(port), "DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 1
    assert (
        result.stderr.strip().splitlines()[-1]
        == f"lynriescoop: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_invalid_setting_is_one_line(tmp_path: Path) -> None:
    result = _run("migrate", env={"CINEMA_TIMEZONE": "Mars/Olympus"}, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("lynriescoop: invalid setting CINEMA_TIMEZONE")
