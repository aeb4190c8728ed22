"""Lint of a scenario's own entries against its manifests.

What a cluster (or ``kubectl argo rollouts``) would refuse or never do: setting the image of a
container the Rollout does not have, killing a node that does not exist, events scheduled
after the end of the run, versions described for images that never run.
"""

from __future__ import annotations

from canarysim.spec.findings import Finding, Severity
from canarysim.spec.scenario import KillNode, Scenario, SetImage

__all__ = ["lint_scenario"]


def lint_scenario(s: Scenario) -> list[Finding]:
    """Findings about the scenario file itself (rule ids ``scenario/...``)."""
    file = str(s.source) if s.source is not None else "<scenario>"
    out: list[Finding] = []

    def add(path: tuple[object, ...], rule: str, sev: Severity, msg: str) -> None:
        out.append(Finding(file, s.line_of(*path), rule, sev, msg))

    if not s.manifests.rollouts:
        return out
    ro = s.rollout
    containers = [c.name for c in ro.spec.template.spec.containers]
    images = {c.image for c in ro.spec.template.spec.containers}
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
        if action.at >= s.until:
            add(
                ("operator", i, "at"),
                "scenario/after-until",
                "warning",
                f"operator action {action.do} at {action.at:g}s never happens: the run ends "
                f"at {s.until:g}s",
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
