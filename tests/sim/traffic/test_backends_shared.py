"""Backends are shared between generators (runs): keyed by endpoints and the identity of
the frozen behaviours, so another behaviour with the same endpoints gets its own."""

from __future__ import annotations

from canarysim.sim.mesh.envoy import Backends
from canarysim.sim.mesh.router import Branch, RequestClass
from canarysim.sim.stochastic.distributions import Dist, PoissonArrivals
from canarysim.sim.traffic.generator import TrafficGenerator, VersionBehaviour

RC = RequestClass(host="shop")


def _backends(beh: VersionBehaviour, endpoints: dict[str, int]) -> Backends:
    gen = TrafficGenerator(PoissonArrivals(10.0), [(RC, 1.0)])
    frozen = {h: beh.at(0.0) for h in endpoints}
    got = gen._backends(Branch(1.0, "shop", endpoints), dict.fromkeys(endpoints, beh), frozen)
    assert got is not None
    return got


def test_a_new_behaviour_or_endpoint_count_is_seen_after_the_cache_filled() -> None:
    first = VersionBehaviour(0.1, Dist.lognormal(0.05, 0.2), error_code=500, workload="a")
    bk = _backends(first, {"h1": 2})
    assert _backends(first, {"h1": 2}) is bk  # another generator, same key: shared
    other = VersionBehaviour(0.3, Dist.lognormal(0.05, 0.2), error_code=503, workload="b")
    got = _backends(other, {"h1": 2})
    assert got is not bk
    assert list(got.codes) == [503] and got.workloads == ["b"]
    assert float(got.p_err[0]) == 0.3
    more = _backends(first, {"h1": 3})
    assert list(more.endpoints) == [3.0]
