"""Istio ``networking.istio.io`` objects: VirtualService, DestinationRule, Gateway.

Modelled after Istio's API (``networking/v1*/virtual_service.proto``) as far as routing goes:
HTTP/TLS/TCP routes, matches, weighted destinations (host/subset/port), mirroring, retries,
timeouts and fault injection. Argo rewrites VirtualServices as raw dicts, so the simulator
should route on :attr:`Resource.raw` as rewritten; these models serve validation and lint.
"""

from typing import Any

from pydantic import Field

from canarysim.declarations.manifests.base import Int32, ManifestModel, Resource, empty_list

__all__ = [
    "Destination",
    "DestinationRule",
    "Gateway",
    "HTTPRoute",
    "RouteDestination",
    "Subset",
    "TCPRoute",
    "TLSRoute",
    "VirtualService",
]


class PortSelector(ManifestModel):
    number: Int32 = 0


class Destination(ManifestModel):
    host: str = ""
    subset: str = ""
    port: PortSelector | None = None


class RouteDestination(ManifestModel):
    KNOWN = frozenset({"headers"})

    destination: Destination = Field(default_factory=Destination)
    weight: Int32 | None = None


class Percent(ManifestModel):
    value: float = 0.0


class HTTPMatchRequest(ManifestModel):
    KNOWN = frozenset(
        {
            "authority",
            "scheme",
            "port",
            "sourceLabels",
            "gateways",
            "queryParams",
            "ignoreUriCase",
            "withoutHeaders",
            "sourceNamespace",
            "statPrefix",
        }
    )

    name: str = ""
    uri: dict[str, str] | None = None
    method: dict[str, str] | None = None
    headers: dict[str, dict[str, str]] = Field(default_factory=dict)


class HTTPRetry(ManifestModel):
    KNOWN = frozenset({"retryRemoteLocalities", "backoff"})

    attempts: Int32 = 0
    per_try_timeout: str | None = None
    retry_on: str | None = None


class HTTPFaultInjection(ManifestModel):
    delay: dict[str, Any] | None = None
    abort: dict[str, Any] | None = None


class HTTPRoute(ManifestModel):
    KNOWN = frozenset({"rewrite", "corsPolicy", "headers"})
    #: routes that answer or forward without reaching a destination, and extra mirrors
    UNSUPPORTED = frozenset({"redirect", "directResponse", "delegate", "mirrors", "mirrorPercent"})

    name: str = ""
    match: list[HTTPMatchRequest] = Field(default_factory=empty_list)
    route: list[RouteDestination] = Field(default_factory=empty_list)
    mirror: Destination | None = None
    mirror_percentage: Percent | None = None
    retries: HTTPRetry | None = None
    timeout: str | None = None
    fault: HTTPFaultInjection | None = None


class L4MatchAttributes(ManifestModel):
    KNOWN = frozenset({"destinationSubnets", "sourceLabels", "gateways", "sourceNamespace"})

    port: int = 0
    sni_hosts: list[str] = Field(default_factory=empty_list)


class TLSRoute(ManifestModel):
    match: list[L4MatchAttributes] = Field(default_factory=empty_list)
    route: list[RouteDestination] = Field(default_factory=empty_list)


class TCPRoute(ManifestModel):
    match: list[L4MatchAttributes] = Field(default_factory=empty_list)
    route: list[RouteDestination] = Field(default_factory=empty_list)


class VirtualServiceSpec(ManifestModel):
    KNOWN = frozenset({"exportTo"})

    hosts: list[str] = Field(default_factory=empty_list)
    gateways: list[str] = Field(default_factory=empty_list)
    http: list[HTTPRoute] | None = None
    tls: list[TLSRoute] | None = None
    tcp: list[TCPRoute] | None = None


class VirtualService(Resource):
    spec: VirtualServiceSpec = Field(default_factory=VirtualServiceSpec)


class Subset(ManifestModel):
    name: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    traffic_policy: dict[str, Any] | None = None


class DestinationRuleSpec(ManifestModel):
    KNOWN = frozenset({"exportTo", "workloadSelector"})

    host: str = ""
    subsets: list[Subset] = Field(default_factory=empty_list)
    traffic_policy: dict[str, Any] | None = None


class DestinationRule(Resource):
    spec: DestinationRuleSpec = Field(default_factory=DestinationRuleSpec)


class GatewayPort(ManifestModel):
    KNOWN = frozenset({"targetPort"})

    number: Int32 = 0
    name: str = ""
    protocol: str = ""


class Server(ManifestModel):
    KNOWN = frozenset({"tls", "bind", "defaultEndpoint"})

    port: GatewayPort = Field(default_factory=GatewayPort)
    hosts: list[str] = Field(default_factory=empty_list)
    name: str = ""


class GatewaySpec(ManifestModel):
    selector: dict[str, str] = Field(default_factory=dict)
    servers: list[Server] = Field(default_factory=empty_list)


class Gateway(Resource):
    spec: GatewaySpec = Field(default_factory=GatewaySpec)
