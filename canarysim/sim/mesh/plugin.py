"""The Gateway API plugin's routes in the mesh (HTTPRoutes, GRPCRoutes, TCPRoutes,
TLSRoutes): what the plugin writes
through Argo's plugin reconciler (weights, header routes, their removal, each error wrapped as
rollout/trafficrouting/plugin/plugin.go wraps it) and the canary weight the gateway reads.

:class:`GatewayApiRoutes` is a part of :class:`~canarysim.sim.mesh.routers.RouterObjects`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.gatewayapi import headers as gatewayapi_headers
from canarysim.engine.trafficrouting.gatewayapi import reconcile as gatewayapi
from canarysim.errors import TrafficRoutingError

__all__ = ["GatewayApiRoutes"]

Manifest = dict[str, Any]

#: The API server's resource name of each kind, for its NotFound message.
_RESOURCE = {
    "HTTPRoute": "httproutes.gateway.networking.k8s.io",
    "GRPCRoute": "grpcroutes.gateway.networking.k8s.io",
    "TCPRoute": "tcproutes.gateway.networking.k8s.io",
    "TLSRoute": "tlsroutes.gateway.networking.k8s.io",
}


class GatewayApiRoutes:
    """The plugin's writes to, and weight reads of, the namespace's Gateway API routes."""

    rollout: Manifest
    namespace: str
    http_routes: dict[tuple[str, str], Manifest]
    grpc_routes: dict[tuple[str, str], Manifest]
    tcp_routes: dict[tuple[str, str], Manifest]
    tls_routes: dict[tuple[str, str], Manifest]

    def _changed(self) -> None:
        raise NotImplementedError

    def _canary_service(self) -> str:
        raise NotImplementedError

    def _gateway_api_namespace(self) -> str:
        config = gatewayapi.plugin_config(self.rollout) or {}
        return str(config.get("namespace") or self.namespace)

    def _gateway_api_stores(
        self, header_routes: bool
    ) -> list[tuple[str, list[str], dict[tuple[str, str], Manifest]]]:
        """(kind, route names, store) in the plugin's order: HTTPRoutes, GRPCRoutes, then
        (``SetWeight`` only) TCPRoutes and TLSRoutes (``SetWeight``, ``SetHeaderRoute``,
        ``RemoveManagedRoutes`` of plugin.go); with ``header_routes``, only the HTTP and gRPC
        routes that take header routes."""
        if header_routes:
            return [
                (
                    "HTTPRoute",
                    gatewayapi_headers.header_route_names(self.rollout),
                    self.http_routes,
                ),
                (
                    "GRPCRoute",
                    gatewayapi_headers.grpc_header_route_names(self.rollout),
                    self.grpc_routes,
                ),
            ]
        stores = {
            "HTTPRoute": self.http_routes,
            "GRPCRoute": self.grpc_routes,
            "TCPRoute": self.tcp_routes,
            "TLSRoute": self.tls_routes,
        }
        return [
            (kind, gatewayapi.route_names(self.rollout, kind), store)
            for kind, store in stores.items()
        ]

    def _gateway_api_rewrite(
        self, header_routes: bool, rewrite: Callable[[str, Manifest], Manifest]
    ) -> None:
        """Each configured route, in the plugin's order, the first error stopping the rest
        (``forEachGatewayAPIRoute``); one change for all, as one reconcile writes them."""
        ns = self._gateway_api_namespace()
        changed = False
        try:
            for kind, names, store in self._gateway_api_stores(header_routes):
                for name in names:
                    route = store.get((ns, name))
                    if route is None:
                        raise TrafficRoutingError(f'{_RESOURCE[kind]} "{name}" not found')
                    new = rewrite(kind, route)
                    if new != route:
                        store[(ns, name)] = new
                        changed = True
        finally:  # the routes updated before an error stay updated, as in the API server
            if changed:
                self._changed()

    def _gateway_api_set_weight(self, canary: int) -> None:
        """Argo's plugin reconciler wraps the plugin's ``SetWeight`` error
        (rollout/trafficrouting/plugin/plugin.go)."""
        try:
            self._gateway_api_plugin_set_weight(canary)
        except TrafficRoutingError as err:
            raise TrafficRoutingError(f"failed to set weight via plugin: {err}") from None

    def _gateway_api_plugin_set_weight(self, canary: int) -> None:
        """The Gateway API plugin's ``SetWeight``: every HTTPRoute, GRPCRoute, TCPRoute,
        then TLSRoute."""
        if not any(names for _, names, _ in self._gateway_api_stores(False)):
            raise TrafficRoutingError(gatewayapi.NO_ROUTES)

        def rewrite(kind: str, route: Manifest) -> Manifest:
            if kind in ("TCPRoute", "TLSRoute"):
                return gatewayapi.set_backend_weights(route, self.rollout, canary, kind)
            return gatewayapi.set_weight(route, self.rollout, canary, kind)

        self._gateway_api_rewrite(False, rewrite)

    def _gateway_api_set_header_route(
        self, name: str, match: Sequence[Mapping[str, Any]] | None
    ) -> None:
        """Argo's plugin reconciler wraps the plugin's error (rollout/trafficrouting/plugin/
        plugin.go, ``SetHeaderRoute``)."""
        try:
            self._gateway_api_rewrite(
                True,
                lambda kind, r: gatewayapi_headers.set_header_route(
                    r, self.rollout, name, match, kind
                ),
            )
        except TrafficRoutingError as err:
            raise TrafficRoutingError(f"failed to set header route via plugin: {err}") from None

    def _gateway_api_remove_managed_routes(self) -> None:
        try:
            self._gateway_api_rewrite(
                True, lambda _, r: gatewayapi_headers.remove_managed_rules(r, self.rollout)
            )
        except TrafficRoutingError as err:
            raise TrafficRoutingError(
                f"failed to remove managed routes via plugin: {err}"
            ) from None

    def _gateway_api_weight(self) -> int:
        """The canary ``backendRef`` weight of the first configured route (HTTPRoutes,
        GRPCRoutes, TCPRoutes, TLSRoutes in that order): the first rule holding the canary
        beside another backend."""
        ns = self._gateway_api_namespace()
        canary = self._canary_service()
        for _, names, store in self._gateway_api_stores(False):
            for name in names[:1]:
                for rule in ((store.get((ns, name)) or {}).get("spec") or {}).get("rules") or []:
                    for ref in rule.get("backendRefs") or []:
                        if ref.get("name") == canary and len(rule.get("backendRefs") or []) > 1:
                            return int(ref.get("weight", 0) or 0)
                return 0
        return 0
