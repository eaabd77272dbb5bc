"""The targets of issue 7, each a ratio to the same run's baseline or an absolute bound."""

from __future__ import annotations

from collections.abc import Sequence

from bench.results import Check, ScenarioResult

RATIO_TARGETS = {"seat map": 0.30, "showings list": 0.30, "booking": 0.08}
READS = ("baseline", "seat map", "showings list")
READ_P99_MS = 50.0
REALTIME_P99_MS = 50.0
PEAK_RSS_MB = 200.0


def evaluate(results: Sequence[ScenarioResult]) -> list[Check]:
    """Attach ratios and checks to the results; return every check, in table order."""
    by_name = {result.name: result for result in results}
    base = by_name.get("baseline")
    checks: list[Check] = []

    def add(result: ScenarioResult, check: Check) -> None:
        result.checks.append(check)
        checks.append(check)

    for result in results:
        if base is not None and result.name not in ("baseline", "contention") and not result.name.startswith("real"):
            result.ratio = result.throughput / base.throughput if base.throughput else 0.0
        goal = RATIO_TARGETS.get(result.name)
        if goal is not None and result.ratio is not None:
            add(result, Check(f"{result.name}: ≥ {goal:.2f} × baseline", f"{result.ratio:.3f} ×", result.ratio >= goal))
        if result.name in READS:
            add(
                result,
                Check(
                    f"{result.name}: p99 < {READ_P99_MS:.0f} ms at {result.load.split(', ')[-1]}",
                    f"{result.p99_ms:.1f} ms",
                    result.p99_ms < READ_P99_MS,
                ),
            )
        if result.name.startswith("real-time"):
            p99 = Check(f"{result.name}: p99 < 50 ms", f"{result.p99_ms:.1f} ms", result.p99_ms < REALTIME_P99_MS)
            add(result, p99)
            lost = int(result.extra.get("lost", 0))
            add(result, Check(f"{result.name}: lost messages = 0", str(lost), lost == 0))
        if result.name == "contention":
            double, fives = int(result.extra["double"]), int(result.extra["server_errors"])
            add(result, Check("contention: double bookings = 0", str(double), double == 0))
            add(result, Check("contention: 5xx = 0", str(fives), fives == 0))
            sold = int(result.extra["sold"])
            add(result, Check("contention: all 40 seats sold", f"{sold}/40", sold == 40))
    if results:
        worst = max(results, key=lambda r: r.peak_rss_mb)
        rss = Check(
            f"peak RSS < {PEAK_RSS_MB:.0f} MB (every scenario)",
            f"{worst.peak_rss_mb:.0f} MB ({worst.name})",
            worst.peak_rss_mb < PEAK_RSS_MB,
        )
        checks.append(rss)
        for result in results:
            if result.peak_rss_mb >= PEAK_RSS_MB:
                result.checks.append(rss)
    return checks
