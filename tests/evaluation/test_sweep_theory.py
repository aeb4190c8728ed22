"""Sweeps against arithmetic done by hand: the SRE Workbook's blast radius and budget, the
binomial tail of one Prometheus success-rate measurement, the detection probability of a whole
rollout as a product (or Poisson-binomial) over its measurements, and common random numbers.

Every expected value comes from theory (see ``sweeptheory``), never from an earlier run; the
sweeps are seeded, and each check is a 99 % interval (Wilson for proportions, normal for means)
that must contain the theoretical value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sweeptheory import (
    ABORT,
    CANARY,
    STABLE,
    error_ratio_below_5pct,
    measurement_failure,
    measurement_windows,
    success_at_least_99,
    success_rate_scenario,
)

import canarysim
from canarysim.evaluation.stats import at_least, mean_interval, wilson

pytestmark = pytest.mark.slow
LEVEL = 0.99


def _stopped(sw, i):
    rows = sw.variant(i)
    return int((rows["outcome"] == "aborted").sum()), len(rows["outcome"])


def test_sre_workbook_5pct_canary_with_20pct_errors_gives_1pct_overall_and_burns_0_7pct():
    """A 30-minute canary at 5 % weight failing 20 % of its requests: 1 % of all requests fail
    (SRE Workbook ch. 16); against a 99.9 %/30 d SLO (43.2 min of budget) it burns
    (1 % / 0.1 %) x (30 min / 30 d) = 0.69 % of the budget."""
    base = canarysim.load_scenario(ABORT)
    s = base.with_changes(
        versions={CANARY: {"errorRate": 0.2}, STABLE: {"errorRate": 0.0}},
        traffic={"rate": 200},
        slo={"errorRate": 0.001, "window": "30d"},
        until=3600,
    )
    steps = [{"setWeight": 5}, {"pause": {"duration": "30m"}}]
    s = s.with_manifest(
        "Rollout",
        "checkout",
        {"spec": {"strategy": {"canary": {"steps": steps, "analysis": None}}}},
    )
    sw = canarysim.sweep(s, runs=12, executor="serial", progress=False)
    rows = sw.variant(0)
    assert (rows["outcome"] == "promoted").all()
    # The canary gets its 5 % only once its pods are ready: a few seconds of the 30 min window
    # serve it nothing, which dilutes the expected rate by at most 1 %.
    assert (rows["rollout_seconds"] >= 1800).all() and (rows["rollout_seconds"] < 1818).all()
    mean, lo, hi = mean_interval(rows["rollout_error_rate"], LEVEL)
    assert lo - 0.0001 <= 0.05 * 0.20 and hi >= 0.99 * 0.05 * 0.20, (mean, lo, hi)
    burn_theory = (0.01 / 0.001) * (1800 / (30 * 86400))
    mean, lo, hi = mean_interval(rows["budget_burn"], LEVEL)
    assert lo - 0.0001 <= burn_theory and 0.99 * burn_theory <= hi + 0.0001, (mean, burn_theory)
    report = sw.report()["variants"][0]
    assert report["canary"] == "bad" and report["budget_burn"]["mean"]["value"] is not None


def test_one_success_rate_measurement_fails_with_the_binomial_tail_computed_by_hand():
    """``result[0] >= 0.99`` at 20 % of 100 req/s: each measurement reads one 15 s scrape
    interval, n ~ Poisson(300) canary requests and Binomial(n, 0.5 %) errors; it fails with
    P(errors > floor(0.01 n)). failureLimit is out of reach, so every measurement is taken."""
    s = success_rate_scenario(weight=20, rate=100, error_rate=0.005, failure_limit=1000, pause="5m")
    sw = canarysim.sweep(s, runs=40, jobs=2, progress=False)
    rows = sw.variant(0)
    assert (rows["outcome"] == "promoted").all()
    taken, failed = int(rows["measurements"].sum()), int(rows["measurements_failed"].sum())
    assert taken == 5 * 40  # 5 m pause, 1 m interval after a 30 s delay
    q = measurement_failure(100 * 0.20 * 15, 0.005, success_at_least_99)
    assert 0.05 < q < 0.3  # the check below is not trivially met at 0 or 1
    lo, hi = wilson(failed, taken, LEVEL)
    assert lo <= q <= hi, (failed / taken, q)


def test_rollout_detection_is_the_product_over_its_measurements():
    """failureLimit 0: the rollout is stopped unless all 5 measurements pass, so
    P(detection) = 1 - (1 - q)^5 with the per-measurement q above. Declared good (0.1 % errors
    is the service's normal), the same probability reads as false rollback."""
    bad = success_rate_scenario(weight=20, rate=100, error_rate=0.005, failure_limit=0, pause="5m")
    sw = canarysim.sweep(
        bad,
        runs=120,
        vary={'versions."example/checkout:1.1".errorRate': [0.001, 0.005]},
        bad=[False, True],
        jobs=2,
        progress=False,
    )
    for i, p in enumerate((0.001, 0.005)):
        q = measurement_failure(300, p, success_at_least_99)
        expected = 1 - (1 - q) ** 5
        k, n = _stopped(sw, i)
        lo, hi = wilson(k, n, LEVEL)
        assert lo <= expected <= hi, (p, k / n, expected)
    report = sw.report()
    assert report["variants"][0]["canary"] == "good" and report["variants"][0]["false_rollback"]
    assert report["variants"][1]["canary"] == "bad" and report["variants"][1]["detection"]
    assert report["variants"][1]["detection"]["p"] > 0.25  # the 0.5 % canary is caught often


def test_analysis_abort_detection_matches_the_poisson_binomial_of_its_schedule():
    """The bundled analysis-abort scenario (error ratio < 5 %, every 30 s, failureLimit 1):
    a canary is stopped when 2 of its measurements fail. Each measurement's window (the last
    two scrapes) and canary weight come from a run that promotes; the chance that at least 2
    of them fail is the Poisson-binomial tail of the per-window binomial tails."""
    path = 'versions."example/checkout:1.1".errorRate'
    sw = canarysim.sweep(ABORT, runs=100, vary={path: [0.001, 0.04]}, jobs=2, progress=False)
    good = canarysim.load_scenario(ABORT).with_changes(versions={CANARY: {"errorRate": 0.001}})
    windows = measurement_windows(canarysim.simulate(good), 150)
    assert len(windows) >= 10 and max(windows) > min(windows) > -1
    for i, p in enumerate((0.001, 0.04)):
        expected = at_least(2, [measurement_failure(m, p, error_ratio_below_5pct) for m in windows])
        k, n = _stopped(sw, i)
        lo, hi = wilson(k, n, LEVEL)
        assert lo <= expected <= hi, (p, k / n, expected)
    assert (
        0.2
        < at_least(2, [measurement_failure(m, 0.04, error_ratio_below_5pct) for m in windows])
        < 0.9
    )


def test_common_random_numbers_give_a_tighter_interval_for_a_difference():
    """Two analysis thresholds (success >= 99 % vs >= 98.5 %) judged on the same seeds see the
    same traffic, so the stricter one stops every rollout the looser one stops: the paired
    interval of the difference in stop probability is much narrower than the one from
    independent seeds (variance d(1-d) against pa(1-pa) + pb(1-pb))."""
    base = success_rate_scenario(weight=20, rate=100, error_rate=0.008, failure_limit=0, pause="3m")
    path = "AnalysisTemplate/error-rate.spec.metrics.0.successCondition"
    vary = {path: ["result[0] >= 0.99", "result[0] >= 0.985"]}
    crn = canarysim.sweep(base, runs=50, vary=vary, jobs=2, progress=False)
    other = canarysim.sweep(base, runs=50, vary=vary, jobs=2, seed=base.seed + 1, progress=False)
    a, b = crn.variant(0), crn.variant(1)
    assert np.array_equal(a["seed"], b["seed"])
    stop_a, stop_b = a["outcome"] == "aborted", b["outcome"] == "aborted"
    assert not (stop_b & ~stop_a).any()  # coupled: the looser threshold never stops alone
    paired = crn.report()["comparisons"][0]["stopped"]
    x = stop_a.astype(float)
    y = (other.variant(1)["outcome"] == "aborted").astype(float)
    half_independent = 1.96 * math.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
    half_paired = (paired["high"] - paired["low"]) / 2
    assert 0 < half_paired < 0.8 * half_independent, (half_paired, half_independent)
