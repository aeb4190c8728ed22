"""Argo's APISIX SetWeight and APISIX's rule choice (upstream rollout/trafficrouting/apisix/
apisix_test.go and test/e2e/apisix manifests, as data)."""

from __future__ import annotations

from typing import Any

import pytest

from canarysim.engine.trafficrouting.apisix import headers
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


# ---- SetHeaderRoute (apisix.go::SetHeaderRoute, processSetHeaderApisixRoute) -------------
def set_header_route(
    base: dict[str, Any],
    existing: dict[str, Any] | None,
    ro: dict[str, Any],
    name: str,
    match: list[dict[str, Any]],
) -> Any:
    """The header route's ApisixRoute after ``headers.set_header_route`` (None: deleted)."""
    routes = {base["metadata"]["name"]: base}
    if existing is not None:
        routes[name] = existing
    return headers.set_header_route(routes, ro, name, match).get(name)


def header_match(**value: str) -> list[dict[str, Any]]:
    return [{"headerName": "agent", "headerValue": value}]


def test_a_header_route_is_an_owned_copy_sending_all_to_the_canary():
    base = apisix_route()
    base["spec"]["http"][0]["priority"] = 3
    new = set_header_route(base, None, rollout(), "hdr", header_match(exact="chrome"))
    assert new is not None
    assert new["metadata"]["name"] == "hdr"
    [owner] = new["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("Rollout", "rollout", True)
    [rule] = new["spec"]["http"]
    assert [b["serviceName"] for b in rule["backends"]] == ["canary-rollout"]
    assert rule["backends"][0]["weight"] == 100
    assert rule["priority"] == 4
    assert rule["match"]["exprs"] == [
        {"subject": {"scope": "Header", "name": "agent"}, "op": "Equal", "value": "chrome"}
    ]
    assert base["spec"]["http"][0]["priority"] == 3  # the Rollout's route is not touched
    # updated in place later: the priority does not climb again, the expressions change
    again = set_header_route(base, new, rollout(), "hdr", header_match(prefix="fire"))
    assert again is not None
    [rule] = again["spec"]["http"]
    assert rule["priority"] == 4
    assert rule["match"]["exprs"] == [
        {"subject": {"scope": "Header", "name": "agent"}, "op": "RegexMatch", "value": "^fire.*"}
    ]
    # no match: deleted
    assert set_header_route(base, again, rollout(), "hdr", []) is None


def test_a_header_route_name_taken_by_another_object_is_argos_error():
    other = apisix_route()
    with pytest.raises(TrafficRoutingError, match=r"duplicate ApisixRoute \[hdr\] already exists"):
        set_header_route(apisix_route(), other, rollout(), "hdr", header_match(exact="x"))


def test_apisix_honours_the_header_route_expressions():
    base = apisix_route()
    for b in base["spec"]["http"][0]["backends"]:
        b["weight"] = 100 if b["serviceName"] == "stable-rollout" else 0
    header = set_header_route(base, None, rollout(), "hdr", header_match(regex="^Mozilla"))
    assert header is not None
    both = [base, header]
    host = (base["spec"]["http"][0]["match"].get("hosts") or ["any"])[0]
    assert route(both, host, headers={"Agent": "Mozilla/5.0"}) == (("canary-rollout", 1.0),)
    assert route(both, host, headers={"agent": "curl"}) == (("stable-rollout", 1.0),)
    assert route(both, host) == (("stable-rollout", 1.0),)
