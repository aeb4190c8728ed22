"""A store that keeps only its retention window answers every query within it as a full one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from canarysim.declarations import load_scenario
from canarysim.lang.promql.query import evaluate
from canarysim.sim.analysis.providers import metric_lookback, metric_names_read, reads_metrics
from canarysim.sim.build import analysis_templates
from canarysim.sim.metrics.store import MetricStore
from canarysim.sim.metrics.tally import ISTIO_DURATION_BUCKETS_MS, SeriesKey, Tally
from canarysim.sim.metrics.targets import Target
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


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ('sum(rate(istio_requests_total{a="{{args.svc}}"}[5m]))', {"istio_requests_total"}),
        (
            "histogram_quantile(0.9, sum(rate(istio_request_duration_milliseconds_bucket[1m]))"
            " by (le)) / sum(x)",
            {"istio_request_duration_milliseconds_bucket", "x"},
        ),
        ("max_over_time(y[10m:1m]) + vector(1)", {"y"}),  # inside a subquery too
        ("vector(1)", set()),
        ('{__name__=~"istio_.*"}', None),  # a name pattern may read any metric
        # a name given by an argument: whatever the argument holds
        ('sum(rate({__name__="{{args.metric}}"}[1m]))', None),
        ('{__name__="istio_{{args.kind}}_total"}', None),
        ('{job="x"}', None),  # no name at all
        ("{{args.query}}", None),  # only known at run time
        ("sum(x", None),  # does not parse
    ],
)
def test_metric_names_a_query_reads(query: str, names: set[str] | None) -> None:
    seed = _scenario("imesh-canary")
    found = metric_names_read(seed, _template(query))
    assert (None if found is None else set(found)) == names


@pytest.mark.parametrize("pods", [1, 4])
def test_a_store_without_histograms_keeps_the_request_counters_a_full_one_keeps(pods) -> None:
    full = MetricStore(scrape_interval_s=15.0)
    lean = MetricStore(scrape_interval_s=15.0, names=frozenset({"istio_requests_total"}))
    assert full.histograms and not lean.histograms
    if pods > 1:
        serving = {"abc": tuple(Target.of(f"demo-{i}") for i in range(pods))}
        full.set_serving(serving)
        lean.set_serving(serving)
    for tally in _tallies(1800, 3):
        full.ingest(tally)
        lean.ingest(tally)
    assert lean.metric_names() == ["istio_requests_total"]
    assert len(full.metric_names()) == 4
    for query in QUERIES[:3]:
        assert repr(evaluate(query, lean, 1800.0)) == repr(evaluate(query, full, 1800.0))

    def series(store: MetricStore) -> int:
        return sum(len(list(store.select(name))) for name in store.metric_names())

    # per key and pod: one counter instead of the counter, _count, _sum and 20 _bucket series
    assert series(full) == 23 * series(lean) > 0


def test_a_run_keeps_only_the_metrics_its_queries_name() -> None:
    aborted = _scenario("analysis-abort")
    store = World.build(aborted).store
    assert store is not None and not store.histograms
    assert World.build(aborted, keep_metrics=True).store.histograms
