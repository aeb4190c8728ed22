"""The Gateway API plugin's header routes on HTTPRoutes: expectations of the plugin's
pkg/plugin/plugin_test.go (``SetHTTPHeaderRoute``, ``TestSetHTTPHeaderRouteWith...``,
``NoDuplicateOnRepeatedCall``, ``TwoDistinctNamesAppendsBoth``, ``MultiRuleHTTPRoute``,
``RemoveHTTPManagedRoutes``, ``SetWeightDoesNotClobberHTTPHeaderRouteWeight``), as data."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from canarysim.engine.trafficrouting.gatewayapi.headers import (
    header_matches,
    header_route_names,
    remove_managed_rules,
    set_header_route,
)
from canarysim.engine.trafficrouting.gatewayapi.match import route as gateway_route
from canarysim.engine.trafficrouting.gatewayapi.reconcile import set_weight
from canarysim.errors import TrafficRoutingError

STABLE, CANARY = "argo-rollouts-stable-service", "argo-rollouts-canary-service"
MANAGED = "test-header-route"
X_CANARY = [{"headerName": "X-Canary", "headerValue": {"exact": "true"}}]


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
                            "argoproj-labs/gatewayAPI": plugin or {"httpRoute": "argo-rollouts"}
                        },
                    },
                }
            }
        },
    }


def http_route(*matches: dict[str, Any], rules: int = 1) -> dict[str, Any]:
    def rule(i: int) -> dict[str, Any]:
        r: dict[str, Any] = {
            "backendRefs": [
                {"name": STABLE, "port": 80, "weight": 100},
                {"name": CANARY, "port": 80, "weight": 0},
            ]
        }
        if matches:
            r["matches"] = [copy.deepcopy(m) for m in matches]
        elif rules > 1:
            r["matches"] = [{"path": {"type": "PathPrefix", "value": f"/{'ab'[i]}"}}]
        return r

    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "argo-rollouts", "namespace": "default"},
        "spec": {"rules": [rule(i) for i in range(rules)]},
    }


CANARY_REF = {"group": "", "kind": "Service", "name": CANARY, "port": 80}


def test_a_managed_rule_is_appended_with_the_canary_only() -> None:
    out = set_header_route(http_route(), rollout(), MANAGED, X_CANARY)
    rules = out["spec"]["rules"]
    assert len(rules) == 2
    assert rules[0] == http_route()["spec"]["rules"][0]  # the source rule is untouched
    assert rules[1] == {
        "name": MANAGED,
        "matches": [{"headers": [{"type": "Exact", "name": "X-Canary", "value": "true"}]}],
        "backendRefs": [CANARY_REF],
    }


def test_existing_headers_method_and_query_params_are_kept() -> None:
    host = {"type": "Exact", "name": "Host", "value": "example.com"}
    query = [{"type": "Exact", "name": "q", "value": "1"}]
    source = {
        "path": {"type": "PathPrefix", "value": "/api"},
        "headers": [host],
        "queryParams": query,
        "method": "POST",
    }
    out = set_header_route(http_route(source), rollout(), MANAGED, X_CANARY)
    (match,) = out["spec"]["rules"][1]["matches"]
    assert match == {
        "path": {"type": "PathPrefix", "value": "/api"},
        "headers": [host, {"type": "Exact", "name": "X-Canary", "value": "true"}],
        "queryParams": query,
        "method": "POST",
    }


def test_filters_are_copied() -> None:
    route = http_route()
    filters = [{"type": "RequestHeaderModifier", "requestHeaderModifier": {"set": []}}]
    route["spec"]["rules"][0]["filters"] = filters
    out = set_header_route(route, rollout(), MANAGED, X_CANARY)
    assert out["spec"]["rules"][1]["filters"] == filters


def test_repeated_calls_update_in_place_and_distinct_routes_append() -> None:
    once = set_header_route(http_route(), rollout(), MANAGED, X_CANARY)
    twice = set_header_route(once, rollout(), MANAGED, X_CANARY)
    assert twice == once  # NoDuplicateOnRepeatedCall
    two = ("header-route-one", "header-route-two")
    r = rollout(managed=two)
    first = set_header_route(http_route(), r, "header-route-one", X_CANARY)
    beta = [{"headerName": "X-Version", "headerValue": {"exact": "beta"}}]
    both = set_header_route(first, r, "header-route-two", beta)
    assert [rule.get("name") for rule in both["spec"]["rules"]] == [None, *two]


def test_one_managed_rule_per_source_rule() -> None:
    v2 = [{"headerName": "X-Version", "headerValue": {"exact": "v2"}}]
    out = set_header_route(http_route(rules=2), rollout(), MANAGED, v2)
    rules = out["spec"]["rules"]
    assert [r.get("name") for r in rules] == [None, None, MANAGED, f"{MANAGED}-1"]
    assert [r["matches"][0]["path"]["value"] for r in rules[2:]] == ["/a", "/b"]
    for r in rules[2:]:
        assert r["backendRefs"] == [CANARY_REF]
        assert {"type": "Exact", "name": "X-Version", "value": "v2"} in r["matches"][0]["headers"]


def test_header_value_kinds_and_the_invalid_one() -> None:
    kinds = [
        {"headerName": "a", "headerValue": {"exact": "x"}},
        {"headerName": "b", "headerValue": {"prefix": "v"}},
        {"headerName": "c", "headerValue": {"regex": "^r+$"}},
    ]
    assert header_matches(kinds) == [
        {"type": "Exact", "name": "a", "value": "x"},
        {"type": "RegularExpression", "name": "b", "value": "v.*"},
        {"type": "RegularExpression", "name": "c", "value": "^r+$"},
    ]
    with pytest.raises(TrafficRoutingError, match=r"^invalid header match type$"):
        header_matches([{"headerName": "a", "headerValue": {}}])


def test_a_route_without_both_backends_is_the_plugins_error() -> None:
    route = http_route()
    route["spec"]["rules"][0]["backendRefs"] = route["spec"]["rules"][0]["backendRefs"][:1]
    with pytest.raises(TrafficRoutingError, match=r"^backendRef was not found in httpRoute$"):
        set_header_route(route, rollout(), MANAGED, X_CANARY)


def test_removing_managed_rules_and_a_step_without_match() -> None:
    with_rule = set_header_route(http_route(rules=2), rollout(), MANAGED, X_CANARY)
    assert remove_managed_rules(with_rule, rollout()) == http_route(rules=2)
    assert set_header_route(with_rule, rollout(), MANAGED, None) == http_route(rules=2)
    untouched = http_route()
    assert remove_managed_rules(untouched, rollout()) == untouched


def test_set_weight_does_not_clobber_the_managed_rule() -> None:
    with_rule = set_header_route(http_route(), rollout(), MANAGED, X_CANARY)
    weighted = set_weight(with_rule, rollout(), 30)
    rules = weighted["spec"]["rules"]
    assert [(b["name"], b["weight"]) for b in rules[0]["backendRefs"]] == [
        (STABLE, 70),
        (CANARY, 30),
    ]
    assert rules[1]["backendRefs"] == [CANARY_REF]


def test_which_routes_take_header_routes() -> None:
    plugin = {
        "httpRoutes": [{"name": "a", "useHeaderRoutes": True}, {"name": "b"}],
        "httpRoute": "c",
    }
    assert header_route_names(rollout(plugin)) == ["a", "c"]


def test_the_gateway_sends_the_header_to_the_canary_and_the_rest_by_weight() -> None:
    route = set_weight(http_route(), rollout(), 30)
    route = set_header_route(route, rollout(), MANAGED, X_CANARY)
    assert gateway_route([route], "any", "/", "GET", {"x-canary": "true"}) == ((CANARY, 1.0),)
    assert gateway_route([route], "any", "/", "GET", {"x-canary": "no"}) == (
        (STABLE, 0.7),
        (CANARY, 0.3),
    )


def test_an_empty_match_is_a_managed_rule_for_every_request() -> None:
    """``headerRouting.Match == nil`` removes; an empty list adds the managed rule with no
    header (``headers`` is omitempty: a bare match), which takes every request the source
    rule takes, all to the canary."""
    out = set_header_route(http_route(), rollout(), MANAGED, [])
    managed = out["spec"]["rules"][1]
    assert managed == {"name": MANAGED, "matches": [{}], "backendRefs": [CANARY_REF]}
    path = {"path": {"type": "PathPrefix", "value": "/api"}}
    merged = set_header_route(http_route(path), rollout(), MANAGED, [])["spec"]["rules"][1]
    assert merged["matches"] == [path]
    assert (
        set_header_route(out, rollout(), MANAGED, None)["spec"]["rules"]
        == (http_route()["spec"]["rules"])
    )
