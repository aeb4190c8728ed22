"""AWS target groups bound to Services by TargetGroupBindings, as the AWS Load Balancer
Controller keeps them registered, and what ``--aws-verify-target-group`` reads of them.

The controller watches each bound Service's endpoints and registers them in the target group
(``targetType: ip``: each ready pod's IP and target port). That takes time: each time a
binding's wanted targets differ from the registered ones, a sync is drawn from
``aws.albSyncDelay`` (stream ``aws-targets``) and, when it ends, the target group holds the
endpoints *as they are then* (one sync at a time per binding; a change during a sync gets the
next one). The target groups exist before the run: what the Services select at 0 is
registered at once. ``instance`` bindings register nodes, which Argo does not verify: they
hold nothing here. Old targets are deregistered at the sync too (Argo ignores extra targets
anyway, so draining is not modelled), and the load balancers keep routing by the Service's
endpoints (the registered targets do not steer requests).

Besides the bindings written as manifests, the AWS Load Balancer Controller makes one for
each Service an ALB Ingress (class ``alb``) sends to, per Ingress: a path's backend, or each
target group of the ``actions.<name>`` forward a ``use-annotation`` backend names
(:func:`ingress_bindings`), with the ``alb.ingress.kubernetes.io/target-type`` of the Service
or else of the Ingress (``instance`` by default), over the Ingresses as the load balancers
applied them.

Pods get made-up but stable IPs (``10.0.0.1``, ``10.0.0.2``, ... in the order first seen).
:meth:`TargetGroups.view` is what the Rollouts controller reads: the bindings with their
registered targets, and each bound Service's ports and Endpoints for each pod hash its
selector could pick (Argo switches a selector, then reads the Endpoints at once). The cluster
is read through the callables the hall passes in (:class:`Cluster`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import simpy

from canarysim.engine.model import (
    EndpointsView,
    ServicePortView,
    ServiceTargetsView,
    TargetGroupBindingView,
    TargetGroupsView,
)
from canarysim.sim.mesh.alb import target_group_name_arn
from canarysim.sim.stochastic.distributions import Dist

__all__ = ["TARGET_TYPE_ANNOTATION", "Cluster", "TargetGroups", "ingress_bindings", "is_alb"]

ANNOTATIONS = "alb.ingress.kubernetes.io"
TARGET_TYPE_ANNOTATION = f"{ANNOTATIONS}/target-type"
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
Manifest = dict[str, Any]

Target = tuple[str, int]


class Cluster(Protocol):
    """What the target groups read of the cluster (the hall adapts the real one)."""

    def target_pods(self, service: str, port: int | str) -> list[tuple[str, int]]:
        """(pod name, target port) of the Service's ready endpoints on that port."""
        ...

    def service_ports(self, service: str) -> list[ServicePortView] | None:
        """The Service's ports (None: no such Service)."""
        ...

    def endpoints(self, service: str, pod_hash: str) -> tuple[list[str], list[tuple[str, int]]]:
        """Pod names and subset ports of the Service's Endpoints were its selector to pick
        ``pod_hash`` ("" = its selector without a hash)."""
        ...


class TargetGroups:
    """The target groups of the namespace's TargetGroupBindings (see the module docstring);
    ``bindings`` are the raw ``TargetGroupBinding`` manifests."""

    def __init__(
        self,
        env: simpy.Environment,
        *,
        bindings: Sequence[Mapping[str, Any]],
        cluster: Cluster,
        delay: Dist,
        rng: np.random.Generator,
        derived: Callable[[], list[Manifest]] = list,
    ) -> None:
        self.env = env
        self.written = [dict(b) for b in bindings]
        self._derived = derived
        self._cluster = cluster
        self._delay = delay
        self._rng = rng
        self.ips: dict[str, str] = {}
        self.registered: dict[str, tuple[Target, ...]] = {}
        self._pending: set[str] = set()
        self._check_due = False
        self.syncs = 0
        """How many syncs changed a target group (for tests and traces)."""

    @property
    def bindings(self) -> list[Manifest]:
        """Every binding of the namespace now, written or made by the controller, by name."""
        return sorted([*self.written, *self._derived()], key=_name)

    def ip(self, pod: str) -> str:
        """The pod's IP (made up on first sight)."""
        ip = self.ips.get(pod)
        if ip is None:
            n = len(self.ips) + 1
            ip = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
            self.ips[pod] = ip
        return ip

    def wanted(self, binding: Mapping[str, Any]) -> tuple[Target, ...]:
        """The targets the Load Balancer Controller registers for the binding now."""
        spec = _spec(binding)
        if spec.get("targetType") != "ip":
            return ()
        ref = spec.get("serviceRef") or {}
        port = ref.get("port")
        if not isinstance(port, int | str):
            return ()
        pods = self._cluster.target_pods(str(ref.get("name") or ""), port)
        return tuple((self.ip(pod), number) for pod, number in pods)

    # -- the AWS Load Balancer Controller ------------------------------------------------
    def changed(self) -> None:
        """Pods or Services may have changed: look once, at the end of this instant."""
        if not self._check_due:
            self._check_due = True
            self.env.process(self._check())

    def _check(self) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(0)
        self._check_due = False
        self.check()

    def check(self) -> None:
        """Each binding whose wanted targets differ from the registered ones gets a sync;
        before the run starts the target groups are in step at once."""
        for binding in self.bindings:
            name = _name(binding)
            if name in self._pending:
                continue
            wanted = self.wanted(binding)
            if wanted == self.registered.get(name, ()):
                continue
            if self.env.now == 0.0:
                self.registered[name] = wanted
                continue
            self._pending.add(name)
            self.env.process(self._sync(binding))

    def _sync(self, binding: Mapping[str, Any]) -> Generator[simpy.Event, Any, None]:
        name = _name(binding)
        yield self.env.timeout(max(0.0, float(self._delay.sample(self._rng))))
        self._pending.discard(name)
        wanted = self.wanted(binding)
        if wanted != self.registered.get(name, ()):
            self.registered[name] = wanted
            self.syncs += 1
        self.check()  # a change during the sync gets its own

    # -- what the Rollouts controller reads -----------------------------------------------
    def view(self, hashes: Sequence[str]) -> TargetGroupsView:
        """The bindings and the Services they name, with Endpoints for each of ``hashes``
        (the Rollout's ReplicaSets) and for the selector without a hash (``""``)."""
        bindings = []
        services: list[str] = []
        for binding in self.bindings:
            spec = _spec(binding)
            ref = spec.get("serviceRef") or {}
            port = ref.get("port")
            service = str(ref.get("name") or "")
            bindings.append(
                TargetGroupBindingView(
                    name=_name(binding),
                    target_group_arn=str(spec.get("targetGroupARN") or ""),
                    service_name=service,
                    port=port if isinstance(port, int | str) else "",
                    target_type=str(spec.get("targetType") or ""),
                    registered=self.registered.get(_name(binding), ()),
                )
            )
            if service not in services:
                services.append(service)
        views = [v for s in services if (v := self._service_view(s, hashes)) is not None]
        return TargetGroupsView(tuple(bindings), tuple(views))

    def _service_view(self, service: str, hashes: Sequence[str]) -> ServiceTargetsView | None:
        ports = self._cluster.service_ports(service)
        if ports is None:
            return None
        endpoints = []
        for h in ("", *hashes):
            pods, subset_ports = self._cluster.endpoints(service, h)
            addresses = tuple(self.ip(p) for p in pods)
            endpoints.append(EndpointsView(h, addresses, tuple(subset_ports)))
        return ServiceTargetsView(service, tuple(ports), tuple(endpoints))


def _name(binding: Mapping[str, Any]) -> str:
    return str((binding.get("metadata") or {}).get("name") or "")


def _spec(binding: Mapping[str, Any]) -> dict[str, Any]:
    return dict(binding.get("spec") or {})


def is_alb(ingress: Mapping[str, Any]) -> bool:
    """An Ingress of class ``alb`` (the annotation, or ``spec.ingressClassName``)."""
    annotations = (ingress.get("metadata") or {}).get("annotations") or {}
    spec = ingress.get("spec") or {}
    return (
        annotations.get(INGRESS_CLASS_ANNOTATION) == "alb" or spec.get("ingressClassName") == "alb"
    )


def _port(value: Any) -> int | str | None:
    """A forward's ``ServicePort`` (text) as the controller parses it: a number if it is one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value:
        return int(value) if value.isdigit() else value
    return None


def _backends(ingress: Mapping[str, Any]) -> list[tuple[str, int | str]]:
    """(Service, port) of every backend of the Ingress, ``use-annotation`` ones through their
    forward action's target groups, first seen first."""
    annotations = (ingress.get("metadata") or {}).get("annotations") or {}
    spec = ingress.get("spec") or {}
    backends = [spec.get("defaultBackend")]
    for rule in spec.get("rules") or []:
        for path in ((rule or {}).get("http") or {}).get("paths") or []:
            backends.append((path or {}).get("backend"))
    out: list[tuple[str, int | str]] = []
    for backend in backends:
        svc = (backend or {}).get("service") or {}
        name, port = str(svc.get("name") or ""), svc.get("port") or {}
        if not name:
            continue
        if port.get("name") == "use-annotation":
            try:
                action = json.loads(str(annotations.get(f"{ANNOTATIONS}/actions.{name}") or "{}"))
            except ValueError:
                continue
            forward = (action.get("ForwardConfig") if isinstance(action, dict) else None) or {}
            for tg in forward.get("TargetGroups") or []:
                if isinstance(tg, dict) and tg.get("ServiceName"):
                    found = _port(tg.get("ServicePort"))
                    if found is not None:
                        out.append((str(tg["ServiceName"]), found))
            continue
        number = _port(port.get("number"))
        found = number if number is not None else _port(port.get("name"))
        if found is not None:
            out.append((name, found))
    return list(dict.fromkeys(out))


def ingress_bindings(
    ingresses: Iterable[Mapping[str, Any]],
    service_annotations: Mapping[str, Mapping[str, str]],
    namespace: str,
) -> list[Manifest]:
    """The TargetGroupBindings the AWS Load Balancer Controller makes for the ALB Ingresses."""
    out: list[Manifest] = []
    for ingress in ingresses:
        if not is_alb(ingress):
            continue
        meta = ingress.get("metadata") or {}
        ingress_name = str(meta.get("name") or "")
        default = str((meta.get("annotations") or {}).get(TARGET_TYPE_ANNOTATION) or "instance")
        for service, port in _backends(ingress):
            own = (service_annotations.get(service) or {}).get(TARGET_TYPE_ANNOTATION)
            name, arn = target_group_name_arn(namespace, ingress_name, service, str(port))
            out.append(
                {
                    "apiVersion": "elbv2.k8s.aws/v1beta1",
                    "kind": "TargetGroupBinding",
                    "metadata": {"name": name, "namespace": namespace},
                    "spec": {
                        "targetGroupARN": arn,
                        "targetType": str(own or default),
                        "serviceRef": {"name": service, "port": port},
                    },
                }
            )
    return out
