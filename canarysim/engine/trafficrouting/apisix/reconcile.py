"""Argo's APISIX ``SetWeight`` as a pure rewrite of an ``apisix.apache.org/v2`` ApisixRoute."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict
from canarysim.errors import TrafficRoutingError

__all__ = ["apisix_settings", "route_name", "rule_of", "set_weight"]

Manifest = dict[str, Any]


def _canary(rollout: Mapping[str, Any]) -> dict[str, Any]:
    return as_dict(as_dict(as_dict(rollout.get("spec")).get("strategy")).get("canary"))


def apisix_settings(rollout: Mapping[str, Any]) -> dict[str, Any] | None:
    """``spec.strategy.canary.trafficRouting.apisix``, or None."""
    value = as_dict(_canary(rollout).get("trafficRouting")).get("apisix")
    return value if isinstance(value, dict) else None


def route_name(rollout: Mapping[str, Any]) -> str:
    return str(as_dict((apisix_settings(rollout) or {}).get("route")).get("name") or "")


def _set_backend_weight(backends: list[Any], name: str, weight: int) -> None:
    """``setBackendWeight``: the first backend with that ``serviceName``."""
    for backend in backends:
        if not isinstance(backend, dict):
            raise TrafficRoutingError("Failed type assertion for Apisix http route backends")
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
            raise TrafficRoutingError("Failed type assertion for Apisix http route")
        if "name" not in candidate:
            raise TrafficRoutingError("Apisix http route rule name field not found")
        if candidate["name"] == name:
            return candidate
    raise TrafficRoutingError(f"Apisix http route rule {name} not found")


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
        rule = rule_of(http, name)
        backends = rule.get("backends")
        if not isinstance(backends, list):
            raise TrafficRoutingError("Apisix http route backends not found")
        _set_backend_weight(backends, str(canary.get("canaryService") or ""), weight)
        _set_backend_weight(backends, str(canary.get("stableService") or ""), 100 - weight)
    return out


def _owner_reference(rollout: Mapping[str, Any]) -> dict[str, Any]:
    """``metav1.NewControllerRef(rollout, Rollout kind)`` (the uid is the cluster's)."""
    meta = as_dict(rollout.get("metadata"))
    ref: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "name": str(meta.get("name") or ""),
    }
    if meta.get("uid"):
        ref["uid"] = str(meta["uid"])
    ref["controller"] = True
    ref["blockOwnerDeletion"] = True
    return ref


def controlled_by(route: Mapping[str, Any], rollout: Mapping[str, Any]) -> bool:
    """``metav1.IsControlledBy(route, rollout)``."""
    name = as_dict(rollout.get("metadata")).get("name")
    for ref in as_dict(route.get("metadata")).get("ownerReferences") or []:
        ref = as_dict(ref)
        if ref.get("controller") and ref.get("kind") == "Rollout" and ref.get("name") == name:
            return True
    return False


def _exprs(match: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``apisixExprs``: one expression per value kind set (exact, regex, prefix)."""
    subject = {"scope": "Header", "name": str(match.get("headerName") or "")}
    value = as_dict(match.get("headerValue"))
    out: list[dict[str, Any]] = []
    if value.get("exact"):
        out.append({"subject": dict(subject), "op": "Equal", "value": str(value["exact"])})
    if value.get("regex"):
        out.append({"subject": dict(subject), "op": "RegexMatch", "value": str(value["regex"])})
    if value.get("prefix"):
        out.append({"subject": dict(subject), "op": "RegexMatch", "value": f"^{value['prefix']}.*"})
    return out


def set_header_route(
    route: Mapping[str, Any],
    existing: Mapping[str, Any] | None,
    rollout: Mapping[str, Any],
    name: str,
    match: list[Mapping[str, Any]],
) -> Manifest | None:
    """The managed ApisixRoute ``name`` after ``SetHeaderRoute`` (``apisix.go``), or None when
    there is none (an empty ``match`` deletes it). A new one is a copy of the Rollout's
    ApisixRoute (``makeSetHeaderRoute``), owned by the Rollout; in each managed rule the canary
    backend gets weight 100, the stable backend is dropped, the priority goes one up (only when
    created) and ``match.exprs`` holds the header conditions (``processSetHeaderApisixRoute``)."""
    if existing is not None and not controlled_by(existing, rollout):
        raise TrafficRoutingError(f"duplicate ApisixRoute [{name}] already exists")
    if not match:
        return None
    is_new = existing is None
    if is_new:
        out = copy.deepcopy(dict(route))
        meta = dict(as_dict(out.get("metadata")))
        for key in ("resourceVersion", "generation", "uid", "creationTimestamp"):
            meta.pop(key, None)
        meta["name"] = name
        meta["ownerReferences"] = [_owner_reference(rollout)]
        out["metadata"] = meta
    else:
        out = copy.deepcopy(dict(existing or {}))
    http = as_dict(out.get("spec")).get("http")
    if not isinstance(http, list):
        raise TrafficRoutingError("spec.http was not found in Apisix Route manifest")
    settings = as_dict((apisix_settings(rollout) or {}).get("route"))
    rules = settings.get("rules")
    names = [str(r) for r in rules] if isinstance(rules, list) else [route_name(rollout)]
    canary = _canary(rollout)
    for rule_name in names:
        rule = next((r for r in http if isinstance(r, dict) and r.get("name") == rule_name), None)
        if rule is None:
            raise TrafficRoutingError(f"Apisix http route rule {rule_name} not found")
        backends = rule.get("backends")
        if not isinstance(backends, list):
            raise TrafficRoutingError("Apisix http route backends not found")
        _set_backend_weight(backends, str(canary.get("canaryService") or ""), 100)
        stable = str(canary.get("stableService") or "")
        rule["backends"] = [b for b in backends if as_dict(b).get("serviceName") != stable]
        if is_new:
            rule["priority"] = int(rule.get("priority") or 0) + 1
        exprs = [e for m in match for e in _exprs(m)]
        rule["match"] = {**as_dict(rule.get("match")), "exprs": exprs}
    return out


def managed_route_names(rollout: Mapping[str, Any]) -> list[str]:
    """``trafficRouting.managedRoutes`` names (``RemoveManagedRoutes`` deletes the ApisixRoutes
    of those names that the Rollout controls)."""
    tr = as_dict(_canary(rollout).get("trafficRouting"))
    return [str(as_dict(r).get("name") or "") for r in tr.get("managedRoutes") or []]
