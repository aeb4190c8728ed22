"""Picking the VirtualService routes Argo edits, validating and ordering them.

Part of :mod:`canarysim.engine.trafficrouting.istio.reconcile`. Everything works on plain dict
manifests (camelCase,
as loaded from YAML), following upstream ``rollout/trafficrouting/istio/istio.go``
(argo-rollouts); comments name the Go function each rule comes from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.istio.rollout import (
    Manifest,
    RolloutRouting,
    VsRef,
    as_dict,
    as_int,
    as_list,
    as_str,
)
from canarysim.engine.trafficrouting.istio.rollout import (
    rollout_routing as rollout_routing,  # re-exported
)
from canarysim.errors import TrafficRoutingError

# ---------------------------------------------------------------------------- routes side


def short_host(destination: Mapping[str, Any]) -> str:
    """Text before the first dot of ``destination.host``; istio.go::getHost.

    A host that starts with a dot yields "" (and such destinations are then ignored).
    """
    host = as_str(as_dict(destination.get("destination")).get("host"))
    return host.partition(".")[0]


def subset_of(destination: Mapping[str, Any]) -> str:
    return as_str(as_dict(destination.get("destination")).get("subset"))


def route_name(route: Mapping[str, Any]) -> str:
    return as_str(route.get("name"))


def http_route_indexes(names: Sequence[str], http: Sequence[Mapping[str, Any]]) -> list[int]:
    """Indexes of the HTTP routes SetWeight edits; istio.go::getHttpRouteIndexesToPatch.

    No names: the only route if there is exactly one, else the first unnamed route (none if
    every route has a name). Otherwise every name must exist.
    """
    if not names:
        if len(http) == 1:
            return [0]
        for i, route in enumerate(http):
            if route_name(route) == "":
                return [i]
    indexes = []
    for name in names:
        found = next((i for i, r in enumerate(http) if route_name(r) == name), None)
        if found is None:
            raise TrafficRoutingError(
                f"HTTP Route '{name}' is not found in the defined Virtual Service."
            )
        indexes.append(found)
    return indexes


def _match_ports(route: Mapping[str, Any]) -> set[int]:
    return {as_int(as_dict(m).get("port")) for m in as_list(route.get("match"))}


def tls_route_indexes(ref: VsRef, tls: Sequence[Mapping[str, Any]]) -> list[int]:
    """istio.go::getTlsRouteIndexesToPatch / searchTlsRoute.

    A VirtualService TLS route matches an entry when its match blocks use one port (0 when
    none is given) equal to the entry's port and the union of their sniHosts equals the
    entry's sniHosts (as a set, though a duplicate in the entry's list spoils the match).
    Routes whose blocks name two different ports never match.
    """
    if not ref.tls_given:
        return [0]
    indexes: list[int] = []
    for port, sni in ref.tls_routes:
        found = []
        for i, route in enumerate(tls):
            ports = _match_ports(route)
            if len(ports) > 1:
                continue
            hosts = {
                as_str(h)
                for m in as_list(route.get("match"))
                for h in as_list(as_dict(m).get("sniHosts"))
            }
            # utils/evaluate::Equal: same length, and every VS host is among the listed ones.
            same = len(sni) == len(hosts) and hosts <= set(sni)
            if (next(iter(ports)) if ports else 0) == port and same:
                found.append(i)
        if not found:
            raise TrafficRoutingError(
                "No matching TLS routes found in the defined Virtual Service."
            )
        indexes.extend(found)
    return indexes


def tcp_route_indexes(ref: VsRef, tcp: Sequence[Mapping[str, Any]]) -> list[int]:
    """istio.go::getTcpRouteIndexesToPatch / searchTcpRoute: match by the single port."""
    if not ref.tcp_given:
        return [0]
    indexes: list[int] = []
    for port in ref.tcp_routes:
        found = []
        for i, route in enumerate(tcp):
            ports = _match_ports(route)
            if len(ports) > 1:
                continue
            if (next(iter(ports)) if ports else 0) == port:
                found.append(i)
        if not found:
            raise TrafficRoutingError(
                "No matching TCP routes found in the defined Virtual Service."
            )
        indexes.extend(found)
    return indexes


def validate_destinations(route: Mapping[str, Any], routing: RolloutRouting) -> None:
    """Both sides of the split must be present; istio.go::validateVirtualServiceRouteDestinations.

    Subset-level (a destinationRule is configured) checks subsets only; host-level checks
    the short host names. The canary side is reported first.
    """
    dests = [as_dict(d) for d in as_list(route.get("route"))]
    hosts = {short_host(d) for d in dests}
    subsets = {subset_of(d) for d in dests}
    if routing.dr_name is not None:
        if not (routing.canary_subset and routing.canary_subset in subsets):
            raise TrafficRoutingError(
                f"Canary DestinationRule subset '{routing.canary_subset}' not found in route"
            )
        if not (routing.stable_subset and routing.stable_subset in subsets):
            raise TrafficRoutingError(
                f"Stable DestinationRule subset '{routing.stable_subset}' not found in route"
            )
        return
    if not (routing.canary_svc and routing.canary_svc in hosts):
        raise TrafficRoutingError(f"Canary Service '{routing.canary_svc}' not found in route")
    if not (routing.stable_svc and routing.stable_svc in hosts):
        raise TrafficRoutingError(f"Stable Service '{routing.stable_svc}' not found in route")


def split_managed(
    managed: Sequence[str] | None, http: Sequence[Any]
) -> tuple[list[Any], list[Any]]:
    """(routes named in managedRoutes, the others), both in VS order;
    istio.go::splitManagedRoutesAndNonManagedRoutes."""
    wanted = set(managed or ())
    inside = [r for r in http if route_name(as_dict(r)) in wanted]
    outside = [r for r in http if route_name(as_dict(r)) not in wanted]
    return inside, outside


def validate_http(
    ref: VsRef, http: Sequence[Mapping[str, Any]], routing: RolloutRouting
) -> list[int]:
    """istio.go::ValidateHTTPRoutes; returns the indexes of the routes the Rollout names
    (``getHttpRouteIndexesToPatch`` of them), which SetWeight reads too."""
    indexes = http_route_indexes(ref.routes, http)
    for idx in indexes:
        validate_destinations(http[idx], routing)
    _, unmanaged = split_managed(routing.managed_routes, http)
    if not ref.routes and len(unmanaged) > 1:
        raise TrafficRoutingError(
            "spec.http[] should be set in VirtualService and it must have exactly one route "
            "when omitting spec.strategy.canary.trafficRouting.istio.virtualService.routes"
        )
    return indexes


def validate_tls(
    ref: VsRef, tls: Sequence[Mapping[str, Any]], routing: RolloutRouting
) -> list[int]:
    """istio.go::ValidateTlsRoutes; returns ``getTlsRouteIndexesToPatch``, which SetWeight
    reads too."""
    return _validate_l4("tls", tls_route_indexes(ref, tls), tls, ref.tls_given, routing)


def validate_tcp(
    ref: VsRef, tcp: Sequence[Mapping[str, Any]], routing: RolloutRouting
) -> list[int]:
    """istio.go::ValidateTcpRoutes; returns ``getTcpRouteIndexesToPatch``, which SetWeight
    reads too."""
    return _validate_l4("tcp", tcp_route_indexes(ref, tcp), tcp, ref.tcp_given, routing)


def _validate_l4(
    section: str,
    indexes: list[int],
    routes: Sequence[Mapping[str, Any]],
    given: bool,
    routing: RolloutRouting,
) -> list[int]:
    """What ValidateTlsRoutes and ValidateTcpRoutes share: the destinations of the routes to
    patch, and exactly one route when the Rollout names none (``section``: tls or tcp)."""
    for idx in indexes:
        if idx < len(routes):
            validate_destinations(routes[idx], routing)
    if not given and len(routes) > 1:
        raise TrafficRoutingError(
            f"spec.{section}[] should be set in VirtualService and it must have exactly one "
            "route when omitting "
            f"spec.strategy.canary.trafficRouting.istio.virtualService.{section}Routes"
        )
    return indexes


def order_routes(http: list[Any], managed: Sequence[str] | None) -> list[Any]:
    """Managed routes first (in managedRoutes order), then the rest; istio.go::orderRoutes.

    Upstream rebuilds the list by looking every ordered route up again by name, so two
    routes with the same name (or two unnamed routes) come out duplicated; that quirk is
    kept on purpose because it is what the real controller writes.
    """
    if managed is None:
        return http
    inside, outside = split_managed(managed, http)
    ordered = [r for name in managed for r in inside if as_dict(r).get("name") == name]
    ordered += outside
    result: list[Any] = []
    for wanted in ordered:
        wanted_name = route_name(as_dict(wanted))
        result.extend(r for r in http if route_name(as_dict(r)) == wanted_name)
    return result


# ---------------------------------------------------------------------------- manifests


def go_type(value: Any) -> str:
    """The Go type (``%T``) of a value decoded from JSON into ``interface{}``."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, dict):
        return "map[string]interface {}"
    return "[]interface {}"


def json_kind(value: Any) -> str:
    """How encoding/json names a JSON value in an ``UnmarshalTypeError`` (``number``, not
    ``int64``; ``array``, not ``[]interface {}``)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float):
        return "number"
    # null: Go decodes it as a zero route and carries on; we refuse it, naming it as JSON does.
    return "array" if isinstance(value, list) else "null"


def raw_section(spec: Mapping[str, Any], kind: str) -> list[Any] | None:
    """``spec.<kind>`` as a list, None when absent (unstructured.NestedSlice semantics)."""
    value = spec.get(kind)
    if value is None:
        return None
    if not isinstance(value, list):
        raise TrafficRoutingError(
            f".spec.{kind} accessor error: {value} is of the type {go_type(value)}, "
            "expected []interface{}"
        )
    return value


def section(spec: Mapping[str, Any], kind: str) -> list[Any] | None:
    """Like :func:`raw_section`, and every route must be an object (GetHttpRoutes decodes
    them into structs, which fails on anything else)."""
    value = raw_section(spec, kind)
    for route in value or ():
        if not isinstance(route, dict):
            raise TrafficRoutingError(
                f"json: cannot unmarshal {json_kind(route)} into Go value of type "
                f"istio.VirtualService{kind.upper()}Route"
            )
    return value


def ensure_spec(manifest: Manifest) -> dict[str, Any]:
    spec = manifest.get("spec")
    if not isinstance(spec, dict):
        spec = {}
        manifest["spec"] = spec
    return spec
