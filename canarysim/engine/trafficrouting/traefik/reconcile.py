"""Argo's Traefik ``SetWeight`` as a pure rewrite of a weighted TraefikService."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict
from canarysim.errors import TrafficRoutingError

__all__ = ["service_name", "set_weight", "traefik_settings"]

Manifest = dict[str, Any]


def _canary(rollout: Mapping[str, Any]) -> dict[str, Any]:
    return as_dict(as_dict(as_dict(rollout.get("spec")).get("strategy")).get("canary"))


def traefik_settings(rollout: Mapping[str, Any]) -> dict[str, Any] | None:
    """``spec.strategy.canary.trafficRouting.traefik``, or None."""
    value = as_dict(_canary(rollout).get("trafficRouting")).get("traefik")
    return value if isinstance(value, dict) else None


def service_name(rollout: Mapping[str, Any]) -> str:
    return str((traefik_settings(rollout) or {}).get("weightedTraefikServiceName") or "")


def _service(services: list[Any], name: str) -> dict[str, Any] | None:
    """``getService``: the entry of that name (Argo's errors for malformed entries)."""
    for svc in services:
        if not isinstance(svc, dict):
            raise TrafficRoutingError("Failed type assertion setting weight for traefik service")
        if "name" not in svc:
            raise TrafficRoutingError("name field was not found in service")
        if svc["name"] == name:
            return svc
    return None


def set_weight(
    traefik_service: Mapping[str, Any], rollout: Mapping[str, Any], weight: int
) -> Manifest:
    """The TraefikService after ``SetWeight``."""
    out = copy.deepcopy(dict(traefik_service))
    services = as_dict(as_dict(out.get("spec")).get("weighted")).get("services")
    if not isinstance(services, list):
        raise TrafficRoutingError(
            "spec.weighted.services was not found in traefik service manifest"
        )
    canary = _service(services, str(_canary(rollout).get("canaryService") or ""))
    if canary is None:
        raise TrafficRoutingError("traefik canary service was not found")
    canary["weight"] = int(weight)
    stable = _service(services, str(_canary(rollout).get("stableService") or ""))
    if stable is None:
        raise TrafficRoutingError("traefik stable service was not found")
    stable["weight"] = 100 - int(weight)
    return out
