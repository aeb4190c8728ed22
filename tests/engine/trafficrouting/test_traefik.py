"""Argo's Traefik SetWeight (upstream rollout/trafficrouting/traefik/traefik_test.go cases, as
data) and Traefik's routing over IngressRoutes and weighted TraefikServices."""

from __future__ import annotations

import pytest

from canarysim.engine.trafficrouting.traefik.match import route
from canarysim.engine.trafficrouting.traefik.reconcile import set_weight
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
