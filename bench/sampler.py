"""Peak RSS and CPU of the service (the process and its children), sampled on a thread during a scenario."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import psutil

CORES = psutil.cpu_count() or os.cpu_count() or 1


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return [root]


def _cpu_seconds(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


@dataclass
class Usage:
    peak_rss_bytes: int
    cpu_seconds: float
    wall_seconds: float
    machine_busy: float = 0.0  # share of all cores busy with anything (the service, PostgreSQL, the generator...)

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss_bytes / 2**20

    @property
    def cpu_share(self) -> float:
        """Share of the whole machine (all cores) over the wall time."""
        return self.cpu_seconds / (self.wall_seconds * CORES) if self.wall_seconds > 0 else 0.0


def _busy_share(before: Any, after: Any) -> float:
    idle = (after.idle + getattr(after, "iowait", 0.0)) - (before.idle + getattr(before, "iowait", 0.0))
    total = sum(after) - sum(before)
    return 1.0 - idle / total if total > 0 else 0.0


class ServiceSampler:
    """``with ServiceSampler(pid) as sampler: ...`` then ``sampler.usage`` (RSS sampled every ``interval`` s)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self._root = psutil.Process(pid)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-rss-sampler", daemon=True)
        self._peak = 0
        self._cpu: dict[int, float] = {}
        self._machine: Any = None
        self._started = 0.0
        self.usage = Usage(0, 0.0, 0.0)

    def _sample(self) -> None:
        total = 0
        for process in _tree(self._root):
            try:
                total += process.memory_info().rss
            except psutil.Error:
                continue
        self._peak = max(self._peak, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self._interval)

    def __enter__(self) -> ServiceSampler:
        self._cpu = {p.pid: _cpu_seconds(p) for p in _tree(self._root)}
        self._machine = psutil.cpu_times()
        self._started = time.perf_counter()
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        wall = time.perf_counter() - self._started
        cpu = sum(_cpu_seconds(p) - self._cpu.get(p.pid, 0.0) for p in _tree(self._root))
        self.usage = Usage(self._peak, cpu, wall, _busy_share(self._machine, psutil.cpu_times()))


class OwnCpu:
    """CPU used by this (load generator) process while the block runs."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self.usage = Usage(0, 0.0, 0.0)
        self._cpu = 0.0
        self._started = 0.0

    def __enter__(self) -> OwnCpu:
        self._cpu = _cpu_seconds(self._process)
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        wall = time.perf_counter() - self._started
        self.usage = Usage(0, _cpu_seconds(self._process) - self._cpu, wall)


def wait_for_quiet(max_wait_s: float, threshold: float = 0.25, quiet_samples: int = 3) -> tuple[float, float]:
    """Wait (up to ``max_wait_s``) until the machine is less than ``threshold`` busy for ``quiet_samples`` seconds
    in a row: other work on a shared machine skews every ratio. Returns (last busy share, seconds waited)."""
    started = time.perf_counter()
    quiet = 0
    busy = psutil.cpu_percent(interval=1.0) / 100
    while True:
        quiet = quiet + 1 if busy < threshold else 0
        if quiet >= quiet_samples or time.perf_counter() - started >= max_wait_s:
            return busy, time.perf_counter() - started
        busy = psutil.cpu_percent(interval=1.0) / 100
