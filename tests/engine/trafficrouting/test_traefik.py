"""Argo's Traefik SetWeight (upstream rollout/trafficrouting/traefik/traefik_test.go cases, as
data) and Traefik's routing over IngressRoutes and weighted TraefikServices."""

from __future__ import annotations

import pytest

from canarysim.engine.trafficrouting.traefik.match import route
from canarysim.engine.trafficrouting.traefik.reconcile import (
    service_name,
    set_weight,
    traefik_settings,
)
from canarysim.errors import TrafficRoutingError

ROLLOUT = {
    "metadata": {"name": "rollout"},
    "spec": {
        "strategy": {
            "canary": {
                "stableService": "stable-rollout",
                "canaryService": "canary-rollout",
                "trafficRouting": {"traefik": {"weightedTraefikServiceName": "mocks-service"}},
            }
        }
    },
}


def ts(*names: str) -> dict:
    return {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "TraefikService",
        "metadata": {"name": "mocks-service"},
        "spec": {"weighted": {"services": [{"name": n, "port": 80} for n in names]}},
    }


def test_set_weight():
    out = set_weight(ts("stable-rollout", "canary-rollout"), ROLLOUT, 30)
    assert out["spec"]["weighted"]["services"] == [
        {"name": "stable-rollout", "port": 80, "weight": 70},
        {"name": "canary-rollout", "port": 80, "weight": 30},
    ]


@pytest.mark.parametrize(
    ("svc", "message"),
    [
        (ts("stable-rollout"), "traefik canary service was not found"),
        (ts("canary-rollout"), "traefik stable service was not found"),
        ({"spec": {}}, "spec.weighted.services was not found in traefik service manifest"),
    ],
)
def test_errors(svc, message):
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(svc, ROLLOUT, 30)
    assert str(err.value) == message


def ingress_route(match: str, **extra) -> dict:
    return {
        "spec": {
            "routes": [
                {
                    "match": match,
                    "kind": "Rule",
                    "services": [{"name": "mocks-service", "kind": "TraefikService"}],
                    **extra,
                }
            ]
        }
    }


def test_traefik_routes_rules_to_the_weighted_service():
    weighted = {"mocks-service": set_weight(ts("stable-rollout", "canary-rollout"), ROLLOUT, 25)}
    routes = [ingress_route("Host(`demo.local`) && PathPrefix(`/api`)")]
    assert route(routes, weighted, "demo.local", "/api/x") == (
        ("stable-rollout", 0.75),
        ("canary-rollout", 0.25),
    )
    assert route(routes, weighted, "demo.local", "/other") is None
    assert route(routes, weighted, "else.local", "/api") is None
    hdr = [ingress_route("Host(`demo.local`) && Header(`X-Canary`, `on`)")]
    assert route(hdr, weighted, "demo.local", headers={"x-canary": "on"}) is not None
    assert route([ingress_route("Host(`demo.local`) || Path(`/`)")], weighted, "demo.local") is None


# Edges found by mutation testing.


def test_settings_and_service_name():
    assert traefik_settings(ROLLOUT) == {"weightedTraefikServiceName": "mocks-service"}
    assert service_name(ROLLOUT) == "mocks-service"
    bare = {"spec": {"strategy": {"canary": {"trafficRouting": {"traefik": {}}}}}}
    assert traefik_settings(bare) == {} and service_name(bare) == ""
    other = {"spec": {"strategy": {"canary": {"trafficRouting": {"traefik": "on"}}}}}
    assert traefik_settings(other) is None and service_name(other) == ""
    assert traefik_settings({}) is None


@pytest.mark.parametrize(
    ("services", "message"),
    [
        (["stable-rollout"], "Failed type assertion setting weight for traefik service"),
        ([{"port": 80}], "name field was not found in service"),
    ],
)
def test_malformed_service_entries(services, message):
    """getService's errors, met before the canary is found."""
    svc = {"spec": {"weighted": {"services": services}}}
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(svc, ROLLOUT, 30)
    assert str(err.value) == message


def test_set_weight_leaves_the_service_read_unchanged():
    before = ts("stable-rollout", "canary-rollout")
    set_weight(before, ROLLOUT, 30)
    assert before == ts("stable-rollout", "canary-rollout")


def test_unset_service_names_are_the_empty_name():
    """Argo looks the Rollout's canaryService/stableService up as written, "" when unset."""
    bare = {"spec": {"strategy": {"canary": {}}}}
    out = set_weight(ts("", "x"), bare, 30)
    # the canary and the stable are the same entry: the stable's weight is written last
    assert out["spec"]["weighted"]["services"][0]["weight"] == 70


def rules(*routes: dict) -> list[dict]:
    """One IngressRoute per argument, each a route (``match``, ``services``, ...)."""
    return [{"spec": {"routes": [r]}} for r in routes]


def to(service: str, rule: str, **extra) -> dict:
    return {"match": rule, "services": [{"name": service}], **extra}


# (rule, request, matches?) for the matchers Traefik reads here
MATCHERS = [
    ("HostRegexp(`demo.local`)", {}, True),
    ("Path(`/api`)", {"uri": "/api"}, True),
    ("Path(`/api`)", {"uri": "/api/x"}, False),
    ("Path(`/`)", {}, True),  # a request to "/" by default
    ("Path(`/`)", {"uri": "?q=1"}, True),  # no path is "/"
    ("Path(`/a`)", {"uri": "/a?b?c"}, True),  # the query starts at the first "?"
    ("Method(`GET`)", {}, True),  # a GET by default
    ("Method(`POST`)", {}, False),
    ("Method(`POST`)", {"method": "POST"}, True),
    ("Header(`X-Canary`, `on`)", {"headers": {"X-Canary": "off"}}, False),
    ("Header(`X-Canary`)", {"headers": {"x-canary": "on"}}, False),  # needs name and value
    ("Query(`a=b`)", {"uri": "/?a=b"}, False),  # a matcher not read here matches nothing
]


@pytest.mark.parametrize(("rule", "request_", "matches"), MATCHERS)
def test_traefik_matchers(rule, request_, matches):
    found = route(rules(to("svc", f"Host(`demo.local`) && {rule}")), {}, "demo.local", **request_)
    assert found == ((("svc", 1.0),) if matches else None)


def test_traefik_looks_past_routes_that_do_not_match():
    routes = rules(
        to("a", "Host(`other.local`)"), {"services": [{"name": "b"}]}, to("c", "Host(`demo.local`)")
    )
    assert route(routes, {}, "demo.local") == (("c", 1.0),)


def test_traefik_priority():
    """The highest priority wins, by default the rule's length; a matching route without a
    service is passed over; on a tie the first IngressRoute (and its first route) wins."""
    short, long = "Host(`demo.local`)", "Host(`demo.local`) && PathPrefix(`/`)"
    assert route(rules(to("a", short), to("b", long)), {}, "demo.local") == (("b", 1.0),)
    assert route(rules(to("a", short, priority=100), to("b", long)), {}, "demo.local") == (
        ("a", 1.0),
    )
    bare = {"match": long + " && Method(`GET`)", "services": []}
    assert route(rules(to("a", short), bare), {}, "demo.local") == (("a", 1.0),)
    assert route(rules(to("a", short), to("b", short)), {}, "demo.local") == (("a", 1.0),)
    same = [{"spec": {"routes": [to("a", short), to("b", short)]}}]
    assert route(same, {}, "demo.local") == (("a", 1.0),)


def test_traefik_weighted_service_weights():
    """weight defaults to 1 (also when null); 0 takes nothing; all 0: no backend."""

    def weighted(*services: dict) -> dict:
        return {"w": {"spec": {"weighted": {"services": list(services)}}}}

    ir = rules(
        {"match": "Host(`demo.local`)", "services": [{"name": "w", "kind": "TraefikService"}]}
    )
    got = route(ir, weighted({"name": "a"}, {"name": "b", "weight": None}), "demo.local")
    assert got == (("a", 0.5), ("b", 0.5))
    got = route(ir, weighted({"name": "a"}, {"name": "b", "weight": 1}), "demo.local")
    assert got == (("a", 0.5), ("b", 0.5))
    got = route(ir, weighted({"name": "a", "weight": 0}, {"name": "b", "weight": 1}), "demo.local")
    assert got == (("b", 1.0),)
    assert route(ir, weighted({"name": "a", "weight": 0}), "demo.local") == ()
    assert route(ir, weighted({"weight": 2}), "demo.local") == (("", 1.0),)
    assert route(ir, {}, "demo.local") == ()  # the TraefikService does not exist


def test_traefik_service_without_a_name():
    assert route(rules({"match": "Host(`demo.local`)", "services": [{}]}), {}, "demo.local") == (
        ("", 1.0),
    )
    ir = rules({"match": "Host(`demo.local`)", "services": [{"kind": "TraefikService"}]})
    w = {"": {"spec": {"weighted": {"services": [{"name": "x"}]}}}}
    assert route(ir, w, "demo.local") == (("x", 1.0),)


def test_traefik_looks_past_routes_of_the_same_ingress_route():
    routes = [{"spec": {"routes": [to("a", "Host(`other.local`)"), to("b", "Host(`demo.local`)")]}}]
    assert route(routes, {}, "demo.local") == (("b", 1.0),)
