"""The non-Istio routers' objects in the mesh: what Argo's NGINX, SMI, APISIX,
Traefik and Ambassador reconcilers write (through :mod:`canarysim.engine.trafficrouting`), and
the canary weight each holds now, as its data plane reads it (the Gateway API plugin's
HTTPRoutes: :mod:`.plugin`).

:class:`RouterObjects` is a part of :class:`~canarysim.sim.mesh.objects.Mesh` (which owns the
object stores and the change count); Istio's VirtualServices stay in ``objects``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from canarysim.engine.memo import LastEntry
from canarysim.engine.trafficrouting.alb import reconcile as alb
from canarysim.engine.trafficrouting.alb.match import forward_groups
from canarysim.engine.trafficrouting.alb.reconcile import IngressWrite as AlbWrite
from canarysim.engine.trafficrouting.ambassador import reconcile as ambassador
from canarysim.engine.trafficrouting.apisix import headers as apisix_headers
from canarysim.engine.trafficrouting.apisix import reconcile as apisix
from canarysim.engine.trafficrouting.appmesh import reconcile as appmesh
from canarysim.engine.trafficrouting.gatewayapi import reconcile as gatewayapi
from canarysim.engine.trafficrouting.istio.rollout import RolloutRouting
from canarysim.engine.trafficrouting.istio.routes import rollout_routing
from canarysim.engine.trafficrouting.nginx import reconcile as nginx
from canarysim.engine.trafficrouting.smi import reconcile as smi
from canarysim.engine.trafficrouting.traefik import reconcile as traefik
from canarysim.errors import TrafficRoutingError
from canarysim.sim.mesh.plugin import GatewayApiRoutes

__all__ = ["RolloutSettings", "RouterObjects", "rollout_settings"]

Manifest = dict[str, Any]
Store = dict[tuple[str, str], Manifest]


class RouterObjects(GatewayApiRoutes):
    """The writes and weight reads of the routers other than Istio."""

    rollout: Manifest
    namespace: str
    ingresses: Store
    traffic_splits: Store
    http_routes: Store
    grpc_routes: Store
    tcp_routes: Store
    tls_routes: Store
    apisix_routes: Store
    traefik_services: Store
    mappings: Store
    appmesh_virtual_services: Store
    virtual_routers: Store
    virtual_nodes: Store
    nginx: bool
    alb: bool
    smi: bool
    gateway_api: bool
    apisix: bool
    traefik: bool
    ambassador: bool
    appmesh: bool
    events: list[tuple[str, str]]
    warnings: list[tuple[str, str]]

    def _changed(self) -> None:
        raise NotImplementedError

    def _set_router_weights(self, canary: int, extra: Sequence[Mapping[str, Any]]) -> None:
        """Every configured non-Istio router's ``SetWeight``, in Argo's order."""
        if self.nginx:
            self._nginx_set_weight(canary)
        if self.alb:
            self._alb_write(alb.set_weight(self.rollout, self.namespace_ingresses(), canary, extra))
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
        if self.appmesh:
            self._appmesh_set_weight(canary)

    def _rewrite_one(
        self,
        store: Store,
        key: tuple[str, str],
        resource: str,
        rewrite: Callable[[Manifest], Manifest],
    ) -> None:
        """One existing object rewritten (``"<resource>" not found`` as the API says when it
        is missing); a real change bumps the mesh's version."""
        current = store.get(key)
        if current is None:
            raise TrafficRoutingError(f'{resource} "{key[1]}" not found')
        new = rewrite(current)
        if new != current:
            store[key] = new
            self._changed()

    def _rollout_namespace(self) -> str:
        """The Rollout's namespace (the scenario's when the manifest names none)."""
        return str((self.rollout.get("metadata") or {}).get("namespace") or self.namespace)

    def _canary_service(self) -> str:
        """``spec.strategy.canary.canaryService`` of the Rollout ("" when unset)."""
        canary = ((self.rollout.get("spec") or {}).get("strategy") or {}).get("canary") or {}
        return str(canary.get("canaryService") or "")

    @property
    def other_routers(self) -> bool:
        """The Rollout uses a router other than Istio."""
        return (
            self.nginx
            or self.alb
            or self.smi
            or self.gateway_api
            or self.apisix
            or self.traefik
            or self.ambassador
            or self.appmesh
        )

    def router_weight(self) -> int | None:
        """The canary weight a non-Istio router holds now (NGINX first, then SMI), or None
        when the Rollout uses neither."""
        if self.nginx:
            return self.nginx_weight()
        if self.alb:
            return self._alb_weight()
        if self.gateway_api:
            return self._gateway_api_weight()
        if self.apisix:
            return self._apisix_weight()
        if self.traefik:
            return self._traefik_weight()
        if self.ambassador:
            return self._ambassador_weight()
        if self.appmesh:
            return self._appmesh_weight()
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

    # -- ALB ---------------------------------------------------------------------------------
    def _alb_write(self, writes: Sequence[AlbWrite]) -> None:
        """Apply the ALB reconciler's Ingress patches (each records its event)."""
        ns = self._rollout_namespace()
        for write in writes:
            self.ingresses[(ns, write.name)] = write.manifest
            self.events.append((write.reason, write.message))
        if writes:
            self._changed()

    def _alb_set_header_route(self, name: str, match: Sequence[Mapping[str, Any]] | None) -> None:
        ingresses = self.namespace_ingresses()
        self._alb_write(alb.set_header_route(self.rollout, ingresses, name, match))

    def _alb_remove_managed_routes(self) -> None:
        self._alb_write(alb.remove_managed_routes(self.rollout, self.namespace_ingresses()))

    def _alb_weight(self) -> int:
        """The canary target group's weight in the first ALB Ingress's action annotation."""
        names = alb.alb_ingresses(self.rollout)
        ingress = self.namespace_ingresses().get(names[0]) if names else None
        annotations = ((ingress or {}).get("metadata") or {}).get("annotations") or {}
        _, canary = alb.stable_and_canary_services(self.rollout)
        for service, weight in forward_groups(
            str(annotations.get(alb.action_key(self.rollout), ""))
        ):
            if service == canary:
                return weight
        return 0

    def _ambassador_set_weight(self, canary: int) -> None:
        """Ambassador ``SetWeight``: create, update or delete the canary Mappings. Argo records
        ``Set canary mapping weight to N`` on every call; Kubernetes folds the repeats into
        one event, so it is recorded here when something is written."""
        ns = self._rollout_namespace()
        # as the API server returns them: with their namespace (the canary Mapping takes the
        # base Mapping's, ambassador.go::buildCanaryMapping)
        by_name = {
            name: {**m, "metadata": {**(m.get("metadata") or {}), "namespace": n}}
            for (n, name), m in self.mappings.items()
            if n == ns
        }
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
        self._rewrite_one(
            self.traefik_services,
            self._traefik_key(),
            "traefikservices.traefik.io",
            lambda ts: traefik.set_weight(ts, self.rollout, canary),
        )

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
        self._rewrite_one(
            self.apisix_routes,
            self._apisix_key(),
            "apisixroutes.apisix.apache.org",
            lambda route: apisix.set_weight(route, self.rollout, canary),
        )

    def _apisix_write(self, writes: Mapping[str, Manifest | None]) -> None:
        """Create, update or delete the ApisixRoutes of header routes."""
        ns = self._rollout_namespace()
        changed = False
        for name, manifest in writes.items():
            key = (ns, name)
            if manifest is None:
                changed = self.apisix_routes.pop(key, None) is not None or changed
            elif self.apisix_routes.get(key) != manifest:
                self.apisix_routes[key] = manifest
                changed = True
        if changed:
            self._changed()

    def _apisix_routes_by_name(self) -> dict[str, Manifest]:
        ns = self._rollout_namespace()
        return {name: r for (n, name), r in self.apisix_routes.items() if n == ns}

    def _apisix_set_header_route(
        self, name: str, match: Sequence[Mapping[str, Any]] | None
    ) -> None:
        """APISIX ``SetHeaderRoute``: the header route's own ApisixRoute."""
        routes = self._apisix_routes_by_name()
        self._apisix_write(apisix_headers.set_header_route(routes, self.rollout, name, match))

    def _apisix_remove_managed_routes(self) -> None:
        routes = self._apisix_routes_by_name()
        self._apisix_write(apisix_headers.remove_managed_routes(routes, self.rollout))

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

    # -- App Mesh ----------------------------------------------------------------------------
    def appmesh_router_key(self) -> tuple[str, str] | None:
        """(namespace, name) of the VirtualRouter behind the Rollout's App Mesh
        VirtualService, or None when the VirtualService is missing or has no router."""
        ns = self._rollout_namespace()
        vs = self.appmesh_virtual_services.get((ns, appmesh.virtual_service_name(self.rollout)))
        if vs is None:
            return None
        try:
            return appmesh.virtual_router_ref(vs, ns)
        except TrafficRoutingError:
            return None

    def _appmesh_set_weight(self, canary: int) -> None:
        """App Mesh ``SetWeight``: the VirtualRouter's weighted targets (Argo's Warning
        events and errors when the VirtualService or its VirtualRouter is missing)."""
        ns = self._rollout_namespace()
        name = appmesh.virtual_service_name(self.rollout)
        vs = self.appmesh_virtual_services.get((ns, name))
        if vs is None:
            self.warnings.append(
                ("VirtualServiceNotFound", f"VirtualService `{name}` not found in namespace `{ns}`")
            )
            raise TrafficRoutingError(appmesh.ERR_VIRTUAL_SERVICE_MISSING)
        key = appmesh.virtual_router_ref(vs, ns)
        router = self.virtual_routers.get(key)
        if router is None:
            message = f"VirtualRouter for `{name}` not found in namespace `{ns}`"
            self.warnings.append(("VirtualRouterNotFound", message))
            raise TrafficRoutingError(appmesh.ERR_VIRTUAL_ROUTER_MISSING)
        new = appmesh.set_weight(router, self.rollout, canary, ns)
        if new != router:
            self.virtual_routers[key] = new
            self._changed()

    def _appmesh_update_hash(self, canary_hash: str, stable_hash: str) -> None:
        """App Mesh ``UpdateHash``: the stable VirtualNode first, then the canary one."""
        ns = self._rollout_namespace()
        canary_node, stable_node = appmesh.virtual_node_names(self.rollout)
        canary, stable = appmesh.update_hashes(canary_hash, stable_hash)
        for node, pod_hash in ((stable_node, stable), (canary_node, canary)):
            current = self.virtual_nodes.get((ns, node))
            if current is None:
                self.warnings.append(
                    ("VirtualNodeNotFound", f"VirtualNode `{node}` not found in namespace `{ns}`")
                )
                raise TrafficRoutingError(appmesh.ERR_VIRTUAL_NODE_MISSING)
            new = appmesh.update_virtual_node(current, pod_hash)
            if new != current:
                self.virtual_nodes[(ns, node)] = new
                self._changed()

    def _appmesh_weight(self) -> int:
        """The canary VirtualNode's weight in the first route that targets it."""
        key = self.appmesh_router_key()
        router = self.virtual_routers.get(key) if key is not None else None
        canary, _ = appmesh.virtual_node_names(self.rollout)
        for route in ((router or {}).get("spec") or {}).get("routes") or []:
            found = appmesh.route_rule(route) if isinstance(route, dict) else None
            targets = ((found[0].get("action") or {}) if found else {}).get("weightedTargets")
            for t in targets or []:
                if isinstance(t, dict) and (t.get("virtualNodeRef") or {}).get("name") == canary:
                    w = t.get("weight")
                    return int(w) if isinstance(w, int | float) else 0
        return 0


class RolloutSettings(NamedTuple):
    """What a Mesh reads of its Rollout's ``trafficRouting``: Istio's routing (None, and not
    routed, without Istio settings), then whether each other router is named."""

    routing: RolloutRouting | None
    routed: bool
    gateway_api: bool
    apisix: bool
    traefik: bool
    ambassador: bool
    appmesh: bool
    nginx: bool
    alb: bool
    smi: bool


_SETTINGS: LastEntry[object, tuple[str, RolloutSettings]] = LastEntry()
"""One entry: a loaded Rollout manifest, with the namespace and the routing settings of the
copies made of it (see :func:`rollout_settings`)."""


def rollout_settings(rollout: Manifest, copied_from: object, namespace: str) -> RolloutSettings:
    """The :class:`RolloutSettings` of *rollout*, a copy of *copied_from* (when given) in
    *namespace*."""
    if copied_from is not None:
        known = _SETTINGS.get(copied_from)
        if known is not None and known[0] == namespace:
            return known[1]
    routing: RolloutRouting | None = None
    with contextlib.suppress(TrafficRoutingError):
        routing = rollout_routing(rollout)
    settings = RolloutSettings(
        routing,
        routing is not None,
        gatewayapi.plugin_config(rollout) is not None,
        apisix.apisix_settings(rollout) is not None,
        traefik.traefik_settings(rollout) is not None,
        ambassador.ambassador_settings(rollout) is not None,
        appmesh.appmesh_settings(rollout) is not None,
        nginx.nginx_settings(rollout) is not None,
        alb.alb_settings(rollout) is not None,
        smi.smi_settings(rollout) is not None,
    )
    if copied_from is not None:
        _SETTINGS.put(copied_from, (namespace, settings))
    return settings
