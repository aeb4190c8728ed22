"""Argo's SMI reconciler as pure rewrites (``rollout/trafficrouting/smi/smi.go``).

Argo writes the TrafficSplit in the API version its controller is configured for
(``--traffic-split-api-version``, ``v1alpha1`` by default). ``v1alpha1`` weights are
Kubernetes quantities (written as strings, ``"5"``); ``v1alpha2``/``v1alpha3`` weights are
integers. Only the ``spec`` is ever patched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict, controlled_by, owner_reference
from canarysim.errors import TrafficRoutingError

__all__ = [
    "API_VERSIONS",
    "DEFAULT_API_VERSION",
    "SplitWrite",
    "desired_traffic_split",
    "root_service",
    "set_weight",
    "smi_settings",
    "traffic_split_name",
]

Manifest = dict[str, Any]

DEFAULT_API_VERSION = "v1alpha1"
API_VERSIONS = ("v1alpha1", "v1alpha2", "v1alpha3")
GROUP = "split.smi-spec.io"


def _canary(rollout: Mapping[str, Any]) -> dict[str, Any]:
    return as_dict(as_dict(as_dict(rollout.get("spec")).get("strategy")).get("canary"))


def smi_settings(rollout: Mapping[str, Any]) -> dict[str, Any] | None:
    """``spec.strategy.canary.trafficRouting.smi``, or None."""
    value = as_dict(_canary(rollout).get("trafficRouting")).get("smi")
    return value if isinstance(value, dict) else None


def traffic_split_name(rollout: Mapping[str, Any]) -> str:
    """``trafficSplitName``, else the Rollout's name."""
    name = (smi_settings(rollout) or {}).get("trafficSplitName")
    return str(name) if name else str(as_dict(rollout.get("metadata")).get("name") or "")


def root_service(rollout: Mapping[str, Any]) -> str:
    """``rootService``, else the stable Service."""
    root = (smi_settings(rollout) or {}).get("rootService")
    return str(root) if root else str(_canary(rollout).get("stableService") or "")


def _weight(value: int, api_version: str) -> Any:
    return str(value) if api_version == "v1alpha1" else value


def desired_traffic_split(
    rollout: Mapping[str, Any],
    weight: int,
    additional: Sequence[Mapping[str, Any]] = (),
    api_version: str = DEFAULT_API_VERSION,
) -> Manifest:
    """``generateTrafficSplits``: canary first, then each additional destination
    (Argo's ``serviceName``/``weight`` mappings), then the stable Service with
    ``100 - the others``."""
    if api_version not in API_VERSIONS:
        raise TrafficRoutingError(f"Unsupported TrafficSplit API version `{api_version}`")
    canary = _canary(rollout)
    meta = as_dict(rollout.get("metadata"))
    backends = [
        {"service": str(canary.get("canaryService") or ""), "weight": _weight(weight, api_version)}
    ]
    stable_weight = 100 - weight
    for dest in additional:
        w = int(dest["weight"])
        backends.append({"service": str(dest["serviceName"]), "weight": _weight(w, api_version)})
        stable_weight -= w
    backends.append(
        {
            "service": str(canary.get("stableService") or ""),
            "weight": _weight(stable_weight, api_version),
        }
    )
    out_meta: dict[str, Any] = {"name": traffic_split_name(rollout)}
    if meta.get("namespace"):
        out_meta["namespace"] = str(meta["namespace"])
    out_meta["ownerReferences"] = [owner_reference(rollout)]
    return {
        "apiVersion": f"{GROUP}/{api_version}",
        "kind": "TrafficSplit",
        "metadata": out_meta,
        "spec": {"service": root_service(rollout), "backends": backends},
    }


@dataclass(frozen=True)
class SplitWrite:
    """The TrafficSplit after ``SetWeight``, and Argo's event ("" when it only patched)."""

    manifest: Manifest
    reason: str = ""
    message: str = ""


def set_weight(
    rollout: Mapping[str, Any],
    existing: Mapping[str, Any] | None,
    weight: int,
    additional: Sequence[Mapping[str, Any]] = (),
    api_version: str = DEFAULT_API_VERSION,
) -> SplitWrite | None:
    """``SetWeight``: create the TrafficSplit (event ``TrafficSplitCreated``), or patch its
    spec; None when nothing changes. A TrafficSplit the Rollout does not own is an error."""
    desired = desired_traffic_split(rollout, weight, additional, api_version)
    name = desired["metadata"]["name"]
    if existing is None:
        return SplitWrite(desired, "TrafficSplitCreated", f"TrafficSplit `{name}` created")
    if not controlled_by(existing, rollout):
        raise TrafficRoutingError(f"Rollout does not own TrafficSplit `{name}`")
    if as_dict(existing.get("spec")) == desired["spec"]:
        return None
    return SplitWrite({**existing, "spec": desired["spec"]})
