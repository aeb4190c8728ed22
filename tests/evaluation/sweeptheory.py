"""Scenarios whose risk figures follow from a binomial model computed by hand (no simulator)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import canarysim
from canarysim.evaluation.stats import binom_sf

ROOT = Path(__file__).resolve().parents[2]
ABORT = ROOT / "scenarios" / "analysis-abort" / "scenario.yaml"
CANARY = "example/checkout:1.1"
STABLE = "example/checkout:1.0"
SCRAPE = 15.0  # the metric store's scrape interval: irate(...[1m]) spans the last two scrapes

SUCCESS_QUERY = (
    'sum(irate(istio_requests_total{reporter="source",destination_service=~'
    '"checkout-canary.shop.svc.cluster.local",response_code!~"5.*"}[1m]))\n/\n'
    'sum(irate(istio_requests_total{reporter="source",destination_service=~'
    '"checkout-canary.shop.svc.cluster.local"}[1m]))'
)


def success_rate_scenario(
    *, weight: int, rate: float, error_rate: float, failure_limit: int, pause: str = "10m"
):
    """One ``setWeight`` held for ``pause`` under a background Prometheus success-rate analysis
    (``result[0] >= 0.99``, every minute after a 30 s delay); the stable version never fails."""
    base = canarysim.load_scenario(ABORT)
    s = base.with_changes(
        versions={CANARY: {"errorRate": error_rate}, STABLE: {"errorRate": 0.0}},
        traffic={"rate": rate},
        until=3600,
    )
    s = s.with_manifest(
        "AnalysisTemplate",
        "error-rate",
        {
            "spec": {
                "metrics": [
                    {
                        "name": "success-rate",
                        "interval": "1m",
                        "initialDelay": "30s",
                        "failureLimit": failure_limit,
                        "successCondition": "result[0] >= 0.99",
                        "provider": {
                            "prometheus": {
                                "address": "http://prometheus.istio-system:9090",
                                "query": SUCCESS_QUERY,
                            }
                        },
                    }
                ]
            }
        },
    )
    steps = [{"setWeight": weight}, {"pause": {"duration": pause}}]
    return s.with_manifest(
        "Rollout", "checkout", {"spec": {"strategy": {"canary": {"steps": steps}}}}
    )


def poisson_pmf(mean: float, upto: int) -> np.ndarray:
    k = np.arange(upto + 1)
    logs = k * math.log(mean) - mean - np.array([math.lgamma(i + 1.0) for i in k])
    return np.exp(logs)


def measurement_failure(mean_requests: float, error_rate: float, max_ok) -> float:
    """P(one measurement fails): the canary's requests in the window are Poisson (thinned
    Poisson arrivals), its errors Binomial(n, p) given n; the measurement passes when at most
    ``max_ok(n)`` requests failed, and fails when n == 0 (the ratio is NaN: no comparison holds).
    """
    if mean_requests <= 0:
        return 0.0
    upto = int(mean_requests + 12 * math.sqrt(mean_requests) + 20)
    pmf = poisson_pmf(mean_requests, upto)
    fail = pmf[0]
    for n in range(1, upto + 1):
        fail += pmf[n] * binom_sf(max_ok(n) + 1, n, error_rate)
    return float(fail)


def success_at_least_99(n: int) -> int:
    """``result[0] >= 0.99`` on successes/n passes with at most floor(0.01 n) errors."""
    return math.floor(0.01 * n + 1e-9)


def error_ratio_below_5pct(n: int) -> int:
    """``result[0] < 0.05`` on errors/n passes with at most ceil(0.05 n) - 1 errors."""
    return math.ceil(0.05 * n - 1e-9) - 1


def measurement_windows(result, rate: float) -> list[float]:
    """Mean canary requests in the window each measurement of ``result`` read: irate over the
    last two scrapes before it, with the canary weight of the series integrated over it."""
    times, weights = result.series["time"], result.series["weight.canary"]
    means = []
    for m in result.measurements:
        end = math.floor(m["time"] / SCRAPE) * SCRAPE
        start = end - SCRAPE
        grid = np.linspace(start, end, 301)[:-1] + SCRAPE / 600
        idx = np.searchsorted(times, grid, side="right") - 1
        means.append(rate * SCRAPE * float(np.mean(weights[np.maximum(idx, 0)])) / 100.0)
    return means
