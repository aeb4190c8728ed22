"""Whole-simulation throughput: every bundled scenario, in both traffic modes.

Run: ``python benchmarks/bench_simulate.py [--quick] [--repeat N]``. Prints one row per
(scenario, mode): simulated seconds per wall-clock second, requests simulated per wall
second, wall time, and the peak memory the run allocated (``tracemalloc``; numpy reports its
buffers to it).

The baseline is measured in the same run, so the ratios do not depend on the machine: a
naive SimPy model of the same traffic, one process per request (arrive, pick a version by
weight, hold for the latency, count), run for a short window and extrapolated. That is the
model canarysim's aggregate mode replaces; its exact mode keeps per-request records but
draws them with numpy. Nothing here is asserted; tests never time anything.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import tracemalloc
from pathlib import Path

import simpy

import canarysim

ROOT = Path(__file__).resolve().parents[1]


def bundled() -> list[Path]:
    """Every ``scenarios/*/scenario.yaml`` (and the as-published twin), sorted."""
    return sorted(ROOT.glob("scenarios/**/scenario.yaml"))


def run_once(path: Path, mode: str, until: float | None) -> tuple[float, float, int]:
    """(wall seconds, simulated seconds, requests) of one simulate() call (load excluded)."""
    scenario = canarysim.load_scenario(path)
    t0 = time.perf_counter()
    result = canarysim.simulate(scenario, until=until, mode=mode)
    wall = time.perf_counter() - t0
    return wall, result.until, sum(result.summary["requests"].values())


def peak_memory(path: Path, mode: str, until: float | None) -> int:
    """Peak bytes allocated by one simulate() call, in a separate run (tracemalloc slows
    Python down several times, so it is kept out of the timed runs)."""
    scenario = canarysim.load_scenario(path)
    tracemalloc.start()
    canarysim.simulate(scenario, until=until, mode=mode)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def naive_baseline(rate: float, window: float) -> float:
    """Simulated seconds per wall second of a per-request SimPy model at ``rate``."""
    env = simpy.Environment()
    rng = random.Random(1)
    served = [0, 0]

    def request(version: int) -> simpy.events.ProcessGenerator:
        yield env.timeout(rng.lognormvariate(-4.8, 0.7))
        served[version] += 1

    def arrivals() -> simpy.events.ProcessGenerator:
        while True:
            yield env.timeout(rng.expovariate(rate))
            env.process(request(0 if rng.random() < 0.5 else 1))

    env.process(arrivals())
    t0 = time.perf_counter()
    env.run(until=window)
    return window / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="simulate 10 minutes only")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per row (median)")
    args = parser.parse_args()
    until = 600.0 if args.quick else None

    # Warm up: imports and first-call costs are not the simulator's speed.
    run_once(bundled()[0], "aggregate", 60.0)
    base = statistics.median(naive_baseline(100.0, 60.0) for _ in range(3))
    print(f"baseline: per-request SimPy model at 100 req/s: {base:,.0f} simulated s / wall s")
    print()
    header = (
        f"{'scenario':<32} {'mode':<9} {'sim s':>7} {'wall s':>7} {'sim s/wall s':>13} "
        f"{'x baseline':>10} {'req/wall s':>12} {'peak MiB':>9}"
    )
    print(header)
    print("-" * len(header))
    for path in bundled():
        name = str(path.parent.relative_to(ROOT / "scenarios"))
        for mode in ("aggregate", "exact"):
            runs = [run_once(path, mode, until) for _ in range(max(args.repeat, 1))]
            wall = statistics.median(r[0] for r in runs)
            sim, requests = runs[0][1], runs[0][2]
            peak = peak_memory(path, mode, until)
            speed = sim / wall if wall > 0 else float("inf")
            print(
                f"{name:<32} {mode:<9} {sim:>7.0f} {wall:>7.2f} {speed:>13,.0f} "
                f"{speed / base:>10,.1f} {requests / wall:>12,.0f} {peak / 2**20:>9.1f}"
            )


if __name__ == "__main__":
    main()
