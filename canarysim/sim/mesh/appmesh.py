"""AWS App Mesh as a data plane: requests a sidecar sends to an App Mesh VirtualService.

A request class whose host names an App Mesh VirtualService (``<name>``, ``<name>.<namespace>``
or longer, or the VirtualService's ``spec.awsName``) goes to the VirtualRouter providing it;
:func:`canarysim.engine.trafficrouting.appmesh.match.route` picks the route and the weighted
VirtualNodes. A VirtualNode's endpoints are those of the Service its
``serviceDiscovery.dns.hostname`` names (Argo rewrites that Service's selector with the
pod-template hash too); a VirtualNode discovered another way (Cloud Map) has none here. App Mesh
retries nothing unless a route's ``retryPolicy`` asks (not modelled), so plans carry no retries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canarysim.engine.trafficrouting.appmesh import reconcile as appmesh
from canarysim.engine.trafficrouting.appmesh.match import route
from canarysim.errors import TrafficRoutingError
from canarysim.sim.mesh.router import RequestClass, Resolver, RoutePlan, service_plan

__all__ = ["AppMeshRouter"]

Store = Mapping[tuple[str, str], Mapping[str, Any]]


def _node_service(node: Mapping[str, Any] | None, namespace: str) -> str:
    """The Service a VirtualNode's DNS service discovery names ("" when none in
    ``namespace``)."""
    dns = (((node or {}).get("spec") or {}).get("serviceDiscovery") or {}).get("dns") or {}
    parts = str(dns.get("hostname") or "").split(".")
    if not parts[0] or (len(parts) > 1 and parts[1] != namespace):
        return ""
    return parts[0]


class AppMeshRouter:
    """Plans for request classes addressed to an App Mesh VirtualService (None: not one).
    Build a new one whenever a VirtualRouter, a VirtualNode or the endpoints change."""

    def __init__(
        self,
        virtual_services: Store,
        virtual_routers: Store,
        virtual_nodes: Store,
        *,
        namespace: str,
        resolve: Resolver,
    ) -> None:
        self._namespace = namespace
        self._resolve = resolve
        self._routers: dict[str, Mapping[str, Any]] = {}
        """host (short name, or awsName) -> the VirtualRouter behind it"""
        for (ns, name), vs in sorted(virtual_services.items()):
            if ns != namespace:
                continue
            try:
                key = appmesh.virtual_router_ref(vs, ns)
            except TrafficRoutingError:
                continue  # a VirtualService provided by a VirtualNode: not split here
            router = virtual_routers.get(key)
            if router is None:
                continue
            self._routers[name] = router
            aws_name = (vs.get("spec") or {}).get("awsName")
            if isinstance(aws_name, str) and aws_name:
                self._routers.setdefault(aws_name, router)
        self._services = {
            name: _node_service(node, namespace)
            for (ns, name), node in virtual_nodes.items()
            if ns == namespace
        }

    def plan(self, request: RequestClass) -> RoutePlan | None:
        if request.gateway is not None:
            return None
        host = request.host.split(":", 1)[0]
        router = self._routers.get(host)
        if router is None:
            parts = host.split(".")
            if len(parts) > 1 and parts[1] != self._namespace:
                return None  # a name of another namespace
            router = self._routers.get(parts[0])
        if router is None:
            return None
        found = route(router, request.uri, request.method, dict(request.headers))
        if found is None:
            return None
        shares = tuple((self._services.get(node, ""), share) for node, share in found)
        return service_plan(shares, self._resolve)
