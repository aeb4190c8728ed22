"""Argo Rollouts' Istio reconciler as pure manifest rewrites.

The simulated controller never edits a VirtualService or DestinationRule by hand: it calls
these functions, and the router then reads the result, so what routes simulated traffic
is exactly what Argo would have written. Each function takes plain dict manifests
(camelCase, as loaded from YAML), returns a new manifest and leaves its inputs unchanged.
Refusals raise :class:`~canarysim.errors.TrafficRoutingError` carrying Argo's own text,
including the ``[Function] ...:`` prefixes Argo wraps some errors in.

Upstream: ``rollout/trafficrouting/istio/istio.go`` in argoproj/argo-rollouts
(``SetWeight``, ``SetHeaderRoute``, ``SetMirrorRoute``, ``RemoveManagedRoutes``,
``UpdateHash``). Behaviour is reimplemented from reading that code, including quirks that
change what ends up in the cluster (noted where they occur).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from canarysim.engine.trafficrouting.istio.destinationrule import (
    destination_rule_switch_delay,
    update_hash,
)
from canarysim.engine.trafficrouting.istio.managed import (
    remove_managed_routes,
    set_header_route,
    set_mirror_route,
)
from canarysim.engine.trafficrouting.istio.rollout import (
    Manifest,
    RolloutRouting,
    VsRef,
    as_dict,
    as_int,
    as_list,
    as_str,
    rollout_routing,
    vs_ref_for,
)
from canarysim.engine.trafficrouting.istio.routes import (
    http_route_indexes,
    order_routes,
    route_name,
    section,
    short_host,
    subset_of,
    tcp_route_indexes,
    tls_route_indexes,
    validate_http,
    validate_tcp,
    validate_tls,
)
from canarysim.errors import TrafficRoutingError

__all__ = [
    "destination_rule_switch_delay",
    "referenced_destination_rule",
    "referenced_virtual_services",
    "remove_managed_routes",
    "set_header_route",
    "set_mirror_route",
    "set_weight",
    "update_hash",
]

_SECTIONS = ("http", "tls", "tcp")

# ------------------------------------------------------------------------------ SetWeight


@dataclass(frozen=True)
class _Patch:
    kind: str
    route: int
    dest: int
    weight: int
    delete: bool = False
    host: str = ""  # read only when the destination is appended (dest past the end)


def _route_patches(
    kind: str,
    route_idx: int,
    dests: Sequence[Mapping[str, Any]],
    desired: int,
    routing: RolloutRouting,
    extras: Sequence[Mapping[str, Any]],
) -> list[_Patch]:
    """New weights for one route; istio.go::processRoutes.

    stable = 100 - desired - experiment weights - weights already on additional subsets,
    floored at 0. Destinations that are neither canary, stable, experiment nor an
    additional subset are deleted (only when their weight is not already 0, because
    appendPatch skips unchanged weights). Missing experiment services are appended in
    sorted order.
    """
    patches: list[_Patch] = []

    def patch(old: int, new: int, idx: int, delete: bool = False) -> None:
        if old != new:
            patches.append(_Patch(kind, route_idx, idx, new, delete))

    pending: dict[str, int] = {}
    stable = 100 - desired
    for extra in extras:
        pending[as_str(extra.get("serviceName"))] = as_int(extra.get("weight"))
        stable -= as_int(extra.get("weight"))
    additional = routing.additional_subsets
    if additional is not None:
        for dest in dests:
            if subset_of(dest) and subset_of(dest) in additional:
                stable -= as_int(dest.get("weight"))
    stable = max(stable, 0)

    for idx, dest in enumerate(dests):
        host, subset, weight = short_host(dest), subset_of(dest), as_int(dest.get("weight"))
        if host == "":
            continue
        if host == routing.canary_svc or (subset and subset == routing.canary_subset):
            patch(weight, desired, idx)
        elif host == routing.stable_svc or (subset and subset == routing.stable_subset):
            patch(weight, stable, idx)
        elif host in pending:
            patch(weight, pending.pop(host), idx)
        elif additional is not None and subset and subset in additional:
            continue
        else:
            patch(weight, 0, idx, delete=True)
    # Appended in name order; like appendPatch, a zero weight (unchanged from none) is
    # skipped, though it still takes up its index.
    for offset, host in enumerate(sorted(pending)):
        if pending[host]:
            patches.append(_Patch(kind, route_idx, len(dests) + offset, pending[host], host=host))
    return patches


def _apply_patches(sections: Mapping[str, list[Any]], patches: list[_Patch]) -> None:
    """istio.go::patchVirtualService: weight updates and appends first, then deletions by
    descending destination index so earlier deletions do not shift later ones."""
    updates = [p for p in patches if not p.delete]
    deletions = sorted((p for p in patches if p.delete), key=lambda p: -p.dest)
    for p in updates + deletions:
        route = sections[p.kind][p.route]
        dests = route.get("route")
        if not isinstance(dests, list):
            raise TrafficRoutingError(
                f"Invalid casting: field '{p.kind}[].route' is not of type '[]interface'"
            )
        # A patch names a destination that was an object when the patches were worked out
        # (anything else has no host and gets none), so upstream's cast check of
        # `route[].destination` cannot fail here.
        if p.dest < len(dests):
            if p.delete:
                del dests[p.dest]
            else:
                dests[p.dest]["weight"] = p.weight
        else:
            dests.append({"destination": {"host": p.host}, "weight": p.weight})


def set_weight(
    virtual_service: Manifest,
    rollout: Manifest,
    desired_weight: int,
    additional_destinations: Sequence[Mapping[str, Any]] = (),
    *,
    routing: RolloutRouting | None = None,
) -> Manifest:
    """The VirtualService after Argo's ``SetWeight(desired_weight, additional_destinations...)``.

    Edits the HTTP routes named in the Rollout (or the single / first unnamed route), the
    matching TLS and TCP routes, and every managed mirror route. When nothing changes, the
    manifest given is returned itself, not a copy (Argo writes nothing then, and does not
    re-order routes); a changed one is a new object, which shares what it does not change
    with the one given (edit neither in place: every rewrite here returns a new one).
    ``routing`` is ``rollout_routing(rollout)`` when the caller already has it.
    """
    if routing is None:
        routing = rollout_routing(rollout)
    checked = _CHECKED.get(id(virtual_service))
    if checked is not None and (checked[0] is not virtual_service or checked[1] is not routing):
        checked = None
    if checked is None:  # the Rollout's entry, read only by validation (a memo hit skips it)
        ref = vs_ref_for(virtual_service, routing)
    # Patches are worked out on the manifest as given (read only) and applied to a copy only
    # if there are any: most reconciles write the weights that are already there.
    spec = as_dict(virtual_service.get("spec"))
    # istio.go::GetHttpRoutesI & co. read a section that is not a list as absent.
    sections = {k: section(spec, k) or [] for k in _SECTIONS if isinstance(spec.get(k), list)}
    selected = _check(ref, sections, routing) if checked is None else checked[2]
    extras = [as_dict(e) for e in additional_destinations]
    patches: list[_Patch] = []
    reshaped = False  # a destination deleted or appended
    for kind in _SECTIONS:
        routes = sections.get(kind, [])
        # The TLS/TCP finders answer [0] when the Rollout names no such route, even for an
        # empty list: generateVirtualServicePatches' bound check.
        for idx in (i for i in selected[kind] if i < len(routes)):
            dests = [as_dict(d) for d in as_list(routes[idx].get("route"))]
            found = _route_patches(kind, idx, dests, desired_weight, routing, extras)
            reshaped = reshaped or any(p.delete or p.dest >= len(dests) for p in found)
            patches += found
    if not patches:
        return virtual_service
    if _shares_objects(sections):
        vs = copy.deepcopy(virtual_service)
        spec = as_dict(vs.get("spec"))
        sections = {k: section(spec, k) or [] for k in sections}
    else:
        vs, spec, sections = _copy_patched(virtual_service, spec, sections, patches)
    _apply_patches(sections, patches)
    if "http" in sections:
        spec["http"] = order_routes(sections["http"], routing.managed_routes)
    if not reshaped and routing.managed_routes is None:
        # Only weights changed (same routes in the same order, same destinations): what
        # validation and the route lookup read is as it was in the manifest given.
        _remember(vs, routing, selected)
    return vs


_CHECKED: dict[int, tuple[Manifest, RolloutRouting, dict[str, list[int]]]] = {}
"""The manifests a weight write returned, by ``id`` (each entry holds its manifest, so the
id stays its own), with the routing they were written for and the route indexes SetWeight
re-weights: their routes, names, hosts, subsets and matches are those of the manifest
validated before the write, which changed only weights. Nothing edits a manifest in place
(every rewrite returns a new one), so the next reconcile's SetWeight does not validate them
again. A handful of entries: the VirtualServices of the rollout being simulated."""


def _remember(vs: Manifest, routing: RolloutRouting, selected: dict[str, list[int]]) -> None:
    if len(_CHECKED) >= 16:
        _CHECKED.clear()
    _CHECKED[id(vs)] = (vs, routing, selected)


def _check(
    ref: VsRef, sections: Mapping[str, list[Any]], routing: RolloutRouting
) -> dict[str, list[int]]:
    """Validate the manifest's sections as ``SetWeight`` does, and find the routes it
    re-weights: the route indexes of each section."""
    # istio.go::reconcileVirtualService validates http, then tls, then tcp. Validation
    # looks up the routes the Rollout names: the same lookup as the patches' below, kept.
    validated: dict[str, list[int]] = {}
    if "http" in sections:
        validated["http"] = validate_http(ref, sections["http"], routing)
    if "tls" in sections:
        validated["tls"] = validate_tls(ref, sections["tls"], routing)
    if "tcp" in sections:
        validated["tcp"] = validate_tcp(ref, sections["tcp"], routing)

    # istio.go::generateVirtualServicePatches: managed routes that mirror are re-weighted
    # too. Quirk kept: once a mirror route is added to an empty `routes` list, the unnamed
    # primary route is no longer selected.
    names = list(ref.routes)
    http = sections.get("http", [])
    if routing.managed_routes is not None:
        for route in http:
            if route.get("mirror") is not None:
                names.extend(m for m in routing.managed_routes if m == route_name(route))
    selected: dict[str, list[int]] = {}
    if "http" in validated and len(names) == len(ref.routes):  # no mirror route added
        selected["http"] = validated["http"]
    else:
        try:
            selected["http"] = http_route_indexes(names, http)
        except TrafficRoutingError:  # upstream ignores it: validation already ran
            selected["http"] = []
    for kind, finder in (("tls", tls_route_indexes), ("tcp", tcp_route_indexes)):
        if kind in validated:
            selected[kind] = validated[kind]
            continue
        try:
            selected[kind] = finder(ref, sections.get(kind, []))
        except TrafficRoutingError:
            selected[kind] = []
    return selected


def _shares_objects(sections: Mapping[str, list[Any]]) -> bool:
    """Whether a route, a ``route`` list or a destination is reached twice (two routes of
    one name come out of ``order_routes`` as the same object). A deep copy keeps that
    sharing, and a weight written through one place then shows in the other."""
    seen: set[int] = set()
    count = 0
    for routes in sections.values():
        for route in routes:
            seen.add(id(route))
            count += 1
            dests = route.get("route")
            if isinstance(dests, list):
                seen.add(id(dests))
                count += 1
                for dest in dests:
                    if isinstance(dest, dict | list):
                        seen.add(id(dest))
                        count += 1
    return len(seen) != count


def _copy_patched(
    virtual_service: Manifest,
    spec: dict[str, Any],
    sections: Mapping[str, list[Any]],
    patches: list[_Patch],
) -> tuple[Manifest, dict[str, Any], dict[str, list[Any]]]:
    """A copy of the manifest for the patches to write into: the manifest, its spec, the
    sections, and each patched route, its ``route`` list and the destinations re-weighted
    are new objects; everything else is shared with ``virtual_service``, which is left as
    it was. (Nothing edits a manifest in place: every rewrite returns a new one.)"""
    vs = dict(virtual_service)
    vs["spec"] = spec = dict(spec)
    copies = {kind: list(routes) for kind, routes in sections.items()}
    copied: set[tuple[str, int]] = set()
    for p in patches:
        routes = copies[p.kind]
        if (p.kind, p.route) not in copied:
            copied.add((p.kind, p.route))
            route = routes[p.route] = dict(routes[p.route])
            if isinstance(route.get("route"), list):
                route["route"] = list(route["route"])
        dests = routes[p.route].get("route")
        if not p.delete and isinstance(dests, list) and p.dest < len(dests):
            dests[p.dest] = dict(dests[p.dest])
    for kind, routes in copies.items():
        spec[kind] = routes
    return vs, spec, copies


def referenced_virtual_services(rollout: Manifest) -> list[tuple[str, str]]:
    """(namespace, name) of each VirtualService the Rollout routes through, in Argo's order.

    The controller applies :func:`set_weight` & co. to each of them in turn, stopping at the
    first error, as istio.go::SetWeight does.
    """
    return [(ref.namespace, ref.name) for ref in rollout_routing(rollout).virtual_services]


def referenced_destination_rule(rollout: Manifest) -> tuple[str, str] | None:
    """(namespace, name) of the DestinationRule of a subset-level Rollout, else None."""
    routing = rollout_routing(rollout)
    return None if routing.dr_name is None else (routing.namespace, routing.dr_name)
