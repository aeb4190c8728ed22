"""The Gateway API plugin's HTTPRoutes in the mesh: what the plugin writes through Argo's
plugin reconciler (weights, header routes, their removal, each error wrapped as
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


class GatewayApiRoutes:
    """The plugin's writes to, and weight reads of, the namespace's HTTPRoutes."""

    rollout: Manifest
    namespace: str
    http_routes: dict[tuple[str, str], Manifest]

    def _changed(self) -> None:
        raise NotImplementedError

    def _canary_service(self) -> str:
        raise NotImplementedError

    def _gateway_api_set_weight(self, canary: int) -> None:
        """Argo's plugin reconciler wraps the plugin's ``SetWeight`` error
        (rollout/trafficrouting/plugin/plugin.go)."""
        try:
            self._gateway_api_plugin_set_weight(canary)
        except TrafficRoutingError as err:
            raise TrafficRoutingError(f"failed to set weight via plugin: {err}") from None

    def _gateway_api_plugin_set_weight(self, canary: int) -> None:
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
        if changed:  # one change for all the routes, as one reconcile writes them
            self._changed()

    def _gateway_api_header_routes(self, rewrite: Callable[[Manifest], Manifest]) -> None:
        """The plugin's ``SetHeaderRoute``/``RemoveManagedRoutes``: each HTTPRoute with
        header routes, in order, the first error stopping the rest."""
        config = gatewayapi.plugin_config(self.rollout) or {}
        ns = str(config.get("namespace") or self.namespace)
        changed = False
        for name in gatewayapi_headers.header_route_names(self.rollout):
            route = self.http_routes.get((ns, name))
            if route is None:
                raise TrafficRoutingError(
                    f'httproutes.gateway.networking.k8s.io "{name}" not found'
                )
            new = rewrite(route)
            if new != route:
                self.http_routes[(ns, name)] = new
                changed = True
        if changed:
            self._changed()

    def _gateway_api_set_header_route(
        self, name: str, match: Sequence[Mapping[str, Any]] | None
    ) -> None:
        """Argo's plugin reconciler wraps the plugin's error (rollout/trafficrouting/plugin/
        plugin.go, ``SetHeaderRoute``)."""
        try:
            self._gateway_api_header_routes(
                lambda r: gatewayapi_headers.set_header_route(r, self.rollout, name, match)
            )
        except TrafficRoutingError as err:
            raise TrafficRoutingError(f"failed to set header route via plugin: {err}") from None

    def _gateway_api_remove_managed_routes(self) -> None:
        try:
            self._gateway_api_header_routes(
                lambda r: gatewayapi_headers.remove_managed_rules(r, self.rollout)
            )
        except TrafficRoutingError as err:
            raise TrafficRoutingError(
                f"failed to remove managed routes via plugin: {err}"
            ) from None

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
