"""A set of loaded manifests, indexed the way the controller looks objects up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from canarysim.declarations.findings import Finding
from canarysim.declarations.manifests.argo import Rollout
from canarysim.declarations.manifests.base import Resource
from canarysim.declarations.manifests.istio import DestinationRule, Gateway, VirtualService
from canarysim.declarations.manifests.k8s import PodDisruptionBudget, Secret, Service
from canarysim.declarations.manifests.workloads import Deployment

if TYPE_CHECKING:  # the models of kinds a run may not have are defined when one is read
    from canarysim.declarations.manifests.analysis import AnalysisTemplate, ClusterAnalysisTemplate
    from canarysim.declarations.manifests.appmesh import (
        AppMeshVirtualNode,
        AppMeshVirtualRouter,
        AppMeshVirtualService,
    )
    from canarysim.declarations.manifests.aws import TargetGroupBinding
    from canarysim.declarations.manifests.ingress import Ingress
    from canarysim.declarations.manifests.smi import (
        AmbassadorMapping,
        ApisixRoute,
        GatewayTCPRoute,
        GatewayTLSRoute,
        GRPCRoute,
        HTTPRoute,
        IngressRoute,
        TraefikService,
        TrafficSplit,
    )

__all__ = ["Manifests"]


def _key(obj: Resource, namespaced: bool) -> tuple[str, str]:
    return (obj.namespace if namespaced else "", obj.name)


R = TypeVar("R", bound=Resource)


@dataclass
class Manifests:
    """Every object loaded, typed, with its raw mapping (``obj.raw``) and origin
    (``obj.file``, ``obj.line``). ``findings`` holds what loading noticed (ignored kinds,
    duplicates, unknown fields); validation and lint add their own."""

    namespace: str = "default"
    rollouts: list[Rollout] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    pod_disruption_budgets: list[PodDisruptionBudget] = field(default_factory=list)
    secrets: list[Secret] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)
    virtual_services: list[VirtualService] = field(default_factory=list)
    destination_rules: list[DestinationRule] = field(default_factory=list)
    gateways: list[Gateway] = field(default_factory=list)
    ingresses: list[Ingress] = field(default_factory=list)
    traffic_splits: list[TrafficSplit] = field(default_factory=list)
    http_routes: list[HTTPRoute] = field(default_factory=list)
    grpc_routes: list[GRPCRoute] = field(default_factory=list)
    tcp_routes: list[GatewayTCPRoute] = field(default_factory=list)
    tls_routes: list[GatewayTLSRoute] = field(default_factory=list)
    apisix_routes: list[ApisixRoute] = field(default_factory=list)
    traefik_services: list[TraefikService] = field(default_factory=list)
    ingress_routes: list[IngressRoute] = field(default_factory=list)
    ambassador_mappings: list[AmbassadorMapping] = field(default_factory=list)
    appmesh_virtual_services: list[AppMeshVirtualService] = field(default_factory=list)
    appmesh_virtual_routers: list[AppMeshVirtualRouter] = field(default_factory=list)
    appmesh_virtual_nodes: list[AppMeshVirtualNode] = field(default_factory=list)
    target_group_bindings: list[TargetGroupBinding] = field(default_factory=list)
    analysis_templates: list[AnalysisTemplate] = field(default_factory=list)
    cluster_analysis_templates: list[ClusterAnalysisTemplate] = field(default_factory=list)
    ignored: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: bucket attribute -> (bucket, {(namespace, name): position}); rebuilt when the bucket
    #: was replaced or changed behind the loader's back (see :meth:`position`).
    _positions: dict[str, tuple[list[Any], dict[tuple[str, str], int], int]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def position(self, attr: str, obj: Resource, namespaced: bool = True) -> int | None:
        """Where an object of ``obj``'s name (and namespace, when ``namespaced``) sits in
        bucket ``attr`` (None: absent); a dict lookup, so that loading n objects takes O(n),
        not O(n²). The index is rebuilt when the bucket was replaced or changed by hand."""
        bucket: list[Any] = getattr(self, attr)
        cached = self._positions.get(attr)
        if cached is None or cached[0] is not bucket or cached[2] != len(bucket):
            index: dict[tuple[str, str], int] = {}
            for i, o in enumerate(bucket):
                index.setdefault(_key(o, namespaced), i)
            cached = (bucket, index, len(bucket))
            self._positions[attr] = cached
        return cached[1].get(_key(obj, namespaced))

    def note_added(self, attr: str, obj: Resource, namespaced: bool = True) -> None:
        """Record ``obj``, just appended to bucket ``attr``, in the position index."""
        cached = self._positions.get(attr)
        bucket: list[Any] = getattr(self, attr)
        if cached is not None and cached[0] is bucket and cached[2] == len(bucket) - 1:
            cached[1].setdefault(_key(obj, namespaced), len(bucket) - 1)
            self._positions[attr] = (bucket, cached[1], len(bucket))

    # ------------------------------------------------------------------ lookups
    @property
    def rollout(self) -> Rollout:
        """The single Rollout (the one a scenario simulates)."""
        if len(self.rollouts) != 1:
            raise LookupError(f"expected exactly one Rollout, found {len(self.rollouts)}")
        return self.rollouts[0]

    def all(self) -> list[Resource]:
        """Every typed object, in load order within each kind."""
        return [
            *self.rollouts,
            *self.services,
            *self.pod_disruption_budgets,
            *self.secrets,
            *self.deployments,
            *self.virtual_services,
            *self.destination_rules,
            *self.gateways,
            *self.ingresses,
            *self.traffic_splits,
            *self.http_routes,
            *self.grpc_routes,
            *self.tcp_routes,
            *self.tls_routes,
            *self.apisix_routes,
            *self.traefik_services,
            *self.ingress_routes,
            *self.ambassador_mappings,
            *self.appmesh_virtual_services,
            *self.appmesh_virtual_routers,
            *self.appmesh_virtual_nodes,
            *self.target_group_bindings,
            *self.analysis_templates,
            *self.cluster_analysis_templates,
        ]

    def service(self, name: str, namespace: str) -> Service | None:
        return _find(self.services, name, namespace)

    def deployment(self, name: str, namespace: str) -> Deployment | None:
        return _find(self.deployments, name, namespace)

    def ingress(self, name: str, namespace: str) -> Ingress | None:
        return _find(self.ingresses, name, namespace)

    def virtual_service(self, name: str, namespace: str) -> VirtualService | None:
        """Look a VirtualService up as Argo does (``utils/istio::
        GetVirtualServiceNamespaceName``): ``name.namespace`` names another namespace, a
        ``.cluster.local`` suffix is dropped, the last dot-separated part is the namespace."""
        name, namespace = split_name(name, namespace)
        return _find(self.virtual_services, name, namespace)

    def destination_rule(self, name: str, namespace: str) -> DestinationRule | None:
        """DestinationRules are looked up in the rollout's namespace."""
        return _find(self.destination_rules, name, namespace)

    def analysis_template(self, name: str, namespace: str) -> AnalysisTemplate | None:
        return _find(self.analysis_templates, name, namespace)

    def cluster_analysis_template(self, name: str) -> ClusterAnalysisTemplate | None:
        for t in self.cluster_analysis_templates:
            if t.name == name:
                return t
        return None

    # ------------------------------------------------------------------ raw views
    def raw(self, kind: str) -> list[dict[str, Any]]:
        """Raw mappings of one kind (``"VirtualService"``...), as loaded."""
        return [o.raw for o in self.all() if o.kind == kind]


def split_name(ref: str, default_namespace: str) -> tuple[str, str]:
    """``"vs"`` -> (vs, default); ``"vs.ns"`` -> (vs, ns); ``"vs.ns.svc.cluster.local"``
    -> (vs.ns.svc, ...) as Argo splits it: only ``.cluster.local`` is stripped."""
    if ref.endswith(".cluster.local"):
        ref = ref[: -len(".cluster.local")]
    if "." not in ref:
        return ref, default_namespace
    name, _, namespace = ref.rpartition(".")
    return name, namespace


def _find(items: list[R], name: str, namespace: str) -> R | None:
    for obj in items:
        if obj.name == name and obj.namespace == namespace:
            return obj
    return None
