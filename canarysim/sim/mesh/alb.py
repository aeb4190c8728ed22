"""AWS as an ALB Rollout meets it: the load balancers the AWS Load Balancer Controller keeps in
step with the Ingresses, and the ALB as a data plane.

Argo writes only the Ingress (the ``actions.<service>`` annotation and friends, through
:mod:`canarysim.engine.trafficrouting.alb.reconcile`). The AWS Load Balancer Controller then
applies each change to the ALB, which takes time (``aws.albSyncDelay``, drawn per sync from
the ``aws`` stream): until then the listener rules and target-group weights are the previous
ones. :class:`LoadBalancers` holds, per ALB Ingress of the Rollout, the Ingress as last applied
(the load balancer exists before the run: the Ingresses of the manifests are applied at 0),
and answers what ``VerifyWeight`` reads from the AWS API (:meth:`view`). A sync in progress
picks up the Ingress as it is when it finishes, as the controller reconciles the latest
object. :class:`AlbRouter` routes request classes by the applied rules and weights.

Names are made up but stable: an ALB ``k8s-<ns>-<ingress>-<hash>``, target groups
``k8s-<ns>-<service>-<hash>`` tagged ``ingress.k8s.aws/resource: <ns>/<ingress>-<service>:<port>``
in the us-west-2 region of account 123456789012.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any

import numpy as np
import simpy

from canarysim.engine.model import AlbView, LoadBalancerView, TargetGroupView
from canarysim.engine.trafficrouting.alb.match import route
from canarysim.engine.trafficrouting.alb.reconcile import ALB_ANNOTATION_PREFIX
from canarysim.engine.trafficrouting.alb.verify import resource_id
from canarysim.sim.mesh.router import RequestClass, Resolver, RoutePlan, service_plan
from canarysim.sim.stochastic.distributions import Dist

__all__ = ["AlbRouter", "LoadBalancers", "target_group_name_arn"]

Manifest = dict[str, Any]
REGION = "us-west-2"
ACCOUNT = "123456789012"


def _digest(*parts: str, size: int = 16) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:size]


def _short(value: str, size: int) -> str:
    return value[:size].rstrip("-")


def target_group_name_arn(namespace: str, ingress: str, service: str, port: str) -> tuple[str, str]:
    """The name and ARN of the target group the AWS Load Balancer Controller made for
    ``service:port`` behind ``ingress`` (made up, stable)."""
    base = _short(f"k8s-{namespace[:8]}-{service[:8]}", 21)
    name = f"{base}-{_digest(ingress, service, size=10)}"
    arn = (
        f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/{name}/"
        f"{_digest(ingress, service, port)}"
    )
    return name, arn


class LoadBalancers:
    """The ALBs of the Rollout's ALB Ingresses, as the AWS Load Balancer Controller applied
    them (see the module docstring)."""

    def __init__(
        self,
        env: simpy.Environment,
        *,
        namespace: str,
        ingress_names: Sequence[str],
        prefix: str,
        service_port: int,
        delay: Dist,
        rng: np.random.Generator,
        current: Callable[[str], Mapping[str, Any] | None],
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.env = env
        self.namespace = namespace
        self.names = list(ingress_names)
        self.prefix = prefix
        self.service_port = service_port
        self._delay = delay
        self._rng = rng
        self._current = current
        self._on_change = on_change
        self.applied: dict[str, Manifest] = {}
        for name in self.names:
            ingress = current(name)
            if ingress is not None:
                self.applied[name] = copy.deepcopy(dict(ingress))
        self._pending: set[str] = set()
        self.syncs = 0
        """How many syncs changed a load balancer (for tests and traces)."""

    # -- the AWS Load Balancer Controller ------------------------------------------------
    def ingress_changed(self) -> None:
        """An Ingress may have changed: each ALB Ingress that differs from what its load
        balancer applied gets a sync (one at a time per Ingress)."""
        for name in self.names:
            if name in self._pending:
                continue
            if self._current(name) != self.applied.get(name):
                self._pending.add(name)
                self.env.process(self._sync(name))

    def _sync(self, name: str) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(max(0.0, float(self._delay.sample(self._rng))))
        self._pending.discard(name)
        ingress = self._current(name)
        if ingress is None or ingress == self.applied.get(name):
            return
        self.applied[name] = copy.deepcopy(dict(ingress))
        self.syncs += 1
        self._on_change()
        self.ingress_changed()  # a change during the sync gets its own

    # -- what AWS reports ------------------------------------------------------------------
    def _lb_name(self, ingress: str) -> str:
        return (
            f"{_short(f'k8s-{self.namespace[:8]}-{ingress[:8]}', 21)}-{_digest(ingress, size=10)}"
        )

    def _target_group(
        self, ingress: str, service: str, port: str, weight: int | None
    ) -> TargetGroupView:
        name, arn = target_group_name_arn(self.namespace, ingress, service, port)
        try:
            number = int(port)
        except ValueError:
            number = self.service_port
        return TargetGroupView(
            resource_id(self.namespace, ingress, service, number), arn, name, weight
        )

    def load_balancer(self, ingress: str) -> LoadBalancerView:
        """``FindLoadBalancerByDNSName`` + ``GetTargetGroupMetadata`` for one Ingress: each
        forward action's target groups, the weight of the last rule that forwards to a group
        winning (rules in order: managed routes first, the default 404 last)."""
        applied = self.applied.get(ingress)
        if applied is None:
            return LoadBalancerView(ingress)
        name = self._lb_name(ingress)
        arn = (
            f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/{name}/"
            f"{_digest(ingress)}"
        )
        hostname = f"{name}-{int(_digest(ingress, 'dns', size=8), 16)}.{REGION}.elb.amazonaws.com"
        annotations = (applied.get("metadata") or {}).get("annotations") or {}
        groups: dict[str, TargetGroupView] = {}
        for rule in (applied.get("spec") or {}).get("rules") or []:
            for path in ((rule or {}).get("http") or {}).get("paths") or []:
                backend = ((path or {}).get("backend") or {}).get("service") or {}
                action = str(backend.get("name") or "")
                if ((backend.get("port") or {}).get("name")) != "use-annotation":
                    continue
                raw = str(annotations.get(f"{self.prefix}/actions.{action}", ""))
                for service, weight, port in _forward_with_ports(raw):
                    tg = self._target_group(ingress, service, port, weight)
                    groups[tg.arn] = tg
        return LoadBalancerView(ingress, hostname, name, arn, tuple(groups.values()))

    def view(self) -> AlbView:
        """What ``VerifyWeight`` reads now, for the Observation."""
        return AlbView(
            self.namespace,
            self.service_port,
            tuple(self.load_balancer(name) for name in self.names),
        )


def _forward_with_ports(raw: str) -> list[tuple[str, int, str]]:
    """(Service, weight, port) of a forward action annotation."""
    try:
        action = json.loads(raw) if raw else {}
    except ValueError:
        return []
    forward = (action or {}).get("ForwardConfig") if isinstance(action, dict) else None
    out = []
    for tg in (forward or {}).get("TargetGroups") or []:
        if isinstance(tg, dict) and tg.get("ServiceName"):
            try:
                weight = int(tg.get("Weight", 1))
            except (TypeError, ValueError):
                weight = 0
            out.append((str(tg["ServiceName"]), weight, str(tg.get("ServicePort") or "")))
    return out


class AlbRouter:
    """Plans for request classes entering through the ALB (None: no ALB Ingress serves the
    host), over the rules and weights the load balancers hold. Build a new one whenever a
    load balancer syncs or the endpoints change. An ALB does not retry on HTTP errors."""

    def __init__(
        self,
        balancers: LoadBalancers,
        *,
        resolve: Resolver,
        prefix: str = ALB_ANNOTATION_PREFIX,
    ) -> None:
        self._ingresses = [balancers.applied[n] for n in balancers.names if n in balancers.applied]
        self._resolve = resolve
        self._prefix = prefix
        self._plans: dict[RequestClass, RoutePlan | None] = {}

    def plan(self, request: RequestClass) -> RoutePlan | None:
        if request not in self._plans:
            self._plans[request] = self._build(request)
        return self._plans[request]

    def _build(self, request: RequestClass) -> RoutePlan | None:
        if request.gateway is not None:
            return None  # an Istio gateway, not the ALB
        host = request.host.split(":", 1)[0]
        found = route(
            self._ingresses,
            host,
            request.uri,
            dict(request.headers),
            request.method,
            prefix=self._prefix,
        )
        if found is None:
            return None
        return service_plan(found.backends, self._resolve, found.ingress or None)
