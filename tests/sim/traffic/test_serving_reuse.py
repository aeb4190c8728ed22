"""Aggregate serving reuses what it built for a policy, a backend set and a distribution:
a later interval whose policy, endpoints or behaviour changed must be served as a fresh
generator serves it."""

from __future__ import annotations

import numpy as np

from canarysim.sim.mesh.router import Branch, RequestClass, RoutePlan
from canarysim.sim.metrics.tally import Tally
from canarysim.sim.stochastic.distributions import Dist, PoissonArrivals
from canarysim.sim.stochastic.rng import Streams
from canarysim.sim.traffic.generator import TrafficGenerator, VersionBehaviour

RC = RequestClass(host="shop")
SLOW = VersionBehaviour(0.2, Dist.lognormal(0.05, 0.9), workload="shop")


def _gen() -> TrafficGenerator:
    return TrafficGenerator(PoissonArrivals(300.0), [(RC, 1.0)])


def _plan(backends: dict[str, int], **kw: object) -> RoutePlan:
    kw.setdefault("retry_attempts", 0)
    branch = Branch(1.0, "shop", backends)
    return RoutePlan(route_name="primary", branches=(branch,), **kw)  # type: ignore[arg-type]


def _same(a: Tally, b: Tally) -> None:
    assert a.series.keys() == b.series.keys()
    for key, sc in a.series.items():
        other = b.series[key]
        assert np.array_equal(sc.count, other.count)
        assert np.array_equal(sc.hist, other.hist)
        assert sc.sum_ms.tobytes() == other.sum_ms.tobytes()


def _after_warm_up(first: tuple[RoutePlan, dict[str, VersionBehaviour]], then: tuple) -> None:
    """``then`` served by a generator that served ``first`` equals a fresh generator's."""
    warm = _gen()
    warm.advance(0.0, 60.0, {RC: first[0]}, first[1], Streams(3))
    got = warm.advance(60.0, 120.0, {RC: then[0]}, then[1], Streams(4))
    want = _gen().advance(60.0, 120.0, {RC: then[0]}, then[1], Streams(4))
    _same(got, want)


def test_a_changed_retry_policy_is_served_as_new() -> None:
    _after_warm_up(
        (_plan({"a": 2}), {"a": SLOW}),
        (_plan({"a": 2}, retry_attempts=2, per_try_timeout_s=0.04), {"a": SLOW}),
    )


def test_changed_endpoints_and_behaviour_are_served_as_new() -> None:
    fast = VersionBehaviour(0.0, Dist.fixed(0.01), workload="shop")
    _after_warm_up(
        (_plan({"a": 2}), {"a": SLOW}),
        (_plan({"a": 1, "b": 3}), {"a": fast, "b": SLOW}),
    )
    _after_warm_up(
        (_plan({"a": 2}), {"a": SLOW}),
        (_plan({"a": 2}), {"a": VersionBehaviour(0.6, Dist.fixed(0.3), 503, "shop")}),
    )


def test_leaving_out_the_server_side_changes_neither_draws_nor_the_client_side() -> None:
    """A tally without server-side reports (a run without a metric store) has the same
    client-side series, and the streams end where they end with them."""
    plans = {RC: _plan({"a": 2, "b": 1}, retry_attempts=2, per_try_timeout_s=0.04)}
    beh = {"a": SLOW, "b": VersionBehaviour(0.3, Dist.fixed(0.01), workload="shop")}
    full_streams, client_streams = Streams(5), Streams(5)
    full = _gen().advance(0.0, 120.0, plans, beh, full_streams)
    client = _gen().advance(0.0, 120.0, plans, beh, client_streams, server_side=False)
    assert any(k.reporter == "destination" for k in full.series)
    sources = {k: v for k, v in full.series.items() if k.reporter == "source"}
    assert sources.keys() == {k for k in client.series if k.reporter == "source"}
    for key, sc in sources.items():
        other = client.series[key]
        assert np.array_equal(sc.count, other.count)
        assert np.array_equal(sc.hist, other.hist)
        assert sc.sum_ms.tobytes() == other.sum_ms.tobytes()
    assert full.by_class == client.by_class
    for name in ("traffic", "router", "latency"):
        assert full_streams[name].random() == client_streams[name].random()
