"""PodDisruptionBudgets as the API server's eviction subresource and Kubernetes' disruption
controller apply them.

``status.disruptionsAllowed`` of a budget is its healthy pods (Ready, not being deleted) minus
the pods it wants healthy: ``minAvailable`` as given (an integer), or a percentage of the
expected pods rounded up, or the expected pods minus ``maxUnavailable``; the expected pods are
the selected pods' controllers' ``spec.replicas`` (for an integer ``minAvailable``, the number
of selected pods), as ``pkg/controller/disruption`` computes them. The engine charges its
evictions against :meth:`DisruptionBudgets.views` within one reconcile; the next one sees the
terminating pods no longer healthy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from canarysim.engine.model import DisruptionBudgetView
from canarysim.sim.cluster.pods.pod import Pod
from canarysim.sim.cluster.replicasets import ReplicaSet

__all__ = ["DisruptionBudgets", "selects"]


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Kubernetes label-selector semantics (an empty selector selects every pod)."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for req in selector.get("matchExpressions") or []:
        key, op, values = req.get("key"), req.get("operator"), req.get("values") or []
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def _scaled(value: int | str, total: int) -> int:
    """``intstr.GetScaledValueFromIntOrPercent(value, total, roundUp=true)``."""
    if isinstance(value, str):
        return math.ceil(int(value.rstrip("%")) * total / 100)
    return int(value)


class DisruptionBudgets:
    """The scenario's PodDisruptionBudgets (raw manifests) by name; ``delete`` removes one."""

    def __init__(self, manifests: Iterable[Mapping[str, Any]] = ()) -> None:
        self.budgets: dict[str, Mapping[str, Any]] = {
            str(m["metadata"]["name"]): m for m in manifests
        }

    def delete(self, name: str) -> bool:
        return self.budgets.pop(name, None) is not None

    def allowed(self, spec: Mapping[str, Any], pods: list[Pod], scale: int) -> int:
        """``status.disruptionsAllowed`` of one budget over its selected *pods*."""
        healthy = sum(1 for p in pods if p.ready and p.deleted_at is None)
        if spec.get("minAvailable") is not None and isinstance(spec["minAvailable"], int):
            expected, desired = len(pods), int(spec["minAvailable"])
        elif spec.get("minAvailable") is not None:
            expected = scale
            desired = _scaled(spec["minAvailable"], expected)
        else:
            expected = scale
            desired = max(0, expected - _scaled(spec.get("maxUnavailable") or 0, expected))
        if expected <= 0:
            return 0
        return max(0, healthy - desired)

    def views(
        self, pods: Iterable[Pod], replica_sets: Mapping[str, ReplicaSet], rollout: str
    ) -> tuple[DisruptionBudgetView, ...]:
        """The budgets that select some pod of *rollout*'s ReplicaSets, by name."""
        if not self.budgets:  # the usual case: no need to look at every pod per reconcile
            return ()
        live = [p for p in pods if not p.gone]
        out = []
        for name in sorted(self.budgets):
            spec = self.budgets[name].get("spec") or {}
            selector = spec.get("selector") or {}
            chosen = [p for p in live if selects(selector, p.labels)]
            owners = {p.replica_set for p in chosen if p.replica_set in replica_sets}
            hashes = tuple(
                sorted(replica_sets[o].hash for o in owners if replica_sets[o].rollout == rollout)
            )
            if not hashes:
                continue
            scale = sum(replica_sets[o].replicas for o in owners)
            out.append(DisruptionBudgetView(name, self.allowed(spec, chosen, scale), hashes))
        return tuple(out)
