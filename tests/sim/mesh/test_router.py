"""The mesh router: Istio request semantics over VirtualServices and DestinationRules."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from canarysim.engine.istio import (
    set_header_route,
    set_mirror_route,
    set_weight,
)
from canarysim.errors import TrafficRoutingError
from canarysim.sim.mesh.router import DEFAULT_RETRY_ON, RequestClass, RoutePlan, Router

NS = "deb-ns"
HASH = "rollouts-pod-template-hash"
ENDPOINTS = {"stable-svc": {"aaa": 2}, "canary-svc": {"bbb": 1}, "svc": {"aaa": 2, "bbb": 1}}


def resolver(calls: list | None = None, table: dict | None = None):
    table = ENDPOINTS if table is None else table

    def resolve(service: str, labels):
        if calls is not None:
            calls.append((service, None if labels is None else dict(labels)))
        pods = table.get(service, {})
        if labels and HASH in labels:
            return {h: n for h, n in pods.items() if h == labels[HASH]}
        return dict(pods)

    return resolve


def dest(host: str, weight: int | None = None, subset: str | None = None) -> dict:
    d: dict[str, Any] = {"destination": {"host": host}}
    if subset:
        d["destination"]["subset"] = subset
    if weight is not None:
        d["weight"] = weight
    return d


def vs(*routes: dict, hosts=("imesh-rollout",), name: str = "imesh-vsvc") -> dict:
    return {
        "metadata": {"name": name, "namespace": NS},
        "spec": {"gateways": ["imesh-gateway", "mesh"], "hosts": list(hosts), "http": list(routes)},
    }


def primary(stable: int = 100, canary: int = 0, **extra: Any) -> dict:
    return {
        "name": "primary",
        "route": [dest("stable-svc", stable), dest("canary-svc", canary)],
        **extra,
    }


def router(
    *vss: dict, drs: tuple = (), calls: list | None = None, table: dict | None = None
) -> Router:
    return Router(list(vss), list(drs), namespace=NS, resolve=resolver(calls, table))


REQ = RequestClass(host="imesh-rollout")
ROLLOUT = {
    "metadata": {"name": "imesh-rollout", "namespace": NS},
    "spec": {
        "strategy": {
            "canary": {
                "canaryService": "canary-svc",
                "stableService": "stable-svc",
                "trafficRouting": {
                    "managedRoutes": [{"name": "header"}, {"name": "mirror"}],
                    "istio": {"virtualService": {"name": "imesh-vsvc", "routes": ["primary"]}},
                },
            }
        }
    },
}


def within_binomial(k: int, n: int, p: float, z: float = 5.0) -> bool:
    return abs(k - n * p) <= z * math.sqrt(n * p * (1 - p))


# ------------------------------------------------------------------------------ weights


@pytest.mark.parametrize("weight", [5, 30, 50, 90])
def test_canary_share_matches_weight(weight):
    """Each request picks independently: the canary count is Binomial(n, weight/100)."""
    manifest = set_weight(vs(primary()), ROLLOUT, weight)
    plan = router(manifest).plan(REQ)
    assert [b.destination for b in plan.branches] == ["stable-svc", "canary-svc"]
    assert plan.branches[1].fraction == pytest.approx(weight / 100)
    n = 20_000
    picks = Router.sample(plan, np.random.default_rng(weight), n)
    assert within_binomial(int((picks == 1).sum()), n, weight / 100)
    counts = Router.split(plan, np.random.default_rng(weight + 1), n)
    assert counts.sum() == n and within_binomial(int(counts[1]), n, weight / 100)


def test_sample_and_split_agree_in_mean():
    plan = router(vs(primary(70, 30))).plan(REQ)
    rng = np.random.default_rng(3)
    trials, n = 400, 200
    sampled = [int((Router.sample(plan, rng, n) == 1).sum()) for _ in range(trials)]
    split = [int(Router.split(plan, rng, n)[1]) for _ in range(trials)]
    sd_of_mean = math.sqrt(n * 0.3 * 0.7 / trials)
    assert abs(np.mean(sampled) - n * 0.3) < 5 * sd_of_mean
    assert abs(np.mean(split) - n * 0.3) < 5 * sd_of_mean
    assert np.var(split) == pytest.approx(n * 0.3 * 0.7, rel=0.25)


def test_weights_are_relative():
    plan = router(vs({"route": [dest("stable-svc", 1), dest("canary-svc", 3)]})).plan(REQ)
    assert [b.fraction for b in plan.branches] == [0.25, 0.75]


def test_zero_weight_destination_dropped():
    plan = router(vs(primary(100, 0))).plan(REQ)
    assert [(b.destination, b.fraction) for b in plan.branches] == [("stable-svc", 1.0)]
    assert Router.sample(plan, np.random.default_rng(0), 5).tolist() == [0] * 5


def test_single_destination_takes_all_whatever_its_weight():
    plan = router(vs({"route": [dest("canary-svc", 0)]})).plan(REQ)
    assert [(b.destination, b.fraction) for b in plan.branches] == [("canary-svc", 1.0)]


def test_all_zero_weights_and_negative_weights_are_refused():
    with pytest.raises(TrafficRoutingError, match="total destination weight = 0"):
        router(vs(primary(0, 0)))
    with pytest.raises(TrafficRoutingError, match="weight -5 < 0"):
        router(vs(primary(105, -5)))


def test_hash_shares_follow_endpoints():
    plan = router(vs(primary(50, 50))).plan(REQ)
    assert plan.hash_shares() == {"aaa": 0.5, "bbb": 0.5}
    mixed = router(vs({"route": [dest("svc")]})).plan(REQ)
    assert mixed.hash_shares() == pytest.approx({"aaa": 2 / 3, "bbb": 1 / 3})


def test_no_endpoint_destination_is_503():
    table = {"stable-svc": {"aaa": 2}, "canary-svc": {}}
    plan = router(vs(primary(60, 40)), table=table).plan(REQ)
    assert dict(plan.branches[1].backends) == {}
    assert plan.hash_shares() == {"aaa": 0.6, "": 0.4}


# ------------------------------------------------------------------------------ matching


def test_header_route_written_by_argo_takes_precedence():
    manifest = set_weight(vs(primary()), ROLLOUT, 20)
    step = {
        "name": "header",
        "match": [{"headerName": "x-canary", "headerValue": {"exact": "yes"}}],
    }
    manifest = set_header_route(manifest, ROLLOUT, step)
    r = router(manifest)
    tagged = r.plan(RequestClass("imesh-rollout", headers=(("X-Canary", "yes"),)))
    assert tagged.route_name == "header"
    assert [(b.destination, b.fraction) for b in tagged.branches] == [("canary-svc", 1.0)]
    other = r.plan(RequestClass("imesh-rollout", headers=(("x-canary", "no"),)))
    assert other.route_name == "primary" and len(other.branches) == 2


@pytest.mark.parametrize(
    ("match", "request_", "expected"),
    [
        (
            {"headers": {"agent": {"prefix": "Fire"}}},
            RequestClass("h", (("agent", "Firefox"),)),
            True,
        ),
        (
            {"headers": {"agent": {"regex": "fire.*"}}},
            RequestClass("h", (("agent", "xfirefox"),)),
            False,
        ),
        (
            {"headers": {"agent": {"regex": "fire.*"}}},
            RequestClass("h", (("agent", "firefox"),)),
            True,
        ),
        ({"headers": {"agent": {}}}, RequestClass("h", (("agent", "x"),)), True),
        ({"headers": {"agent": {}}}, RequestClass("h"), False),
        (
            {"withoutHeaders": {"agent": {"exact": "bot"}}},
            RequestClass("h", (("agent", "bot"),)),
            False,
        ),
        ({"withoutHeaders": {"agent": {"exact": "bot"}}}, RequestClass("h"), True),
        ({"uri": {"prefix": "/api"}}, RequestClass("h", uri="/api/v1"), True),
        ({"uri": {"exact": "/api"}}, RequestClass("h", uri="/api?x=1"), True),
        ({"uri": {"exact": "/API"}, "ignoreUriCase": True}, RequestClass("h", uri="/api"), True),
        ({"uri": {"regex": "/v[0-9]+"}}, RequestClass("h", uri="/v12"), True),
        ({"method": {"exact": "POST"}}, RequestClass("h", method="GET"), False),
        ({"queryParams": {"beta": {"exact": "1"}}}, RequestClass("h", uri="/?beta=1"), True),
        ({"method": {"exact": "GET"}, "uri": {"prefix": "/x"}}, RequestClass("h", uri="/y"), False),
    ],
)
def test_match_conditions(match, request_, expected):
    routes = [{"name": "special", "match": [match], "route": [dest("canary-svc")]}, primary()]
    plan = router(vs(*routes, hosts=["h"])).plan(request_)
    assert (plan.route_name == "special") is expected


def test_match_blocks_are_ored_and_first_route_wins():
    first = {
        "name": "first",
        "match": [{"method": {"exact": "PUT"}}, {"uri": {"prefix": "/a"}}],
        "route": [dest("canary-svc")],
    }
    second = {"name": "second", "match": [{"uri": {"prefix": "/"}}], "route": [dest("stable-svc")]}
    r = router(vs(first, second))
    assert r.plan(RequestClass("imesh-rollout", uri="/a/b")).route_name == "first"
    assert r.plan(RequestClass("imesh-rollout", method="PUT", uri="/z")).route_name == "first"
    assert r.plan(RequestClass("imesh-rollout", uri="/z")).route_name == "second"


def test_no_matching_route_is_404():
    only = {"name": "api", "match": [{"uri": {"prefix": "/api"}}], "route": [dest("stable-svc")]}
    plan = router(vs(only)).plan(RequestClass("imesh-rollout", uri="/web"))
    assert plan.branches == () and not plan.matched
    assert Router.sample(plan, np.random.default_rng(0), 3).tolist() == [-1, -1, -1]
    assert Router.split(plan, np.random.default_rng(0), 3).tolist() == []


def test_hosts_short_and_fqdn():
    r = router(vs(primary(), hosts=["imesh-rollout.deb-ns.svc.cluster.local"]))
    assert r.plan(RequestClass("imesh-rollout")).route_name == "primary"
    # Istio only expands dotless names: "name.namespace" is a literal (unknown) host.
    assert not r.plan(RequestClass("imesh-rollout.deb-ns")).matched
    assert (
        router(vs(primary())).plan(RequestClass("imesh-rollout.deb-ns.svc.cluster.local")).matched
    )
    wildcard = router(vs(primary(), hosts=["*.example.com"]))
    assert wildcard.plan(RequestClass("shop.example.com")).route_name == "primary"
    assert not wildcard.plan(RequestClass("shop.example.org")).matched


def test_unclaimed_service_host_goes_to_the_service():
    plan = router(vs(primary())).plan(RequestClass("stable-svc"))
    assert plan.route_name is None
    assert [(b.service, b.fraction, dict(b.backends)) for b in plan.branches] == [
        ("stable-svc", 1.0, {"aaa": 2})
    ]


# ------------------------------------------------------------------------------ subsets


SUBSET_VS = vs({"name": "primary", "route": [dest("svc", 70, "stable"), dest("svc", 30, "canary")]})
DR = {
    "metadata": {"name": "svc-dr", "namespace": NS},
    "spec": {
        "host": "svc",
        "subsets": [
            {"name": "stable", "labels": {HASH: "aaa"}},
            {"name": "canary", "labels": {HASH: "bbb"}},
        ],
    },
}


def test_subset_resolution_uses_destination_rule_labels():
    calls: list = []
    plan = router(SUBSET_VS, drs=(DR,), calls=calls).plan(REQ)
    assert [b.destination for b in plan.branches] == ["svc/stable", "svc/canary"]
    assert [dict(b.backends) for b in plan.branches] == [{"aaa": 2}, {"bbb": 1}]
    assert sorted(c[1][HASH] for c in calls) == ["aaa", "bbb"]
    assert plan.hash_shares() == pytest.approx({"aaa": 0.7, "bbb": 0.3})


def test_unknown_subset_or_missing_rule_is_503():
    plan = router(SUBSET_VS).plan(REQ)
    assert all(dict(b.backends) == {} for b in plan.branches)
    assert plan.hash_shares() == {"": pytest.approx(1.0)}


def test_endpoints_resolved_once_and_plans_cached():
    calls: list = []
    r = router(vs(primary(50, 50)), calls=calls)
    assert r.plan(REQ) is r.plan(RequestClass("imesh-rollout"))
    r.plan(RequestClass("imesh-rollout", uri="/other"))
    assert len(calls) == 2


# ------------------------------------------------------------------------------ mirror


@pytest.mark.parametrize(("percentage", "fraction"), [(None, 1.0), (20, 0.2), (0, None)])
def test_mirror_fraction(percentage, fraction):
    step: dict[str, Any] = {"name": "mirror", "match": [{"method": {"exact": "GET"}}]}
    if percentage is not None:
        step["percentage"] = percentage
    manifest = set_mirror_route(set_weight(vs(primary()), ROLLOUT, 10), ROLLOUT, step)
    plan = router(manifest).plan(REQ)
    assert plan.route_name == "mirror"
    assert [b.fraction for b in plan.branches] == [0.9, 0.1]
    if fraction is None:
        assert plan.mirror is None
    else:
        assert plan.mirror is not None and plan.mirror.fraction == fraction
        assert plan.mirror.destination == "canary-svc"
        assert dict(plan.mirror.backends) == {"bbb": 1}


# ------------------------------------------------------------------------------ policies


def test_default_retry_policy():
    plan = router(vs(primary())).plan(REQ)
    assert plan.retry_attempts == 2
    assert plan.retry_on == DEFAULT_RETRY_ON
    assert plan.retriable_status_codes == {503}
    assert plan.is_retriable(503) and not plan.is_retriable(500)
    assert plan.timeout_s is None and plan.per_try_timeout_s is None


def test_explicit_retry_policies():
    off = router(vs(primary(retries={"attempts": 0}))).plan(REQ)
    assert off.retry_attempts == 0 and not off.is_retriable(503)
    custom = router(
        vs(primary(retries={"attempts": 3, "perTryTimeout": "2s", "retryOn": "gateway-error,504"}))
    ).plan(REQ)
    assert custom.retry_attempts == 3 and custom.per_try_timeout_s == 2.0
    assert custom.retry_on == {"gateway-error", "retriable-status-codes"}
    assert custom.retriable_status_codes == {504}
    assert custom.is_retriable(502) and not custom.is_retriable(500)
    five = router(vs(primary(retries={"attempts": 1, "retryOn": "5xx"}))).plan(REQ)
    assert five.is_retriable(500) and five.retriable_status_codes == frozenset()


def test_timeout_and_faults():
    fault = {
        "delay": {"fixedDelay": "1.5s", "percentage": {"value": 10}},
        "abort": {"httpStatus": 500, "percentage": {"value": 2.5}},
    }
    plan = router(vs(primary(timeout="250ms", fault=fault))).plan(REQ)
    assert plan.timeout_s == 0.25
    assert plan.fault_delay == (0.1, 1.5)
    assert plan.fault_abort == (0.025, 500)
    unset = router(vs(primary(fault={"abort": {"httpStatus": 503}}))).plan(REQ)
    assert unset.fault_abort is None


def test_bad_duration_is_a_routing_error():
    with pytest.raises(TrafficRoutingError, match="timeout"):
        router(vs(primary(timeout="soon")))


def test_plan_defaults_match_istio_defaults():
    plan = RoutePlan(route_name=None, branches=())
    assert (plan.retry_attempts, plan.retry_on, plan.mirror) == (2, DEFAULT_RETRY_ON, None)


@given(st.lists(st.integers(0, 100), min_size=1, max_size=5).filter(lambda w: sum(w) > 0))
def test_fractions_are_relative_weights(ws):
    route = {"route": [dest(f"svc{i}", w) for i, w in enumerate(ws)]}
    plan = router(vs(route)).plan(REQ)
    kept = ws if len(ws) == 1 else [w for w in ws if w > 0]
    assert len(plan.branches) == len(kept)
    assert sum(b.fraction for b in plan.branches) == pytest.approx(1.0)
    if len(ws) > 1:
        assert [b.fraction for b in plan.branches] == pytest.approx([w / sum(kept) for w in kept])
    counts = Router.split(plan, np.random.default_rng(0), 1000)
    assert counts.sum() == 1000 and len(counts) == len(kept)
