"""Argo's Ambassador ``SetWeight`` as pure rewrites of ``getambassador.io`` Mappings.

Argo waits 5 s before it deletes a canary Mapping at weight 0 (for Ambassador to propagate
the weight); canarysim deletes it in the same write, after the weight 0 has been written.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict
from canarysim.errors import TrafficRoutingError

__all__ = ["MappingWrite", "ambassador_settings", "canary_mapping_name", "set_weight"]

Manifest = dict[str, Any]


def _canary(rollout: Mapping[str, Any]) -> dict[str, Any]:
    return as_dict(as_dict(as_dict(rollout.get("spec")).get("strategy")).get("canary"))


def ambassador_settings(rollout: Mapping[str, Any]) -> dict[str, Any] | None:
    value = as_dict(_canary(rollout).get("trafficRouting")).get("ambassador")
    return value if isinstance(value, dict) else None


def canary_mapping_name(name: str) -> str:
    """``buildCanaryMappingName``: the base name cut to 246 characters, ``-canary``."""
    return f"{name[:246]}-canary"


@dataclass(frozen=True)
class MappingWrite:
    """Write one canary Mapping (``manifest``), or delete it (``manifest`` None)."""

    name: str
    manifest: Manifest | None


def _weight(mapping: Mapping[str, Any]) -> int:
    value = as_dict(mapping.get("spec")).get("weight")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def set_weight(
    rollout: Mapping[str, Any], mappings: Mapping[str, Mapping[str, Any]], weight: int
) -> list[MappingWrite]:
    """``SetWeight`` over ``ambassador.mappings`` (``mappings`` by name, the Rollout's
    namespace). Errors are collected as Argo's ``formatErrors`` does."""
    errors: list[str] = []
    writes: list[MappingWrite] = []
    canary = _canary(rollout)
    for base_name in [str(m) for m in (ambassador_settings(rollout) or {}).get("mappings") or []]:
        name = canary_mapping_name(base_name)
        current = mappings.get(name)
        if current is None:
            if weight == 0:
                continue
            base = mappings.get(base_name)
            if base is None:
                errors.append(f'mappings.getambassador.io "{base_name}" not found')
                continue
            if _weight(base) != 0:
                errors.append(f'Ambassador mapping "{base_name}" can not define weight')
                continue
            new = copy.deepcopy(dict(base))
            meta = as_dict(base.get("metadata"))
            new["metadata"] = {"name": name}
            if meta.get("namespace"):
                new["metadata"]["namespace"] = meta["namespace"]
            spec = new.setdefault("spec", {})
            service = str(spec.get("service") or "")
            spec["service"] = service.replace(
                str(canary.get("stableService") or ""), str(canary.get("canaryService") or ""), 1
            )
            spec["weight"] = int(weight)
            writes.append(MappingWrite(name, new))
            continue
        updated = copy.deepcopy(dict(current))
        updated.setdefault("spec", {})["weight"] = int(weight)
        if updated != current:
            writes.append(MappingWrite(name, updated))
        if weight == 0:
            writes.append(MappingWrite(name, None))
    if len(errors) == 1:
        raise TrafficRoutingError(errors[0])
    if errors:
        raise TrafficRoutingError(
            f"{len(errors)} errors found: " + "".join(f"[{e}]" for e in errors)
        )
    return writes
