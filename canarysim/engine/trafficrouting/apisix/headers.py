"""Argo's APISIX header routes: ``SetHeaderRoute`` and ``RemoveManagedRoutes`` as pure writes.

``rollout/trafficrouting/apisix/apisix.go``: a ``setHeaderRoute`` step makes an ApisixRoute of
its own, named after the step's route, as a copy of the Rollout's ApisixRoute
(``makeSetHeaderRoute``: owned by the Rollout, with none of the original's identity), in which
each managed rule (``route.rules``, default the rule named like the route) sends everything to
the canary backend (weight 100, the stable backend removed), asks for the step's headers in
``match.exprs`` and, when the copy is new, has its ``priority`` raised by one so APISIX prefers
it. An existing copy is updated in place (its priority kept); a step without ``match`` deletes
it; ``RemoveManagedRoutes`` deletes every managed route's ApisixRoute the Rollout controls.
Each function returns the writes: ``{name: manifest}`` to create or update, ``{name: None}``
to delete.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.apisix.reconcile import (
    TYPE_ASSERTION,
    apisix_settings,
    backends_of,
    route_name,
    rule_of,
    set_backend_weight,
)
from canarysim.engine.trafficrouting.fields import as_dict, as_list, controlled_by, owner_reference
from canarysim.errors import TrafficRoutingError

__all__ = ["exprs_of", "remove_managed_routes", "set_header_route"]

Manifest = dict[str, Any]
Writes = dict[str, Manifest | None]

RESOURCE = "apisixroutes.apisix.apache.org"


def _canary(rollout: Mapping[str, Any]) -> dict[str, Any]:
    return as_dict(as_dict(as_dict(rollout.get("spec")).get("strategy")).get("canary"))


def exprs_of(match: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``setApisixRuleMatch``/``apisixExprs``: per header match, an ``Equal`` expression for
    ``exact``, a ``RegexMatch`` for ``regex`` and a ``RegexMatch`` of ``^<prefix>.*`` for
    ``prefix`` (each that is set, in that order)."""
    out: list[dict[str, Any]] = []
    for m in match:
        value = as_dict(m.get("headerValue"))
        subject = {"scope": "Header", "name": str(m.get("headerName") or "")}
        for key, op, text in (
            ("exact", "Equal", "{}"),
            ("regex", "RegexMatch", "{}"),
            ("prefix", "RegexMatch", "^{}.*"),
        ):
            if value.get(key):
                out.append({"subject": dict(subject), "op": op, "value": text.format(value[key])})
    return out


def _new_copy(base: Mapping[str, Any], name: str, rollout: Mapping[str, Any]) -> Manifest:
    """The Rollout's ApisixRoute renamed, without the original's identity, owned by the
    Rollout (the API server gives the new object its own uid, version and timestamps)."""
    out = copy.deepcopy(dict(base))
    meta = as_dict(out.get("metadata"))
    for key in ("resourceVersion", "uid", "creationTimestamp", "generation"):
        meta.pop(key, None)
    meta["name"] = name
    meta["ownerReferences"] = [owner_reference(rollout)]
    out["metadata"] = meta
    return out


def set_header_route(
    routes: Mapping[str, Mapping[str, Any]],
    rollout: Mapping[str, Any],
    name: str,
    match: Sequence[Mapping[str, Any]] | None,
) -> Writes:
    """The ApisixRoute writes of one ``setHeaderRoute`` step (``SetHeaderRoute``); ``routes``
    are the namespace's ApisixRoutes by name. ``match`` None deletes the route's ApisixRoute;
    an empty one writes a route without header expressions. Raises Argo's errors."""
    base_name = route_name(rollout)
    base = routes.get(base_name)
    if base is None:
        raise TrafficRoutingError(f'{RESOURCE} "{base_name}" not found')
    existing = routes.get(name)
    if existing is not None and not controlled_by(existing, rollout):
        raise TrafficRoutingError(f"duplicate ApisixRoute [{name}] already exists")
    if match is None:  # headerRouting.Match == nil
        return {} if existing is None else {name: None}
    is_new = existing is None
    out = _new_copy(base, name, rollout) if existing is None else copy.deepcopy(dict(existing))
    http = as_dict(out.get("spec")).get("http")
    if not isinstance(http, list):
        raise TrafficRoutingError("spec.http was not found in Apisix Route manifest")
    settings = as_dict((apisix_settings(rollout) or {}).get("route"))
    rules = settings.get("rules")
    names = [str(r) for r in rules] if isinstance(rules, list) else [base_name]
    canary = _canary(rollout)
    canary_service = str(canary.get("canaryService") or "")
    stable_service = str(canary.get("stableService") or "")
    for rule_name in names:
        rule = rule_of(http, rule_name)
        backends = backends_of(rule)
        set_backend_weight(backends, canary_service, 100)
        # removeBackend: every backend of the stable Service goes (each checked, after the
        # canary's, with removeBackend's own texts)
        kept = []
        for backend in backends:
            if not isinstance(backend, dict):
                raise TrafficRoutingError(f"{TYPE_ASSERTION} backend")
            if "serviceName" not in backend:
                raise TrafficRoutingError("serviceName field was not found in backend")
            if backend["serviceName"] != stable_service:
                kept.append(backend)
        rule["backends"] = kept
        if is_new:
            priority = rule.get("priority")
            rule["priority"] = (int(priority) if isinstance(priority, int) else 0) + 1
        rule_match = rule.get("match")
        if not isinstance(rule_match, dict):
            rule_match = {}
            rule["match"] = rule_match
        rule_match["exprs"] = exprs_of(match)
    return {name: out}


def remove_managed_routes(
    routes: Mapping[str, Mapping[str, Any]], rollout: Mapping[str, Any]
) -> Writes:
    """``RemoveManagedRoutes``: delete each managed route's ApisixRoute the Rollout controls
    (one that is missing, or someone else's, is left alone)."""
    tr = as_dict(_canary(rollout).get("trafficRouting"))
    out: Writes = {}
    for managed in as_list(tr.get("managedRoutes")):
        name = as_dict(managed).get("name")
        if isinstance(name, str) and controlled_by(routes.get(name) or {}, rollout):
            out[name] = None
    return out
