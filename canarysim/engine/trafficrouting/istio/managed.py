"""Header routes, mirror routes and their removal, as Argo's Istio reconciler writes them.

Part of :mod:`canarysim.engine.trafficrouting.istio.reconcile` (import the public functions from
there). Upstream:
``rollout/trafficrouting/istio/istio.go`` (``SetHeaderRoute``, ``SetMirrorRoute``,
``RemoveManagedRoutes`` and their helpers) in argoproj/argo-rollouts.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.istio.rollout import (
    SPEC_HTTP_NOT_FOUND,
    Manifest,
    RolloutRouting,
    as_dict,
    as_int,
    as_list,
    as_str,
    rollout_routing,
    vs_ref_for,
)
from canarysim.engine.trafficrouting.istio.routes import (
    ensure_spec,
    http_route_indexes,
    json_kind,
    order_routes,
    raw_section,
    route_name,
    split_managed,
    subset_of,
)
from canarysim.errors import TrafficRoutingError


def _remove_route(spec: dict[str, Any], name: str) -> None:
    """istio.go::removeRoute."""
    try:
        http = raw_section(spec, "http")
    except TrafficRoutingError as err:
        raise TrafficRoutingError(
            f"[removeRoute] failed to get http routes from virtual service: {err}"
        ) from None
    if http is None:
        raise TrafficRoutingError(SPEC_HTTP_NOT_FOUND)
    if not all(isinstance(r, dict) for r in http):
        raise TrafficRoutingError(
            "Could not cast type to map[string]any to find route name in Istio Virtual Service"
        )
    spec["http"] = [r for r in http if route_name(r) != name]


def _listed_routes(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The HTTP routes that are objects, for reading only (errors surface later, in order)."""
    return [r for r in as_list(spec.get("http")) if isinstance(r, dict)]


def _canary_host(
    routing: RolloutRouting,
    destination_rules: Sequence[Manifest],
    http: Sequence[Mapping[str, Any]],
    setweight_names: Sequence[str],
) -> str:
    """Host of the canary destination of a header/mirror route.

    Upstream (istio.go::getDestinationRuleHost) uses the configured DestinationRule's
    ``spec.host`` when there is one, else the canary Service. When the caller passes no
    DestinationRules at all we infer that host from the canary-subset destination of the
    SetWeight route, which is where the same DestinationRule's host is written.
    """
    if routing.dr_name is None:
        return routing.canary_svc
    if destination_rules:
        for dr in destination_rules:
            meta = as_dict(dr.get("metadata"))
            same_ns = as_str(meta.get("namespace")) in ("", routing.namespace)
            if as_str(meta.get("name")) == routing.dr_name and same_ns:
                return as_str(as_dict(dr.get("spec")).get("host")) or routing.canary_svc
        raise TrafficRoutingError(
            f'destinationrules.networking.istio.io "{routing.dr_name}" not found'
        )
    for dest in _setweight_destinations(setweight_names, http):
        if subset_of(dest) == routing.canary_subset:
            return as_str(as_dict(dest.get("destination")).get("host")) or routing.canary_svc
    return routing.canary_svc


def _setweight_destinations(
    names: Sequence[str], http: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Destinations of the first SetWeight route; istio.go::getVirtualServiceSetWeightRoute."""
    indexes = http_route_indexes(names, http)
    if not indexes:
        return []
    return [as_dict(d) for d in as_list(http[indexes[0]].get("route"))]


def _port_number(dest: Mapping[str, Any]) -> int | None:
    port = as_dict(dest.get("destination")).get("port")
    return None if port is None else as_int(as_dict(port).get("number"))


def _string_match(value: Any) -> dict[str, str]:
    """v1alpha1.StringMatch as Go marshals it: only the non-empty of exact/prefix/regex."""
    return {k: v for k in ("exact", "prefix", "regex") if (v := as_str(as_dict(value).get(k)))}


def _has_match(step: Mapping[str, Any]) -> bool:
    """A step without ``match`` (missing or null: Go's nil slice) removes its route; an empty
    list adds one that matches every request (istio.go tests ``Match == nil``)."""
    return step.get("match") is not None


def _unwrap(step: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Accept either the step (``{key: {...}}``) or its body."""
    return as_dict(step[key]) if key in step else dict(step)


def set_header_route(
    virtual_service: Manifest,
    rollout: Manifest,
    set_header_route: Mapping[str, Any],
    destination_rules: Sequence[Manifest] = (),
) -> Manifest:
    """The VirtualService after a ``setHeaderRoute`` step; istio.go::SetHeaderRoute.

    The route of that name is removed, then (unless the step has no ``match``) re-added at
    the end with one match block per header and 100 % to the canary, then the HTTP routes
    are put in managedRoutes order.
    """
    step = _unwrap(set_header_route, "setHeaderRoute")
    name = as_str(step.get("name"))
    routing = rollout_routing(rollout)
    ref = vs_ref_for(virtual_service, routing)
    vs = copy.deepcopy(virtual_service)
    spec = ensure_spec(vs)
    prefix = "[SetHeaderRoute] failed to reconcile header routes: "
    http_before = _listed_routes(spec)
    try:
        host = _canary_host(routing, destination_rules, http_before, ref.routes)
    except TrafficRoutingError as err:
        raise TrafficRoutingError(f"{prefix}{err}") from None
    inner = "[reconcileVirtualServiceHeaderRoutes] failed to remove "
    try:
        _remove_route(spec, name)
    except TrafficRoutingError as err:
        what = "http route" if _has_match(step) else "route"
        raise TrafficRoutingError(f"{prefix}{inner}{what} from virtual service: {err}") from None
    if _has_match(step):
        http = spec["http"]
        port = 0
        # istio.go::getVirtualServiceCanaryPort: port 0 when the SetWeight route is not found.
        with contextlib.suppress(TrafficRoutingError):
            dests = _setweight_destinations(ref.routes, http)
            if dests:
                port = _port_number(dests[0]) or 0
        canary: dict[str, Any] = {"host": host}
        if port > 0:
            canary["port"] = {"number": port}
        if routing.canary_subset:
            canary["subset"] = routing.canary_subset
        matches = [
            {"headers": {as_str(m.get("headerName")): _string_match(m.get("headerValue"))}}
            for m in map(as_dict, as_list(step.get("match")))
        ]
        route: dict[str, Any] = {"name": name, "match": matches}
        if not matches:
            # createHeaderRoute writes a nil slice, "match": null, which the API server
            # prunes: a route without match, for every request.
            del route["match"]
        route["route"] = [{"destination": canary, "weight": 100}]
        http.append(route)
    spec["http"] = order_routes(spec["http"], routing.managed_routes)
    return vs


def _typed_destination(dest: Mapping[str, Any]) -> dict[str, Any]:
    """A route destination after Go's round trip through VirtualServiceRouteDestination:
    host/subset/port kept, a zero weight omitted (omitempty), other fields dropped."""
    inner = as_dict(dest.get("destination"))
    out: dict[str, Any] = {}
    if as_str(inner.get("host")):
        out["host"] = inner["host"]
    if as_str(inner.get("subset")):
        out["subset"] = inner["subset"]
    number = _port_number(dest)
    if number is not None:
        out["port"] = {"number": number} if number else {}
    result: dict[str, Any] = {"destination": out}
    if as_int(dest.get("weight")):
        result["weight"] = as_int(dest.get("weight"))
    return result


def set_mirror_route(
    virtual_service: Manifest,
    rollout: Manifest,
    set_mirror_route: Mapping[str, Any],
    *,
    destination_rules: Sequence[Manifest] = (),
) -> Manifest:
    """The VirtualService after a ``setMirrorRoute`` step; istio.go::SetMirrorRoute.

    The route of that name is removed, then (unless the step has no ``match``) a route is
    prepended that copies the SetWeight route's destinations and weights and mirrors
    ``percentage`` % (default 100) of matching requests to the canary; then managedRoutes
    order is applied. ``destination_rules`` (optional, keyword) supplies the
    DestinationRule host for subset-level rollouts (see ``_canary_host``).
    """
    step = _unwrap(set_mirror_route, "setMirrorRoute")
    name = as_str(step.get("name"))
    routing = rollout_routing(rollout)
    ref = vs_ref_for(virtual_service, routing)
    vs = copy.deepcopy(virtual_service)
    spec = ensure_spec(vs)
    prefix = "[SetMirrorRoute] failed reconcile virtual service for mirror routes: "
    inner = "[reconcileVirtualServiceMirrorRoutes] "
    http_before = _listed_routes(spec)
    try:
        host = _canary_host(routing, destination_rules, http_before, ref.routes)
    except TrafficRoutingError as err:
        raise TrafficRoutingError(
            f"{prefix}{inner}failed to get destination rule host: {err}"
        ) from None
    try:
        _remove_route(spec, name)
    except TrafficRoutingError as err:
        what = "http route" if _has_match(step) else "route"
        raise TrafficRoutingError(
            f"{prefix}{inner}failed to remove {what} from virtual service: {err}"
        ) from None
    if _has_match(step):
        http = spec["http"]
        try:
            dests = _setweight_destinations(ref.routes, http)
        except TrafficRoutingError as err:
            raise TrafficRoutingError(
                f"{prefix}{inner}failed to create mirror route: [createMirrorRoute] failed to "
                "get virtual service http route for keeping non-mirror weights set: "
                "[getVirtualServiceSetWeightRoute] failed to get routes that need to be patch "
                f"when set weight is called: {err}"
            ) from None
        matches = []
        for m in map(as_dict, as_list(step.get("match"))):
            block: dict[str, Any] = {}
            if m.get("method") is not None:
                block["method"] = _string_match(m["method"])
            if m.get("path") is not None:
                block["uri"] = _string_match(m["path"])
            headers = {as_str(k): _string_match(v) for k, v in as_dict(m.get("headers")).items()}
            if headers:
                block["headers"] = headers
            matches.append(block)
        mirror: dict[str, Any] = {"host": host} if host else {}
        if routing.canary_subset:
            mirror["subset"] = routing.canary_subset
        # Upstream indexes route[0] unguarded (a panic with no SetWeight route); we just
        # leave the port out in that case.
        number = _port_number(dests[0]) if dests else None
        if number is not None:
            mirror["port"] = {"number": number} if number else {}
        percentage = step.get("percentage")
        route = {
            "name": name,
            "match": matches,
            "route": [_typed_destination(d) for d in dests],
            "mirror": mirror,
            "mirrorPercentage": {"value": float(100 if percentage is None else as_int(percentage))},
        }
        if not matches:
            del route["match"]  # null, pruned by the API server (as in set_header_route)
        spec["http"] = [route, *http]
    spec["http"] = order_routes(spec["http"], routing.managed_routes)
    return vs


def remove_managed_routes(virtual_service: Manifest, rollout: Manifest) -> Manifest:
    """The VirtualService after istio.go::RemoveManagedRoutes.

    Removes every route named by a setHeaderRoute/setMirrorRoute step and every route in
    managedRoutes, keeping the other routes in order. A VirtualService without
    ``spec.http`` is returned unchanged.
    """
    routing = rollout_routing(rollout)
    vs_ref_for(virtual_service, routing)
    vs = copy.deepcopy(virtual_service)
    spec = as_dict(vs.get("spec"))
    prefix = "[RemoveManagedRoutes] failed to "
    try:
        http = raw_section(spec, "http")
    except TrafficRoutingError as err:
        raise TrafficRoutingError(f"{prefix}get http routes from virtual service: {err}") from None
    if http is None:
        return vs
    for name in (*routing.header_route_names, *routing.mirror_route_names):
        # Upstream logs a warning and carries on when a route cannot be removed.
        with contextlib.suppress(TrafficRoutingError):
            _remove_route(spec, name)
    if routing.managed_routes:
        for route in spec["http"]:
            if not isinstance(route, dict):
                raise TrafficRoutingError(
                    f"{prefix}split managed and non-managed routes: "
                    "[splitManagedRoutesAndNonManagedRoutes] failed to unmarsharl http route "
                    f"interface: json: cannot unmarshal {json_kind(route)} into Go value of type "
                    "map[string]interface {}"
                )
        inside, outside = split_managed(routing.managed_routes, spec["http"])
        if inside:
            spec["http"] = outside
    return vs
