"""wrk as the load generator for throughput scenarios: one run, its JSON summary and its own CPU time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.sampler import CORES

SCRIPT = Path(__file__).with_name("lua") / "bench.lua"
MARKER = "BENCH-JSON "


class WrkMissing(RuntimeError):
    pass


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise WrkMissing("wrk is not installed (Debian: apt-get install -y wrk; `make bench` does it when root)")
    return found


@dataclass
class WrkResult:
    requests: int
    duration_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    status_errors: int
    statuses: dict[int, int]
    wrapped: int
    bytes_read: int
    cpu_seconds: float
    wall_seconds: float
    raw: dict[str, object] = field(repr=False, default_factory=dict)

    @property
    def throughput(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def cpu_share(self) -> float:
        return self.cpu_seconds / (self.wall_seconds * CORES) if self.wall_seconds > 0 else 0.0

    def count_not(self, expected: int) -> int:
        """Responses other than ``expected`` plus socket errors (needs the POST mode, which counts statuses)."""
        return sum(n for status, n in self.statuses.items() if status != expected) + self.socket_errors


class Wrk:
    """Runs wrk to completion (blocking: call ``run`` from a thread); ``kill`` stops a run from elsewhere."""

    def __init__(self) -> None:
        self.binary = wrk_binary()
        self._process: subprocess.Popen[bytes] | None = None

    def version(self) -> str:
        probe = subprocess.run([self.binary, "--version"], capture_output=True, check=False)
        first = (probe.stdout or probe.stderr).decode(errors="replace").splitlines()
        return first[0].split(" Copyright")[0].strip() if first else "wrk"

    def run(
        self,
        url: str,
        *,
        duration_s: float,
        connections: int,
        threads: int = 1,
        post: tuple[str, Path] | None = None,
        conditional: bool = False,
        headers: tuple[str, ...] = (),
    ) -> WrkResult:
        """One run; ``post`` is (path, file of "token<TAB>body" lines) for authenticated POSTs, else GETs
        (``conditional``: with ``If-None-Match`` once the first ETag is known; ``headers``: "Name: value")."""
        args = [
            self.binary,
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={max(1, round(duration_s))}s",
            "--timeout=10s",
            f"--script={SCRIPT}",
            *(f"--header={header}" for header in headers),
            url,
            "--",
        ]
        args += ["post", post[0], str(post[1]), str(threads)] if post else ["cond" if conditional else "get"]
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            started = time.perf_counter()
            self._process = process = subprocess.Popen(args, stdout=out, stderr=err)
            try:
                returncode, cpu = _reap(process, deadline=started + duration_s + 60)
            except BaseException:
                self.kill()
                raise
            finally:
                self._process = None
            wall = time.perf_counter() - started
            out.seek(0)
            err.seek(0)
            result = _parse(returncode, out.read(), err.read(), wall)
        result.cpu_seconds = cpu
        return result

    def kill(self) -> None:
        process = self._process
        if process is not None and process.returncode is None:
            process.kill()
            process.wait()


def _reap(process: subprocess.Popen[bytes], deadline: float) -> tuple[int, float]:
    """Wait for wrk with wait4, which hands back its exit status and its own CPU time (user + system)."""
    while True:
        try:
            pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
        except ChildProcessError as exc:  # reaped by kill() from another thread
            raise RuntimeError("wrk was stopped") from exc
        if pid == process.pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, rusage.ru_utime + rusage.ru_stime
        if time.perf_counter() > deadline:
            raise TimeoutError("wrk did not finish in time")
        time.sleep(0.05)


def _parse(returncode: int, stdout: bytes, stderr: bytes, wall: float) -> WrkResult:
    text = stdout.decode(errors="replace")
    line = next((line for line in text.splitlines() if line.startswith(MARKER)), None)
    if returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed (exit {returncode}): {stderr.decode(errors='replace').strip() or text}")
    data = json.loads(line[len(MARKER) :])
    errors = data["errors"]
    latency = data["latency_us"]
    return WrkResult(
        requests=int(data["requests"]),
        duration_s=data["duration_us"] / 1e6,
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        socket_errors=int(errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]),
        status_errors=int(errors["status"]),
        statuses={int(k): int(v) for k, v in data["statuses"].items()},
        wrapped=int(data["wrapped"]),
        bytes_read=int(data.get("bytes", 0)),
        cpu_seconds=0.0,
        wall_seconds=wall,
        raw=data,
    )
