"""What a scenario measured, and the targets it is held to."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.sampler import Usage


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class Check:
    """One target: what it asks, what was measured, and whether it held."""

    target: str
    measured: str
    met: bool

    @property
    def verdict(self) -> str:
        return "met" if self.met else "**missed**"


@dataclass
class ScenarioResult:
    name: str
    load: str
    operations: int
    seconds: float
    unit: str
    p50_ms: float
    p99_ms: float
    errors: int
    service: Usage
    generator_cpu: float
    ratio: float | None = None
    workers: int = 1
    details: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The name, with the number of service workers when it is not the default one."""
        return self.name if self.workers == 1 else f"{self.name} [{self.workers} workers]"

    @property
    def throughput(self) -> float:
        return self.operations / self.seconds if self.seconds > 0 else 0.0

    @property
    def peak_rss_mb(self) -> float:
        return self.service.peak_rss_mb

    @property
    def cpu_ms_per_operation(self) -> float:
        """Service CPU time per successful operation: steadier than throughput on a busy machine."""
        return self.service.cpu_seconds * 1000 / self.operations if self.operations else 0.0
