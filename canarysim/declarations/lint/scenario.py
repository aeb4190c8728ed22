"""Lint of a scenario's own entries against its manifests.

What a cluster (or ``kubectl argo rollouts``) would refuse or never do: setting the image of a
container the Rollout does not have, killing a node that does not exist, events scheduled
after the end of the run, versions described for images that never run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from canarysim.declarations.findings import Finding, Severity
from canarysim.declarations.manifests.workloads import Deployment
from canarysim.declarations.scenario.model import KillNode, MarkPodsReady, Scenario, SetImage
from canarysim.declarations.workloadref import resolve_workload_ref

if TYPE_CHECKING:
    from canarysim.declarations.manifests.analysis import AnalysisTemplate, ClusterAnalysisTemplate

__all__ = ["lint_scenario"]


def lint_scenario(s: Scenario) -> list[Finding]:
    """Findings about the scenario file itself (rule ids ``scenario/...``)."""
    file = str(s.source) if s.source is not None else "<scenario>"
    out: list[Finding] = []

    def add(path: tuple[object, ...], rule: str, sev: Severity, msg: str) -> None:
        out.append(Finding(file, s.line_of(*path), rule, sev, msg))

    if not s.manifests.rollouts:
        return out
    ro = resolve_workload_ref(s.rollout, s.manifests).rollout  # a workloadRef's template
    containers = [c.name for c in ro.spec.template.spec.containers]
    images = {c.image for c in ro.spec.template.spec.containers}
    for action in s.operator:
        # an applied Deployment brings its template's images (a workloadRef follows it)
        for obj in getattr(action, "objects", None) or []:
            if isinstance(obj, Deployment):
                images.update(c.image for c in obj.spec.template.spec.containers)
    for i, action in enumerate(s.operator):
        if isinstance(action, SetImage):
            images.add(action.image)
            if action.container not in ("", "*") and action.container not in containers:
                add(
                    ("operator", i, "container"),
                    "scenario/set-image",
                    "error",
                    f"kubectl argo rollouts set image would fail: unable to find container "
                    f'named "{action.container}" (Rollout "{ro.name}" has: '
                    f"{', '.join(containers) or 'none'})",
                )
        if action.at is not None and action.at >= s.until:
            add(
                ("operator", i, "at"),
                "scenario/after-until",
                "warning",
                f"operator action {action.do} at {action.at:g}s never happens: the run ends "
                f"at {s.until:g}s",
            )
    gates = [g.get("conditionType") for g in _readiness_gates(ro)]
    marked = {
        a.condition or (gates[0] if gates else None)
        for a in s.operator
        if isinstance(a, MarkPodsReady)
    }
    for gate in gates:
        if gate not in marked:
            add(
                ("manifests",),
                "scenario/readiness-gate",
                "warning",
                f'pods of Rollout "{ro.name}" wait for readiness gate "{gate}" but no '
                "markPodsReady action sets it: they never become Ready",
            )
    nodes = set(s.cluster.node_names)
    for i, fault in enumerate(s.faults):
        if isinstance(fault, KillNode) and fault.node not in nodes:
            add(
                ("faults", i, "node"),
                "scenario/kill-node",
                "error",
                f'no node "{fault.node}": the cluster has {", ".join(sorted(nodes))}',
            )
        if fault.at >= s.until:
            add(
                ("faults", i, "at"),
                "scenario/after-until",
                "warning",
                f"fault {fault.do} at {fault.at:g}s never happens: the run ends at {s.until:g}s",
            )
    _lint_analysis(s, add)
    out += _lint_target_groups(s)
    for image in s.versions:
        if image not in images:
            add(
                ("versions", image),
                "scenario/unused-version",
                "warning",
                f'version "{image}" is never deployed: neither the Rollout\'s template nor a '
                "setImage action uses that image",
            )
    return out


def _lint_analysis(
    s: Scenario, add: Callable[[tuple[object, ...], str, Severity, str], None]
) -> None:
    """``analysis.jobs``/``analysis.web`` keys name metrics (or URLs): a key that names none
    is a typo the simulation would silently ignore; a web metric without an answer measures
    Error at every attempt."""
    templates: list[AnalysisTemplate | ClusterAnalysisTemplate] = [
        *s.manifests.analysis_templates,
        *s.manifests.cluster_analysis_templates,
    ]
    metrics = [m for t in templates for m in t.spec.metrics]
    jobs = {m.name for m in metrics if m.provider.job is not None}
    webs = {m.name: m.provider.web.url for m in metrics if m.provider.web is not None}
    for name in s.analysis.jobs:
        if name not in jobs:
            add(
                ("analysis", "jobs", name),
                "scenario/unused-analysis",
                "warning",
                f"analysis.jobs.{name}: no job metric of that name in the analysis templates "
                f"(job metrics: {', '.join(sorted(jobs)) or 'none'})",
            )
    urls = set(webs.values())
    templated = any("{{" in u for u in urls)
    for key in s.analysis.web:
        if key not in webs and key not in urls and not templated:
            add(
                ("analysis", "web", key),
                "scenario/unused-analysis",
                "warning",
                f"analysis.web.{key}: no web metric of that name or URL in the analysis "
                f"templates (web metrics: {', '.join(sorted(webs)) or 'none'})",
            )
    for name, url in sorted(webs.items()):
        if name in s.analysis.web or url in s.analysis.web:
            continue
        if "{{" in url and any(k not in webs for k in s.analysis.web):
            continue  # may be keyed by the URL its arguments resolve to
        add(
            ("analysis",),
            "scenario/web-answer",
            "warning",
            f'web metric "{name}" ({url}) has no answer in analysis.web: every measurement '
            "is an Error",
        )


def _verified_services(ro: Any) -> set[str]:
    """The Services ``--aws-verify-target-group`` checks (rollout/service.go): the active one
    of a blue-green, the stable one (or ping and pong) of an ALB canary."""
    if ro.blue_green is not None:
        return {ro.blue_green.active_service}
    canary = ro.canary
    if canary is None or canary.traffic_routing is None or canary.traffic_routing.alb is None:
        return set()
    if canary.ping_pong is not None:
        return {canary.ping_pong.ping_service, canary.ping_pong.pong_service}
    return {canary.stable_service}


def _lint_target_groups(s: Scenario) -> list[Finding]:
    """What the run does with each TargetGroupBinding (rule ``scenario/target-group``): read
    only with ``aws.verifyTargetGroup``, and then only ``targetType: ip`` bindings of a
    Service Argo verifies, on one of that Service's ports."""
    out: list[Finding] = []
    ro = s.rollout
    namespace = ro.namespace
    checked = _verified_services(ro)
    for tgb in s.manifests.target_group_bindings:
        if tgb.namespace != namespace:
            continue
        ref = tgb.spec.service_ref
        why = ""
        if not s.aws.verify:
            why = (
                "the controller runs without --aws-verify-target-group (aws.verifyTargetGroup): "
                "Argo never reads it"
            )
        elif tgb.spec.target_type != "ip":
            why = (
                f"targetType {tgb.spec.target_type or 'unset'}: Argo verifies only ip target "
                "groups (pod IPs), so the rollout never waits for it"
            )
        elif ref.name not in checked:
            why = (
                f'Service "{ref.name}" is not one Argo verifies (the blue-green active Service, '
                "or an ALB canary's stable Service): it is never checked"
            )
        else:
            svc = s.manifests.service(ref.name, namespace)
            ports = [] if svc is None else svc.spec.ports
            if not any(
                (isinstance(ref.port, int) and p.port == ref.port) or p.name == ref.port
                for p in ports
            ):
                why = (
                    f'serviceRef.port {ref.port!r} is no port of Service "{ref.name}": Argo '
                    "does not find the binding, so the rollout never waits for it"
                )
        if why:
            message = f'TargetGroupBinding "{tgb.name}": {why}'
            out.append(Finding(tgb.file, tgb.line, "scenario/target-group", "warning", message))
    return out


def _readiness_gates(ro: Any) -> list[dict[str, Any]]:
    """The template's ``spec.readinessGates`` as written (a field kept raw by the model)."""
    spec = (ro.raw.get("spec") or {}).get("template", {}).get("spec") or {}
    return [g for g in spec.get("readinessGates") or [] if isinstance(g, dict)]
