"""LynrieScoop benchmarks: ``python -m bench`` (or ``make bench``).

One service process with production-like settings on a fresh benchmark database, load from wrk (reads and
authenticated booking POSTs) and from an asyncio client (round trips, contention, real-time latency), every
figure reported next to the same run's ``GET /healthz`` baseline. Results land in ``docs/benchmarks.md``.
"""
