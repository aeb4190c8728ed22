"""Argo's APISIX ``SetWeight`` as a pure rewrite of an ``apisix.apache.org/v2`` ApisixRoute."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict
from canarysim.errors import TrafficRoutingError

__all__ = [
    "TYPE_ASSERTION",
    "apisix_settings",
    "backends_of",
    "route_name",
    "rule_of",
    "set_backend_weight",
    "set_weight",
]

Manifest = dict[str, Any]

#: Argo's ``failedToTypeAssertion``, the start of its errors on a value of the wrong kind.
TYPE_ASSERTION = "Failed type assertion for Apisix http route"


def _canary(rollout: Mapping[str, Any]) -> dict[str, Any]:
    return as_dict(as_dict(as_dict(rollout.get("spec")).get("strategy")).get("canary"))


def apisix_settings(rollout: Mapping[str, Any]) -> dict[str, Any] | None:
    """``spec.strategy.canary.trafficRouting.apisix``, or None."""
    value = as_dict(_canary(rollout).get("trafficRouting")).get("apisix")
    return value if isinstance(value, dict) else None


def route_name(rollout: Mapping[str, Any]) -> str:
    return str(as_dict((apisix_settings(rollout) or {}).get("route")).get("name") or "")


def set_backend_weight(backends: list[Any], name: str, weight: int) -> None:
    """``setBackendWeight``: the first backend with that ``serviceName``."""
    for backend in backends:
        if not isinstance(backend, dict):
            raise TrafficRoutingError(f"{TYPE_ASSERTION} backends")
        if "serviceName" not in backend:
            raise TrafficRoutingError("serviceName field was not found in backend")
        if backend["serviceName"] == name:
            backend["weight"] = int(weight)
            return
    raise TrafficRoutingError(f"apisix route {name} backend was not found")


def rule_of(http: list[Any], name: str) -> dict[str, Any]:
    """``GetHttpRoute``: the rule of ``spec.http`` with that name, or Argo's error."""
    for candidate in http:
        if not isinstance(candidate, dict):
            raise TrafficRoutingError(TYPE_ASSERTION)
        if "name" not in candidate:
            raise TrafficRoutingError("Apisix http route rule name field not found")
        if not isinstance(candidate["name"], str):
            raise TrafficRoutingError(f"{TYPE_ASSERTION} rule name")
        if candidate["name"] == name:
            return candidate
    raise TrafficRoutingError(f"Apisix http route rule {name} not found")


def backends_of(rule: Mapping[str, Any]) -> list[Any]:
    """``GetBackends``: the rule's ``backends``, or Argo's error."""
    if "backends" not in rule:
        raise TrafficRoutingError("Apisix http route backends not found")
    backends = rule["backends"]
    if not isinstance(backends, list):
        raise TrafficRoutingError(f"{TYPE_ASSERTION} backends")
    return backends


def set_weight(route: Mapping[str, Any], rollout: Mapping[str, Any], weight: int) -> Manifest:
    """The ApisixRoute after ``SetWeight`` (``processSetWeightRoutes``): each rule of
    ``route.rules`` (default: a rule named like the route) gets canary/stable weights."""
    out = copy.deepcopy(dict(route))
    http = as_dict(out.get("spec")).get("http")
    if not isinstance(http, list):
        raise TrafficRoutingError("spec.http was not found in Apisix Route manifest")
    settings = as_dict((apisix_settings(rollout) or {}).get("route"))
    rules = settings.get("rules")
    names = [str(r) for r in rules] if isinstance(rules, list) else [route_name(rollout)]
    canary = _canary(rollout)
    for name in names:
        backends = backends_of(rule_of(http, name))
        set_backend_weight(backends, str(canary.get("canaryService") or ""), weight)
        set_backend_weight(backends, str(canary.get("stableService") or ""), 100 - weight)
    return out
