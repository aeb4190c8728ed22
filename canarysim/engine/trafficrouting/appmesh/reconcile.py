"""Argo's App Mesh reconciler as pure rewrites of VirtualRouters and VirtualNodes.

Upstream: ``rollout/trafficrouting/appmesh/appmesh.go`` (``SetWeight``, ``reconcileRoute``,
``UpdateHash``, ``updateVirtualNodeWithHash``, ``GetRouteRule``), ``resource_client.go``
(``GetVirtualRouterCRForVirtualService``) and ``pkg/apis/rollouts/validation/
validation_references.go`` (``ValidateAppMeshVirtualRouter``). Errors carry Argo's texts; a
``field.Invalid`` prints as ``<path>: Invalid value: "<value>": <detail>``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict
from canarysim.errors import TrafficRoutingError

__all__ = [
    "DEFAULT_CANARY_HASH",
    "DEFAULT_STABLE_HASH",
    "ROUTE_TYPES",
    "appmesh_settings",
    "route_rule",
    "set_weight",
    "update_hashes",
    "update_virtual_node",
    "validate_virtual_router",
    "virtual_node_names",
    "virtual_router_ref",
    "virtual_service_name",
]

Manifest = dict[str, Any]

ERR_NOT_USING_ROUTER = "Virtual-service is not associated with virtual-router"
ERR_VIRTUAL_SERVICE_MISSING = "Virtual-service is missing"
ERR_VIRTUAL_ROUTER_MISSING = "Virtual-router is missing"
ERR_VIRTUAL_NODE_MISSING = "Virtual-node is missing"
ERR_NOT_WELL_FORMED = "not well-formed"
DEFAULT_CANARY_HASH = "canary-hash"
DEFAULT_STABLE_HASH = "stable-hash"
#: The route types Argo splits traffic on, in the order ``GetRouteRule`` looks for them.
ROUTE_TYPES = ("httpRoute", "tcpRoute", "http2Route", "grpcRoute")
HASH_LABEL = "rollouts-pod-template-hash"


def _invalid(path: str, value: str, detail: str) -> TrafficRoutingError:
    """Kubernetes' ``field.Invalid(...).Error()`` text."""
    return TrafficRoutingError(f'{path}: Invalid value: "{value}": {detail}')


def appmesh_settings(rollout: Mapping[str, Any]) -> dict[str, Any] | None:
    """``spec.strategy.canary.trafficRouting.appMesh``, or None."""
    canary = as_dict(as_dict(as_dict(rollout.get("spec")).get("strategy")).get("canary"))
    value = as_dict(canary.get("trafficRouting")).get("appMesh")
    return value if isinstance(value, dict) else None


def virtual_service_name(rollout: Mapping[str, Any]) -> str:
    return str(as_dict((appmesh_settings(rollout) or {}).get("virtualService")).get("name") or "")


def _route_filter(rollout: Mapping[str, Any]) -> list[str]:
    routes = as_dict((appmesh_settings(rollout) or {}).get("virtualService")).get("routes")
    return [str(r) for r in routes] if isinstance(routes, list) else []


def virtual_node_names(rollout: Mapping[str, Any]) -> tuple[str, str]:
    """(canary, stable) VirtualNode names of ``virtualNodeGroup``."""
    group = as_dict((appmesh_settings(rollout) or {}).get("virtualNodeGroup"))
    canary = str(as_dict(group.get("canaryVirtualNodeRef")).get("name") or "")
    stable = str(as_dict(group.get("stableVirtualNodeRef")).get("name") or "")
    return canary, stable


def _default(value: Any, fallback: str) -> str:
    """``defaultIfEmpty``: a missing or empty string reads as ``fallback``."""
    return value if isinstance(value, str) and value else fallback


def virtual_router_ref(virtual_service: Mapping[str, Any], namespace: str) -> tuple[str, str]:
    """(namespace, name) of the VirtualRouter providing an App Mesh VirtualService
    (``GetVirtualRouterCRForVirtualService``); the reference's namespace defaults to the
    VirtualService's."""
    spec = as_dict(virtual_service.get("spec"))
    ref = as_dict(as_dict(spec.get("provider")).get("virtualRouter")).get("virtualRouterRef")
    if not isinstance(ref, dict):
        raise TrafficRoutingError(ERR_NOT_USING_ROUTER)
    vs_ns = _default(as_dict(virtual_service.get("metadata")).get("namespace"), namespace)
    return _default(ref.get("namespace"), vs_ns), str(ref.get("name") or "")


def route_rule(route: Mapping[str, Any]) -> tuple[dict[str, Any], str] | None:
    """``GetRouteRule``: the first of the supported route types the route holds, or None
    (also when that one is not a mapping: ``unstructured.NestedMap`` fails on it)."""
    for kind in ROUTE_TYPES:
        if kind in route:
            rule = route[kind]
            return (rule, kind) if isinstance(rule, dict) else None
    return None


def _weight(value: Any) -> int | None:
    """``toInt64``: any number (a float truncated); anything else is not well-formed."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def set_weight(
    virtual_router: Mapping[str, Any], rollout: Mapping[str, Any], weight: int, namespace: str
) -> Manifest:
    """The VirtualRouter after ``SetWeight``: in each route (only those named in
    ``virtualService.routes`` when given), the target that is the stable VirtualNode gets
    ``100 - weight`` and the canary one ``weight``; other targets are left alone. Targets
    count only in ``namespace``, the Rollout's (a ``virtualNodeRef.namespace`` elsewhere is
    not Argo's), whether or not its manifest names it. An unchanged router comes back equal
    (Argo then skips the update)."""
    out = copy.deepcopy(dict(virtual_router))
    name = str(as_dict(out.get("metadata")).get("name") or "")
    canary, stable = virtual_node_names(rollout)
    wanted = set(_route_filter(rollout))
    routes = as_dict(out.get("spec")).get("routes")
    if not isinstance(routes, list):
        raise _invalid("spec.routes", name, "No routes found")
    for i, route in enumerate(routes):
        path = f"spec.routes[{i}]"
        if not isinstance(route, dict):
            raise _invalid(path, name, ERR_NOT_WELL_FORMED)
        route_name = route.get("name")
        if not isinstance(route_name, str):
            raise _invalid(f"{path}.name", name, ERR_NOT_WELL_FORMED)
        if wanted and route_name not in wanted:
            continue
        found = route_rule(route)
        if found is None:
            raise _invalid(path, name, ERR_NOT_WELL_FORMED)
        rule, kind = found
        targets_path = f"{path}.{kind}.action.weightedTargets"
        targets = as_dict(rule.get("action")).get("weightedTargets")
        if not isinstance(targets, list):
            raise _invalid(targets_path, name, ERR_NOT_WELL_FORMED)
        for j, target in enumerate(targets):
            target_path = f"{targets_path}[{j}]"
            if not isinstance(target, dict):
                raise _invalid(target_path, name, ERR_NOT_WELL_FORMED)
            ref = target.get("virtualNodeRef")
            if not isinstance(ref, dict):
                raise _invalid(f"{target_path}.virtualNodeRef", name, ERR_NOT_WELL_FORMED)
            node = ref.get("name") if isinstance(ref.get("name"), str) else ""
            node_ns = _default(ref.get("namespace"), namespace)
            current = _weight(target.get("weight"))
            if current is None:
                raise _invalid(f"{target_path}.weight", name, ERR_NOT_WELL_FORMED)
            if node_ns != namespace:
                continue
            # reconcileRoute: a target's weight is written only when it differs (so an
            # unchanged router stays equal, a float weight that truncates to it included)
            if node == stable:
                if current != 100 - weight:
                    target["weight"] = 100 - weight
            elif node == canary and current != weight:
                target["weight"] = weight
    return out


def update_hashes(canary_hash: str, stable_hash: str) -> tuple[str, str]:
    """(canary, stable) hashes ``UpdateHash`` writes: an empty stable hash is
    ``stable-hash``; a canary hash that is empty or the stable one is ``canary-hash`` (App
    Mesh's admission hook refuses two VirtualNodes with the same selector)."""
    stable = stable_hash or DEFAULT_STABLE_HASH
    canary = DEFAULT_CANARY_HASH if canary_hash in ("", stable) else canary_hash
    return canary, stable


def update_virtual_node(virtual_node: Mapping[str, Any], pod_hash: str) -> Manifest:
    """``updateVirtualNodeWithHash``: the VirtualNode with ``spec.podSelector.matchLabels``
    (created when missing) carrying the hash label. ``pod_hash`` is one of
    :func:`update_hashes`, never empty, so Argo's branch that deletes the label for an empty
    hash never runs. Argo also sets the managed-by annotation, but on the copy
    ``GetAnnotations`` returns, which it never writes back: the VirtualNode keeps its own."""
    out = copy.deepcopy(dict(virtual_node))
    spec = out.get("spec")
    if not isinstance(spec, dict):
        spec = out["spec"] = {}
    selector = spec.get("podSelector")
    if not isinstance(selector, dict):
        selector = spec["podSelector"] = {}
    labels = selector.get("matchLabels")
    if not isinstance(labels, dict):
        labels = selector["matchLabels"] = {}
    labels[HASH_LABEL] = pod_hash
    return out


def validate_virtual_router(virtual_router: Mapping[str, Any]) -> tuple[str, str] | None:
    """``ValidateAppMeshVirtualRouter``: (field path, message) of the first problem, or None.
    Every route must hold a supported route type with exactly two weighted targets."""
    name = str(as_dict(virtual_router.get("metadata")).get("name") or "")
    routes = as_dict(virtual_router.get("spec")).get("routes")
    if not isinstance(routes, list) or not routes:
        return "spec.routes", f"No routes defined for AppMesh virtual-router {name}"
    for i, route in enumerate(routes):
        path = f"spec.routes[{i}]"
        if not isinstance(route, dict):
            return path, f"Invalid route was found for AppMesh virtual-router {name} at index {i}"
        # Go prints a missing name (a nil interface) as %!s(<nil>)
        route_name = route.get("name")
        shown = "%!s(<nil>)" if route_name is None else str(route_name)
        found = route_rule(route)
        if found is None:
            return path, (
                f"Error getting route details for AppMesh virtual-router {name} and route "
                f"{shown}. Error: Route has unsupported route type"
            )
        rule, kind = found
        targets_path = f"{path}.{kind}.action.weightedTargets"
        targets = as_dict(rule.get("action")).get("weightedTargets")
        if not isinstance(targets, list):
            return targets_path, (
                f"Invalid route action found for AppMesh virtual-router {name} and route {shown}"
            )
        if len(targets) != 2:
            return targets_path, (
                f"Invalid number of weightedTargets ({len(targets)}) for AppMesh virtual-router "
                f"{name} and route {shown}, expected 2"
            )
    return None
