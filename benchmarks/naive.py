"""The baseline: the seed scenario as a user would model it by hand, one SimPy process per request.

Poisson arrivals at ``rate``; each request picks stable or canary by the current weight, holds
its log-normal latency (median 8 ms, p99 40 ms), fails with probability 0.001 and is counted per
10 s bucket and version with a latency histogram (Istio's bucket bounds, ms). The rollout is a
process on the seed's timeline: the new image at 5 m, weight 50 once its pod is up, a 1 h pause,
then everything on the new version. ``run(rate, until)`` returns the requests simulated.
"""

from __future__ import annotations

import bisect
import math
import random

import simpy

BOUNDS_MS = (0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
MU, SIGMA = math.log(0.008), math.log(40 / 8) / 2.326


def run(rate: float = 100.0, until: float = 7200.0, seed: int = 1) -> int:
    env = simpy.Environment()
    rng = random.Random(seed)
    weight = {"canary": 0}
    buckets: dict[tuple[int, str], list[int]] = {}

    def request(version: str):
        latency = rng.lognormvariate(MU, SIGMA)
        yield env.timeout(latency)
        row = buckets.setdefault((int(env.now // 10), version), [0] * (len(BOUNDS_MS) + 2))
        row[bisect.bisect_left(BOUNDS_MS, latency * 1000.0)] += 1
        row[-1] += rng.random() < 0.001

    def arrivals():
        while True:
            yield env.timeout(rng.expovariate(rate))
            canary = rng.random() * 100 < weight["canary"]
            env.process(request("canary" if canary else "stable"))

    def rollout():
        yield env.timeout(300 + 37)  # setImage at 5m; the canary pod is up 37 s later
        weight["canary"] = 50
        yield env.timeout(3600)  # pause: 1h
        weight["canary"] = 100  # promoted: every request answered by the new version

    env.process(arrivals())
    env.process(rollout())
    env.run(until=until)
    return sum(sum(row[:-1]) for row in buckets.values())


if __name__ == "__main__":
    import time

    t0 = time.perf_counter()
    n = run(100.0, 600.0)
    print(f"{n:,} requests in {time.perf_counter() - t0:.2f} s")
