"""The routing configuration as the API server holds it: VirtualServices, DestinationRules and
Ingresses.

The controller changes them only through Argo's reconciler
(:mod:`canarysim.engine.trafficrouting.istio.reconcile`),
one referenced manifest after another and stopping at the first error, as
``istio.go::SetWeight`` & co. do. Every real change bumps :attr:`Mesh.version` and fires
:attr:`Mesh.changed`, so the router is rebuilt from exactly what Argo would have written.
With ``trafficRouting.nginx`` the same ``set_weight`` also creates or patches the canary
Ingresses through :mod:`canarysim.engine.trafficrouting.nginx.reconcile`; the events Argo's
NGINX reconciler records wait in :attr:`Mesh.events` for the controller.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from canarysim.engine.model import WeightDestination
from canarysim.engine.trafficrouting.alb import reconcile as alb
from canarysim.engine.trafficrouting.istio import reconcile as istio
from canarysim.engine.trafficrouting.istio.rollout import RolloutRouting
from canarysim.engine.trafficrouting.istio.routes import rollout_routing
from canarysim.engine.trafficrouting.nginx import reconcile as nginx
from canarysim.errors import TrafficRoutingError
from canarysim.sim.mesh.alb import LoadBalancers
from canarysim.sim.mesh.routers import RouterObjects, rollout_settings
from canarysim.sim.mesh.targets import TargetGroups

__all__ = ["Mesh"]

Manifest = dict[str, Any]


def _key(manifest: Mapping[str, Any], namespace: str) -> tuple[str, str]:
    meta = manifest.get("metadata") or {}
    return (str(meta.get("namespace") or namespace), str(meta.get("name") or ""))


def _destinations(extra: Sequence[WeightDestination]) -> list[dict[str, Any]]:
    return [
        {"serviceName": d.service_name, "podTemplateHash": d.pod_template_hash, "weight": d.weight}
        for d in extra
    ]


class Mesh(RouterObjects):
    """Every VirtualService and DestinationRule of the scenario, keyed (namespace, name)."""

    def __init__(
        self,
        rollout: Manifest,
        virtual_services: Sequence[Mapping[str, Any]],
        destination_rules: Sequence[Mapping[str, Any]],
        *,
        namespace: str,
        on_change: Callable[[], None] = lambda: None,
        ingresses: Sequence[Mapping[str, Any]] = (),
        traffic_splits: Sequence[Mapping[str, Any]] = (),
        http_routes: Sequence[Mapping[str, Any]] = (),
        grpc_routes: Sequence[Mapping[str, Any]] = (),
        tcp_routes: Sequence[Mapping[str, Any]] = (),
        tls_routes: Sequence[Mapping[str, Any]] = (),
        apisix_routes: Sequence[Mapping[str, Any]] = (),
        traefik_services: Sequence[Mapping[str, Any]] = (),
        ingress_routes: Sequence[Mapping[str, Any]] = (),
        ambassador_mappings: Sequence[Mapping[str, Any]] = (),
        appmesh_virtual_services: Sequence[Mapping[str, Any]] = (),
        appmesh_virtual_routers: Sequence[Mapping[str, Any]] = (),
        appmesh_virtual_nodes: Sequence[Mapping[str, Any]] = (),
        copied_from: object = None,
    ) -> None:
        """``copied_from``: the loaded (read-only) Rollout manifest ``rollout`` is a copy of,
        the namespace set as here, if any: the settings derived from it below are then the
        same for every run of the scenario, and worked out once."""
        self.namespace = namespace
        self.rollout = deep_copy(dict(rollout))
        meta = self.rollout.setdefault("metadata", {})
        meta.setdefault("namespace", namespace)
        self.virtual_services: dict[tuple[str, str], Manifest] = {
            _key(v, namespace): deep_copy(dict(v)) for v in virtual_services
        }
        self.destination_rules: dict[tuple[str, str], Manifest] = {
            _key(d, namespace): deep_copy(dict(d)) for d in destination_rules
        }
        self.ingresses: dict[tuple[str, str], Manifest] = {
            _key(i, namespace): deep_copy(dict(i)) for i in ingresses
        }
        self.traffic_splits: dict[tuple[str, str], Manifest] = {
            _key(t, namespace): deep_copy(dict(t)) for t in traffic_splits
        }
        self.http_routes: dict[tuple[str, str], Manifest] = {
            _key(r, namespace): deep_copy(dict(r)) for r in http_routes
        }
        self.grpc_routes: dict[tuple[str, str], Manifest] = {
            _key(r, namespace): deep_copy(dict(r)) for r in grpc_routes
        }
        self.tcp_routes: dict[tuple[str, str], Manifest] = {
            _key(r, namespace): deep_copy(dict(r)) for r in tcp_routes
        }
        self.tls_routes: dict[tuple[str, str], Manifest] = {
            _key(r, namespace): deep_copy(dict(r)) for r in tls_routes
        }
        self.apisix_routes: dict[tuple[str, str], Manifest] = {
            _key(r, namespace): deep_copy(dict(r)) for r in apisix_routes
        }
        self.traefik_services: dict[tuple[str, str], Manifest] = {
            _key(t, namespace): deep_copy(dict(t)) for t in traefik_services
        }
        self.ingress_routes: dict[tuple[str, str], Manifest] = {
            _key(r, namespace): deep_copy(dict(r)) for r in ingress_routes
        }
        self.mappings: dict[tuple[str, str], Manifest] = {
            _key(m, namespace): deep_copy(dict(m)) for m in ambassador_mappings
        }
        self.appmesh_virtual_services: dict[tuple[str, str], Manifest] = {
            _key(v, namespace): deep_copy(dict(v)) for v in appmesh_virtual_services
        }
        self.virtual_routers: dict[tuple[str, str], Manifest] = {
            _key(r, namespace): deep_copy(dict(r)) for r in appmesh_virtual_routers
        }
        self.virtual_nodes: dict[tuple[str, str], Manifest] = {
            _key(n, namespace): deep_copy(dict(n)) for n in appmesh_virtual_nodes
        }
        self.balancers: LoadBalancers | None = None
        """The ALBs behind the Rollout's ALB Ingresses (the world attaches them)."""
        self.target_groups: TargetGroups | None = None
        """The target groups of the namespace's TargetGroupBindings (the world attaches
        them when there are any)."""
        self.events: list[tuple[str, str]] = []
        """(reason, message) of events a router recorded, for the controller to emit."""
        self.warnings: list[tuple[str, str]] = []
        """The same for Warning events (App Mesh's ``VirtualNodeNotFound`` & co.)."""
        self.version = 0
        self.differs = False
        """While :attr:`version` is bumped by a write known to change the manifests (see
        :meth:`_changed`)."""
        self.weights_read: tuple[Any, Any, tuple[int, int]] | None = None
        """(what it depends on, the plan, the weights): ``summary.weights_from_manifests``'s
        last answer, valid while the manifests' version and the plan stay the same."""
        self._unchanged_weight: tuple[object, ...] | None = None
        self._on_change = on_change
        # The Rollout's routing settings, derived once: the mesh's copy of the Rollout never
        # changes, and re-reading them on every reconcile made reconciles O(steps).
        self.routing: RolloutRouting | None
        facts = rollout_settings(self.rollout, copied_from, namespace)
        self.routing, self.routed = facts.routing, facts.routed
        self.gateway_api, self.apisix, self.traefik = facts.gateway_api, facts.apisix, facts.traefik
        self.ambassador, self.appmesh = facts.ambassador, facts.appmesh
        self.nginx, self.alb, self.smi = facts.nginx, facts.alb, facts.smi

    # -- kubectl apply ---------------------------------------------------------------
    def apply_object(self, kind: str, manifest: Mapping[str, Any]) -> bool:
        """``kubectl apply`` of a VirtualService, DestinationRule or Ingress: it replaces its
        namesake (or is created) as the API server stores it, and the data plane takes it at
        once. True when Argo's informers enqueue the Rollout for it: a VirtualService the
        Rollout references (``istio/controller.go::EnqueueRolloutFromIstioVirtualService``),
        an Ingress it references (``ingress/ingress.go::syncIngress``); a DestinationRule is
        only re-read at the Rollout's next reconcile (its own workqueue enqueues none)."""
        store = {
            "VirtualService": self.virtual_services,
            "DestinationRule": self.destination_rules,
            "Ingress": self.ingresses,
        }[kind]
        key = _key(manifest, self.namespace)
        store[key] = deep_copy(dict(manifest))
        self._changed()
        if kind == "VirtualService":
            return key in self.referenced_virtual_services()
        if kind == "Ingress":
            names = set(nginx.stable_ingresses(self.rollout)) if self.nginx else set()
            if self.alb:
                names |= set(alb.alb_ingresses(self.rollout))
            return key[0] == self.namespace and key[1] in names
        return False

    # -- reading ---------------------------------------------------------------------
    def manifests(self, *, copies: bool = True) -> dict[str, list[Manifest]]:
        """The routing objects in a stable order, for the Result's manifest history: deep
        copies, or (``copies=False``) the live objects, to compare with what was recorded."""
        cp: Callable[[Manifest], Manifest] = deep_copy if copies else _same
        out = {
            "virtualservices": [cp(v) for _, v in sorted(self.virtual_services.items())],
            "destinationrules": [cp(d) for _, d in sorted(self.destination_rules.items())],
        }
        # left out when empty, so Istio results keep their shape
        if self.ingresses:
            out["ingresses"] = [cp(i) for _, i in sorted(self.ingresses.items())]
        if self.mappings:
            out["mappings"] = [cp(m) for _, m in sorted(self.mappings.items())]
        if self.traefik_services:
            out["traefikservices"] = [cp(t) for _, t in sorted(self.traefik_services.items())]
        if self.apisix_routes:
            out["apisixroutes"] = [cp(r) for _, r in sorted(self.apisix_routes.items())]
        if self.http_routes:
            out["httproutes"] = [cp(r) for _, r in sorted(self.http_routes.items())]
        if self.grpc_routes:
            out["grpcroutes"] = [cp(r) for _, r in sorted(self.grpc_routes.items())]
        if self.tcp_routes:
            out["tcproutes"] = [cp(r) for _, r in sorted(self.tcp_routes.items())]
        if self.tls_routes:
            out["tlsroutes"] = [cp(r) for _, r in sorted(self.tls_routes.items())]
        if self.traffic_splits:
            out["trafficsplits"] = [cp(t) for _, t in sorted(self.traffic_splits.items())]
        if self.virtual_routers:
            out["virtualrouters"] = [cp(r) for _, r in sorted(self.virtual_routers.items())]
        if self.virtual_nodes:
            out["virtualnodes"] = [cp(n) for _, n in sorted(self.virtual_nodes.items())]
        return out

    def set_stable_ping_pong(self, value: str) -> None:
        """``status.canary.stablePingPong`` of the Rollout as the reconciler reads it: which of
        the ping/pong Services is stable, hence the routing derived from the Rollout."""
        canary = self.rollout.setdefault("status", {}).setdefault("canary", {})
        if canary.get("stablePingPong") == value:
            return
        canary["stablePingPong"] = value
        try:
            self.routing = rollout_routing(self.rollout)
        except TrafficRoutingError:
            self.routing = None
        self._unchanged_weight = None

    def referenced_virtual_services(self) -> list[tuple[str, str]]:
        """``istio.referenced_virtual_services`` of the Rollout ([] without Istio routing)."""
        if self.routing is None:
            return []
        return [(ref.namespace, ref.name) for ref in self.routing.virtual_services]

    def _referenced_vs(self) -> list[tuple[str, str]]:
        if not self.routed and self.other_routers:
            return []  # no Istio settings: only the other reconcilers run
        if self.routing is None:  # as rollout_routing() would say
            raise TrafficRoutingError(
                "Rollout has no spec.strategy.canary.trafficRouting.istio to reconcile"
            )
        refs = self.referenced_virtual_services()
        missing = [f"{ns}/{name}" for ns, name in refs if (ns, name) not in self.virtual_services]
        if missing:
            raise TrafficRoutingError(
                f'virtualservices.networking.istio.io "{missing[0].split("/")[1]}" not found'
            )
        return refs

    def _referenced_dr(self) -> tuple[str, str] | None:
        if not self.routed and self.other_routers:
            return None
        if self.routing is None:
            raise TrafficRoutingError(
                "Rollout has no spec.strategy.canary.trafficRouting.istio to reconcile"
            )
        routing = self.routing
        ref = None if routing.dr_name is None else (routing.namespace, routing.dr_name)
        if ref is None or ref not in self.destination_rules:
            return None
        return (str(ref[0]), str(ref[1]))

    def destination_rule_hashes(self) -> tuple[str, ...]:
        """Hashes the referenced DestinationRule's subsets select now."""
        ref = self._referenced_dr() if self.routed else None
        if ref is None:
            return ()
        out = []
        for subset in (self.destination_rules[ref].get("spec") or {}).get("subsets") or []:
            h = (subset.get("labels") or {}).get("rollouts-pod-template-hash")
            if h:
                out.append(str(h))
        return tuple(out)

    # -- writing (Argo's reconciler) --------------------------------------------------------
    def _rewrite_vs(self, rewrite: Callable[[Manifest], Manifest]) -> None:
        changed = False
        for ref in self._referenced_vs():
            old = self.virtual_services[ref]
            new = rewrite(old)
            if new is not old and new != old:
                self.virtual_services[ref] = new
                changed = True
        if changed:
            self._changed(differs=True)

    def _changed(self, *, differs: bool = False) -> None:
        """A write: ``differs`` when the manifests are known to differ from what they were
        just before it (the world then records them without comparing them again)."""
        self.version += 1
        self.differs = differs
        try:
            self._on_change()
        finally:
            self.differs = False

    def set_weight(self, canary: int, additional: Sequence[WeightDestination] = ()) -> None:
        # The controller writes the weights on every reconcile; set_weight is a function of
        # the manifests (which change only here, bumping version) and its arguments, so a
        # write that changed nothing needs no second look until one of them moves.
        key = (self.version, canary, tuple(additional))
        if key == self._unchanged_weight:
            return
        extra = _destinations(additional)
        self._rewrite_vs(
            lambda vs: istio.set_weight(vs, self.rollout, canary, extra, routing=self.routing)
        )
        self._set_router_weights(canary, extra)
        if self.version == key[0]:
            self._unchanged_weight = key
        elif not self.other_routers:
            # Istio's SetWeight re-applied to what it just wrote changes nothing (the weights
            # are already the desired ones), and only the referenced VirtualServices were
            # written: the next reconcile's write of the same weights is a no-op until the
            # manifests (version) or the arguments move.
            self._unchanged_weight = (self.version, canary, key[2])

    def set_header_route(self, name: str, match: Sequence[Mapping[str, Any]] | None) -> None:
        """``match`` None removes the route; an empty one matches every request."""
        step = {"name": name, "match": None if match is None else [dict(m) for m in match]}
        drs = list(self.destination_rules.values())
        self._rewrite_vs(lambda vs: istio.set_header_route(vs, self.rollout, step, drs))
        if self.alb:
            self._alb_set_header_route(name, match)
        # Argo's reconciler order (NewTrafficRoutingReconciler): ..., APISIX, then plugins
        if self.apisix:
            self._apisix_set_header_route(name, match)
        if self.gateway_api:
            self._gateway_api_set_header_route(name, None if match is None else list(match))

    def set_mirror_route(
        self, name: str, match: Sequence[Mapping[str, Any]] | None, percentage: int | None
    ) -> None:
        step: dict[str, Any] = {
            "name": name,
            "match": None if match is None else [dict(m) for m in match],
        }
        if percentage is not None:
            step["percentage"] = percentage
        drs = list(self.destination_rules.values())
        self._rewrite_vs(
            lambda vs: istio.set_mirror_route(vs, self.rollout, step, destination_rules=drs)
        )

    def remove_managed_routes(self) -> None:
        self._rewrite_vs(lambda vs: istio.remove_managed_routes(vs, self.rollout))
        if self.alb:
            self._alb_remove_managed_routes()
        if self.apisix:
            self._apisix_remove_managed_routes()
        if self.gateway_api:
            self._gateway_api_remove_managed_routes()

    def update_hash(
        self,
        canary_hash: str,
        stable_hash: str,
        additional: Sequence[WeightDestination] = (),
        replica_sets: Sequence[Mapping[str, Any]] | Callable[[], Sequence[Mapping[str, Any]]] = (),
        aborting: bool = False,
    ) -> None:
        """``UpdateHash``: raises TrafficRoutingError("delaying destination rule switch ...")
        while a ReplicaSet behind a subset is not fully available (subset-level routing).
        ``replica_sets`` (or a function giving them) is read only with a DestinationRule."""
        if self.appmesh:
            self._appmesh_update_hash(canary_hash, stable_hash)
        ref = self._referenced_dr()
        if ref is None:
            return
        if callable(replica_sets):
            replica_sets = replica_sets()
        delay = istio.destination_rule_switch_delay(
            self.rollout, replica_sets, canary_hash, stable_hash, aborting=aborting
        )
        if delay is not None:
            raise TrafficRoutingError(delay)
        new = istio.update_hash(
            self.destination_rules[ref],
            self.rollout,
            canary_hash,
            stable_hash,
            _destinations(additional),
        )
        if new != self.destination_rules[ref]:
            self.destination_rules[ref] = new
            self._changed(differs=True)


def _same(manifest: Manifest) -> Manifest:
    return manifest


_ATOMS = frozenset({str, int, float, bool, type(None)})


def deep_copy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """``copy.deepcopy`` for manifests, several times faster on their plain dicts, lists and
    scalars (anything else goes to ``copy.deepcopy`` with the same memo, so an object
    reached twice is still copied once and shared in the copy, as there)."""
    if memo is None:
        memo = {}
    kind = type(value)
    if kind in _ATOMS:
        return value
    done = memo.get(id(value))
    if done is not None:
        return done
    # (a scalar member is taken as it is without a call: most of a manifest's leaves are)
    atoms = _ATOMS
    if kind is dict:
        out: Any = {}
        memo[id(value)] = out
        for k, v in value.items():
            out[k if type(k) is str else copy.deepcopy(k, memo)] = (
                v if type(v) in atoms else deep_copy(v, memo)
            )
        return out
    if kind is list:
        out = []
        memo[id(value)] = out
        for v in value:
            out.append(v if type(v) in atoms else deep_copy(v, memo))
        return out
    return copy.deepcopy(value, memo)
