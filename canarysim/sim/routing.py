"""The routing a world sets up as it builds: where requests enter when the scenario does not
say (the default host and gateway, with warnings when nothing would serve them), the checks of
the request classes' hosts and gRPC paths against what the routers match, and the AWS pieces
behind the Rollout (its ALBs, the target groups of TargetGroupBindings).

Split from :mod:`canarysim.sim.build` (what a run reads of its scenario): these functions take
the half-built world and read its mesh and cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from canarysim.engine.memo import LastEntry
from canarysim.engine.model import ServicePortView
from canarysim.engine.trafficrouting.gatewayapi.grpcmatch import (
    accepted,
    grpc_call,
    hostname_rank,
    hostnames_of,
)

if TYPE_CHECKING:
    from canarysim.declarations import Scenario
    from canarysim.sim.cluster.services import Service
    from canarysim.sim.mesh.alb import LoadBalancers
    from canarysim.sim.mesh.objects import Mesh
    from canarysim.sim.mesh.router import RequestClass
    from canarysim.sim.mesh.targets import TargetGroups
    from canarysim.sim.wiring import Wiring

__all__ = [
    "check_grpc_paths",
    "check_host",
    "checked_classes",
    "default_gateway",
    "default_host",
    "load_balancers",
    "target_groups",
]


def _referenced_vs(mesh: Mesh) -> list[tuple[str, str]]:
    """``referenced_virtual_services(mesh.rollout)``, from the routing settings the mesh
    derived from that Rollout (``rollout_routing``) rather than derived again."""
    routing = mesh.routing
    if not mesh.routed or routing is None:
        return []
    return [(ref.namespace, ref.name) for ref in routing.virtual_services]


def default_host(world: Wiring) -> str:
    """Where requests go when the scenario does not say: the first host of the rollout's
    VirtualService, else of any VirtualService, else (NGINX) the first host of the stable
    Ingress, else its stable Service, else the first Service (requests to a host nobody
    serves all fail with 503)."""
    mesh = world.mesh
    refs = _referenced_vs(mesh) or sorted(mesh.virtual_services)
    if not refs and mesh.nginx:
        from canarysim.engine.trafficrouting.nginx.reconcile import stable_ingresses

        ingresses = mesh.namespace_ingresses()
        for name in stable_ingresses(mesh.rollout):
            for rule in ((ingresses.get(name) or {}).get("spec") or {}).get("rules") or []:
                if isinstance(rule, dict) and rule.get("host"):
                    return str(rule["host"])
    for ref in refs:
        vs = mesh.virtual_services.get(ref)
        hosts = ((vs or {}).get("spec") or {}).get("hosts") or []
        if hosts:
            return str(hosts[0])
    if world.plan.stable_service:
        return world.plan.stable_service
    services = sorted(s.name for s in world.cluster.services)
    return services[0] if services else world.plan.name


def default_gateway(world: Wiring) -> str | None:
    """Where requests enter when the scenario does not say: the first gateway of the first
    VirtualService (the rollout's first) serving the requests' host, as
    ``namespace/name``; None (sidecars, ``mesh``) when it lists none."""
    from canarysim.engine.trafficrouting.istio.match import fqdn, host_matches
    from canarysim.sim.mesh.router import qualify_gateway

    mesh = world.mesh
    host = fqdn(world.scenario.traffic.host or default_host(world), world.namespace)
    refs = _referenced_vs(mesh) + sorted(mesh.virtual_services)
    for ref in refs:
        vs = mesh.virtual_services.get(ref) or {}
        ns = str((vs.get("metadata") or {}).get("namespace") or world.namespace)
        spec = vs.get("spec") or {}
        if any(host_matches(fqdn(str(h), ns), host) for h in spec.get("hosts") or []):
            listed = [str(g) for g in spec.get("gateways") or []]
            return qualify_gateway(listed[0], ns) if listed else None
    return None


def check_host(world: Wiring, host: str, classes: Sequence[tuple[RequestClass, float]]) -> None:
    """Warn when nothing in the scenario serves the host the requests ask for (``classes``:
    the request classes the world is being built with)."""
    mesh = world.mesh
    short = host.split(".")[0]
    vs_hosts = {
        str(h).split(".")[0]
        for vs in mesh.virtual_services.values()
        for h in ((vs.get("spec") or {}).get("hosts") or [])
    }
    vs_hosts |= {
        str(h).split(".")[0]
        for r in [
            *mesh.http_routes.values(),
            *mesh.grpc_routes.values(),
            *mesh.tls_routes.values(),
            *mesh.tcp_routes.values(),  # no hostnames: every host
        ]
        for h in ((r.get("spec") or {}).get("hostnames") or ["*"])
    }
    vs_hosts |= {
        str(rule.get("host") or "*").split(".")[0]
        for ing in mesh.ingresses.values()
        for rule in ((ing.get("spec") or {}).get("rules") or [])
        if isinstance(rule, dict)
    }
    if short not in vs_hosts and short not in world.cluster.services and "*" not in vs_hosts:
        world.recorder.warn(
            f"traffic: requests go to host {host!r}, which no VirtualService or Service "
            "serves: every request fails (set traffic.host)"
        )
    elif classes[0][0].outside and short not in world.cluster.services:
        world.recorder.warn(
            f"traffic: a client outside the mesh (traffic.source: outside) resolves host "
            f"{host!r} as a Service, and there is none of that name (a VirtualService host "
            "means nothing without a sidecar): every request fails (set traffic.host)"
        )
    check_grpc_paths(world, classes)
    from canarysim.sim.mesh.router import unbound_hint

    gateway = classes[0][0].gateway
    services = list(mesh.virtual_services.values())
    hint = unbound_hint(services, host, gateway, world.namespace)
    if hint is not None:
        world.recorder.warn(
            f"traffic: {hint}; "
            + (
                "a gateway routes nothing else: every request gets 404"
                if gateway is not None
                else "sidecars send them to the Service of that name instead"
            )
            + " (set traffic.gateway)"
        )


_CLASSES: LastEntry[Scenario, tuple[tuple[tuple[RequestClass, float], ...], tuple[str, ...]]] = (
    LastEntry()
)
"""One entry: a scenario, with its request classes and the warnings :func:`check_host` gave
for them."""


def checked_classes(world: Wiring) -> list[tuple[RequestClass, float]]:
    """``request_classes`` with the default host and gateway, and :func:`check_host`'s
    warnings about the first class's host. The world being built reads only its scenario
    (read-only by contract) so far: the runs of a scenario (its other seeds) take the classes
    (immutable) and the warnings worked out for the first."""
    from canarysim.sim.inputs import request_classes

    scenario = world.scenario
    known = _CLASSES.get(scenario)
    if known is not None:
        for message in known[1]:
            world.recorder.warn(message)
        return list(known[0])
    classes = request_classes(scenario, default_host(world), default_gateway(world))
    warned = len(world.recorder.warnings)
    check_host(world, classes[0][0].host, classes)
    _CLASSES.put(scenario, (tuple(classes), tuple(world.recorder.warnings[warned:])))
    return classes


def check_grpc_paths(world: Wiring, classes: Sequence[tuple[RequestClass, float]]) -> None:
    """Warn, once per class, when a GRPCRoute's rules would read a request class whose path is
    not a gRPC call (``/<service>/<method>``): only its rules without a method match take it."""
    mesh = world.mesh
    _, routes = accepted(list(mesh.http_routes.values()), list(mesh.grpc_routes.values()))
    for cls, _ in classes:
        if not routes or grpc_call(cls.uri) is not None:
            continue
        host = cls.host.split(":", 1)[0]
        serving = [
            str((r.get("metadata") or {}).get("name") or "")
            for r in routes
            if hostname_rank(hostnames_of(r), host) is not None
        ]
        if serving:
            world.recorder.warn(
                f"traffic: class {cls.name or 'default'!r} asks host {host!r}, which GRPCRoute "
                f"{serving[0]!r} serves, with path {cls.uri!r}: a gRPC call is a POST to "
                "/<service>/<method>, so only rules without a method match take it (set the "
                "class's path, or traffic.path)"
            )


def load_balancers(world: Wiring, scenario: Scenario) -> LoadBalancers:
    """The ALBs behind the Rollout's ALB Ingresses: synced ``aws.albSyncDelay`` after each
    Ingress change (drawn from the ``aws`` stream); a sync re-plans the traffic."""
    from canarysim.engine.trafficrouting.alb import reconcile as alb
    from canarysim.sim.mesh.alb import LoadBalancers
    from canarysim.sim.stochastic.distributions import Dist

    mesh = world.mesh
    settings = alb.alb_settings(mesh.rollout) or {}
    try:
        port = int(settings.get("servicePort") or 0)
    except (TypeError, ValueError):
        port = 0
    delay = scenario.aws.alb_sync_delay
    return LoadBalancers(
        world.env,
        namespace=str((mesh.rollout.get("metadata") or {}).get("namespace") or world.namespace),
        ingress_names=alb.alb_ingresses(mesh.rollout),
        prefix=str(settings.get("annotationPrefix") or alb.ALB_ANNOTATION_PREFIX),
        service_port=port,
        delay=Dist.from_spec(delay.to_spec(), field="aws.albSyncDelay"),
        rng=world.streams["aws"],
        current=lambda name: mesh.namespace_ingresses().get(name),
        on_change=lambda: world.flow.route_change(),
    )


class _ClusterReads:
    """The cluster as :class:`~canarysim.sim.mesh.targets.TargetGroups` reads it."""

    def __init__(self, world: Wiring) -> None:
        self._cluster = world.cluster

    def _service(self, name: str) -> Service | None:
        return self._cluster.services.by_name.get(name)

    def target_pods(self, service: str, port: int | str) -> list[tuple[str, int]]:
        from canarysim.sim.cluster.services import target_pods

        svc = self._service(service)
        return [] if svc is None else target_pods(svc, self._cluster.pods.values(), port)

    def service_ports(self, service: str) -> list[ServicePortView] | None:
        svc = self._service(service)
        if svc is None:
            return None
        return [ServicePortView(p.port, p.name or "", p.target_port) for p in svc.ports]

    def endpoints(self, service: str, pod_hash: str) -> tuple[list[str], list[tuple[str, int]]]:
        from canarysim.sim.cluster.services import service_endpoints

        svc = self._service(service)
        if svc is None:
            return [], []
        return service_endpoints(svc, self._cluster.pods.values(), pod_hash)


def target_groups(world: Wiring, scenario: Scenario) -> TargetGroups | None:
    """The target groups of the TargetGroupBindings in the Rollout's namespace, written or
    made by the AWS Load Balancer Controller for the ALB Ingresses (over the Ingresses as the
    load balancers applied them), registered ``aws.albSyncDelay`` after each change of what
    their Services select (drawn from the ``aws-targets`` stream); kept in step on every pod
    or Service change. None when no binding is written and no ALB Ingress or Service asks for
    ``ip`` targets (``instance`` bindings hold nothing anyway)."""
    from canarysim.sim.mesh.targets import (
        TARGET_TYPE_ANNOTATION,
        TargetGroups,
        ingress_bindings,
        is_alb,
    )
    from canarysim.sim.stochastic.distributions import Dist

    ns = world.namespace
    manifests = scenario.manifests  # a property: read once
    bindings = [b.raw for b in manifests.target_group_bindings if b.namespace == ns]
    annotations = {
        s.name: dict(s.metadata.annotations or {}) for s in manifests.services if s.namespace == ns
    }
    mesh = world.mesh

    def derived() -> list[dict[str, Any]]:
        current = dict(mesh.namespace_ingresses())
        if mesh.balancers is not None:
            current.update(mesh.balancers.applied)  # the Rollout's: as the controller applied
        return ingress_bindings([current[k] for k in sorted(current)], annotations, ns)

    wants_ip = any(a.get(TARGET_TYPE_ANNOTATION) == "ip" for a in annotations.values()) or any(
        is_alb(i.raw) and (i.metadata.annotations or {}).get(TARGET_TYPE_ANNOTATION) == "ip"
        for i in manifests.ingresses
        if i.namespace == ns
    )
    if not bindings and not wants_ip:
        return None
    delay = scenario.aws.alb_sync_delay
    groups = TargetGroups(
        world.env,
        bindings=bindings,
        cluster=_ClusterReads(world),
        delay=Dist.from_spec(delay.to_spec(), field="aws.albSyncDelay"),
        rng=world.streams["aws-targets"],
        derived=derived,
    )
    world.cluster.subscribe(
        lambda change: groups.changed() if change.object.startswith(("Pod/", "Service/")) else None
    )
    groups.changed()
    return groups
