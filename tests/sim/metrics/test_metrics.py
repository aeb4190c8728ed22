"""Tally helpers and the scraped metric store."""

from __future__ import annotations

import math

import numpy as np
import pytest

from canarysim.sim.metrics.store import MetricStore
from canarysim.sim.metrics.tally import (
    DURATION,
    ISTIO_DURATION_BUCKETS_MS,
    REQUESTS_TOTAL,
    SeriesKey,
    Tally,
    histogram_quantile,
)

NBINS = len(ISTIO_DURATION_BUCKETS_MS) + 1
CANARY_OK = SeriesKey("destination", "canary-svc", "demo", "abc", 200)


def series(
    store: MetricStore, name: str, **match: str
) -> list[tuple[dict, np.ndarray, np.ndarray]]:
    return [s for s in store.select(name) if all(s[0].get(k) == v for k, v in match.items())]


def test_istio_default_buckets() -> None:
    assert ISTIO_DURATION_BUCKETS_MS[:4] == (0.5, 1, 5, 10)
    assert ISTIO_DURATION_BUCKETS_MS[-1] == 3600000
    assert len(ISTIO_DURATION_BUCKETS_MS) == 19


def test_histogram_quantile_by_hand() -> None:
    bounds = (10.0, 50.0, 100.0)
    counts = np.array([2, 6, 2, 0])
    assert histogram_quantile(0.5, bounds, counts) == pytest.approx(30.0)
    assert histogram_quantile(0.1, bounds, counts) == pytest.approx(5.0)
    assert histogram_quantile(1.0, bounds, np.array([0, 0, 1, 1])) == 100.0  # rank in +Inf
    assert math.isnan(histogram_quantile(0.5, bounds, np.zeros(4)))


def test_tally_add_records_and_summaries() -> None:
    tally = Tally(edges=np.array([0.0, 1.0, 2.0]))
    tally.add_records(CANARY_OK, np.array([0, 0, 1]), np.array([0.5, 7.0, 20000.0]))
    err = SeriesKey("destination", "canary-svc", "demo", "abc", 503)
    tally.add_records(err, np.array([1]), np.array([3.0]))
    sc = tally.series[CANARY_OK]
    assert sc.count.tolist() == [2, 1]
    assert sc.sum_ms.tolist() == [7.5, 20000.0]
    assert sc.hist[0, 0] == 1  # 0.5 <= le 0.5
    assert sc.hist[0, ISTIO_DURATION_BUCKETS_MS.index(10)] == 1
    assert sc.hist[1, ISTIO_DURATION_BUCKETS_MS.index(30000)] == 1
    assert tally.requests("destination") == 4
    assert tally.requests("destination", errors_only=True, per_bucket=True).tolist() == [0, 1]
    assert tally.by_code("destination") == {200: 3, 503: 1}
    assert tally.hashes() == ["abc"]


def feed(
    store: MetricStore, t0: float, t1: float, per_bucket: int, key: SeriesKey = CANARY_OK
) -> Tally:
    edges = np.arange(t0, t1 + 0.5, 1.0)
    tally = Tally(edges=edges)
    hist = np.zeros((len(edges) - 1, NBINS))
    hist[:, ISTIO_DURATION_BUCKETS_MS.index(50)] = per_bucket
    tally.add_binned(key, hist, np.full(len(edges) - 1, per_bucket * 40.0))
    store.ingest(tally)
    return tally


def test_store_scrapes_cumulative_counters_on_the_interval() -> None:
    store = MetricStore(scrape_interval_s=15.0)
    feed(store, 0.0, 60.0, 2)
    assert store.scrape_times.tolist() == [0.0, 15.0, 30.0, 45.0, 60.0]
    [(labels, t, v)] = series(store, REQUESTS_TOTAL)
    # The counter exists from its first request on: first sample at the 15 s scrape.
    assert t.tolist() == [15.0, 30.0, 45.0, 60.0]
    assert v.tolist() == [30.0, 60.0, 90.0, 120.0]
    assert labels["destination_service"] == "canary-svc.default.svc.cluster.local"
    assert labels["destination_service_name"] == "canary-svc"
    assert labels["destination_workload"] == "demo"
    assert labels["destination_workload_namespace"] == "default"
    assert labels["rollouts_pod_template_hash"] == "abc"
    assert labels["response_code"] == "200" and labels["reporter"] == "destination"
    [(_, _, s)] = series(store, DURATION + "_sum")
    assert s[-1] == pytest.approx(120 * 40.0)
    buckets = series(store, DURATION + "_bucket")
    assert len(buckets) == NBINS
    by_le = {lb["le"]: v[-1] for lb, _, v in buckets}
    assert by_le["25"] == 0.0 and by_le["50"] == 120.0 and by_le["+Inf"] == 120.0
    assert by_le["0.5"] == 0.0 and by_le["3600000"] == 120.0


def test_store_continues_across_tallies_and_gaps() -> None:
    store = MetricStore(scrape_interval_s=10.0)
    feed(store, 0.0, 20.0, 1)
    store.advance_to(45.0)  # a stretch without traffic: counters stay
    feed(store, 45.0, 50.0, 3)
    [(_, t, v)] = series(store, REQUESTS_TOTAL)
    assert t.tolist() == [10.0, 20.0, 30.0, 40.0, 50.0]
    assert v.tolist() == [10.0, 20.0, 20.0, 20.0, 35.0]


def test_bucket_straddling_a_scrape_counts_at_the_next_one() -> None:
    store = MetricStore(scrape_interval_s=10.0)
    tally = Tally(edges=np.array([0.0, 5.0, 12.0, 20.0]))
    tally.add_records(CANARY_OK, np.array([0, 1, 1, 2]), np.full(4, 1.0))
    store.ingest(tally)
    [(_, t, v)] = series(store, REQUESTS_TOTAL)
    assert t.tolist() == [10.0, 20.0] and v.tolist() == [1.0, 4.0]


def test_source_series_without_a_pod_have_unknown_workload() -> None:
    store = MetricStore(namespace="prod")
    uh = SeriesKey("source", "canary-svc", "unknown", "unknown", 503, "UH")
    feed(store, 0.0, 15.0, 1, uh)
    [(labels, _, v)] = series(store, REQUESTS_TOTAL)
    assert labels["destination_workload_namespace"] == "unknown"
    assert labels["destination_service"] == "canary-svc.prod.svc.cluster.local"
    assert labels["response_flags"] == "UH" and v.tolist() == [15.0]


def test_shadow_and_primary_copies_share_one_series() -> None:
    store = MetricStore()
    tally = Tally(edges=np.array([0.0, 15.0]))
    tally.add_records(CANARY_OK, np.array([0]), np.array([1.0]))
    shadow = SeriesKey("destination", "canary-svc", "demo", "abc", 200, "-", True)
    tally.add_records(shadow, np.array([0, 0]), np.array([1.0, 1.0]))
    store.ingest(tally)
    [(_, _, v)] = series(store, REQUESTS_TOTAL)
    assert v.tolist() == [3.0]


def test_store_grows_by_doubling_and_rejects_foreign_buckets() -> None:
    store = MetricStore(scrape_interval_s=1.0)
    for i in range(10):
        key = SeriesKey("destination", f"svc{i}", "w", "h", 200)
        feed(store, float(i * 20), float(i * 20 + 20), 1, key)
    assert len(store.scrape_times) == 201
    assert len(store.metric_names()) == 4
    assert store.memory_bytes() > 0
    with pytest.raises(ValueError):
        store.ingest(Tally(edges=np.array([200.0, 201.0]), buckets_ms=(1.0, 2.0)))


def test_traffic_to_store_to_promql_end_to_end() -> None:
    """The canary's share read back through PromQL matches its weight (binomial bounds)."""
    from canarysim.lang.promql.query import evaluate
    from canarysim.sim.mesh.router import Branch, RequestClass, RoutePlan
    from canarysim.sim.stochastic.distributions import Dist, PoissonArrivals
    from canarysim.sim.stochastic.rng import Streams
    from canarysim.sim.traffic.generator import TrafficGenerator, VersionBehaviour

    rc = RequestClass(host="shop")
    plan = RoutePlan(
        route_name="primary",
        branches=(Branch(0.7, "stable-svc", {"s": 2}), Branch(0.3, "canary-svc", {"c": 1})),
    )
    beh = {h: VersionBehaviour(0.0, Dist.lognormal(0.02, 0.1), workload="shop") for h in "sc"}
    gen = TrafficGenerator(PoissonArrivals(100.0), [(rc, 1.0)])
    store = MetricStore()
    streams = Streams(4)
    for t0 in range(0, 600, 10):
        store.ingest(gen.advance(float(t0), float(t0 + 10), {rc: plan}, beh, streams))
    share = evaluate(
        'sum(increase(istio_requests_total{reporter="source",destination_service_name="canary-svc"}[5m]))'
        ' / sum(increase(istio_requests_total{reporter="source"}[5m]))',
        store,
        600.0,
    )
    n = 100.0 * 300
    [(_, value)] = share.samples  # type: ignore[union-attr]
    assert abs(value - 0.3) < 5 * math.sqrt(0.3 * 0.7 / n)
    p50 = evaluate(
        "histogram_quantile(0.5, sum by (le) (rate("
        'istio_request_duration_milliseconds_bucket{reporter="destination"}[5m])))',
        store,
        600.0,
    )
    [(_, median)] = p50.samples  # type: ignore[union-attr]
    # The 20 ms median lies in the (10, 25] bucket; Prometheus interpolates linearly inside it.
    d = Dist.lognormal(20.0, 100.0)
    expected = 10.0 + 15.0 * (0.5 - d.cdf(10.0)) / (d.cdf(25.0) - d.cdf(10.0))
    assert median == pytest.approx(expected, abs=0.5)
