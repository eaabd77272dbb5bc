"""The targets of issue 12, each a ratio to the same run's ``/healthz`` (same number of workers) or an absolute
bound, with a verdict per target."""

from __future__ import annotations

from collections.abc import Sequence

from bench.results import Check, ScenarioResult

READS = ("seat map", "showings list", "showing", "movies list")
CONDITIONAL = " (If-None-Match)"
READ_RATIO = 0.40
READ_P99_MS = 25.0
BOOKING_RATIO = 0.08
LIVE_MAP_P99_MS = 100.0
PEAK_RSS_MB_PER_WORKER = 200.0
NOT_RATIOED = ("baseline", "contention", "live map", "premiere")


def _workers(result: ScenarioResult) -> str:
    return f"{result.workers} worker" + ("s" if result.workers != 1 else "")


def evaluate(results: Sequence[ScenarioResult]) -> list[Check]:
    """Attach ratios and checks to the results; return every check, in table order."""
    bases = {r.workers: r for r in results if r.name == "baseline"}
    checks: list[Check] = []

    def add(result: ScenarioResult, target: str, measured: str, met: bool) -> None:
        check = Check(f"{result.name} [{_workers(result)}]: {target}", measured, met)
        result.checks.append(check)
        checks.append(check)

    for result in results:
        base = bases.get(result.workers)
        if base is not None and result.name not in NOT_RATIOED and result.operations:
            result.ratio = result.throughput / base.throughput if base.throughput else 0.0
        if result.name.removesuffix(CONDITIONAL) in READS:
            if result.extra.get("no_etag"):
                add(result, "answers with an `ETag`, 304 to `If-None-Match`", "not yet", False)
                continue
            ratio = result.ratio or 0.0
            add(result, f"≥ {READ_RATIO:.2f} × /healthz", f"{ratio:.3f} ×", ratio >= READ_RATIO)
            add(result, f"p99 ≤ {READ_P99_MS:.0f} ms", f"{result.p99_ms:.1f} ms", result.p99_ms <= READ_P99_MS)
        if result.name == "booking":
            ratio = result.ratio or 0.0
            add(
                result,
                f"≥ {BOOKING_RATIO:.2f} × /healthz",
                f"{ratio:.3f} ×",
                ratio >= BOOKING_RATIO,
            )
        if result.name == "live map":
            rate = result.extra.get("rate", 0.0)
            which = "200/s" if result.extra.get("rate_is_200") else "6 % of /healthz"
            kept = bool(result.extra.get("rate_kept"))
            add(result, "rate kept", f"{rate:,.0f}/s ({which}), " + ("kept" if kept else "not kept"), kept)
            add(result, f"p99 ≤ {LIVE_MAP_P99_MS:.0f} ms", f"{result.p99_ms:,.1f} ms", result.p99_ms <= LIVE_MAP_P99_MS)
            lost = int(result.extra.get("lost", 0))
            add(result, "nothing lost", f"{lost} lost", lost == 0)
        if result.name == "premiere":
            fives, double = int(result.extra["server_errors"]), int(result.extra["double"])
            unanswered = int(result.extra.get("unanswered", 0))
            measured = f"{fives}" + (f" (+ {unanswered} closed without an answer)" if unanswered else "")
            add(result, "5xx = 0 (and no connection closed without an answer)", measured, fives + unanswered == 0)
            add(result, "double bookings = 0", str(double), double == 0)
            seconds = result.extra["sold_out_s"]
            add(result, "sold out", f"in {seconds:.1f} s" if seconds >= 0 else "not sold out", seconds >= 0)
        if result.name == "contention":
            double, fives = int(result.extra["double"]), int(result.extra["server_errors"])
            add(result, "double bookings = 0", str(double), double == 0)
            add(result, "5xx = 0", str(fives), fives == 0)
            sold = int(result.extra["sold"])
            add(result, "all 40 seats sold", f"{sold}/40", sold == 40)
    for workers in sorted({r.workers for r in results}):
        measured = [r for r in results if r.workers == workers]
        worst = max(measured, key=lambda r: r.peak_rss_mb)
        bound = PEAK_RSS_MB_PER_WORKER * workers
        rss = Check(
            f"peak RSS < {bound:.0f} MB, every scenario ({_workers(worst)}, the process tree)",
            f"{worst.peak_rss_mb:.0f} MB ({worst.name})",
            worst.peak_rss_mb < bound,
        )
        checks.append(rss)
        for result in measured:
            if result.peak_rss_mb >= bound:
                result.checks.append(rss)
    return checks
