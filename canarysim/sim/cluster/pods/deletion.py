"""Which pods a ReplicaSet's scale-down deletes first: Kubernetes' ``ActivePodsWithRanks``
order, on the pods' own state (node, phase, readiness, deletion cost, restarts, ages).

Split from :mod:`canarysim.sim.cluster.replicasets`, which re-exports it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from canarysim.sim.cluster.pods.pod import Pod

__all__ = ["DELETION_COST_ANNOTATION", "deletion_order"]

DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"

_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}


def _deletion_cost(pod: Pod) -> int:
    try:
        return int(pod.annotations.get(DELETION_COST_ANNOTATION, "0"))
    except ValueError:
        return 0


def _log_rank(t: float, now: float) -> int:
    """``controller_utils.go::logarithmicRankDiff``'s rank: floor(log2(age in ns)), -1 if none."""
    age_ns = (now - t) * 1e9
    return int(math.log2(age_ns)) if age_ns > 0 else -1


def deletion_order(pods: Sequence[Pod], related: Sequence[Pod], now: float) -> list[Pod]:
    """*pods* sorted so that the first ones are deleted first when a ReplicaSet shrinks.

    Kubernetes' rules (``pkg/controller/controller_utils.go::ActivePodsWithRanks.Less``, used
    by ``replica_set.go::getPodsToDelete``), each applied only when the earlier ones tie:

    1. a pod not yet bound to a node before a bound one;
    2. phase Pending before Unknown before Running (ContainerCreating is still Pending);
    3. not Ready before Ready;
    4. lower ``controller.kubernetes.io/pod-deletion-cost`` first;
    5. more active *related* pods (all pods of the owner's ReplicaSets) on the same node first;
    6. both Ready: Ready more recently first, compared on a log2 scale of the time since;
    7. more container restarts first;
    8. created more recently first, again on a log2 scale of the age.

    In 6 and 8 (``LogarithmicScaleDown``, on by default since Kubernetes 1.22) pods whose ages
    fall in the same power-of-two bucket are ordered by UID, a pseudo-random but here
    deterministic order. Kubernetes has no separate "not available" rule.
    """
    on_node: dict[str, int] = {}
    for p in related:
        if p.active and p.node is not None:
            on_node[p.node] = on_node.get(p.node, 0) + 1

    def rank(p: Pod) -> int:
        return on_node.get(p.node, 0) if p.node is not None else 0

    def compare(a: Pod, b: Pod) -> int:
        if (a.node is None) != (b.node is None):
            return -1 if a.node is None else 1
        pa, pb = _PHASE_ORDINAL.get(a.phase, 2), _PHASE_ORDINAL.get(b.phase, 2)
        if pa != pb:
            return -1 if pa < pb else 1
        if a.ready != b.ready:
            return -1 if not a.ready else 1
        ca, cb = _deletion_cost(a), _deletion_cost(b)
        if ca != cb:
            return -1 if ca < cb else 1
        ra, rb = rank(a), rank(b)
        if ra != rb:
            return -1 if ra > rb else 1
        if a.ready and b.ready and a.ready_since != b.ready_since:
            assert a.ready_since is not None and b.ready_since is not None
            diff = _log_rank(a.ready_since, now) - _log_rank(b.ready_since, now)
            if diff == 0:
                return -1 if a.uid < b.uid else 1
            return -1 if diff < 0 else 1
        if a.restarts != b.restarts:
            return -1 if a.restarts > b.restarts else 1
        if a.created != b.created:
            diff = _log_rank(a.created, now) - _log_rank(b.created, now)
            if diff == 0:
                return -1 if a.uid < b.uid else 1
            return -1 if diff < 0 else 1
        return 0

    return sorted(sorted(pods, key=lambda p: p.name), key=functools.cmp_to_key(compare))
