"""The Gateway API plugin's header routes on HTTPRoutes and GRPCRoutes (``pkg/plugin/
httproute.go`` and ``grpcroute.go`` of argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi:
``setHTTPHeaderRoute``, ``removeHTTPManagedRoutes``, ``setGRPCHeaderRoute``,
``removeGRPCManagedRoutes``), as pure rewrites of one route.

``SetHeaderRoute`` runs on every configured HTTPRoute, then every GRPCRoute, with
``useHeaderRoutes: true`` (the single ``httpRoute``/``grpcRoute`` forms always have it). In
each, every rule with both the canary and the stable ``backendRef`` gets a managed twin appended
at the end: named after the step's route (the first twin) or ``<route>-<n>``, with the rule's
matches (each keeping its path, query parameters and method, its headers followed by the
step's; a rule without matches gets one match of the step's headers only; a GRPCRoute match
keeps only its ``method`` and headers, as ``GRPCRouteMatch`` has nothing else) and filters,
and one ``backendRef`` to the canary Service on the rule's port. The twins of an earlier call
for that route are dropped first. A step without ``match`` removes every managed rule instead,
as ``RemoveManagedRoutes`` does. The plugin's ``SetMirrorRoute`` does nothing. Errors carry
the plugin's texts; Argo wraps them as ``failed to set header route via plugin: ...``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict, as_list
from canarysim.engine.trafficrouting.gatewayapi.reconcile import (
    NOT_FOUND,
    is_managed_name,
    managed_names,
    plugin_config,
    services,
)
from canarysim.errors import TrafficRoutingError

__all__ = [
    "INVALID_HEADER_MATCH",
    "grpc_header_route_names",
    "header_matches",
    "header_route_names",
    "remove_managed_rules",
    "set_header_route",
]

Manifest = dict[str, Any]

INVALID_HEADER_MATCH = "invalid header match type"


def _with_header_routes(rollout: Mapping[str, Any], plural: str, single: str) -> list[str]:
    config = plugin_config(rollout) or {}
    names = [
        str(as_dict(r).get("name") or "")
        for r in as_list(config.get(plural))
        if as_dict(r).get("useHeaderRoutes") is True
    ]
    if config.get(single):
        names.append(str(config[single]))
    return names


def header_route_names(rollout: Mapping[str, Any]) -> list[str]:
    """The HTTPRoutes header routes go to: ``httpRoutes`` entries with ``useHeaderRoutes``,
    then ``httpRoute`` (``insertGatewayAPIRouteLists`` gives it ``UseHeaderRoutes: true``)."""
    return _with_header_routes(rollout, "httpRoutes", "httpRoute")


def grpc_header_route_names(rollout: Mapping[str, Any]) -> list[str]:
    """The GRPCRoutes header routes go to: ``grpcRoutes`` entries with ``useHeaderRoutes``,
    then ``grpcRoute``."""
    return _with_header_routes(rollout, "grpcRoutes", "grpcRoute")


def header_matches(match: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``getHTTPHeaderRouteRuleList`` (and ``getGRPCHeaderRouteRuleList``, which maps them
    the same way): ``exact`` as an ``Exact`` match, else ``prefix`` as the
    ``RegularExpression`` ``<prefix>.*``, else ``regex``; none of them is an error."""
    out: list[dict[str, Any]] = []
    for m in match:
        value = as_dict(m.get("headerValue"))
        name = str(m.get("headerName") or "")
        if value.get("exact"):
            out.append({"type": "Exact", "name": name, "value": str(value["exact"])})
        elif value.get("prefix"):
            out.append({"type": "RegularExpression", "name": name, "value": f"{value['prefix']}.*"})
        elif value.get("regex"):
            out.append({"type": "RegularExpression", "name": name, "value": str(value["regex"])})
        else:
            raise TrafficRoutingError(INVALID_HEADER_MATCH)
    return out


def _ref_names(rule: Mapping[str, Any]) -> list[Any]:
    """The rule's ``backendRef`` names (``name`` is required: a nameless one matches no
    Service)."""
    return [as_dict(ref).get("name") for ref in as_list(rule.get("backendRefs"))]


def _is_managed_rule(
    rule: Mapping[str, Any], canary: str, headers: list[dict[str, Any]] | None
) -> bool:
    """``isHTTPManagedRule`` / ``isGRPCManagedRule``: one backendRef, to the canary; with
    ``headers``, a match that names every one of them too."""
    if _ref_names(rule) != [canary]:
        return False
    if headers is None:
        return True
    wanted = {h["name"] for h in headers}
    for match in as_list(rule.get("matches")):
        names = {str(as_dict(h).get("name")) for h in as_list(as_dict(match).get("headers"))}
        if wanted <= names:
            return True
    return False


def set_header_route(
    route: Mapping[str, Any],
    rollout: Mapping[str, Any],
    name: str,
    match: Sequence[Mapping[str, Any]] | None,
    kind: str = "HTTPRoute",
) -> Manifest:
    """The HTTPRoute after ``setHTTPHeaderRoute`` for the step's route ``name`` (the
    GRPCRoute after ``setGRPCHeaderRoute`` with ``kind="GRPCRoute"``)."""
    if match is None:
        return remove_managed_rules(route, rollout)
    headers = header_matches(match)
    canary, stable = services(rollout)
    out = copy.deepcopy(dict(route))
    spec = out.setdefault("spec", {})
    rules = [as_dict(r) for r in as_list(spec.get("rules"))]
    sources = [r for r in rules if {canary, stable} <= set(_ref_names(r))]
    if not sources:
        raise TrafficRoutingError(NOT_FOUND[kind])
    twins = []
    for idx, rule in enumerate(sources):
        canary_ref = next(
            as_dict(ref)
            for ref in as_list(rule.get("backendRefs"))
            if as_dict(ref).get("name") == canary
        )
        ref: dict[str, Any] = {"group": "", "kind": "Service", "name": canary}
        if canary_ref.get("port") is not None:
            ref["port"] = canary_ref["port"]
        matches: list[dict[str, Any]] = []
        source_matches = as_list(rule.get("matches"))
        if not source_matches:
            # HTTPRouteMatch.Headers is omitempty: an empty match list writes a bare match
            matches.append({"headers": copy.deepcopy(headers)} if headers else {})
        for m in source_matches:
            matches.append(_merged_match(as_dict(m), headers, kind))
        twin: dict[str, Any] = {"name": name if idx == 0 else f"{name}-{idx}"}
        if matches:
            twin["matches"] = matches
        filters = copy.deepcopy(as_list(rule.get("filters")))
        if filters:
            twin["filters"] = filters
        twin["backendRefs"] = [ref]
        twins.append(twin)
    kept = [
        r
        for r in rules
        if not (is_managed_name(r.get("name"), {name}) or _is_managed_rule(r, canary, headers))
    ]
    spec["rules"] = [*kept, *twins]
    return out


def _merged_match(m: Mapping[str, Any], headers: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    """One source match with the step's headers after its own. An HTTPRoute match keeps
    its path, query parameters and method; a GRPCRoute match its ``method`` (service and
    method) only."""
    merged: dict[str, Any] = {}
    if kind == "GRPCRoute":
        if m.get("method") is not None:
            merged["method"] = m["method"]
    elif m.get("path") is not None:
        merged["path"] = m["path"]
    all_headers = [*as_list(m.get("headers")), *headers]
    if all_headers:
        merged["headers"] = all_headers
    if kind != "GRPCRoute":
        if m.get("queryParams"):
            merged["queryParams"] = m["queryParams"]
        if m.get("method"):
            merged["method"] = m["method"]
    return copy.deepcopy(merged)  # its own copy of every part it shares


def remove_managed_rules(route: Mapping[str, Any], rollout: Mapping[str, Any]) -> Manifest:
    """``removeHTTPManagedRoutes`` / ``removeGRPCManagedRoutes``: without the rules named
    after any managed route, or with the canary as their only backend (the route itself when
    there are none)."""
    canary, _ = services(rollout)
    managed = managed_names(rollout)
    rules = [as_dict(r) for r in as_list(as_dict(route.get("spec")).get("rules"))]
    kept = [
        r
        for r in rules
        if not (is_managed_name(r.get("name"), managed) or _is_managed_rule(r, canary, None))
    ]
    if len(kept) == len(rules):
        return dict(route)
    out = copy.deepcopy(dict(route))
    out["spec"]["rules"] = kept
    return out
