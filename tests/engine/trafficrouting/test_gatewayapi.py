"""The Gateway API plugin's HTTPRoute weights and a Gateway's rule choice, Given/When/Then.

Cases follow the plugin's pkg/plugin tests and e2e assertions
(test/e2e/chainsaw/single-httproute, httproute-label) as data."""

from __future__ import annotations

from typing import Any

import pytest

from canarysim.engine.trafficrouting.gatewayapi.match import route
from canarysim.engine.trafficrouting.gatewayapi.reconcile import (
    IN_PROGRESS_LABEL_KEY,
    http_route_names,
    plugin_config,
    set_weight,
)
from canarysim.errors import TrafficRoutingError


def rollout(**config: Any) -> dict:
    config = config or {"httpRoute": "httproute-basic"}
    return {
        "metadata": {"name": "httproute-rollout", "namespace": "default"},
        "spec": {
            "strategy": {
                "canary": {
                    "stableService": "stable",
                    "canaryService": "canary",
                    "trafficRouting": {"plugins": {"argoproj-labs/gatewayAPI": config}},
                }
            }
        },
    }


def http_route(*rules: dict, hostnames: list[str] | None = None) -> dict:
    spec: dict[str, Any] = {"rules": list(rules)}
    if hostnames is not None:
        spec["hostnames"] = hostnames
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "httproute-basic", "namespace": "default"},
        "spec": spec,
    }


BASIC = {"backendRefs": [{"name": "stable", "port": 80}, {"name": "canary", "port": 80}]}


def weights(r: dict, i: int = 0) -> list[tuple[str, Any]]:
    return [(b["name"], b.get("weight")) for b in r["spec"]["rules"][i]["backendRefs"]]


def test_config_defaults_and_route_list():
    assert plugin_config(rollout())["namespace"] == "default"
    ro = rollout(httpRoutes=[{"name": "a"}, {"name": "b"}], httpRoute="c")
    assert http_route_names(ro) == ["a", "b", "c"]


def test_set_weight_and_in_progress_label():
    """single-httproute: 30/70 during the canary with the label; 0/100 after, label gone."""
    r = set_weight(http_route(BASIC), rollout(), 30)
    assert weights(r) == [("stable", 70), ("canary", 30)]
    assert r["metadata"]["labels"] == {IN_PROGRESS_LABEL_KEY: "in-progress"}
    r = set_weight(r, rollout(), 0)
    assert weights(r) == [("stable", 100), ("canary", 0)]
    assert "labels" not in r["metadata"]  # an emptied map is left out (labels,omitempty)


def test_label_can_be_disabled_or_renamed():
    r = set_weight(http_route(BASIC), rollout(httpRoute="x", disableInProgressLabel=True), 30)
    assert "labels" not in r["metadata"]
    r = set_weight(
        http_route(BASIC),
        rollout(httpRoute="x", inProgressLabelKey="k", inProgressLabelValue="v"),
        5,
    )
    assert r["metadata"]["labels"] == {"k": "v"}


def test_missing_backend_ref_is_the_plugins_error():
    with pytest.raises(TrafficRoutingError, match=r"^backendRef was not found in httpRoute$"):
        set_weight(http_route({"backendRefs": [{"name": "stable"}]}), rollout(), 30)


def test_managed_header_rules_are_skipped():
    managed = {
        "name": "canary-header",
        "backendRefs": [{"name": "canary"}],
        "matches": [{"headers": [{"name": "x", "value": "y"}]}],
    }
    r = set_weight(http_route(BASIC, managed), rollout(), 30)
    assert "weight" not in r["spec"]["rules"][1]["backendRefs"][0]


def test_gateway_picks_the_most_specific_rule_then_weights():
    api = {
        "matches": [{"path": {"type": "PathPrefix", "value": "/api"}}],
        "backendRefs": [{"name": "canary", "weight": 1}],
    }
    exact = {
        "matches": [{"path": {"type": "Exact", "value": "/api/health"}}],
        "backendRefs": [{"name": "stable"}],
    }
    post = {
        "matches": [{"path": {"type": "PathPrefix", "value": "/api"}, "method": "POST"}],
        "backendRefs": [{"name": "post-svc"}],
    }
    rules = [
        dict(
            BASIC, backendRefs=[{"name": "stable", "weight": 70}, {"name": "canary", "weight": 30}]
        ),
        api,
        exact,
        post,
    ]
    routes = [http_route(*rules, hostnames=["*.example.com"])]
    assert route(routes, "other.org") is None
    assert route(routes, "a.example.com", "/") == (("stable", 0.7), ("canary", 0.3))
    assert route(routes, "a.example.com", "/api/x") == (("canary", 1.0),)
    assert route(routes, "a.example.com", "/apix") == (("stable", 0.7), ("canary", 0.3))
    assert route(routes, "a.example.com", "/api/health") == (("stable", 1.0),)
    assert route(routes, "a.example.com", "/api/x", method="POST") == (("post-svc", 1.0),)


def test_header_matches_and_zero_weights():
    hdr = {
        "matches": [{"headers": [{"name": "X-Canary", "value": "yes"}]}],
        "backendRefs": [{"name": "canary"}],
    }
    zero = {"backendRefs": [{"name": "stable", "weight": 0}]}
    routes = [http_route(zero, hdr)]
    assert route(routes, "h", headers={"x-canary": "yes"}) == (("canary", 1.0),)
    assert route(routes, "h") == ()  # the only backend has weight 0
