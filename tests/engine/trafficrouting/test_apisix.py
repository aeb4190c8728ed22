"""Argo's APISIX SetWeight and APISIX's rule choice (upstream rollout/trafficrouting/apisix/
apisix_test.go and test/e2e/apisix manifests, as data)."""

from __future__ import annotations

from typing import Any

import pytest

from canarysim.engine.trafficrouting.apisix.match import route
from canarysim.engine.trafficrouting.apisix.reconcile import set_weight
from canarysim.errors import TrafficRoutingError


def rollout(rules: list[str] | None = None) -> dict:
    r: dict[str, Any] = {"name": "mocks-apisix-route"}
    if rules is not None:
        r["rules"] = rules
    return {
        "metadata": {"name": "rollout", "namespace": "default"},
        "spec": {
            "strategy": {
                "canary": {
                    "stableService": "stable-rollout",
                    "canaryService": "canary-rollout",
                    "trafficRouting": {"apisix": {"route": r}},
                }
            }
        },
    }


def apisix_route(name: str = "mocks-apisix-route", **match: Any) -> dict:
    return {
        "apiVersion": "apisix.apache.org/v2",
        "kind": "ApisixRoute",
        "metadata": {"name": "mocks-apisix-route"},
        "spec": {
            "http": [
                {
                    "name": name,
                    "match": match or {"paths": ["/*"]},
                    "backends": [
                        {"serviceName": "stable-rollout", "servicePort": 80, "weight": 100},
                        {"serviceName": "canary-rollout", "servicePort": 80, "weight": 0},
                    ],
                }
            ]
        },
    }


def test_set_weight_default_rule_is_the_route_name():
    r = set_weight(apisix_route(), rollout(), 30)
    backends = r["spec"]["http"][0]["backends"]
    assert [(b["serviceName"], b["weight"]) for b in backends] == [
        ("stable-rollout", 70),
        ("canary-rollout", 30),
    ]


def test_errors_are_argos():
    with pytest.raises(TrafficRoutingError, match="Apisix http route rule other not found"):
        set_weight(apisix_route(), rollout(["other"]), 30)
    bad = apisix_route()
    bad["spec"]["http"][0]["backends"] = [{"serviceName": "stable-rollout"}]
    with pytest.raises(
        TrafficRoutingError, match="apisix route canary-rollout backend was not found"
    ):
        set_weight(bad, rollout(), 30)
    with pytest.raises(
        TrafficRoutingError, match=r"spec\.http was not found in Apisix Route manifest"
    ):
        set_weight({"spec": {}}, rollout(), 30)


def test_apisix_matches_hosts_paths_methods():
    r = set_weight(
        apisix_route(hosts=["demo.local"], paths=["/api/*"], methods=["GET"]), rollout(), 20
    )
    assert route([r], "other.local") is None
    assert route([r], "demo.local", "/api/x") == (("stable-rollout", 0.8), ("canary-rollout", 0.2))
    assert route([r], "demo.local", "/other") == ()
    assert route([r], "demo.local", "/api/x", method="POST") == ()
