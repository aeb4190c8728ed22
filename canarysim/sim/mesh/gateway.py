"""API gateways as data planes: a Gateway API implementation over HTTPRoutes, GRPCRoutes,
TLSRoutes and TCPRoutes, APISIX over ApisixRoutes, Traefik over IngressRoutes and
TraefikServices, Ambassador over Mappings.

The rule choice and the weights are :func:`canarysim.engine.trafficrouting.gatewayapi.match.
route` (HTTPRoutes) and :func:`~canarysim.engine.trafficrouting.gatewayapi.grpcmatch.
route_grpc` (GRPCRoutes, after the Gateway has refused the routes whose hostnames clash with
an older route of the other kind), then TLSRoutes by host name and TCPRoutes for what no other
route takes (:mod:`~canarysim.engine.trafficrouting.gatewayapi.tcpmatch`); this turns them
into the :class:`RoutePlan` the traffic generator serves, each backend Service's ready
endpoints behind its share. Requests whose host no route serves go on to the other routers.
Gateway implementations do not retry on HTTP errors unless a route asks (not modelled), so
plans carry no HTTP retries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.ambassador.match import route as ambassador_route
from canarysim.engine.trafficrouting.apisix.match import route as apisix_route
from canarysim.engine.trafficrouting.gatewayapi.grpcmatch import accepted, route_grpc
from canarysim.engine.trafficrouting.gatewayapi.match import route
from canarysim.engine.trafficrouting.gatewayapi.tcpmatch import route_tcp, route_tls
from canarysim.engine.trafficrouting.traefik.match import route as traefik_route
from canarysim.sim.mesh.router import RequestClass, Resolver, RoutePlan, service_plan

__all__ = ["AmbassadorRouter", "ApisixRouter", "GatewayRouter", "TraefikRouter"]


class GatewayRouter:
    """Plans for request classes entering through a Gateway (None: no HTTPRoute or GRPCRoute
    serves the host). Build a new one whenever a route or the endpoints change."""

    def __init__(
        self,
        http_routes: Sequence[Mapping[str, Any]],
        *,
        resolve: Resolver,
        grpc_routes: Sequence[Mapping[str, Any]] = (),
        tls_routes: Sequence[Mapping[str, Any]] = (),
        tcp_routes: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self._routes, self._grpc_routes = accepted(list(http_routes), list(grpc_routes))
        self._tls_routes = list(tls_routes)
        self._tcp_routes = list(tcp_routes)
        self._resolve = resolve

    def plan(self, request: RequestClass) -> RoutePlan | None:
        host = request.host.split(":", 1)[0]
        headers = dict(request.headers)
        found = route_grpc(self._grpc_routes, host, request.uri, headers)
        if found is None:
            found = route(self._routes, host, request.uri, request.method, headers)
        if found is None:
            found = route_tls(self._tls_routes, host)
        if found is None:
            found = route_tcp(self._tcp_routes)
        if found is None:
            return None
        return service_plan(found, self._resolve)


class ApisixRouter:
    """APISIX over the ApisixRoutes (None: no rule serves the host)."""

    def __init__(self, apisix_routes: Sequence[Mapping[str, Any]], *, resolve: Resolver) -> None:
        self._routes = list(apisix_routes)
        self._resolve = resolve

    def plan(self, request: RequestClass) -> RoutePlan | None:
        host = request.host.split(":", 1)[0]
        found = apisix_route(self._routes, host, request.uri, request.method, dict(request.headers))
        if found is None:
            return None
        return service_plan(found, self._resolve)


class TraefikRouter:
    """Traefik over its IngressRoutes and TraefikServices (None: no route matches)."""

    def __init__(
        self,
        ingress_routes: Sequence[Mapping[str, Any]],
        traefik_services: Mapping[str, Mapping[str, Any]],
        *,
        resolve: Resolver,
    ) -> None:
        self._routes = list(ingress_routes)
        self._services = dict(traefik_services)
        self._resolve = resolve

    def plan(self, request: RequestClass) -> RoutePlan | None:
        host = request.host.split(":", 1)[0]
        found = traefik_route(
            self._routes, self._services, host, request.uri, request.method, dict(request.headers)
        )
        if found is None:
            return None
        return service_plan(found, self._resolve)


class AmbassadorRouter:
    """Ambassador over its Mappings (None: no Mapping matches)."""

    def __init__(self, mappings: Sequence[Mapping[str, Any]], *, resolve: Resolver) -> None:
        self._mappings = list(mappings)
        self._resolve = resolve

    def plan(self, request: RequestClass) -> RoutePlan | None:
        host = request.host.split(":", 1)[0]
        found = ambassador_route(self._mappings, host, request.uri)
        if found is None:
            return None
        return service_plan(found, self._resolve)
