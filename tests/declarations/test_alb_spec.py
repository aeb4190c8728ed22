"""Argo's checks of an ALB Rollout's Ingresses (ValidateRolloutAlbIngressesConfig,
getReferencedALBIngresses, ValidateIngress with the root Service), messages verbatim, and the
ALB's own spec rules (ping-pong needs rootService; header routes take exact values only)."""

from __future__ import annotations

from typing import Any

import yaml
from spec_helpers import SERVICES, bundle

from canarysim.declarations import first_invalid_message
from canarysim.declarations.support import refusals

INGRESS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: demo-ingress, annotations: {kubernetes.io/ingress.class: alb}}
spec:
  rules:
    - http:
        paths:
          - path: /*
            pathType: ImplementationSpecific
            backend: {service: {name: demo-root, port: {name: use-annotation}}}
"""
ROOT = """
apiVersion: v1
kind: Service
metadata: {name: demo-root}
spec:
  ports: [{port: 80, targetPort: 8080}]
  selector: {app: demo}
"""


def alb(base: dict[str, Any], **settings: Any) -> dict[str, Any]:
    base["spec"]["strategy"]["canary"]["trafficRouting"] = {"alb": {"servicePort": 80, **settings}}
    return base


def message(*objs: Any) -> str | None:
    b = bundle(*objs)
    return first_invalid_message(b.rollout, b)


def test_a_valid_alb_rollout_is_simulated(base):
    ro = alb(base, ingress="demo-ingress", rootService="demo-root")
    assert message(ro, SERVICES, ROOT, INGRESS) is None
    assert refusals(bundle(ro, SERVICES, ROOT, INGRESS).rollout) == []


def test_missing_ingress(base):
    ro = alb(base, ingress="nope", rootService="demo-root")
    assert message(ro, SERVICES, ROOT, INGRESS) == (
        'The Rollout "demo" is invalid: spec.strategy.canary.trafficRouting.alb.ingress: '
        'Invalid value: "nope": ingress.networking.k8s.io "nope" not found'
    )
    ro = alb(base, ingresses=["demo-ingress", "missing"], rootService="demo-root")
    assert message(ro, SERVICES, ROOT, INGRESS) == (
        'The Rollout "demo" is invalid: spec.strategy.canary.trafficRouting.alb.ingresses: '
        'Invalid value: ["demo-ingress","missing"]: ingress.networking.k8s.io "missing" not found'
    )


def test_the_ingress_must_route_to_the_root_service_else_the_stable_one(base):
    ro = alb(base, ingress="demo-ingress")  # no rootService: the stable Service is the action
    assert message(ro, SERVICES, ROOT, INGRESS) == (
        'The Rollout "demo" is invalid: spec.strategy.canary.trafficRouting.alb.ingress: '
        'Invalid value: "demo-ingress": ingress `demo-ingress` has no rules using service '
        "demo-stable backend"
    )
    other = yaml.safe_load(INGRESS)
    other["metadata"]["name"] = "second"
    other["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] = "elsewhere"
    ro = alb(base, ingresses=["demo-ingress", "second"], rootService="demo-root")
    assert message(ro, SERVICES, ROOT, INGRESS, other) == (
        'The Rollout "demo" is invalid: spec.strategy.canary.trafficRouting.alb.ingresses: '
        'Invalid value: "second": ingress `second` has no rules using service demo-root backend'
    )


def test_both_or_neither_ingress_fields(base):
    ro = alb(base, ingress="demo-ingress", ingresses=["demo-ingress"], rootService="demo-root")
    assert message(ro, SERVICES, ROOT, INGRESS) == (
        'The Rollout "demo" is invalid: spec.strategy.canary.trafficRouting.alb: Internal '
        "error: Either Ingress or Ingresses must be configured. Both are configured."
    )
    ro = alb(base, rootService="demo-root")
    assert message(ro, SERVICES, ROOT, INGRESS).endswith("Neither are configured.")


def test_alb_header_routes_take_exact_values_only(base):
    ro = alb(base, ingress="demo-ingress", rootService="demo-root")
    canary = ro["spec"]["strategy"]["canary"]
    canary["trafficRouting"]["managedRoutes"] = [{"name": "header-route"}]
    canary["steps"] = [
        {"setWeight": 20},
        {
            "setHeaderRoute": {
                "name": "header-route",
                "match": [{"headerName": "agent", "headerValue": {"prefix": "Chrome"}}],
            }
        },
    ]
    got = message(ro, SERVICES, ROOT, INGRESS)
    assert got is not None
    assert got.endswith("SetHeaderRoute match value invalid. ALB supports 'exact' value only")
