"""Services and the pods behind them.

A Service selects pods by labels; Argo injects ``rollouts-pod-template-hash: <hash>`` into the
canary and stable Services' selectors (``rollout/service.go::reconcileStableAndCanaryService``)
so each Service selects exactly one ReplicaSet.

Endpoints follow the Kubernetes EndpointSlice controller with Istio's view of them: a pod is
an endpoint when the selector matches its labels, it is Ready and not Terminating, and the
Service port's ``targetPort`` resolves on it (``pkg/api/v1/pod/util.go::FindPort``): a *name*
must equal the name of one of its containers' ports (same protocol), otherwise the pod is left
out. A *number* always resolves in Kubernetes, even when no container declares it; requests
to such a pod would be refused. We leave such pods out as well when they declare ports but
not this one (``strict_ports``), because a pod that cannot answer is, to the mesh, no endpoint;
pods that declare no ports at all are assumed to listen on the number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from canarysim.errors import SimulationError
from canarysim.sim.cluster.changes import ChangeFeed
from canarysim.sim.cluster.pods.pod import Pod
from canarysim.sim.cluster.templatehash import POD_TEMPLATE_HASH_LABEL

__all__ = [
    "Service",
    "ServicePort",
    "Services",
    "count_by_hash",
    "endpoints_of",
    "resolve_target_port",
    "service_endpoints",
    "target_pods",
]


@dataclass(frozen=True)
class ServicePort:
    """One entry of ``spec.ports``; ``target_port`` defaults to ``port``."""

    port: int
    target_port: int | str
    name: str | None = None
    protocol: str = "TCP"

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any]) -> ServicePort:
        port = int(obj["port"])
        target = obj.get("targetPort", port)
        if isinstance(target, str) and target.isdigit():
            target = int(target)
        return cls(
            port=port,
            target_port=target,
            name=obj.get("name"),
            protocol=str(obj.get("protocol", "TCP")),
        )


@dataclass(eq=False)
class Service:
    """A Service: name, selector (None selects nothing) and ports."""

    name: str
    selector: dict[str, str] | None
    ports: list[ServicePort] = field(default_factory=list)
    namespace: str = "default"

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any]) -> Service:
        """Build from a ``kind: Service`` manifest dict (camelCase, as loaded from YAML)."""
        meta = manifest.get("metadata") or {}
        spec = manifest.get("spec") or {}
        try:
            name = str(meta["name"])
        except KeyError:
            raise SimulationError("a Service manifest has no metadata.name") from None
        selector = spec.get("selector")
        return cls(
            name=name,
            selector=None if selector is None else {str(k): str(v) for k, v in selector.items()},
            ports=[ServicePort.from_manifest(p) for p in spec.get("ports") or []],
            namespace=str(meta.get("namespace", "default")),
        )

    def selects(self, pod: Pod) -> bool:
        """Whether the selector matches the pod's labels (a missing or empty one matches none:
        such Services get no controller-managed endpoints)."""
        if not self.selector:
            return False
        # a plain loop, not all() over a generator: asked per ReplicaSet on every replan
        labels = pod.labels
        for k, v in self.selector.items():  # noqa: SIM110
            if labels.get(k) != v:
                return False
        return True

    def port(self, port: int | str | None = None) -> ServicePort | None:
        """The Service port by number or name; None picks the first (None if no ports)."""
        if not self.ports:
            return None
        if port is None:
            return self.ports[0]
        for p in self.ports:
            if port in (p.port, p.name):
                return p
        raise SimulationError(f"Service {self.name!r} has no port {port!r}")


def resolve_target_port(pod: Pod, sp: ServicePort | None, *, strict_ports: bool = True) -> bool:
    """Whether the Service port *sp* reaches a container port of *pod* (see module doc)."""
    if sp is None:
        return True
    declared = pod.ports
    target = sp.target_port
    # a plain loop, not any() over a generator: this runs per ReplicaSet on every replan
    if isinstance(target, str):
        for p in declared:
            if p.get("name") == target and str(p.get("protocol", "TCP")) == sp.protocol:
                return True
        return False
    if not strict_ports or not declared:
        return True
    return any(int(p.get("containerPort", -1)) == target for p in declared)


def endpoints_of(svc: Service, pods: Iterable[Pod], port: int | str | None = None) -> list[Pod]:
    """The pods of *pods* that are endpoints of *svc*'s *port* (first port if None), by name."""
    sp = svc.port(port)
    out = [
        p for p in pods if p.active and p.ready and svc.selects(p) and resolve_target_port(p, sp)
    ]
    return sorted(out, key=lambda p: p.name)


def _target_number(pod: Pod, sp: ServicePort) -> int:
    """The port number the Service port reaches on ``pod`` (0: none)."""
    if isinstance(sp.target_port, int):
        return sp.target_port
    for p in pod.ports:
        if p.get("name") == sp.target_port:
            try:
                return int(p.get("containerPort", 0))
            except (TypeError, ValueError):
                return 0
    return 0


def target_pods(svc: Service, pods: Iterable[Pod], port: int | str) -> list[tuple[str, int]]:
    """(pod name, target port) of the Service's endpoints on its port ``port`` (a number, or
    a port name): what a load balancer's target group registers for it (by name)."""
    sp = next(
        (p for p in svc.ports if (isinstance(port, int) and p.port == port) or p.name == port),
        None,
    )
    if sp is None:
        return []
    out = []
    for pod in endpoints_of(svc, pods, sp.port):
        number = _target_number(pod, sp)
        if number:
            out.append((pod.name, number))
    return out


def service_endpoints(
    svc: Service, pods: Iterable[Pod], pod_hash: str
) -> tuple[list[str], list[tuple[str, int]]]:
    """The Endpoints ``svc`` would have with ``rollouts-pod-template-hash: pod_hash`` in its
    selector ("" = without that label): ready pods' names, and the subset's ports as
    (Service port name, number) as resolved on those pods."""
    without = {k: v for k, v in (svc.selector or {}).items() if k != POD_TEMPLATE_HASH_LABEL}
    if pod_hash:
        without[POD_TEMPLATE_HASH_LABEL] = pod_hash
    probe = Service(svc.name, without or None, svc.ports, svc.namespace)
    chosen = [
        p
        for p in pods
        if p.active
        and p.ready
        and probe.selects(p)
        and any(resolve_target_port(p, sp) for sp in svc.ports)
    ]
    chosen.sort(key=lambda p: p.name)
    ports: list[tuple[str, int]] = []
    if chosen:
        for sp in svc.ports:
            if resolve_target_port(chosen[0], sp) and (number := _target_number(chosen[0], sp)):
                ports.append((sp.name or "", number))
    return [p.name for p in chosen], ports


DEPLOYMENT_HASH_LABEL = "pod-template-hash"
"""The hash label a Deployment's ReplicaSet puts on its pods (a Rollout's workloadRef)."""


def backend_hash(labels: Mapping[str, str]) -> str:
    """The hash a pod's traffic counts under: its Rollout's ``rollouts-pod-template-hash``,
    else (a Deployment's pod, a Rollout's workloadRef) its ``pod-template-hash``."""
    return labels.get(POD_TEMPLATE_HASH_LABEL) or labels.get(DEPLOYMENT_HASH_LABEL, "")


def count_by_hash(
    pods: Iterable[Pod], extra_labels: Mapping[str, str] | None = None
) -> dict[str, int]:
    """How many of *pods* (those carrying all *extra_labels*) have each pod-template hash."""
    counts: dict[str, int] = {}
    for p in pods:
        if extra_labels and any(p.labels.get(k) != v for k, v in extra_labels.items()):
            continue
        h = backend_hash(p.labels)
        counts[h] = counts.get(h, 0) + 1
    return dict(sorted(counts.items()))


class Services:
    """The cluster's Services by name, with Argo's selector injection and endpoint queries.

    *pods* returns the cluster's current pods; selector changes are recorded on *feed* as
    informer-visible changes (the router reloads on them).
    """

    def __init__(
        self,
        feed: ChangeFeed,
        pods: Callable[[], Iterable[Pod]],
        ready_groups: Callable[[], Iterable[tuple[Pod, int]]] | None = None,
    ) -> None:
        self._feed = feed
        self._pods = pods
        self._ready_groups = ready_groups
        self.by_name: dict[str, Service] = {}

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def __iter__(self) -> Iterator[Service]:
        return iter(list(self.by_name.values()))

    def add(self, service: Service | Mapping[str, Any], *, informer: bool = True) -> Service:
        """Register a Service (a :class:`Service` or a ``kind: Service`` manifest dict);
        ``informer``: whether the Rollout controller hears of it."""
        svc = service if isinstance(service, Service) else Service.from_manifest(service)
        self.by_name[svc.name] = svc
        self._feed.record(f"Service/{svc.name}", "selector", svc.selector, informer=informer)
        return svc

    def __getitem__(self, name: str) -> Service:
        try:
            return self.by_name[name]
        except KeyError:
            raise SimulationError(f"no Service {name!r}") from None

    def set_selector_hash(self, service: Service | str, pod_hash: str | None) -> None:
        """``rollouts-pod-template-hash: <pod_hash>`` into the selector (None removes it)."""
        svc = self[service] if isinstance(service, str) else service
        selector = dict(svc.selector or {})
        if pod_hash is None:
            selector.pop(POD_TEMPLATE_HASH_LABEL, None)
        else:
            selector[POD_TEMPLATE_HASH_LABEL] = pod_hash
        if selector != (svc.selector or {}):
            svc.selector = selector
            self._feed.record(f"Service/{svc.name}", "selector", dict(selector), informer=True)

    def endpoints(self, service: str, port: int | str | None = None) -> list[Pod]:
        return endpoints_of(self[service], self._pods(), port)

    def ready_by_hash(
        self,
        service: str,
        extra_labels: Mapping[str, str] | None = None,
        port: int | str | None = None,
    ) -> dict[str, int]:
        svc = self.by_name.get(service)
        if svc is None:
            return {}
        if self._ready_groups is None:
            return count_by_hash(endpoints_of(svc, self._pods(), port), extra_labels)
        # Pods of one ReplicaSet share its template: labels and ports, hence whether they are
        # selected and reached. One look per ReplicaSet, not per pod (the router asks on every
        # change, so a per-pod scan made runs quadratic in pods).
        sp = svc.port(port)
        counts: dict[str, int] = {}
        for pod, ready in self._ready_groups():
            if not (svc.selects(pod) and resolve_target_port(pod, sp)):
                continue
            if extra_labels and any(pod.labels.get(k) != v for k, v in extra_labels.items()):
                continue
            h = backend_hash(pod.labels)
            counts[h] = counts.get(h, 0) + ready
        return dict(sorted(counts.items()))
