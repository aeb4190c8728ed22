"""Istio's series per scraped pod: target labels, shares of a version's counts, new pods'
series, gone pods' staleness markers (:mod:`canarysim.sim.metrics.targets`)."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from worldkit import rollout, service, set_image, virtual_service, write_scenario

from canarysim.lang.promql.query import evaluate
from canarysim.sim.metrics.store import MetricStore
from canarysim.sim.metrics.tally import SeriesKey, Tally
from canarysim.sim.metrics.targets import Target, pod_ip, split_shares
from canarysim.sim.world import World


@given(
    st.lists(st.lists(st.integers(0, 50), min_size=3, max_size=3), min_size=1, max_size=6),
    st.integers(0, 1000),
    st.integers(1, 7),
)
def test_shares_sum_to_the_counts_stay_ordered_and_differ_by_at_most_one(cols, before, n):
    # three counters ordered as histogram buckets are (le=1 <= le=5 <= +Inf) at every bucket
    inc = np.cumsum(np.asarray(cols, dtype=np.int64), axis=1).T  # (3 rows, buckets)
    base = np.asarray([before, before * 2, before * 3], dtype=np.int64)
    shares = split_shares(inc, base, n)
    assert shares.shape == (n, 3, len(cols))
    assert (shares >= 0).all()
    assert (shares.sum(axis=0) == inc).all()
    cum = np.cumsum(shares, axis=2)
    # per pod, cumulative buckets stay ordered like the totals (a histogram stays one)
    own = np.cumsum(split_shares(inc, np.zeros(3, dtype=np.int64), n), axis=2)
    assert (np.diff(own, axis=1) >= 0).all()
    # over the whole stretch pods differ by at most one request per counter
    assert (cum.max(axis=0) - cum.min(axis=0) <= 1).all()


def test_pod_ips_are_stable_private_addresses():
    ip = pod_ip("checkout-64b5bf767b-cpnh7")
    assert ip == pod_ip("checkout-64b5bf767b-cpnh7")
    assert re.fullmatch(r"10\.244\.\d{1,3}\.\d{1,3}", ip)
    assert Target.of("p").labels() == {"instance": f"{pod_ip('p')}:15020", "pod": "p"}


def _tally(t0: float, t1: float, key: SeriesKey, per_bucket: int) -> Tally:
    edges = np.arange(t0, t1 + 1e-9, 5.0)
    tally = Tally(edges)
    n = len(edges) - 1
    buckets = np.repeat(np.arange(n), per_bucket)
    tally.add_records(key, buckets, np.full(len(buckets), 40.0))
    return tally


def test_a_versions_requests_are_dealt_to_its_pods_and_a_gone_pod_goes_stale():
    store = MetricStore(namespace="ns")
    key = SeriesKey("destination", "svc", "app", "abc", 200)
    store.set_serving({"abc": (Target.of("app-abc-1"), Target.of("app-abc-2"))})
    store.ingest(_tally(0.0, 60.0, key, 3))  # 3 requests every 5 s: 36
    at = 60.0
    by_pod = evaluate("sum by (pod, instance) (istio_requests_total)", store, at)
    got = {lb["pod"]: (lb["instance"], v) for lb, v in by_pod}
    assert got == {
        "app-abc-1": (f"{pod_ip('app-abc-1')}:15020", 18.0),
        "app-abc-2": (f"{pod_ip('app-abc-2')}:15020", 18.0),
    }
    # the latency sum and the buckets are shared as the count is
    [(_, total_ms)] = evaluate("sum(istio_request_duration_milliseconds_sum)", store, at)
    assert total_ms == 36 * 40.0
    [(_, le50)] = evaluate('sum(istio_request_duration_milliseconds_bucket{le="50"})', store, at)
    assert le50 == 36.0
    # pod 2 is deleted at 62 s; a new pod 3 takes its place from 65 s
    store.target_gone("app-abc-2", 62.0)
    store.set_serving({"abc": (Target.of("app-abc-1"), Target.of("app-abc-3"))})
    store.ingest(_tally(60.0, 120.0, key, 3))
    pods = lambda q, t: sorted(lb["pod"] for lb, _ in evaluate(q, store, t))  # noqa: E731
    # the marker is at the 75 s scrape (the first after 62 s): present at 74.9, gone at 75,
    # when the new pod's series appears (its first scrape after its first request)
    assert pods("istio_requests_total", 74.9) == ["app-abc-1", "app-abc-2"]
    assert pods("istio_requests_total", 75.0) == ["app-abc-1", "app-abc-3"]
    # a range selector still reads the gone pod's real samples
    assert "app-abc-2" in pods("max_over_time(istio_requests_total[1m])", 100.0)
    assert [lb["pod"] for lb, *_ in store.select_ends(REQUESTS) if _[-1] is not None] == [
        "app-abc-2"
    ]
    # every request is counted once over the pods (sums by version do not change)
    [(_, total)] = evaluate("sum(max_over_time(istio_requests_total[5m]))", store, 120.0)
    assert total == 72.0


REQUESTS = "istio_requests_total"


def _run(tmp_path, **fields):
    path = write_scenario(
        tmp_path,
        manifests=[
            rollout(replicas=3, steps=[{"setWeight": 50}, {"pause": {"duration": "2m"}}]),
            service("canary-svc"),
            service("stable-svc"),
            virtual_service(),
        ],
        until="8m",
        operator=[set_image("1m")],
        traffic={"rate": 60, "gateway": "mesh"},
        **fields,
    )
    world = World.build(path, keep_metrics=True)
    world.run()
    world.flow.flush(world.env.now)
    world.store.advance_to(world.env.now)
    return world


def test_a_rollout_leaves_a_series_per_pod_and_stale_series_for_the_old_pods(tmp_path):
    world = _run(tmp_path)
    store = world.store
    pods_seen = {
        lb["pod"]: lb for lb, *_ in store.select_ends(REQUESTS) if lb["reporter"] == "destination"
    }
    # the destination series are per pod, with the scrape's target labels
    for pod, lb in pods_seen.items():
        assert lb["instance"] == f"{pod_ip(pod)}:15020"
        assert lb["namespace"] == "ns" and lb["job"] == "kubernetes-pods"
        assert pod.startswith(f"app-{lb['rollouts_pod_template_hash']}-")
    hashes = {lb["rollouts_pod_template_hash"] for lb in pods_seen.values()}
    assert len(hashes) == 2  # the old and the new revision's pods
    assert len(pods_seen) >= 6  # three old pods and three new ones at least
    # the old revision's pods are gone after the promotion: their series end with a marker
    gone = {c.object[4:] for c in world.cluster.log if c.what == "gone"}
    stale = {lb["pod"] for lb, *_, end in store.select_ends(REQUESTS) if end is not None}
    assert gone & set(pods_seen) and stale == gone & set(pods_seen)
    now = world.env.now
    live = evaluate('count by (pod) (istio_requests_total{reporter="destination"})', store, now)
    assert {lb["pod"] for lb, _ in live} == set(pods_seen) - stale
    # sums by version are the generator's: every user request once on the source side, and
    # the destination side per pod adds up to the same per hash as the source side when no
    # attempt is retried
    [(_, src)] = evaluate('sum(istio_requests_total{reporter="source"})', store, now)
    assert src == sum(r["requests"] for r in world.flow.totals.values())
    per_hash = evaluate(
        "sum by (rollouts_pod_template_hash) "
        '(max_over_time(istio_requests_total{reporter="destination"}[1h]))',
        store,
        now,
    )
    assert sum(v for _, v in per_hash) == src


def _series_by_label(store: MetricStore) -> dict[tuple, np.ndarray]:
    return {
        (name, tuple(sorted(labels.items()))): values
        for name, labels, values in store.samples.series()
    }


def test_a_tally_dealt_in_slices_gives_the_scrapes_of_one_piece(tmp_path, monkeypatch):
    # Many pods over a long tally are dealt a slice of buckets at a time to bound memory: the
    # scraped counters are the same as in one piece, bucket for bucket (the latency sums may
    # differ in their last bits: they are added slice by slice).
    (tmp_path / "whole").mkdir()
    (tmp_path / "sliced").mkdir()
    whole = _run(tmp_path / "whole").store
    monkeypatch.setattr("canarysim.sim.metrics.store.SHARE_BUDGET", 1)  # one bucket a slice
    sliced = _run(tmp_path / "sliced").store
    a, b = _series_by_label(whole), _series_by_label(sliced)
    assert a.keys() == b.keys() and len(a) > 50
    assert np.array_equal(whole.scrape_times, sliced.scrape_times)
    for ident, values in a.items():
        if ident[0].endswith("_sum"):
            np.testing.assert_allclose(values, b[ident], rtol=1e-12, equal_nan=True)
        else:
            assert np.array_equal(values, b[ident], equal_nan=True), ident
