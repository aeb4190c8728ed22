"""Router objects of the service meshes and gateways beside Istio: ``split.smi-spec.io``
TrafficSplit (normally created by Argo; one already in the manifests must be owned by the
Rollout: Argo refuses to patch another's, ``Rollout does not own TrafficSplit``) and Gateway
API HTTPRoutes, GRPCRoutes, TCPRoutes and TLSRoutes."""

from typing import Any

from pydantic import Field

from canarysim.declarations.manifests.base import ManifestModel, Resource, empty_list

__all__ = ["TrafficSplit"]


class TrafficSplitBackend(ManifestModel):
    service: str = ""
    weight: Any = None


class TrafficSplitSpec(ManifestModel):
    KNOWN = frozenset({"matches"})

    service: str = ""
    backends: list[TrafficSplitBackend] = Field(default_factory=empty_list)


class TrafficSplit(Resource):
    spec: TrafficSplitSpec = Field(default_factory=TrafficSplitSpec)


class ApisixRoute(Resource):
    """``apisix.apache.org/v2`` ApisixRoute (the APISIX router's object), kept as written."""

    spec: dict[str, Any] = Field(default_factory=dict)


class TraefikService(Resource):
    """``traefik.io`` (or the older ``traefik.containo.us``) TraefikService, kept as written."""

    spec: dict[str, Any] = Field(default_factory=dict)


class IngressRoute(Resource):
    """Traefik's ``IngressRoute``: which requests reach which (Traefik) Service."""

    spec: dict[str, Any] = Field(default_factory=dict)


class AmbassadorMapping(Resource):
    """``getambassador.io`` Mapping (Ambassador / Emissary), kept as written."""

    spec: dict[str, Any] = Field(default_factory=dict)


class HTTPRoute(Resource):
    """``gateway.networking.k8s.io`` HTTPRoute (the Gateway API plugin's object): kept as
    written (``obj.raw``), rules read by the simulated Gateway."""

    spec: dict[str, Any] = Field(default_factory=dict)


class GRPCRoute(Resource):
    """``gateway.networking.k8s.io`` GRPCRoute (the Gateway API plugin's object for gRPC):
    kept as written (``obj.raw``), rules read by the simulated Gateway."""

    spec: dict[str, Any] = Field(default_factory=dict)


class GatewayTCPRoute(Resource):
    """``gateway.networking.k8s.io/v1alpha2`` TCPRoute (the plugin's object for TCP streams),
    kept as written."""

    spec: dict[str, Any] = Field(default_factory=dict)


class GatewayTLSRoute(Resource):
    """``gateway.networking.k8s.io/v1alpha2`` TLSRoute (TLS passthrough by SNI host name),
    kept as written."""

    spec: dict[str, Any] = Field(default_factory=dict)


__all__ += [
    "AmbassadorMapping",
    "ApisixRoute",
    "GRPCRoute",
    "GatewayTCPRoute",
    "GatewayTLSRoute",
    "HTTPRoute",
    "IngressRoute",
    "TraefikService",
]
