"""ingress-nginx as a data plane: request classes to backends, over the current Ingresses.

The decision is :func:`canarysim.engine.trafficrouting.nginx.match.route` (host, path, then the
canary Ingress's header or weight); this turns it into the :class:`RoutePlan` the traffic
generator serves, with each Service's ready endpoints behind it. ingress-nginx retries a
request on another endpoint only when the connection fails (``proxy_next_upstream error
timeout``), never because of an HTTP status, so plans carry no HTTP retries; a Service without
a ready endpoint answers 503.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.nginx.match import DEFAULT_PREFIX, route
from canarysim.sim.mesh.router import RequestClass, Resolver, RoutePlan, service_plan

__all__ = ["IngressRouter"]


class IngressRouter:
    """Plans for request classes entering through ingress-nginx (None: the ingress does not
    serve the host). Build a new one whenever an Ingress or the endpoints change."""

    def __init__(
        self,
        ingresses: Sequence[Mapping[str, Any]],
        *,
        resolve: Resolver,
        prefix: str = DEFAULT_PREFIX,
    ) -> None:
        self._ingresses = list(ingresses)
        self._resolve = resolve
        self._prefix = prefix
        self._plans: dict[RequestClass, RoutePlan | None] = {}

    def plan(self, request: RequestClass) -> RoutePlan | None:
        if request not in self._plans:
            self._plans[request] = self._build(request)
        return self._plans[request]

    def _build(self, request: RequestClass) -> RoutePlan | None:
        if request.gateway is not None:
            return None  # an Istio gateway, not the ingress controller
        host = request.host.split(":", 1)[0]
        found = route(self._ingresses, host, request.uri, dict(request.headers), self._prefix)
        if found is None:
            return None
        return service_plan(found.backends, self._resolve, found.ingress or None)
