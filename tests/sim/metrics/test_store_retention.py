"""A store that keeps only its retention window answers every query within it as a full one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from canarysim.declarations import load_scenario
from canarysim.lang.promql.query import evaluate
from canarysim.sim.analysis.providers import metric_lookback, reads_metrics
from canarysim.sim.build import analysis_templates
from canarysim.sim.metrics.store import MetricStore
from canarysim.sim.metrics.tally import ISTIO_DURATION_BUCKETS_MS, SeriesKey, Tally
from canarysim.sim.world import World

NBINS = len(ISTIO_DURATION_BUCKETS_MS) + 1
ROOT = Path(__file__).resolve().parents[3]
QUERIES = (
    'sum(rate(istio_requests_total{response_code="503"}[2m]))',
    "sum(irate(istio_requests_total[1m])) by (response_code)",
    "istio_requests_total offset 1m",
    "histogram_quantile(0.9, sum(rate(istio_request_duration_milliseconds_bucket[3m])) by (le))",
)


def _tallies(seconds: int, seed: int) -> list[Tally]:
    """Random traffic in 10 s calls: two codes, the second appearing late."""
    rng = np.random.default_rng(seed)
    out = []
    for t0 in range(0, seconds, 10):
        tally = Tally(edges=np.arange(t0, t0 + 10.5, 5.0))
        for code, start in ((200, 0), (503, seconds // 3)):
            if t0 >= start:
                hist = rng.poisson(3.0, size=(2, NBINS))
                key = SeriesKey("source", "svc", "demo", "abc", code)
                tally.add_binned(key, hist, hist.sum(axis=1) * 20.0)
        out.append(tally)
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_queries_within_the_window_see_what_a_full_store_sees(seed: int) -> None:
    full = MetricStore(scrape_interval_s=15.0)
    kept = MetricStore(scrape_interval_s=15.0, retention_s=360.0)  # 5 m lookback + 1 m offset
    for tally in _tallies(3600, seed):
        full.ingest(tally)
        kept.ingest(tally)
        # After every call, right after a window move too.
        for query in QUERIES:
            assert repr(evaluate(query, kept, tally.t1)) == repr(evaluate(query, full, tally.t1))
    assert kept.scrape_times[-1] == full.scrape_times[-1] == 3600.0
    # The window moved instead of growing: far fewer samples held than scraped.
    assert len(kept.scrape_times) < len(full.scrape_times) / 2
    assert kept.memory_bytes() < full.memory_bytes() / 2


def test_negative_retention_is_refused() -> None:
    with pytest.raises(ValueError):
        MetricStore(retention_s=-1.0)


def _scenario(name: str):
    return load_scenario(ROOT / "scenarios" / name / "scenario.yaml")


def test_a_run_without_metric_queries_keeps_no_store() -> None:
    seed = _scenario("imesh-canary")
    assert not reads_metrics(seed, analysis_templates(seed, seed.namespace).values())
    assert World.build(seed).store is None
    aborted = _scenario("analysis-abort")
    templates = list(analysis_templates(aborted, aborted.namespace).values())
    assert reads_metrics(aborted, templates)
    # irate(...[1m]) is its longest look back.
    assert metric_lookback(aborted, templates) == 60.0
    store = World.build(aborted).store
    assert store is not None and store.retention_s == 60.0


def _template(query: str, **prometheus: object) -> list[dict]:
    metric = {"name": "m", "provider": {"prometheus": {"query": query, **prometheus}}}
    return [{"spec": {"metrics": [metric]}}]


@pytest.mark.parametrize(
    ("query", "reach"),
    [
        ('sum(rate(x{a="{{args.svc}}"}[5m] offset 1m))', 360.0),
        ("x", 300.0),  # an instant selector reads the 5 m lookback
        ("vector(1)", 0.0),
        ("x offset 2m / max_over_time(y[10m:1m])", 600.0 + 60.0 + 300.0),  # a subquery
        ("x @ 100", None),  # an absolute time: anywhere in the past
        ("sum(x", None),  # does not parse: keep everything (the query fails anyway)
        ("sum(rate(x[{{args.window}}]))", None),  # the range is only known at run time
        ("{{args.query}}", None),
    ],
)
def test_lookback_of_a_query(query: str, reach: float | None) -> None:
    seed = _scenario("imesh-canary")
    assert metric_lookback(seed, _template(query)) == reach


def test_a_range_query_keeps_every_sample_and_the_caller_can_ask_for_them_all() -> None:
    seed = _scenario("imesh-canary")
    window = {"start": "now() - duration('1h')", "end": "now()", "step": "1m"}
    assert metric_lookback(seed, _template("x", rangeQuery=window)) is None
    store = World.build(seed, keep_metrics=True).store
    assert store is not None and store.retention_s is None


def test_sorted_unique_is_numpys_unique() -> None:
    from canarysim.sim.metrics.tally import sorted_unique

    rng = np.random.default_rng(3)
    for values in (
        rng.integers(0, 20, size=200),
        rng.integers(0, 5, size=(7, 3)),
        np.round(rng.random(100) * 10, 1),
        np.array([]),
        np.array([4.0]),
    ):
        got, want = sorted_unique(values), np.unique(values)
        assert got.dtype == want.dtype
        assert got.tolist() == want.tolist()
