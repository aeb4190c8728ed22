"""Throughput and memory of simulated traffic: aggregate vs exact mode vs a naive loop.

Run: ``python benchmarks/bench_traffic.py [--quick]``. Prints one row per (mode, rate):
simulated requests per wall-clock second, the wall time, and the peak memory the run allocated
(``tracemalloc``; numpy reports its buffers to it) plus the metric store's sample arrays.

The baseline is measured in the same run: a plain Python loop that routes, fails and times
every request one by one (what a per-request model does before any SimPy overhead), so the
speed-ups do not depend on the machine. Nothing here is asserted; tests never time anything.

The scenario is the common canary picture: 50/50 split between a stable Service (2 pods) and
a canary Service (1 pod), 1 % and 5 % errors (503, retried twice by Istio's default policy),
log-normal latencies, 15 s scrapes, advanced in 10 s intervals the way the world calls it.
"""

from __future__ import annotations

import argparse
import math
import random
import time
import tracemalloc
from collections.abc import Callable

from canarysim.sim.mesh.router import Branch, RequestClass, RoutePlan
from canarysim.sim.metrics.store import MetricStore
from canarysim.sim.stochastic.distributions import Dist, PoissonArrivals
from canarysim.sim.stochastic.rng import Streams
from canarysim.sim.traffic.generator import TrafficGenerator, VersionBehaviour

RC = RequestClass(host="shop")
PLAN = RoutePlan(
    route_name="primary",
    branches=(Branch(0.5, "stable-svc", {"s": 2}), Branch(0.5, "canary-svc", {"c": 1})),
)
BEHAVIOUR = {
    "s": VersionBehaviour(0.01, Dist.lognormal(0.02, 0.1), error_code=503, workload="shop"),
    "c": VersionBehaviour(0.05, Dist.lognormal(0.03, 0.3), error_code=503, workload="shop"),
}
INTERVAL_S = 10.0


def run_generator(mode: str, rps: float, duration: float) -> tuple[int, int]:
    """(requests simulated, store bytes) for one run through the public API."""
    gen = TrafficGenerator(PoissonArrivals(rps), [(RC, 1.0)], mode=mode)  # type: ignore[arg-type]
    store = MetricStore(scrape_interval_s=15.0)
    streams = Streams(1)
    total = 0
    t = 0.0
    while t < duration:
        t1 = min(t + INTERVAL_S, duration)
        tally = gen.advance(t, t1, {RC: PLAN}, BEHAVIOUR, streams)
        store.ingest(tally)
        total += int(tally.requests("source"))
        t = t1
    return total, store.memory_bytes()


def run_naive(rps: float, duration: float) -> tuple[int, int]:
    """Per-request Python loop: arrivals, branch, pod, error, retries, latency, histogram."""
    rng = random.Random(1)
    bounds = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
    hist: dict[tuple[str, int], list[int]] = {}
    params = {
        h: (b.latency.a, b.latency.b, b.error_rate, b.error_code)  # type: ignore[union-attr]
        for h, b in BEHAVIOUR.items()
    }
    t, n = 0.0, 0
    while True:
        t += rng.expovariate(rps)
        if t >= duration:
            break
        n += 1
        version = "s" if rng.random() < 0.5 else "c"
        mu, sigma, p, code = params[version]
        elapsed = 0.0
        for attempt in range(3):
            elapsed += math.exp(rng.gauss(mu, sigma))
            status = code if rng.random() < p else 200
            if status != 503 or attempt == 2:
                break
        ms = elapsed * 1000.0
        row = hist.setdefault((version, status), [0] * (len(bounds) + 1))
        i = 0
        while i < len(bounds) and ms > bounds[i]:
            i += 1
        row[i] += 1
    return n, 0


def measure(fn: Callable[[], tuple[int, int]]) -> tuple[int, float, int, int]:
    """Time one run untraced (tracemalloc slows numpy-heavy code several-fold), then repeat
    it (same seed, same work) under tracemalloc for the peak memory."""
    t0 = time.perf_counter()
    n, store_bytes = fn()
    wall = time.perf_counter() - t0
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return n, wall, peak, store_bytes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="smaller runs (about half a minute in total)"
    )
    args = ap.parse_args()
    scale = 0.2 if args.quick else 1.0
    cases = [
        ("naive loop", 100.0, 600.0),
        ("naive loop", 1000.0, 120.0),
        ("exact", 100.0, 3600.0),
        ("exact", 1000.0, 600.0),
        ("exact", 10000.0, 120.0),
        ("aggregate", 100.0, 3600.0),
        ("aggregate", 1000.0, 3600.0),
        ("aggregate", 100000.0, 3600.0),
    ]
    rows = []
    baseline: float | None = None
    for mode, rps, duration in cases:
        dur = duration * scale
        if mode == "naive loop":
            result = measure(lambda rps=rps, dur=dur: run_naive(rps, dur))
        else:
            result = measure(lambda mode=mode, rps=rps, dur=dur: run_generator(mode, rps, dur))
        n, wall, peak, store_bytes = result
        speed = n / wall if wall > 0 else math.inf
        if mode == "naive loop":
            baseline = max(baseline or 0.0, speed)
        rows.append((mode, rps, dur, n, wall, speed, peak, store_bytes))
    head = (
        f"{'mode':<11} {'rps':>8} {'sim s':>7} {'requests':>11} {'wall s':>7} "
        f"{'req/wall s':>12} {'x naive':>8} {'peak MiB':>9} {'store KiB':>9}"
    )
    print(head)
    print("-" * len(head))
    for mode, rps, dur, n, wall, speed, peak, store_bytes in rows:
        ratio = speed / baseline if baseline else math.nan
        print(
            f"{mode:<11} {rps:>8.0f} {dur:>7.0f} {n:>11,d} {wall:>7.2f} {speed:>12,.0f} "
            f"{ratio:>8.1f} {peak / 2**20:>9.1f} {store_bytes / 2**10:>9.1f}"
        )


if __name__ == "__main__":
    main()
