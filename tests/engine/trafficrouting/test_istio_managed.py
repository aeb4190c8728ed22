"""Header routes, mirror routes, managed route removal and DestinationRule hashes.

Cases transcribed from upstream istio_test.go (numbers and strings only); each test names
the upstream test it follows.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from istiokit import istio_rollout

from canarysim.engine.istio import (
    destination_rule_switch_delay,
    remove_managed_routes,
    set_header_route,
    set_mirror_route,
    set_weight,
    update_hash,
)
from canarysim.errors import TrafficRoutingError

HASH = "rollouts-pod-template-hash"


def dest(host: str, weight: int | None = None, subset: str = "", port: int = 0) -> dict:
    d: dict[str, Any] = {"destination": {"host": host}}
    if subset:
        d["destination"]["subset"] = subset
    if port:
        d["destination"]["port"] = {"number": port}
    if weight is not None:
        d["weight"] = weight
    return d


def http(name: str | None, route: list | None = None, **extra: Any) -> dict:
    r: dict[str, Any] = {} if name is None else {"name": name}
    r["route"] = [dest("stable", 100), dest("canary", 0)] if route is None else route
    r.update(extra)
    return r


def vs(routes: list | None, name: str = "vsvc") -> dict:
    spec: dict[str, Any] = {"hosts": ["istio-rollout.dev.argoproj.io"]}
    if routes is not None:
        spec["http"] = routes
    return {
        "kind": "VirtualService",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    }


def rollout(routes: list[str] | None = ("primary",), **given: Any) -> dict:  # type: ignore[assignment]
    return istio_rollout(routes, **given)


def names(manifest: dict) -> list[str]:
    return [r.get("name", "") for r in manifest["spec"]["http"]]


def weight_of(route: dict, host: str) -> int:
    return next(d.get("weight", 0) for d in route["route"] if d["destination"]["host"] == host)


REGULAR = [http("primary"), http("secondary")]
SUBSET_DR = {"name": "istio-destrule", "canarySubsetName": "canary-subset"}
SUBSET_DR["stableSubsetName"] = "stable-subset"
SUBSET_ROUTE = [
    dest("rollout-service", 100, "stable-subset"),
    dest("rollout-service", 0, "canary-subset"),
]
DESTRULE = {
    "kind": "DestinationRule",
    "metadata": {"name": "istio-destrule", "namespace": "default"},
    "spec": {
        "host": "rollout-service",
        "subsets": [{"name": "stable-subset"}, {"name": "canary-subset"}],
    },
}


def header_step(name: str, header: str = "agent", **value: str) -> dict:
    return {
        "name": name,
        "match": [{"headerName": header, "headerValue": value or {"exact": "firefox"}}],
    }


def mirror_step(name: str, method: str = "GET", percentage: int | None = None) -> dict:
    step: dict[str, Any] = {"name": name, "match": [{"method": {"exact": method}}]}
    if percentage is not None:
        step["percentage"] = percentage
    return step


# ------------------------------------------------------------------------------ header routes


def test_header_route_host_based():
    """TestHttpReconcileHeaderRouteHostBased: added first, 100 % canary; removed without match."""
    ro = rollout(managed=["test-header-route"])
    out = set_header_route(vs(REGULAR), ro, header_step("test-header-route"))
    assert names(out) == ["test-header-route", "primary", "secondary"]
    assert out["spec"]["http"][0] == {
        "name": "test-header-route",
        "match": [{"headers": {"agent": {"exact": "firefox"}}}],
        "route": [{"destination": {"host": "canary"}, "weight": 100}],
    }
    assert weight_of(out["spec"]["http"][1], "stable") == 100
    removed = set_header_route(out, ro, {"name": "test-header-route"})
    assert names(removed) == ["primary", "secondary"]


def test_header_route_subset_based():
    """TestHttpReconcileHeaderRouteSubsetBased: DestinationRule host, canary subset, regex."""
    ro = rollout(None, managed=["test-header-route"], dr=SUBSET_DR, services=False)
    out = set_header_route(
        vs([http(None, SUBSET_ROUTE)]),
        ro,
        header_step("test-header-route", regex="firefox"),
        destination_rules=[DESTRULE],
    )
    first = out["spec"]["http"][0]
    assert first["name"] == "test-header-route"
    assert first["route"][0]["destination"] == {
        "host": "rollout-service",
        "subset": "canary-subset",
    }
    assert first["match"] == [{"headers": {"agent": {"regex": "firefox"}}}]


def test_header_route_subset_host_inferred_without_destination_rules():
    ro = rollout(None, managed=["h"], dr=SUBSET_DR, services=False)
    out = set_header_route(vs([http(None, SUBSET_ROUTE)]), ro, header_step("h"))
    assert out["spec"]["http"][0]["route"][0]["destination"]["host"] == "rollout-service"


def test_header_route_destination_rule_not_found():
    """TestUpdateHashDestinationRuleNotFound's message, as SetHeaderRoute wraps it."""
    ro = rollout(None, managed=["h"], dr=SUBSET_DR, services=False)
    other = copy.deepcopy(DESTRULE)
    other["metadata"]["name"] = "something-else"
    with pytest.raises(TrafficRoutingError) as err:
        set_header_route(vs([http(None, SUBSET_ROUTE)]), ro, header_step("h"), [other])
    assert str(err.value) == (
        "[SetHeaderRoute] failed to reconcile header routes: "
        'destinationrules.networking.istio.io "istio-destrule" not found'
    )


EXTRA = [
    http(
        "primary",
        [dest("stable", 100, port=8443), dest("canary", 0, port=8443)],
        retries={"attempts": 3, "perTryTimeout": "10s", "retryOn": "gateway-error,connect-failure"},
    ),
    http(
        "secondary",
        [dest("stable", 100, port=8443), dest("canary", 0, port=8443)],
        retries={"attempts": 3, "perTryTimeout": "10s"},
        corsPolicy={"allowOrigins": [{"exact": "https://example.com"}], "maxAge": "24h"},
    ),
]


def test_header_route_with_extra_fields():
    """TestHttpReconcileHeaderRouteWithExtra: port 8443 copied; retries/corsPolicy kept."""
    ro = rollout(managed=["test-header-route"])
    out = set_header_route(vs(EXTRA), ro, header_step("test-header-route"))
    assert names(out) == ["test-header-route", "primary", "secondary"]
    assert out["spec"]["http"][0]["route"][0]["destination"]["port"] == {"number": 8443}
    assert "retries" in out["spec"]["http"][1]
    assert "corsPolicy" in out["spec"]["http"][2]
    cleaned = remove_managed_routes(out, ro)
    assert names(cleaned) == ["primary", "secondary"]
    assert cleaned["spec"]["http"] == EXTRA


def test_header_route_update_and_no_duplicates():
    """TestReconcileUpdateHeader / TestReconcileHeaderRouteAvoidDuplicates."""
    ro = rollout(managed=["test-header-route"])
    step = header_step("test-header-route", "browser", prefix="Firefox")
    once = set_header_route(vs(REGULAR), ro, step)
    assert once != vs(REGULAR)
    twice = set_header_route(once, ro, step)
    assert names(twice) == ["test-header-route", "primary", "secondary"]
    assert twice == once


def test_header_route_without_managed_routes_is_appended_last():
    out = set_header_route(vs(REGULAR), rollout(), header_step("h"))
    assert names(out) == ["primary", "secondary", "h"]


def test_header_route_needs_http():
    with pytest.raises(TrafficRoutingError) as err:
        set_header_route(vs(None), rollout(), header_step("h"))
    assert str(err.value) == (
        "[SetHeaderRoute] failed to reconcile header routes: [reconcileVirtualServiceHeaderRoutes]"
        " failed to remove http route from virtual service: spec.http not found"
    )


# ------------------------------------------------------------------------------ mirror routes


def test_mirror_route():
    """TestHttpReconcileMirrorRoute: prepend, delete, two mirrors, remove all managed."""
    ro = rollout(managed=["test-mirror-1", "test-mirror-2"])
    one = set_mirror_route(vs(REGULAR), ro, mirror_step("test-mirror-1"))
    assert names(one) == ["test-mirror-1", "primary", "secondary"]
    mirror = one["spec"]["http"][0]
    assert mirror["mirror"] == {"host": "canary"}
    assert mirror["mirrorPercentage"] == {"value": 100.0}
    assert mirror["match"] == [{"method": {"exact": "GET"}}]
    # the copied route omits the zero weight, as Go's omitempty does
    assert mirror["route"] == [{"destination": {"host": "stable"}, "weight": 100}, dest("canary")]
    deleted = set_mirror_route(one, ro, {"name": "test-mirror-1"})
    assert names(deleted) == ["primary", "secondary"]
    both = set_mirror_route(
        set_mirror_route(deleted, ro, mirror_step("test-mirror-1")),
        ro,
        mirror_step("test-mirror-2", percentage=90),
    )
    assert len(both["spec"]["http"]) == 4
    assert both["spec"]["http"][1]["mirrorPercentage"] == {"value": 90.0}
    assert names(remove_managed_routes(both, ro)) == ["primary", "secondary"]


def test_mirror_route_with_extra_fields():
    """TestHttpReconcileMirrorRouteWithExtraFields: ports copied, other routes intact."""
    ro = rollout(managed=["test-mirror-1"])
    out = set_mirror_route(vs(EXTRA), ro, mirror_step("test-mirror-1"))
    ports = [d["destination"]["port"] for d in out["spec"]["http"][0]["route"]]
    assert ports == [{"number": 8443}, {"number": 8443}]
    assert out["spec"]["http"][0]["mirror"] == {"host": "canary", "port": {"number": 8443}}
    assert out["spec"]["http"][1:] == EXTRA


def test_mirror_route_order():
    """TestHttpReconcileMirrorRouteOrder: managedRoutes order, and SetWeight re-weights mirrors."""
    ro = rollout(
        ["primary", "secondary"], managed=["test-mirror-2", "test-mirror-3", "test-mirror-1"]
    )
    out = vs(REGULAR)
    out = set_mirror_route(out, ro, mirror_step("test-mirror-1"))
    out = set_mirror_route(out, ro, mirror_step("test-mirror-2", "POST", 90))
    out = set_mirror_route(out, ro, mirror_step("test-mirror-3", "GET", 90))
    out = set_weight(out, ro, 40)
    assert names(out) == ["test-mirror-2", "test-mirror-3", "test-mirror-1", "primary", "secondary"]
    for route in out["spec"]["http"]:
        assert (weight_of(route, "canary"), weight_of(route, "stable")) == (40, 60)
    out = set_mirror_route(out, ro, {"name": "test-mirror-3"})
    assert names(out) == ["test-mirror-2", "test-mirror-1", "primary", "secondary"]
    assert names(remove_managed_routes(out, ro)) == ["primary", "secondary"]


def test_mirror_route_order_single_unnamed_route():
    """TestHttpReconcileMirrorRouteOrderSingleRouteNoName."""
    ro = rollout([], managed=["test-mirror-2", "test-mirror-3", "test-mirror-1"])
    out = set_weight(vs([http(None)]), ro, 30)
    out = set_mirror_route(out, ro, mirror_step("test-mirror-1"))
    out = set_mirror_route(out, ro, mirror_step("test-mirror-2", "POST", 90))
    out = set_mirror_route(out, ro, mirror_step("test-mirror-3", "GET", 90))
    assert names(out) == ["test-mirror-2", "test-mirror-3", "test-mirror-1", ""]
    assert [d["weight"] for d in out["spec"]["http"][3]["route"]] == [70, 30]
    assert weight_of(out["spec"]["http"][0], "canary") == 30
    assert weight_of(out["spec"]["http"][1], "stable") == 70
    out = set_weight(out, ro, 40)
    assert weight_of(out["spec"]["http"][0], "canary") == 40
    assert weight_of(out["spec"]["http"][1], "stable") == 60
    out = set_mirror_route(out, ro, {"name": "test-mirror-3"})
    assert names(out) == ["test-mirror-2", "test-mirror-1", ""]
    assert names(remove_managed_routes(out, ro)) == [""]


def test_mirror_route_subset():
    """TestHttpReconcileMirrorRouteSubset."""
    ro = rollout(None, managed=["test-mirror-1"], dr=SUBSET_DR, services=False)
    out = set_mirror_route(
        vs([http(None, SUBSET_ROUTE)]),
        ro,
        mirror_step("test-mirror-1"),
        destination_rules=[DESTRULE],
    )
    assert names(out) == ["test-mirror-1", ""]
    mirror = out["spec"]["http"][0]
    assert mirror["mirror"] == {"host": "rollout-service", "subset": "canary-subset"}
    subsets = [d["destination"]["subset"] for d in mirror["route"]]
    assert subsets == ["stable-subset", "canary-subset"]
    assert "mirror" not in out["spec"]["http"][1]
    assert names(remove_managed_routes(out, ro)) == [""]


def test_mirror_route_match_fields():
    step = {
        "name": "m",
        "percentage": 20,
        "match": [
            {
                "method": {"exact": "GET"},
                "path": {"prefix": "/api"},
                "headers": {"x": {"regex": "a.*"}},
            }
        ],
    }
    out = set_mirror_route(vs(REGULAR), rollout(managed=["m"]), step)
    assert out["spec"]["http"][0]["match"] == [
        {"method": {"exact": "GET"}, "uri": {"prefix": "/api"}, "headers": {"x": {"regex": "a.*"}}}
    ]
    assert out["spec"]["http"][0]["mirrorPercentage"] == {"value": 20.0}


def test_mirror_route_unknown_setweight_route():
    with pytest.raises(TrafficRoutingError) as err:
        set_mirror_route(vs(REGULAR), rollout(["nope"], managed=["m"]), mirror_step("m"))
    assert str(err.value).endswith("HTTP Route 'nope' is not found in the defined Virtual Service.")
    assert str(err.value).startswith("[SetMirrorRoute] failed reconcile virtual service")


# ------------------------------------------------------------------------------ removal


def test_remove_managed_routes_with_header_routes():
    """TestRemoveManagedRoutesWithHeaderRoutes."""
    steps = [
        {"setWeight": 20},
        {"setHeaderRoute": header_step("test-header-1", "x-test", exact="test")},
        {"setWeight": 50},
        {"setHeaderRoute": header_step("test-header-2", "x-version", prefix="v2")},
    ]
    ro = rollout(managed=["managed-route-1"], steps=steps)
    routes = [
        http("test-header-1", [dest("canary", 100)]),
        http("test-header-2", [dest("canary", 100)]),
        http("managed-route-1", [dest("stable", 50), dest("canary", 50)]),
        http("primary", [dest("stable", 50), dest("canary", 50)]),
        http("user-defined-route", [dest("stable", 100)], match=[{"uri": {"prefix": "/api"}}]),
    ]
    assert names(remove_managed_routes(vs(routes), ro)) == ["primary", "user-defined-route"]


@pytest.mark.parametrize("kind", ["setHeaderRoute", "setMirrorRoute"])
def test_remove_step_routes_without_managed_routes(kind):
    """TestRemoveManagedRoutesWith{Header,Mirror}RoutesAndNoManagedRoutes."""
    ro = rollout(steps=[{kind: {"name": "step-route", "match": [{}]}}])
    routes = [http("step-route", [dest("canary", 100)]), http("primary", [dest("stable", 100)])]
    assert names(remove_managed_routes(vs(routes), ro)) == ["primary"]


def test_remove_with_invalid_step_route_entries():
    """TestRemoveManagedRoutesWithInvalidStepRouteEntriesAndNoManagedRoutes: left alone."""
    ro = rollout(steps=[{"setHeaderRoute": {"name": "h"}}, {"setMirrorRoute": {"name": "m"}}])
    manifest = vs(["not-a-route"])
    assert remove_managed_routes(manifest, ro) == manifest


def test_remove_without_managed_or_step_routes():
    """TestRemoveManagedRoutesWithoutManagedRoutesOrStepRoutes / TestSingleTlsRouteReconcile."""
    assert remove_managed_routes(vs(REGULAR), rollout()) == vs(REGULAR)
    assert remove_managed_routes(vs(None), rollout(managed=["x"])) == vs(None)


def test_remove_with_invalid_http_routes():
    """TestRemoveManagedRoutesWithInvalidHTTPRoutes."""
    manifest = vs(None)
    manifest["spec"]["http"] = "invalid"
    with pytest.raises(TrafficRoutingError, match="failed to get http routes from virtual service"):
        remove_managed_routes(manifest, rollout())


def test_remove_with_invalid_managed_route_entries():
    """TestRemoveManagedRoutesWithInvalidManagedRouteEntries."""
    with pytest.raises(TrafficRoutingError, match="failed to split managed and non-managed routes"):
        remove_managed_routes(vs(["not-a-route"]), rollout(managed=["primary"]))


# ------------------------------------------------------------------------------ UpdateHash

DR_ROLLOUT = rollout(
    dr={"name": "istio-destrule", "canarySubsetName": "canary", "stableSubsetName": "stable"}
)


def destrule(subsets: list[dict], **spec: Any) -> dict:
    return {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "DestinationRule",
        "metadata": {"name": "istio-destrule", "namespace": "default"},
        "spec": {**spec, "subsets": subsets},
    }


def test_update_hash_additional_fields():
    """TestUpdateHashAdditionalFieldsWithListers: the exact manifest Argo writes."""
    original = destrule(
        [
            {"name": "stable", "labels": {"version": "v3"}},
            {"name": "canary", "trafficPolicy": {"loadBalancer": {"simple": "ROUND_ROBIN"}}},
        ],
        host="ratings.prod.svc.cluster.local",
        trafficPolicy={"loadBalancer": {"simple": "LEAST_CONN"}},
    )
    before = copy.deepcopy(original)
    out = update_hash(original, DR_ROLLOUT, "abc123", "def456")
    assert original == before
    assert out == {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "DestinationRule",
        "metadata": {
            "annotations": {"argo-rollouts.argoproj.io/managed-by-rollouts": "rollout"},
            "name": "istio-destrule",
            "namespace": "default",
        },
        "spec": {
            "host": "ratings.prod.svc.cluster.local",
            "subsets": [
                {"labels": {HASH: "def456", "version": "v3"}, "name": "stable"},
                {
                    "labels": {HASH: "abc123"},
                    "name": "canary",
                    "trafficPolicy": {"loadBalancer": {"simple": "ROUND_ROBIN"}},
                },
            ],
            "trafficPolicy": {"loadBalancer": {"simple": "LEAST_CONN"}},
        },
    }


def test_update_hash_sets_labels_and_no_change():
    """TestUpdateHashWithListers / TestUpdateHashNoChange."""
    out = update_hash(
        destrule([{"name": "stable"}, {"name": "canary"}]), DR_ROLLOUT, "abc123", "def456"
    )
    assert [s["labels"][HASH] for s in out["spec"]["subsets"]] == ["def456", "abc123"]
    assert update_hash(out, DR_ROLLOUT, "abc123", "def456") == out


def test_update_hash_empty_hash_removes_label():
    dr = destrule(
        [{"name": "stable", "labels": {HASH: "def456"}}, {"name": "canary", "labels": {HASH: "x"}}]
    )
    out = update_hash(dr, DR_ROLLOUT, "", "def456")
    assert out["spec"]["subsets"][1] == {"name": "canary", "labels": {}}


def test_update_hash_with_additional_destinations():
    """TestUpdateHashWithAdditionalDestinations: add one, add another, drop the first."""
    exp1 = {"serviceName": "exp-svc", "podTemplateHash": "exp-hash", "weight": 20}
    exp2 = {"serviceName": "exp-svc2", "podTemplateHash": "exp-hash2", "weight": 40}
    one = update_hash(
        destrule([{"name": "stable"}, {"name": "canary"}]), DR_ROLLOUT, "abc123", "def456", [exp1]
    )
    assert [s["name"] for s in one["spec"]["subsets"]] == ["stable", "canary", "exp-svc"]
    assert one["spec"]["subsets"][2]["labels"][HASH] == "exp-hash"
    two = update_hash(one, DR_ROLLOUT, "abc123", "def456", [exp1, exp2])
    assert len(two["spec"]["subsets"]) == 4
    assert two["spec"]["subsets"][3] == {"name": "exp-svc2", "labels": {HASH: "exp-hash2"}}
    three = update_hash(two, DR_ROLLOUT, "abc123", "def456", [exp2])
    assert [s["name"] for s in three["spec"]["subsets"]] == ["stable", "canary", "exp-svc2"]


def test_update_hash_ignores_unmanaged_rules():
    dr = destrule([{"name": "stable"}])
    dr["metadata"]["name"] = "other"
    assert update_hash(dr, DR_ROLLOUT, "a", "b") == dr
    assert update_hash(destrule([{"name": "stable"}]), rollout(), "a", "b") == destrule(
        [{"name": "stable"}]
    )


def rs(hash_: str, replicas: int, available: int) -> dict:
    return {"name": "rs-" + hash_, "hash": hash_, "replicas": replicas, "available": available}


SUBSET_ONLY = rollout(
    dr=DR_ROLLOUT["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["destinationRule"],
    services=False,
)


@pytest.mark.parametrize(
    ("sets", "aborting", "expected"),
    [
        ([rs("stable123", 1, 1), rs("canary456", 1, 1), rs("other789", 1, 0)], False, None),
        ([rs("stable123", 1, 1), rs("canary456", 1, 0)], False, "rs-canary456"),
        ([rs("stable123", 1, 0), rs("canary456", 1, 1)], False, "rs-stable123"),
        ([rs("stable123", 1, 1), rs("canary456", 0, 0)], False, None),
        ([rs("stable123", 1, 1), rs("canary456", 1, 0), rs("other789", 1, 0)], True, None),
    ],
)
def test_should_delay_destination_rule_update(sets, aborting, expected):
    """TestShouldDelayDestinationRuleUpdate / TestUpdateHashAbortScenarios."""
    got = destination_rule_switch_delay(
        SUBSET_ONLY, sets, "canary456", "stable123", aborting=aborting
    )
    if expected is None:
        assert got is None
    else:
        assert got == f"delaying destination rule switch: ReplicaSet {expected} not fully available"


def test_no_delay_when_services_are_set():
    """TestShouldDelayDestinationRuleUpdate: canary/stable Services skip the check."""
    sets = [rs("stable123", 1, 1), rs("canary456", 1, 0)]
    assert destination_rule_switch_delay(DR_ROLLOUT, sets, "canary456", "stable123") is None


def test_update_hash_empty_hash_on_bare_subset_leaves_empty_labels():
    out = update_hash(destrule([{"name": "stable"}, {"name": "canary"}]), DR_ROLLOUT, "", "def456")
    assert out["spec"]["subsets"][1] == {"name": "canary", "labels": {}}


def test_header_route_on_malformed_http():
    manifest = vs(None)
    manifest["spec"]["http"] = "invalid"
    with pytest.raises(TrafficRoutingError) as err:
        set_header_route(manifest, rollout(), header_step("h"))
    assert str(err.value) == (
        "[SetHeaderRoute] failed to reconcile header routes: [reconcileVirtualServiceHeaderRoutes]"
        " failed to remove http route from virtual service: [removeRoute] failed to get http "
        "routes from virtual service: .spec.http accessor error: invalid is of the type string, "
        "expected []interface{}"
    )


@pytest.mark.parametrize("step", [{}, {"match": None}], ids=["missing", "null"])
def test_step_without_match_removes_the_route(step):
    ro = rollout(managed=["h", "m"])
    with_routes = set_mirror_route(
        set_header_route(vs(REGULAR), ro, header_step("h")), ro, mirror_step("m")
    )
    assert names(with_routes) == ["h", "m", "primary", "secondary"]
    assert names(set_header_route(with_routes, ro, {"name": "h", **step})) == [
        "m",
        "primary",
        "secondary",
    ]
    assert names(set_mirror_route(with_routes, ro, {"name": "m", **step})) == [
        "h",
        "primary",
        "secondary",
    ]


def test_an_empty_match_is_a_route_for_every_request():
    """``Match == nil`` removes; an empty list is not nil. The route is written with Go's nil
    match slice, ``null``, which the API server prunes: a route without ``match``, first in
    managedRoutes order, that takes every request (the header route all to the canary, the
    mirror route copying all of it)."""
    ro = rollout(managed=["h", "m"])
    out = set_mirror_route(
        set_header_route(vs(REGULAR), ro, {"name": "h", "match": []}),
        ro,
        {"name": "m", "match": []},
    )
    assert names(out) == ["h", "m", "primary", "secondary"]
    header, mirror = out["spec"]["http"][:2]
    assert "match" not in header and "match" not in mirror
    assert [d["weight"] for d in header["route"]] == [100]
    assert mirror["mirrorPercentage"] == {"value": 100.0}


def test_step_wrapped_in_its_key_is_accepted():
    ro = rollout(managed=["h"])
    out = set_header_route(vs(REGULAR), ro, {"setHeaderRoute": header_step("h")})
    assert names(out) == ["h", "primary", "secondary"]
