"""Argo's checks of an NGINX Rollout's Ingresses (ValidateRolloutNginxIngressesConfig,
getReferencedNginxIngresses, ValidateIngress), messages verbatim."""

from __future__ import annotations

from typing import Any

import yaml
from spec_helpers import SERVICES, bundle

from canarysim.declarations import first_invalid_message
from canarysim.declarations.support import refusals

INGRESS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: demo-ingress}
spec:
  rules:
    - host: demo.local
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: demo-stable, port: {number: 80}}}
"""


def nginx(base: dict[str, Any], **settings: Any) -> dict[str, Any]:
    base["spec"]["strategy"]["canary"]["trafficRouting"] = {"nginx": settings}
    return base


def message(*objs: Any) -> str | None:
    b = bundle(*objs)
    return first_invalid_message(b.rollout, b)


def test_a_valid_nginx_rollout_is_simulated(base):
    ro = nginx(base, stableIngress="demo-ingress")
    assert message(ro, SERVICES, INGRESS) is None
    assert refusals(bundle(ro, SERVICES, INGRESS).rollout) == []


def test_missing_stable_ingress(base):
    ro = nginx(base, stableIngress="nope")
    assert message(ro, SERVICES, INGRESS) == (
        'The Rollout "demo" is invalid: spec.strategy.canary.trafficRouting.nginx.stableIngress: '
        'Invalid value: "nope": ingress.networking.k8s.io "nope" not found'
    )


def test_stable_ingress_without_the_stable_service(base):
    ro = nginx(base, stableIngress="demo-ingress")
    other = yaml.safe_load(INGRESS)
    other["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] = "elsewhere"
    assert message(ro, SERVICES, other) == (
        'The Rollout "demo" is invalid: spec.strategy.canary.trafficRouting.nginx.stableIngress: '
        'Invalid value: "demo-ingress": ingress `demo-ingress` has no rules using service '
        "demo-stable backend"
    )


def test_both_or_neither_ingress_fields(base):
    ro = nginx(base, stableIngress="demo-ingress", stableIngresses=["demo-ingress"])
    assert message(ro, SERVICES, INGRESS) == (
        'The Rollout "demo" is invalid: spec.strategy.canary.trafficRouting.nginx: Internal '
        "error: Either StableIngress or StableIngresses must be configured. Both are configured."
    )
    ro = nginx(base)
    assert message(ro, SERVICES, INGRESS).endswith("Neither are configured.")


def test_several_stable_ingresses(base):
    ro = nginx(base, stableIngresses=["demo-ingress", "missing"])
    assert message(ro, SERVICES, INGRESS) == (
        'The Rollout "demo" is invalid: spec.strategy.canary.trafficRouting.nginx.'
        'StableIngresses: Invalid value: ["demo-ingress","missing"]: ingress.networking.k8s.io '
        '"missing" not found'
    )
