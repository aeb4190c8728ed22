"""Sweep throughput: a 1,000-run sweep of the seed scenario against a plain loop of simulate().

Run: ``python benchmarks/bench_sweep.py [--runs N] [--jobs N]``. Prints one row per way of
running the same N seeds of ``scenarios/imesh-canary``:

* ``loop of simulate`` (the baseline, measured in the same run): one process, a Python loop
  calling ``canarysim.simulate`` with each seed, nothing else;
* ``sweep serial``: ``canarysim.sweep(..., executor="serial")``; its time minus the baseline's,
  per run, is the sweep's own overhead (seeds, the row of each run, the columns);
* ``sweep --jobs N``: local processes (worker start-up included);
* ``sweep dask`` (when dask is installed): a ``LocalCluster`` of N single-thread workers.

Targets (issue: strategy evaluation): 1,000 runs in at most 30 s on 2 cores; the sweep's own
overhead under 2 ms per run. Nothing here is asserted; tests never time anything.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import canarysim
from canarysim.evaluation.seeds import run_seeds

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "scenarios" / "imesh-canary" / "scenario.yaml"


def loop(scenario, seeds) -> tuple[float, float]:
    """(wall s, CPU s of this process) of the plain loop."""
    t0, c0 = time.perf_counter(), time.process_time()
    for s in seeds:
        canarysim.simulate(scenario.model_copy(update={"seed": int(s)}))
    return time.perf_counter() - t0, time.process_time() - c0


def timed(**options) -> tuple[float, float]:
    """(wall s, CPU s of this process: all of it for a serial sweep, the parent's otherwise)."""
    t0, c0 = time.perf_counter(), time.process_time()
    canarysim.sweep(SEED, progress=False, **options)
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="runs of the sweep (default 1000)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="local processes")
    parser.add_argument("--no-dask", action="store_true", help="leave the Dask row out")
    args = parser.parse_args()
    scenario = canarysim.load_scenario(SEED)
    canarysim.simulate(scenario)  # warm imports and caches
    seeds = run_seeds(scenario.seed, args.runs)
    base, base_cpu = loop(scenario, seeds)
    rows = [("loop of simulate (baseline)", (base, base_cpu))]
    serial, serial_cpu = timed(runs=args.runs, executor="serial")
    rows.append(("sweep serial", (serial, serial_cpu)))
    rows.append((f"sweep --jobs {args.jobs}", timed(runs=args.runs, jobs=args.jobs)))
    if not args.no_dask:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            pass
        else:
            with (
                LocalCluster(
                    n_workers=args.jobs, threads_per_worker=1, dashboard_address=None
                ) as cluster,
                Client(cluster) as client,
            ):
                rows.append(
                    (f"sweep dask ({args.jobs} workers)", timed(runs=args.runs, executor=client))
                )
    print(f"{args.runs} runs of {SEED.relative_to(ROOT)} on {os.cpu_count()} cores")
    print(f"{'how':<30} {'wall s':>8} {'ms/run':>8} {'vs baseline':>12} {'CPU s here':>11}")
    for name, (wall, cpu) in rows:
        per = 1000 * wall / args.runs
        print(f"{name:<30} {wall:8.2f} {per:8.2f} {base / wall:11.2f}x {cpu:11.2f}")
    # CPU time of this process is robust to other load on the machine; wall time is not.
    overhead = 1000 * (serial_cpu - base_cpu) / args.runs
    print(f"sweep overhead per run (serial - baseline, CPU): {overhead:.2f} ms (target < 2 ms)")


if __name__ == "__main__":
    main()
