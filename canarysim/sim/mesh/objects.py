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
from canarysim.engine.trafficrouting.ambassador import reconcile as ambassador
from canarysim.engine.trafficrouting.apisix import reconcile as apisix
from canarysim.engine.trafficrouting.gatewayapi import reconcile as gatewayapi
from canarysim.engine.trafficrouting.istio import reconcile as istio
from canarysim.engine.trafficrouting.istio.rollout import RolloutRouting
from canarysim.engine.trafficrouting.istio.routes import rollout_routing
from canarysim.engine.trafficrouting.nginx import reconcile as nginx
from canarysim.engine.trafficrouting.smi import reconcile as smi
from canarysim.engine.trafficrouting.traefik import reconcile as traefik
from canarysim.errors import TrafficRoutingError

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


class Mesh:
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
        apisix_routes: Sequence[Mapping[str, Any]] = (),
        traefik_services: Sequence[Mapping[str, Any]] = (),
        ingress_routes: Sequence[Mapping[str, Any]] = (),
        ambassador_mappings: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self.namespace = namespace
        self.rollout = copy.deepcopy(dict(rollout))
        meta = self.rollout.setdefault("metadata", {})
        meta.setdefault("namespace", namespace)
        self.virtual_services: dict[tuple[str, str], Manifest] = {
            _key(v, namespace): copy.deepcopy(dict(v)) for v in virtual_services
        }
        self.destination_rules: dict[tuple[str, str], Manifest] = {
            _key(d, namespace): copy.deepcopy(dict(d)) for d in destination_rules
        }
        self.ingresses: dict[tuple[str, str], Manifest] = {
            _key(i, namespace): copy.deepcopy(dict(i)) for i in ingresses
        }
        self.traffic_splits: dict[tuple[str, str], Manifest] = {
            _key(t, namespace): copy.deepcopy(dict(t)) for t in traffic_splits
        }
        self.http_routes: dict[tuple[str, str], Manifest] = {
            _key(r, namespace): copy.deepcopy(dict(r)) for r in http_routes
        }
        self.gateway_api = gatewayapi.plugin_config(self.rollout) is not None
        self.apisix_routes: dict[tuple[str, str], Manifest] = {
            _key(r, namespace): copy.deepcopy(dict(r)) for r in apisix_routes
        }
        self.apisix = apisix.apisix_settings(self.rollout) is not None
        self.traefik_services: dict[tuple[str, str], Manifest] = {
            _key(t, namespace): copy.deepcopy(dict(t)) for t in traefik_services
        }
        self.ingress_routes: dict[tuple[str, str], Manifest] = {
            _key(r, namespace): copy.deepcopy(dict(r)) for r in ingress_routes
        }
        self.traefik = traefik.traefik_settings(self.rollout) is not None
        self.mappings: dict[tuple[str, str], Manifest] = {
            _key(m, namespace): copy.deepcopy(dict(m)) for m in ambassador_mappings
        }
        self.ambassador = ambassador.ambassador_settings(self.rollout) is not None
        self.nginx = nginx.nginx_settings(self.rollout) is not None
        self.smi = smi.smi_settings(self.rollout) is not None
        self.events: list[tuple[str, str]] = []
        """(reason, message) of events a router recorded, for the controller to emit."""
        self.version = 0
        self._unchanged_weight: tuple[object, ...] | None = None
        self._on_change = on_change
        # The Rollout's routing settings, derived once: the mesh's copy of the Rollout never
        # changes, and re-reading them on every reconcile made reconciles O(steps).
        self.routing: RolloutRouting | None
        try:
            self.routing = rollout_routing(self.rollout)
            self.routed = True
        except TrafficRoutingError:
            self.routing = None
            self.routed = False

    # -- reading ---------------------------------------------------------------------
    def manifests(self) -> dict[str, list[Manifest]]:
        """Deep copies, in a stable order, for the Result's manifest history."""
        out = {
            "virtualservices": [copy.deepcopy(v) for _, v in sorted(self.virtual_services.items())],
            "destinationrules": [
                copy.deepcopy(d) for _, d in sorted(self.destination_rules.items())
            ],
        }
        # left out when empty, so Istio results keep their shape
        if self.ingresses:
            out["ingresses"] = [copy.deepcopy(i) for _, i in sorted(self.ingresses.items())]
        if self.mappings:
            out["mappings"] = [copy.deepcopy(m) for _, m in sorted(self.mappings.items())]
        if self.traefik_services:
            out["traefikservices"] = [
                copy.deepcopy(t) for _, t in sorted(self.traefik_services.items())
            ]
        if self.apisix_routes:
            out["apisixroutes"] = [copy.deepcopy(r) for _, r in sorted(self.apisix_routes.items())]
        if self.http_routes:
            out["httproutes"] = [copy.deepcopy(r) for _, r in sorted(self.http_routes.items())]
        if self.traffic_splits:
            out["trafficsplits"] = [
                copy.deepcopy(t) for _, t in sorted(self.traffic_splits.items())
            ]
        return out

    def _rollout_namespace(self) -> str:
        """The Rollout's namespace (the scenario's when the manifest names none)."""
        return str((self.rollout.get("metadata") or {}).get("namespace") or self.namespace)

    def _canary_service(self) -> str:
        """``spec.strategy.canary.canaryService`` of the Rollout ("" when unset)."""
        canary = ((self.rollout.get("spec") or {}).get("strategy") or {}).get("canary") or {}
        return str(canary.get("canaryService") or "")

    def router_weight(self) -> int | None:
        """The canary weight a non-Istio router holds now (NGINX first, then SMI), or None
        when the Rollout uses neither."""
        if self.nginx:
            return self.nginx_weight()
        if self.gateway_api:
            return self._http_route_weight()
        if self.apisix:
            return self._apisix_weight()
        if self.traefik:
            return self._traefik_weight()
        if self.ambassador:
            return self._ambassador_weight()
        if self.smi:
            name = smi.traffic_split_name(self.rollout)
            ns = self._rollout_namespace()
            ts = self.traffic_splits.get((ns, name))
            backends = ((ts or {}).get("spec") or {}).get("backends") or []
            try:
                return int(float(backends[0].get("weight", 0))) if backends else 0
            except (TypeError, ValueError, AttributeError):
                return 0
        return None

    def namespace_ingresses(self) -> dict[str, Manifest]:
        """The Ingresses of the rollout's namespace, by name (what Argo's lister sees)."""
        ns = self._rollout_namespace()
        return {name: ing for (n, name), ing in self.ingresses.items() if n == ns}

    def nginx_weight(self) -> int:
        """The ``canary-weight`` of the first stable Ingress's canary Ingress (0 before it
        exists), as the ingress controller reads it."""
        name = str((self.rollout.get("metadata") or {}).get("name") or "")
        stable = nginx.stable_ingresses(self.rollout)
        canary = self.namespace_ingresses().get(nginx.canary_ingress_name(name, stable[0]))
        if canary is None:
            return 0
        prefix = nginx.annotation_prefix(self.rollout)
        annotations = (canary.get("metadata") or {}).get("annotations") or {}
        try:
            return int(annotations.get(f"{prefix}/canary-weight", 0))
        except (TypeError, ValueError):
            return 0

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
        if not self.routed and (
            self.nginx
            or self.smi
            or self.gateway_api
            or self.apisix
            or self.traefik
            or self.ambassador
        ):
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
        if not self.routed and (
            self.nginx
            or self.smi
            or self.gateway_api
            or self.apisix
            or self.traefik
            or self.ambassador
        ):
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
            self._changed()

    def _changed(self) -> None:
        self.version += 1
        self._on_change()

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
        if self.nginx:
            self._nginx_set_weight(canary)
        if self.smi:
            self._smi_set_weight(canary, extra)
        if self.gateway_api:
            self._gateway_api_set_weight(canary)
        if self.apisix:
            self._apisix_set_weight(canary)
        if self.traefik:
            self._traefik_set_weight(canary)
        if self.ambassador:
            self._ambassador_set_weight(canary)

        if self.version == key[0]:
            self._unchanged_weight = key

    def _ambassador_set_weight(self, canary: int) -> None:
        """Ambassador ``SetWeight``: create, update or delete the canary Mappings. Argo records
        ``Set canary mapping weight to N`` on every call; Kubernetes folds the repeats into
        one event, so it is recorded here when something is written."""
        ns = self._rollout_namespace()
        by_name = {name: m for (n, name), m in self.mappings.items() if n == ns}
        writes = ambassador.set_weight(self.rollout, by_name, canary)
        for write in writes:
            if write.manifest is None:
                self.mappings.pop((ns, write.name), None)
            else:
                self.mappings[(ns, write.name)] = write.manifest
        if writes:
            self.events.append(
                ("CanaryMappingWeightUpdate", f"Set canary mapping weight to {canary}")
            )
            self._changed()

    def _ambassador_weight(self) -> int:
        ns = self._rollout_namespace()
        names = (ambassador.ambassador_settings(self.rollout) or {}).get("mappings") or []
        for base in names[:1]:
            m = self.mappings.get((ns, ambassador.canary_mapping_name(str(base))))
            if m is not None:
                return int((m.get("spec") or {}).get("weight") or 0)
        return 0

    def _traefik_key(self) -> tuple[str, str]:
        ns = self._rollout_namespace()
        return (ns, traefik.service_name(self.rollout))

    def _traefik_set_weight(self, canary: int) -> None:
        """Traefik ``SetWeight``: the weighted TraefikService's canary and stable entries."""
        key = self._traefik_key()
        ts = self.traefik_services.get(key)
        if ts is None:
            raise TrafficRoutingError(f'traefikservices.traefik.io "{key[1]}" not found')
        new = traefik.set_weight(ts, self.rollout, canary)
        if new != ts:
            self.traefik_services[key] = new
            self._changed()

    def _traefik_weight(self) -> int:
        canary = self._canary_service()
        ts = self.traefik_services.get(self._traefik_key()) or {}
        for svc in ((ts.get("spec") or {}).get("weighted") or {}).get("services") or []:
            if isinstance(svc, dict) and svc.get("name") == canary:
                return int(svc.get("weight", 0) or 0)
        return 0

    def _apisix_key(self) -> tuple[str, str]:
        ns = self._rollout_namespace()
        return (ns, apisix.route_name(self.rollout))

    def _apisix_set_weight(self, canary: int) -> None:
        """APISIX ``SetWeight``: the named rules' backends of the ApisixRoute."""
        key = self._apisix_key()
        route = self.apisix_routes.get(key)
        if route is None:
            raise TrafficRoutingError(f'apisixroutes.apisix.apache.org "{key[1]}" not found')
        new = apisix.set_weight(route, self.rollout, canary)
        if new != route:
            self.apisix_routes[key] = new
            self._changed()

    def _apisix_weight(self) -> int:
        """The canary backend's weight in the first rule Argo manages."""
        route = self.apisix_routes.get(self._apisix_key()) or {}
        canary = self._canary_service()
        settings = (apisix.apisix_settings(self.rollout) or {}).get("route") or {}
        names = settings.get("rules") or [apisix.route_name(self.rollout)]
        for rule in (route.get("spec") or {}).get("http") or []:
            if isinstance(rule, dict) and rule.get("name") == names[0]:
                for b in rule.get("backends") or []:
                    if isinstance(b, dict) and b.get("serviceName") == canary:
                        return int(b.get("weight", 0) or 0)
        return 0

    def _gateway_api_set_weight(self, canary: int) -> None:
        """The Gateway API plugin's ``SetWeight``: each configured HTTPRoute, in order, the
        first error stopping the rest (``forEachGatewayAPIRoute``)."""
        config = gatewayapi.plugin_config(self.rollout) or {}
        ns = str(config.get("namespace") or self.namespace)
        names = gatewayapi.http_route_names(self.rollout)
        if not names:
            raise TrafficRoutingError(gatewayapi.NO_ROUTES)
        changed = False
        for name in names:
            route = self.http_routes.get((ns, name))
            if route is None:
                raise TrafficRoutingError(
                    f'httproutes.gateway.networking.k8s.io "{name}" not found'
                )
            new = gatewayapi.set_weight(route, self.rollout, canary)
            if new != route:
                self.http_routes[(ns, name)] = new
                changed = True
        if changed:
            self._changed()

    def _http_route_weight(self) -> int:
        """The canary ``backendRef`` weight of the first configured HTTPRoute."""
        config = gatewayapi.plugin_config(self.rollout) or {}
        ns = str(config.get("namespace") or self.namespace)
        canary = self._canary_service()
        for name in gatewayapi.http_route_names(self.rollout)[:1]:
            for rule in ((self.http_routes.get((ns, name)) or {}).get("spec") or {}).get(
                "rules"
            ) or []:
                for ref in rule.get("backendRefs") or []:
                    if ref.get("name") == canary and len(rule.get("backendRefs") or []) > 1:
                        return int(ref.get("weight", 0) or 0)
        return 0

    def _smi_set_weight(self, canary: int, extra: Sequence[Mapping[str, Any]]) -> None:
        """SMI ``SetWeight``: create or patch the TrafficSplit (Argo's default API version)."""
        ns = self._rollout_namespace()
        key = (ns, smi.traffic_split_name(self.rollout))
        write = smi.set_weight(self.rollout, self.traffic_splits.get(key), canary, extra)
        if write is None:
            return
        self.traffic_splits[key] = write.manifest
        if write.reason:
            self.events.append((write.reason, write.message))
        self._changed()

    def _nginx_set_weight(self, canary: int) -> None:
        """NGINX ``SetWeight``: create or patch each canary Ingress (additional destinations
        are not routed by NGINX, as upstream)."""
        ns = self._rollout_namespace()
        writes = nginx.set_weight(self.rollout, self.namespace_ingresses(), canary)
        for write in writes:
            self.ingresses[(ns, write.name)] = write.manifest
            self.events.append((write.reason, write.message))
        if writes:
            self._changed()

    def set_header_route(self, name: str, match: Sequence[Mapping[str, Any]]) -> None:
        step = {"name": name, "match": [dict(m) for m in match]}
        drs = list(self.destination_rules.values())
        self._rewrite_vs(lambda vs: istio.set_header_route(vs, self.rollout, step, drs))

    def set_mirror_route(
        self, name: str, match: Sequence[Mapping[str, Any]], percentage: int | None
    ) -> None:
        step: dict[str, Any] = {"name": name, "match": [dict(m) for m in match]}
        if percentage is not None:
            step["percentage"] = percentage
        drs = list(self.destination_rules.values())
        self._rewrite_vs(
            lambda vs: istio.set_mirror_route(vs, self.rollout, step, destination_rules=drs)
        )

    def remove_managed_routes(self) -> None:
        self._rewrite_vs(lambda vs: istio.remove_managed_routes(vs, self.rollout))

    def update_hash(
        self,
        canary_hash: str,
        stable_hash: str,
        additional: Sequence[WeightDestination] = (),
        replica_sets: Sequence[Mapping[str, Any]] = (),
        aborting: bool = False,
    ) -> None:
        """``UpdateHash``: raises TrafficRoutingError("delaying destination rule switch ...")
        while a ReplicaSet behind a subset is not fully available (subset-level routing)."""
        ref = self._referenced_dr()
        if ref is None:
            return
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
            self._changed()
