"""Lint: what Argo accepts but a real cluster would only reveal at run time.

Every rule has a stable id (``lint/...``), a severity and points at a file and line. The rules
are listed in docs/scenario-format.md. Fields a model does not know are checked by
:mod:`canarysim.declarations.lint.fields`.
"""

from __future__ import annotations

import contextlib

from canarysim.declarations.findings import Finding, Severity
from canarysim.declarations.lint.analysis import lint_analysis
from canarysim.declarations.lint.fields import unknown_fields, unsupported
from canarysim.declarations.manifests.argo import Rollout
from canarysim.declarations.manifests.base import Resource
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.manifests.k8s import Service
from canarysim.declarations.workloadref import resolve_workload_ref
from canarysim.engine.durations import parse_duration, pause_seconds

__all__ = ["lint"]


def lint(objs: Manifests) -> list[Finding]:
    """Every lint finding for a set of manifests."""
    out: list[Finding] = []
    for obj in objs.all():
        out += unknown_fields(obj)
        out += unsupported(obj)
    for ro in objs.rollouts:
        # a workloadRef's pods carry the Deployment's template; one that does not resolve
        # is Argo's InvalidSpec already, and its pods' labels are unknown
        res = resolve_workload_ref(ro, objs)
        ro = res.rollout
        if ro.spec.workload_ref is None or res.resolved:
            out += _services(ro, objs)
            out += _disruption_budgets(ro, objs)
        out += _virtual_services(ro, objs)
        out += _destination_rule(ro, objs)
        out += _steps(ro, objs)
        out += _progress_threshold(ro)
        out += _empty_route_matches(ro)
    out += _route_weights(objs)
    out += _gateways(objs)
    out += lint_analysis(objs)
    return out


def _f(obj: Resource, path: tuple[object, ...], rule: str, sev: Severity, msg: str) -> Finding:
    return Finding(obj.file, obj.line_of(*path), rule, sev, msg)


# ---------------------------------------------------------------------------- services
def _services(ro: Rollout, objs: Manifests) -> list[Finding]:
    out: list[Finding] = []
    c = ro.canary
    if c is None:
        return out
    ports = {p.name for ct in ro.spec.template.spec.containers for p in ct.ports if p.name}
    numbers = {p.container_port for ct in ro.spec.template.spec.containers for p in ct.ports}
    for name in dict.fromkeys(n for n in (c.stable_service, c.canary_service) if n):
        svc = objs.service(name, ro.namespace)
        if svc is None:
            continue
        out += _target_ports(svc, ro, ports, numbers)
        if svc.spec.selector and not _selects(svc, ro):
            out.append(
                _f(
                    svc,
                    ("spec", "selector"),
                    "lint/service-selects-nothing",
                    "error",
                    f'Service "{svc.name}" selects {_labels(svc.spec.selector)} but the '
                    f'pods of Rollout "{ro.name}" carry {_labels(ro.spec.template.labels)}: '
                    "it has no endpoints",
                )
            )
    return out


def _selects(svc: Service, ro: Rollout) -> bool:
    labels = ro.spec.template.labels
    return all(
        labels.get(k) == v
        for k, v in svc.spec.selector.items()
        if k != "rollouts-pod-template-hash"
    )


def _labels(labels: dict[str, str]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(labels.items())) or "nothing"


def _target_ports(svc: Service, ro: Rollout, names: set[str], numbers: set[int]) -> list[Finding]:
    out = []
    for i, port in enumerate(svc.spec.ports):
        target = port.target_port
        if isinstance(target, str) and not target.isdigit() and target not in names:
            defined = ", ".join(sorted(names)) or "none"
            out.append(
                _f(
                    svc,
                    ("spec", "ports", i, "targetPort"),
                    "lint/target-port",
                    "error",
                    f'Service "{svc.name}" targets port "{target}" but no container of '
                    f'Rollout "{ro.name}" names a port so (named ports: {defined}): '
                    "its endpoints get no port and requests fail",
                )
            )
        elif (isinstance(target, int) or target is None) and numbers:
            number = target if isinstance(target, int) else port.port
            if number not in numbers:
                out.append(
                    _f(
                        svc,
                        ("spec", "ports", i),
                        "lint/target-port",
                        "warning",
                        f'Service "{svc.name}" sends to port {number}, which no container '
                        f'of Rollout "{ro.name}" declares',
                    )
                )
    return out


# ---------------------------------------------------------------------------- istio
def _virtual_services(ro: Rollout, objs: Manifests) -> list[Finding]:
    istio = ro.istio
    c = ro.canary
    if istio is None or c is None:
        return []
    out: list[Finding] = []
    dr = istio.destination_rule
    managed = (
        {m.name for m in (c.traffic_routing.managed_routes or [])} if c.traffic_routing else set()
    )
    for ref in istio.all_virtual_services:
        vs = objs.virtual_service(ref.name, ro.namespace)
        if vs is None:
            continue
        for i, route in enumerate(vs.spec.http or []):
            if route.name in managed:
                continue
            if ref.routes and route.name not in ref.routes:
                continue
            for j, dest in enumerate(route.route):
                host = dest.destination.host.split(".")[0]
                sides = {c.canary_service, c.stable_service} - {""}
                if c.ping_pong is not None and not sides:  # GetStableAndCanaryServices
                    sides = {c.ping_pong.ping_service, c.ping_pong.pong_service} - {""}
                if dr is not None:
                    ok = dest.destination.subset in {dr.canary_subset_name, dr.stable_subset_name}
                    want = f"subset {dr.canary_subset_name} or {dr.stable_subset_name}"
                else:
                    ok = host in sides
                    want = " or ".join(sorted(sides)) or "the canary/stable Services"
                if not ok:
                    out.append(
                        _f(
                            vs,
                            ("spec", "http", i, "route", j),
                            "lint/vs-destination",
                            "warning",
                            f'route "{route.name or i}" of VirtualService "{vs.name}" sends '
                            f"traffic to {dest.destination.host or '(no host)'}"
                            f"{'/' + dest.destination.subset if dest.destination.subset else ''}"
                            f", which is neither canary nor stable ({want}); Argo never "
                            "changes its weight",
                        )
                    )
    return out


def _route_weights(objs: Manifests) -> list[Finding]:
    """Istio >= 1.13 reads weights as relative (``weight / sum``) and rejects only a negative
    weight or an all-zero split; older Istio, and Argo's docs and arithmetic (it writes
    ``100 - canary`` to stable), expect a sum of 100."""
    out: list[Finding] = []
    for vs in objs.virtual_services:
        for kind in ("http", "tls", "tcp"):
            for i, route in enumerate(getattr(vs.spec, kind) or []):
                label = f"{kind} route {getattr(route, 'name', '') or i}"
                where = ("spec", kind, i, "route")
                for j, d in enumerate(route.route):
                    if d.weight is not None and d.weight < 0:
                        out.append(
                            _f(
                                vs,
                                (*where, j, "weight"),
                                "lint/vs-weights",
                                "error",
                                f'{label} of VirtualService "{vs.name}": weight '
                                f"{d.weight} < 0: Istio rejects it",
                            )
                        )
                if len(route.route) < 2:
                    continue
                total = sum(d.weight or 0 for d in route.route)
                if total == 0:
                    out.append(
                        _f(
                            vs,
                            where,
                            "lint/vs-weights",
                            "error",
                            f'{label} of VirtualService "{vs.name}" has several '
                            "destinations and total weight 0: Istio rejects it",
                        )
                    )
                elif total != 100:
                    out.append(
                        _f(
                            vs,
                            where,
                            "lint/vs-weights",
                            "warning",
                            f'{label} of VirtualService "{vs.name}" has weights summing '
                            f"to {total}, not 100: Istio (1.13+) splits in proportion, "
                            "older Istio rejects it, and Argo's weights assume 100",
                        )
                    )
    return out


def _gateways(objs: Manifests) -> list[Finding]:
    out = []
    for vs in objs.virtual_services:
        for i, ref in enumerate(vs.spec.gateways):
            if ref == "mesh":
                continue
            name, _, ns = ref.partition("/") if "/" in ref else ("", "", "")
            name, ns = (ns, name) if "/" in ref else (ref.split(".")[0], vs.namespace)
            if not any(g.name == name and g.namespace == ns for g in objs.gateways):
                out.append(
                    _f(
                        vs,
                        ("spec", "gateways", i),
                        "lint/gateway",
                        "warning",
                        f'VirtualService "{vs.name}" binds to gateway "{ref}", which is not '
                        "among the manifests: traffic through it is not simulated",
                    )
                )
    return out


def _destination_rule(ro: Rollout, objs: Manifests) -> list[Finding]:
    istio = ro.istio
    if istio is None or istio.destination_rule is None:
        return []
    ref = istio.destination_rule
    where = ("spec", "strategy", "canary", "trafficRouting", "istio", "destinationRule")
    name = ref.name
    dr = objs.destination_rule(name, ro.namespace)
    if dr is None:
        return [
            _f(
                ro,
                where,
                "lint/destination-rule",
                "error",
                f'destinationrules.networking.istio.io "{name}" not found: the controller '
                "fails every reconcile with traffic routing (DestinationRuleNotFound)",
            )
        ]
    subsets = {s.name for s in dr.spec.subsets}
    out = []
    for role, subset in (("canary", ref.canary_subset_name), ("stable", ref.stable_subset_name)):
        if subset not in subsets:
            out.append(
                _f(
                    dr,
                    ("spec", "subsets"),
                    "lint/destination-rule",
                    "error",
                    f'DestinationRule "{dr.name}" has no subset "{subset}" (the {role} '
                    f'subset of Rollout "{ro.name}"); requests to it fail with no healthy '
                    "upstream",
                )
            )
    for vs in objs.virtual_services:
        for i, route in enumerate(vs.spec.http or []):
            for j, d in enumerate(route.route):
                host = d.destination.host.split(".")[0]
                if (
                    d.destination.subset
                    and host == dr.spec.host.split(".")[0]
                    and (d.destination.subset not in subsets)
                ):
                    out.append(
                        _f(
                            vs,
                            ("spec", "http", i, "route", j),
                            "lint/destination-rule",
                            "error",
                            f'VirtualService "{vs.name}" routes to subset '
                            f'"{d.destination.subset}" that DestinationRule "{dr.name}" '
                            "does not define",
                        )
                    )
    return out


# ---------------------------------------------------------------------------- steps
def _steps(ro: Rollout, objs: Manifests) -> list[Finding]:
    c = ro.canary
    if c is None:
        return []
    out: list[Finding] = []
    base = ("spec", "strategy", "canary", "steps")
    full_at = None
    for i, step in enumerate(c.steps):
        if step.set_weight == 100 and full_at is None:
            full_at = i
        elif step.set_weight is not None and step.set_weight < 100:
            full_at = None
    if full_at is not None and full_at < len(c.steps) - 1:
        out.append(
            _f(
                ro,
                (*base, full_at + 1),
                "lint/after-full-weight",
                "warning",
                f"steps after steps[{full_at}] (setWeight: 100) only delay promotion: the "
                "canary already takes all traffic",
            )
        )
    interval = _background_interval(ro, objs)
    if interval is not None:
        start = c.analysis.starting_step or 0 if c.analysis else 0
        for i, step in enumerate(c.steps):
            if i < start or step.pause is None or step.pause.duration is None:
                continue
            try:
                seconds = pause_seconds(step.pause.duration)
            except ValueError:
                continue
            if 0 <= seconds < interval:
                out.append(
                    _f(
                        ro,
                        (*base, i, "pause"),
                        "lint/pause-shorter-than-interval",
                        "warning",
                        f"steps[{i}] pauses {seconds}s, less than the background analysis "
                        f"interval ({interval:g}s): no measurement may fall in it",
                    )
                )
    return out


def _progress_threshold(ro: Rollout) -> list[Finding]:
    """``replicaProgressThreshold`` values the controller accepts but reads surprisingly
    (``ReplicaProgressThresholdMet``, utils/replicaset/canary.go)."""
    th = ro.canary.replica_progress_threshold if ro.canary is not None else None
    if th is None:
        return []
    path = ("spec", "strategy", "canary", "replicaProgressThreshold")
    if th.type not in ("Percent", "Pods"):
        return [
            _f(
                ro,
                (*path, "type"),
                "lint/progress-threshold",
                "warning",
                f'type "{th.type}" is read as "Pods" (only "Percent" means a percentage): '
                f"{th.value} available pods complete a step",
            )
        ]
    if th.type == "Percent" and th.value > 100:
        return [
            _f(
                ro,
                (*path, "value"),
                "lint/progress-threshold",
                "warning",
                f"{th.value}% of a step's canary pods can never be available: steps that "
                "scale the canary up never complete",
            )
        ]
    return []


def _empty_route_matches(ro: Rollout) -> list[Finding]:
    """A header or mirror route step with ``match: []``. The routers remove the route only
    when ``Match == nil`` (missing or null); an empty list adds a route without conditions,
    which takes every request: all of it to the canary (header route) or all of it copied
    (mirror route). Argo accepts it, and canarysim simulates it; it is rarely meant."""
    steps = ro.raw_at("spec", "strategy", "canary", "steps")
    out: list[Finding] = []
    what = {
        "setHeaderRoute": "with Istio, ALB or APISIX sends every request to the canary",
        "setMirrorRoute": "with Istio mirrors every request to the canary",
    }
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        for kind, effect in what.items():
            body = step.get(kind) if isinstance(step, dict) else None
            if isinstance(body, dict) and body.get("match") == []:
                out.append(
                    _f(
                        ro,
                        ("spec", "strategy", "canary", "steps", i, kind, "match"),
                        "lint/empty-route-match",
                        "warning",
                        f"an empty match is not a removal: steps[{i}] adds a route without "
                        f"conditions, which {effect}; leave match out to remove the route",
                    )
                )
    return out


def _background_interval(ro: Rollout, objs: Manifests) -> float | None:
    c = ro.canary
    if c is None or c.analysis is None:
        return None
    intervals = []
    for ref in c.analysis.templates:
        t = (
            objs.cluster_analysis_template(ref.template_name)
            if ref.cluster_scope
            else objs.analysis_template(ref.template_name, ro.namespace)
        )
        if t is None:
            continue
        for m in t.spec.metrics:
            if m.interval:
                with contextlib.suppress(ValueError):
                    intervals.append(parse_duration(m.interval))
    return min(intervals) if intervals else None


# ---------------------------------------------------------------------------- PDBs
def _disruption_budgets(ro: Rollout, objs: Manifests) -> list[Finding]:
    """Two PodDisruptionBudgets selecting the rollout's pods: the eviction API refuses to
    evict such a pod with a server error (not 429), which fails Argo's whole reconcile while a
    restart is pending; canarysim only declines the evictions."""
    labels = ro.spec.template.labels
    mine = [
        p
        for p in objs.pod_disruption_budgets
        if p.namespace == ro.namespace and p.spec.selector.matches(labels)
    ]
    if len(mine) < 2:
        return []
    names = ", ".join(f'"{p.name}"' for p in mine)
    return [
        _f(
            mine[1],
            ("spec", "selector"),
            "lint/unsupported",
            "warning",
            f'Rollout "{ro.name}"\'s pods are selected by PodDisruptionBudgets {names}: the '
            "eviction API refuses to evict them and Argo's reconcile fails while a restart is "
            "pending; canarysim does not simulate that failure (it never evicts them)",
        )
    ]
