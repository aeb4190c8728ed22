"""A mesh implementing SMI as a data plane: requests to a TrafficSplit's root Service.

The split itself is :func:`canarysim.engine.trafficrouting.smi.match.split`; this turns it into
the :class:`RoutePlan` the traffic generator serves, each backend Service's ready endpoints
behind its share. Only requests a sidecar sends (no Istio gateway) are split; SMI meshes do not
retry on HTTP errors by default, so plans carry no HTTP retries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.trafficrouting.smi.match import split
from canarysim.sim.mesh.router import RequestClass, Resolver, RoutePlan, service_plan

__all__ = ["SplitRouter"]


class SplitRouter:
    """Plans for request classes addressed to a TrafficSplit's root Service (None: not split
    here). Build a new one whenever a TrafficSplit or the endpoints change."""

    def __init__(
        self, traffic_splits: Sequence[Mapping[str, Any]], *, namespace: str, resolve: Resolver
    ) -> None:
        self._splits = list(traffic_splits)
        self._namespace = namespace
        self._resolve = resolve

    def plan(self, request: RequestClass) -> RoutePlan | None:
        if request.gateway is not None:
            return None
        host = request.host.split(":", 1)[0]
        parts = host.split(".")
        if len(parts) > 1 and parts[1] != self._namespace:
            return None  # a Service of another namespace
        found = split(self._splits, parts[0])
        if found is None:
            return None
        return service_plan(found, self._resolve)
