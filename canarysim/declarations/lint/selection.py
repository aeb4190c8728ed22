"""What a Rollout's pods are selected by: its canary and stable Services (selectors and target
ports against the pod template) and the PodDisruptionBudgets over its pods."""

from __future__ import annotations

from canarysim.declarations.findings import Finding
from canarysim.declarations.lint.finding import at
from canarysim.declarations.manifests.argo import Rollout
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.manifests.k8s import Service

__all__ = ["disruption_budgets", "services"]


def services(ro: Rollout, objs: Manifests) -> list[Finding]:
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
                at(
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
                at(
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
                    at(
                        svc,
                        ("spec", "ports", i),
                        "lint/target-port",
                        "warning",
                        f'Service "{svc.name}" sends to port {number}, which no container '
                        f'of Rollout "{ro.name}" declares',
                    )
                )
    return out


def disruption_budgets(ro: Rollout, objs: Manifests) -> list[Finding]:
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
        at(
            mine[1],
            ("spec", "selector"),
            "lint/unsupported",
            "warning",
            f'Rollout "{ro.name}"\'s pods are selected by PodDisruptionBudgets {names}: the '
            "eviction API refuses to evict them and Argo's reconcile fails while a restart is "
            "pending; canarysim does not simulate that failure (it never evicts them)",
        )
    ]
