"""The Gateway API plugin on GRPCRoutes (weights, label, header routes), and on TCPRoutes and
TLSRoutes (weights, label), as data: the
expectations of the plugin's pkg/plugin/plugin_test.go (``SetGRPCRouteWeight``,
``SetGRPCRouteWeightAddsAndRemovesLabel``, ``SetGRPCHeaderRoute``, ``...WithFilters``,
``...WithoutFilters``, ``RemoveGRPCManagedRoutes``, ``SetWeightDoesNotClobberGRPCHeaderRoute
Weight``, ``TestSetGRPCHeaderRouteWithExistingHeaders``, ``...WithMultipleExistingHeaders``,
``...WithMethodAndHeaders``, ``...NoDuplicateOnRepeatedCall``) and of its e2e tests
(test/e2e/chainsaw/single-grpcroute, single-header-based-grpcroute, single-grpcroute-filters,
advanced-header-based-grpcroute), all at v0.15.0, on our own manifests."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from canarysim.engine.trafficrouting.gatewayapi.headers import (
    grpc_header_route_names,
    remove_managed_rules,
    set_header_route,
)
from canarysim.engine.trafficrouting.gatewayapi.reconcile import (
    IN_PROGRESS_LABEL_KEY,
    grpc_route_names,
    route_names,
    set_backend_weights,
    set_weight,
)
from canarysim.errors import TrafficRoutingError

STABLE, CANARY = "argo-rollouts-stable-service", "argo-rollouts-canary-service"
MANAGED = "test-header-route"
GRPC = "GRPCRoute"


def rollout(plugin: dict[str, Any] | None = None, managed: tuple[str, ...] = (MANAGED,)) -> dict:
    return {
        "metadata": {"name": "rollout", "namespace": "default"},
        "spec": {
            "strategy": {
                "canary": {
                    "stableService": STABLE,
                    "canaryService": CANARY,
                    "trafficRouting": {
                        "managedRoutes": [{"name": m} for m in managed],
                        "plugins": {
                            "argoproj-labs/gatewayAPI": plugin
                            or {"grpcRoute": "argo-rollouts-grpc-route"}
                        },
                    },
                }
            }
        },
    }


def grpc_route(*matches: dict[str, Any], labels: dict[str, str] | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "backendRefs": [
            {"name": STABLE, "port": 80, "weight": 100},
            {"name": CANARY, "port": 80, "weight": 0},
        ]
    }
    if matches:
        rule["matches"] = [copy.deepcopy(m) for m in matches]
    meta: dict[str, Any] = {"name": "argo-rollouts-grpc-route", "namespace": "default"}
    if labels is not None:
        meta["labels"] = labels
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": GRPC,
        "metadata": meta,
        "spec": {"rules": [rule]},
    }


def weights(route: dict, i: int = 0) -> list[tuple[str, Any]]:
    return [(b["name"], b.get("weight")) for b in route["spec"]["rules"][i]["backendRefs"]]


CANARY_REF = {"group": "", "kind": "Service", "name": CANARY, "port": 80}
X_TEST_PREFIX = [{"headerName": "X-Test", "headerValue": {"prefix": "test"}}]
X_CANARY = [{"headerName": "X-Canary", "headerValue": {"exact": "true"}}]


# -- SetWeight --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("desired", "expected"),
    [
        (30, [(STABLE, 70), (CANARY, 30)]),
        (0, [(STABLE, 100), (CANARY, 0)]),
        (100, [(STABLE, 0), (CANARY, 100)]),
    ],
)
def test_set_weight_on_every_rule(desired: int, expected: list) -> None:
    route = grpc_route()
    route["spec"]["rules"].append(copy.deepcopy(route["spec"]["rules"][0]))
    out = set_weight(route, rollout(), desired, GRPC)
    assert weights(out, 0) == expected and weights(out, 1) == expected


def test_the_label_comes_with_a_weight_and_goes_at_zero() -> None:
    out = set_weight(grpc_route(labels=None), rollout(), 10, GRPC)
    assert out["metadata"]["labels"] == {IN_PROGRESS_LABEL_KEY: "in-progress"}
    back = set_weight(out, rollout(), 0, GRPC)
    assert "labels" not in back["metadata"]  # an emptied map is left out, as Go writes it
    kept = set_weight(
        grpc_route(labels={"team": "a", IN_PROGRESS_LABEL_KEY: "x"}), rollout(), 0, GRPC
    )
    assert kept["metadata"]["labels"] == {"team": "a"}
    custom = rollout({"grpcRoute": "r", "inProgressLabelKey": "k", "inProgressLabelValue": "v"})
    assert set_weight(grpc_route(), custom, 5, GRPC)["metadata"]["labels"] == {"k": "v"}
    off = rollout({"grpcRoute": "r", "disableInProgressLabel": True})
    assert "labels" not in set_weight(grpc_route(), off, 5, GRPC)["metadata"]


@pytest.mark.parametrize("keep", [[STABLE], [CANARY], []])
def test_a_missing_backend_is_the_grpc_error(keep: list[str]) -> None:
    route = grpc_route()
    rule = route["spec"]["rules"][0]
    rule["backendRefs"] = [b for b in rule["backendRefs"] if b["name"] in keep]
    with pytest.raises(TrafficRoutingError, match=r"^backendRef was not found in grpcRoute$"):
        set_weight(route, rollout(), 30, GRPC)


def test_route_lists_in_the_plugins_order() -> None:
    ro = rollout(
        {"grpcRoutes": [{"name": "a"}, {"name": "b", "useHeaderRoutes": True}], "grpcRoute": "c"}
    )
    assert grpc_route_names(ro) == ["a", "b", "c"]
    assert grpc_header_route_names(ro) == ["b", "c"]  # the single form always takes them


# -- SetHeaderRoute ---------------------------------------------------------------------------
def test_prefix_header_is_a_regular_expression_rule() -> None:
    out = set_header_route(grpc_route(), rollout(), MANAGED, X_TEST_PREFIX, GRPC)
    rules = out["spec"]["rules"]
    assert rules[0] == grpc_route()["spec"]["rules"][0]
    assert rules[1] == {
        "name": MANAGED,
        "matches": [
            {"headers": [{"type": "RegularExpression", "name": "X-Test", "value": "test.*"}]}
        ],
        "backendRefs": [CANARY_REF],
    }


def test_filters_copied_or_absent() -> None:
    filters = [
        {
            "type": "RequestHeaderModifier",
            "requestHeaderModifier": {"set": [{"name": "a", "value": "1"}]},
        },
        {"type": "ResponseHeaderModifier", "responseHeaderModifier": {"remove": ["b"]}},
        {"type": "RequestMirror", "requestMirror": {"backendRef": {"name": "mirror", "port": 80}}},
    ]
    route = grpc_route()
    route["spec"]["rules"][0]["filters"] = filters
    out = set_header_route(route, rollout(), MANAGED, X_CANARY, GRPC)
    assert out["spec"]["rules"][1]["filters"] == filters
    assert out["spec"]["rules"][0]["filters"] == filters
    bare = set_header_route(grpc_route(), rollout(), MANAGED, X_CANARY, GRPC)
    assert "filters" not in bare["spec"]["rules"][1]


def test_existing_headers_and_method_are_kept_and_nothing_else() -> None:
    host = {"type": "Exact", "name": "Host", "value": "example.com"}
    agent = {"type": "RegularExpression", "name": "User-Agent", "value": ".*grpc.*"}
    method = {"type": "Exact", "service": "my.service.v1.MyService", "method": "GetData"}
    # an HTTPRoute-only field in a GRPCRoute match is not part of GRPCRouteMatch: not copied
    source = {"method": method, "headers": [host, agent], "path": {"value": "/x"}}
    out = set_header_route(grpc_route(source), rollout(), MANAGED, X_CANARY, GRPC)
    assert out["spec"]["rules"][1]["matches"] == [
        {
            "method": method,
            "headers": [host, agent, {"type": "Exact", "name": "X-Canary", "value": "true"}],
        }
    ]


def test_repeated_call_updates_in_place_and_removal_restores() -> None:
    once = set_header_route(grpc_route(), rollout(), MANAGED, X_CANARY, GRPC)
    assert set_header_route(once, rollout(), MANAGED, X_CANARY, GRPC) == once
    assert remove_managed_rules(once, rollout()) == grpc_route()
    assert set_header_route(once, rollout(), MANAGED, None, GRPC) == grpc_route()


def test_header_route_without_both_backends_is_the_grpc_error() -> None:
    route = grpc_route()
    route["spec"]["rules"][0]["backendRefs"].pop()
    with pytest.raises(TrafficRoutingError, match=r"^backendRef was not found in grpcRoute$"):
        set_header_route(route, rollout(), MANAGED, X_CANARY, GRPC)


def test_set_weight_leaves_the_managed_rule_alone() -> None:
    with_rule = set_header_route(grpc_route(), rollout(), MANAGED, X_CANARY, GRPC)
    out = set_weight(set_weight(with_rule, rollout(), 50, GRPC), rollout(), 0, GRPC)
    assert weights(out, 0) == [(STABLE, 100), (CANARY, 0)]
    assert out["spec"]["rules"][1]["backendRefs"] == [CANARY_REF]  # no weight written


def test_a_managed_name_needs_an_integer_suffix() -> None:
    # isManagedRuleName: "test-header-route-1" is the plugin's, "test-header-route-web" is not
    route = grpc_route()
    twin = copy.deepcopy(route["spec"]["rules"][0])
    route["spec"]["rules"] += [
        {**copy.deepcopy(twin), "name": f"{MANAGED}-1"},
        {**copy.deepcopy(twin), "name": f"{MANAGED}-web"},
    ]
    out = set_weight(route, rollout(), 40, GRPC)
    assert weights(out, 1) == [(STABLE, 100), (CANARY, 0)]  # skipped as managed
    assert weights(out, 2) == [(STABLE, 60), (CANARY, 40)]


# -- the e2e tests, step by step --------------------------------------------------------------
def test_advanced_header_based_grpcroute_e2e() -> None:
    """Each assertion file's weights and rules, through the step sequence of the e2e Rollout."""
    ro = rollout(
        {"grpcRoutes": [{"name": "r", "useHeaderRoutes": True}]}, ("canary-route1", "canary-route2")
    )
    route = set_weight(grpc_route(), ro, 0, GRPC)  # grpcroute-initial
    assert weights(route) == [(STABLE, 100), (CANARY, 0)] and len(route["spec"]["rules"]) == 1
    route = set_weight(route, ro, 30, GRPC)
    x_test = [{"headerName": "X-Test", "headerValue": {"exact": "test"}}]
    route = set_header_route(route, ro, "canary-route1", x_test, GRPC)  # after-first-header
    assert weights(route) == [(STABLE, 70), (CANARY, 30)]
    assert [r.get("name") for r in route["spec"]["rules"]] == [None, "canary-route1"]
    assert route["spec"]["rules"][1]["matches"] == [
        {"headers": [{"type": "Exact", "name": "X-Test", "value": "test"}]}
    ]
    route = set_weight(route, ro, 60, GRPC)
    x_version = [{"headerName": "X-Version", "headerValue": {"exact": "v2"}}]
    route = set_header_route(route, ro, "canary-route2", x_version, GRPC)  # after-second-header
    assert weights(route) == [(STABLE, 40), (CANARY, 60)]
    assert [r.get("name") for r in route["spec"]["rules"]] == [
        None,
        "canary-route1",
        "canary-route2",
    ]
    route = set_weight(route, ro, 90, GRPC)  # after-weight-90: header rules untouched
    assert weights(route) == [(STABLE, 10), (CANARY, 90)]
    assert [r["backendRefs"] for r in route["spec"]["rules"][1:]] == [[CANARY_REF], [CANARY_REF]]
    route = set_weight(remove_managed_rules(route, ro), ro, 0, GRPC)  # after-cleanup
    assert len(route["spec"]["rules"]) == 1 and weights(route) == [(STABLE, 100), (CANARY, 0)]


def test_single_header_based_grpcroute_e2e() -> None:
    """single-header-based-grpcroute: setWeight 30 then X-Test: test; two rules while the
    canary runs (the header rule's only backend the canary), one rule at 0 after cleanup."""
    ro = rollout(
        {"grpcRoutes": [{"name": "grpcroute-header", "useHeaderRoutes": True}]},
        ("canary-route1",),
    )
    route = set_weight(grpc_route(), ro, 0, GRPC)  # grpcroute-initial
    assert len(route["spec"]["rules"]) == 1 and weights(route)[1] == (CANARY, 0)
    route = set_weight(route, ro, 30, GRPC)
    x_test = [{"headerName": "X-Test", "headerValue": {"exact": "test"}}]
    route = set_header_route(route, ro, "canary-route1", x_test, GRPC)
    assert weights(route) == [(STABLE, 70), (CANARY, 30)]  # grpcroute-with-header-route
    assert route["spec"]["rules"][1] == {
        "name": "canary-route1",
        "matches": [{"headers": [{"type": "Exact", "name": "X-Test", "value": "test"}]}],
        "backendRefs": [CANARY_REF],
    }
    route = set_weight(set_header_route(route, ro, "canary-route1", None, GRPC), ro, 0, GRPC)
    assert len(route["spec"]["rules"]) == 1 and weights(route)[1] == (CANARY, 0)


def test_single_grpcroute_filters_e2e() -> None:
    """single-grpcroute-filters: a rule with a service match and three filters; the header rule
    keeps all three and the service match."""
    ro = rollout(
        {"grpcRoutes": [{"name": "r", "useHeaderRoutes": True}]},
        ("grpc-filter-preservation-route",),
    )
    route = grpc_route({"method": {"service": "rollouts.demo.Service"}})
    route["spec"]["rules"][0]["filters"] = [{"type": t} for t in ("A", "B", "C")]
    route = set_weight(route, ro, 30, GRPC)
    match = [
        {"headerName": "X-GRPC-Filter-Test", "headerValue": {"exact": "preserve-grpc-filters"}}
    ]
    route = set_header_route(route, ro, "grpc-filter-preservation-route", match, GRPC)
    assert len(route["spec"]["rules"]) == 2 and weights(route) == [(STABLE, 70), (CANARY, 30)]
    managed = route["spec"]["rules"][1]
    assert managed["name"] == "grpc-filter-preservation-route" and len(managed["filters"]) == 3
    assert managed["matches"] == [
        {
            "method": {"service": "rollouts.demo.Service"},
            "headers": [
                {"type": "Exact", "name": "X-GRPC-Filter-Test", "value": "preserve-grpc-filters"}
            ],
        }
    ]
    route = set_weight(remove_managed_rules(route, ro), ro, 0, GRPC)
    assert len(route["spec"]["rules"]) == 1 and len(route["spec"]["rules"][0]["filters"]) == 3


# -- TCPRoutes and TLSRoutes (SetTCPRouteWeight, SetTLSRouteWeight, ...AddsAndRemovesLabel;
# e2e single-tcproute, single-tlsroute) ---------------------------------------------------------
@pytest.mark.parametrize("kind", ["TCPRoute", "TLSRoute"])
def test_stream_routes_weights_everywhere_and_label(kind: str) -> None:
    route = grpc_route()
    route["kind"] = kind
    managed_like = {"name": MANAGED, "backendRefs": [{"name": CANARY, "port": 80}]}
    route["spec"]["rules"].append(managed_like)  # not skipped: these routes take no headers
    out = set_backend_weights(route, rollout({kind.lower()[:3] + "Route": "r"}), 30, kind)
    assert weights(out, 0) == [(STABLE, 70), (CANARY, 30)]
    assert weights(out, 1) == [(CANARY, 30)]
    assert out["metadata"]["labels"] == {IN_PROGRESS_LABEL_KEY: "in-progress"}
    back = set_backend_weights(out, rollout(), 0, kind)
    assert weights(back, 0) == [(STABLE, 100), (CANARY, 0)] and "labels" not in back["metadata"]


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("TCPRoute", "backendRef list was not found in tcpRoute"),
        ("TLSRoute", "backendRef list was not found in tlsRoute"),
    ],
)
@pytest.mark.parametrize("keep", [[STABLE], [CANARY], []])
def test_stream_routes_missing_backend(kind: str, text: str, keep: list[str]) -> None:
    route = grpc_route()
    rule = route["spec"]["rules"][0]
    rule["backendRefs"] = [b for b in rule["backendRefs"] if b["name"] in keep]
    with pytest.raises(TrafficRoutingError, match=f"^{text}$"):
        set_backend_weights(route, rollout(), 30, kind)


def test_route_names_of_every_kind() -> None:
    ro = rollout(
        {
            "httpRoute": "h",
            "grpcRoutes": [{"name": "g"}],
            "tcpRoutes": [{"name": "t1"}],
            "tcpRoute": "t2",
            "tlsRoute": "s",
        }
    )
    got = {k: route_names(ro, k) for k in ("HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute")}
    assert got == {
        "HTTPRoute": ["h"],
        "GRPCRoute": ["g"],
        "TCPRoute": ["t1", "t2"],
        "TLSRoute": ["s"],
    }
