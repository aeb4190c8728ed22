"""Reading a Rollout's Istio settings, and the value helpers the Istio modules share.

Part of :mod:`canarysim.engine.trafficrouting.istio.reconcile`. Everything works on plain dict
manifests
(camelCase, as loaded from YAML). The behaviour follows upstream
``rollout/trafficrouting/istio/istio.go`` (argo-rollouts); function names in comments point
at the Go function each rule comes from, so a reader can re-check a subtle case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from canarysim.errors import TrafficRoutingError

Manifest = dict[str, Any]

SPEC_HTTP_NOT_FOUND = "spec.http not found"
MANAGED_BY_KEY = "argo-rollouts.argoproj.io/managed-by-rollouts"
HASH_LABEL = "rollouts-pod-template-hash"


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else an empty dict (YAML ``key:`` with no value is None)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_int(value: Any) -> int:
    """Go decodes JSON numbers into int64 fields; a missing field is 0."""
    if value is None or isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TrafficRoutingError(f"json: cannot unmarshal {value!r} into Go value of type int64")


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------------------- rollout side


@dataclass(frozen=True)
class VsRef:
    """One entry of ``trafficRouting.istio.virtualService(s)``."""

    name: str
    namespace: str
    routes: tuple[str, ...]
    tls_routes: tuple[tuple[int, tuple[str, ...]], ...]
    tcp_routes: tuple[int, ...]
    tls_given: bool
    tcp_given: bool


@dataclass(frozen=True)
class RolloutRouting:
    """The parts of a Rollout manifest the Istio reconciler reads."""

    name: str
    namespace: str
    stable_svc: str
    canary_svc: str
    dr_name: str | None
    canary_subset: str
    stable_subset: str
    additional_subsets: tuple[str, ...] | None
    managed_routes: tuple[str, ...] | None
    virtual_services: tuple[VsRef, ...]
    header_route_names: tuple[str, ...]
    mirror_route_names: tuple[str, ...]


def split_vs_name(ref: str) -> tuple[str, str]:
    """``name.namespace`` -> (namespace, name); utils/istio::GetVirtualServiceNamespaceName.

    A ``.cluster.local`` suffix is dropped first; the last dot-separated field is the
    namespace (a namespace cannot contain a dot), the rest is the name.
    """
    if ref.endswith(".cluster.local"):
        ref = ref[: -len(".cluster.local")]
    fields = ref.split(".")
    if len(fields) >= 2:
        return fields[-1], ".".join(fields[:-1])
    return "", fields[0]


def _vs_ref(entry: Mapping[str, Any], default_ns: str) -> VsRef:
    namespace, name = split_vs_name(as_str(entry.get("name")))
    tls = tuple(
        (as_int(t.get("port")), tuple(as_str(h) for h in as_list(t.get("sniHosts"))))
        for t in map(as_dict, as_list(entry.get("tlsRoutes")))
    )
    tcp = tuple(as_int(t.get("port")) for t in map(as_dict, as_list(entry.get("tcpRoutes"))))
    return VsRef(
        name=name,
        namespace=namespace or default_ns,
        routes=tuple(as_str(r) for r in as_list(entry.get("routes"))),
        tls_routes=tls,
        tcp_routes=tcp,
        tls_given=bool(tls),
        tcp_given=bool(tcp),
    )


def stable_and_canary_services(rollout: Mapping[str, Any]) -> tuple[str, str]:
    """(stable, canary) Service names; trafficrouting/service_helper.go::GetStableAndCanaryServices.

    Ping-pong is used for Istio only when neither stableService nor canaryService is set;
    ``status.canary.stablePingPong == "ping"`` means the ping Service is stable, anything
    else (``pong`` or unset) means the pong Service is stable.
    """
    canary = as_dict(as_dict(as_dict(rollout.get("spec")).get("strategy")).get("canary"))
    stable_svc = as_str(canary.get("stableService"))
    canary_svc = as_str(canary.get("canaryService"))
    ping_pong = canary.get("pingPong")
    if isinstance(ping_pong, dict) and not stable_svc and not canary_svc:
        ping = as_str(ping_pong.get("pingService"))
        pong = as_str(ping_pong.get("pongService"))
        status = as_dict(as_dict(rollout.get("status")).get("canary"))
        if status.get("stablePingPong") == "ping":
            return ping, pong
        return pong, ping
    return stable_svc, canary_svc


def rollout_routing(rollout: Mapping[str, Any]) -> RolloutRouting:
    """Extract what the reconciler needs; raises if the Rollout has no Istio traffic routing."""
    meta = as_dict(rollout.get("metadata"))
    namespace = as_str(meta.get("namespace")) or "default"
    canary = as_dict(as_dict(as_dict(rollout.get("spec")).get("strategy")).get("canary"))
    routing = as_dict(canary.get("trafficRouting"))
    istio = routing.get("istio")
    if not isinstance(istio, dict):
        raise TrafficRoutingError(
            "Rollout has no spec.strategy.canary.trafficRouting.istio to reconcile"
        )
    stable_svc, canary_svc = stable_and_canary_services(rollout)
    dr = istio.get("destinationRule")
    dr_name: str | None = None
    canary_subset = stable_subset = ""
    additional: tuple[str, ...] | None = None
    if isinstance(dr, dict):
        dr_name = as_str(dr.get("name"))
        canary_subset = as_str(dr.get("canarySubsetName"))
        stable_subset = as_str(dr.get("stableSubsetName"))
        if dr.get("additionalSubsetNames") is not None:
            additional = tuple(as_str(s) for s in as_list(dr.get("additionalSubsetNames")))
    managed: tuple[str, ...] | None = None
    if routing.get("managedRoutes") is not None:
        managed = tuple(as_str(as_dict(m).get("name")) for m in as_list(routing["managedRoutes"]))
    # istio.go::getVirtualServices: the list form wins whenever it is present.
    if istio.get("virtualServices") is not None:
        entries = [as_dict(e) for e in as_list(istio["virtualServices"])]
    else:
        entries = [as_dict(istio.get("virtualService"))]
    steps = [as_dict(s) for s in as_list(canary.get("steps"))]
    return RolloutRouting(
        name=as_str(meta.get("name")),
        namespace=namespace,
        stable_svc=stable_svc,
        canary_svc=canary_svc,
        dr_name=dr_name,
        canary_subset=canary_subset,
        stable_subset=stable_subset,
        additional_subsets=additional,
        managed_routes=managed,
        virtual_services=tuple(_vs_ref(e, namespace) for e in entries),
        header_route_names=tuple(
            as_str(as_dict(s["setHeaderRoute"]).get("name"))
            for s in steps
            if s.get("setHeaderRoute") is not None
        ),
        mirror_route_names=tuple(
            as_str(as_dict(s["setMirrorRoute"]).get("name"))
            for s in steps
            if s.get("setMirrorRoute") is not None
        ),
    )


def vs_ref_for(virtual_service: Mapping[str, Any], routing: RolloutRouting) -> VsRef:
    """The Rollout's entry that refers to this VirtualService.

    Matched by name (and namespace when the manifest states one). A Rollout with a single
    entry applies it whatever the manifest is called, so a test can hand in an anonymous
    VirtualService.
    """
    meta = as_dict(virtual_service.get("metadata"))
    name = as_str(meta.get("name"))
    namespace = as_str(meta.get("namespace")) or routing.namespace
    for ref in routing.virtual_services:
        if ref.name == name and ref.namespace == namespace:
            return ref
    for ref in routing.virtual_services:
        if ref.name == name:
            return ref
    if len(routing.virtual_services) == 1:
        return routing.virtual_services[0]
    raise TrafficRoutingError(
        f"VirtualService `{name}` is not referenced by "
        "spec.strategy.canary.trafficRouting.istio.virtualServices"
    )
