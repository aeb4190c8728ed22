"""The Gateway API plugin's header routes on HTTPRoutes (``pkg/plugin/httproute.go`` of
argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi: ``setHTTPHeaderRoute``,
``removeHTTPManagedRoutes``), as pure rewrites of one HTTPRoute.

``SetHeaderRoute`` runs on every configured HTTPRoute with ``useHeaderRoutes: true`` (the
single ``httpRoute`` form always has it). In each, every rule with both the canary and the
stable ``backendRef`` gets a managed twin appended at the end: named after the step's route
(the first twin) or ``<route>-<n>``, with the rule's matches (each keeping its path, query
parameters and method, its headers followed by the step's; a rule without matches gets one
match of the step's headers only) and filters, and one ``backendRef`` to the canary Service on
the rule's port. The twins of an earlier call for that route are dropped first. A step without
``match`` removes every managed rule instead, as ``RemoveManagedRoutes`` does. The plugin's
``SetMirrorRoute`` does nothing. Errors carry the plugin's texts; Argo wraps them as
``failed to set header route via plugin: ...``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.fields import as_dict, as_list
from canarysim.engine.trafficrouting.gatewayapi.reconcile import (
    BACKEND_REF_NOT_FOUND,
    plugin_config,
)
from canarysim.errors import TrafficRoutingError

__all__ = [
    "INVALID_HEADER_MATCH",
    "header_matches",
    "header_route_names",
    "remove_managed_rules",
    "set_header_route",
]

Manifest = dict[str, Any]

INVALID_HEADER_MATCH = "invalid header match type"


def _canary(rollout: Mapping[str, Any]) -> dict[str, Any]:
    return as_dict(as_dict(as_dict(rollout.get("spec")).get("strategy")).get("canary"))


def header_route_names(rollout: Mapping[str, Any]) -> list[str]:
    """The HTTPRoutes header routes go to: ``httpRoutes`` entries with ``useHeaderRoutes``,
    then ``httpRoute`` (``insertGatewayAPIRouteLists`` gives it ``UseHeaderRoutes: true``)."""
    config = plugin_config(rollout) or {}
    names = [
        str(as_dict(r).get("name") or "")
        for r in as_list(config.get("httpRoutes"))
        if as_dict(r).get("useHeaderRoutes") is True
    ]
    if config.get("httpRoute"):
        names.append(str(config["httpRoute"]))
    return names


def header_matches(match: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``getHTTPHeaderRouteRuleList``: ``exact`` as an ``Exact`` match, else ``prefix`` as
    the ``RegularExpression`` ``<prefix>.*``, else ``regex``; none of them is an error."""
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


def _ref_names(rule: Mapping[str, Any]) -> list[str]:
    return [str(as_dict(ref).get("name") or "") for ref in as_list(rule.get("backendRefs"))]


def _is_managed_name(name: Any, managed: set[str]) -> bool:
    """``isManagedRuleName``: a managed route's name, or that name ``-<number>``."""
    if name is None:
        return False
    text = str(name)
    if text in managed:
        return True
    for base in managed:
        tail = text[len(base) + 1 :] if text.startswith(f"{base}-") else ""
        if tail and (tail.isdigit() or (tail[0] in "+-" and tail[1:].isdigit())):
            return True
    return False


def _is_managed_rule(
    rule: Mapping[str, Any], canary: str, headers: list[dict[str, Any]] | None
) -> bool:
    """``isHTTPManagedRule``: one backendRef, to the canary; with ``headers``, a match that
    names every one of them too."""
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
) -> Manifest:
    """The HTTPRoute after ``setHTTPHeaderRoute`` for the step's route ``name``."""
    if match is None:
        return remove_managed_rules(route, rollout)
    headers = header_matches(match)
    canary = str(_canary(rollout).get("canaryService") or "")
    stable = str(_canary(rollout).get("stableService") or "")
    out = copy.deepcopy(dict(route))
    spec = out.setdefault("spec", {})
    rules = [as_dict(r) for r in as_list(spec.get("rules"))]
    sources = [r for r in rules if {canary, stable} <= set(_ref_names(r))]
    if not sources:
        raise TrafficRoutingError(BACKEND_REF_NOT_FOUND)
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
            matches.append({"headers": copy.deepcopy(headers)})
        for m in source_matches:
            m = as_dict(m)
            merged: dict[str, Any] = {}
            if m.get("path") is not None:
                merged["path"] = copy.deepcopy(m["path"])
            all_headers = [*copy.deepcopy(as_list(m.get("headers"))), *copy.deepcopy(headers)]
            if all_headers:
                merged["headers"] = all_headers
            if m.get("queryParams"):
                merged["queryParams"] = copy.deepcopy(m["queryParams"])
            if m.get("method"):
                merged["method"] = m["method"]
            matches.append(merged)
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
        if not (_is_managed_name(r.get("name"), {name}) or _is_managed_rule(r, canary, headers))
    ]
    spec["rules"] = [*kept, *twins]
    return out


def remove_managed_rules(route: Mapping[str, Any], rollout: Mapping[str, Any]) -> Manifest:
    """``removeHTTPManagedRoutes``: without the rules named after any managed route, or with
    the canary as their only backend (the route itself when there are none)."""
    canary = str(_canary(rollout).get("canaryService") or "")
    tr = as_dict(_canary(rollout).get("trafficRouting"))
    managed = {str(as_dict(r).get("name") or "") for r in as_list(tr.get("managedRoutes"))}
    rules = [as_dict(r) for r in as_list(as_dict(route.get("spec")).get("rules"))]
    kept = [
        r
        for r in rules
        if not (_is_managed_name(r.get("name"), managed) or _is_managed_rule(r, canary, None))
    ]
    if len(kept) == len(rules):
        return dict(route)
    out = copy.deepcopy(dict(route))
    out["spec"]["rules"] = kept
    return out
