"""Has a setWeight / setCanaryScale step reached its replica counts (step completion)?

``ReplicaProgressThresholdMet`` and ``AtDesiredReplicaCountsForCanary`` of
``utils/replicaset/canary.go``. Part of the issue-#2 API, re-exported by
:mod:`canarysim.engine.replicas`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canarysim.engine.replicas.fenceposts import ReplicaSetCounts

__all__ = ["at_desired_replica_counts", "replica_progress_threshold_met"]


def replica_progress_threshold_met(
    threshold: Mapping[str, Any] | None, canary: ReplicaSetCounts | None, desired: int
) -> bool:
    """Is the canary available enough (``ReplicaProgressThresholdMet``)?

    ``threshold`` is ``replicaProgressThreshold`` (``{"type": "Percent"|"Pods", "value": n}``).
    Default (None, or a negative value): spec and available both equal ``desired``.

    >>> c = ReplicaSetCounts(10, 7)
    >>> [replica_progress_threshold_met(t, c, 10) for t in (None, {"type": "Percent", "value": 70},
    ...  {"type": "Pods", "value": 8})]
    [False, True, False]
    """
    value = None if threshold is None else threshold.get("value")
    if threshold is None or canary is None or value is None or value < 0:
        return canary is not None and canary.replicas == desired and canary.available == desired
    if threshold.get("type") == "Percent":
        if desired == 0:
            return True
        percent = float(canary.available) / float(desired) * 100
        return percent >= float(value) or abs(percent - float(value)) <= 1e-10
    return canary.available >= value  # type: ignore[no-any-return]


def at_desired_replica_counts(
    *,
    desired: tuple[int, int],
    canary: ReplicaSetCounts | None,
    stable: ReplicaSetCounts | None,
    stable_current: int,
    others_available: int,
    traffic_routing: bool,
    dynamic_stable_scale: bool = False,
    replica_progress_threshold: Mapping[str, Any] | None = None,
) -> bool:
    """Has a setWeight / setCanaryScale step reached its replica counts?

    Upstream: ``AtDesiredReplicaCountsForCanary``.

    ``desired`` is what :func:`canary_replica_counts` returns *this* reconcile (with the weights
    the router holds after this reconcile's traffic update). The canary must be at ``desired[0]``
    and available (see :func:`replica_progress_threshold_met`); unless traffic routing with
    dynamicStableScale, the stable must have ``desired[1]`` as spec *and* as created pods
    (``stable_current`` = its ``status.replicas``; availability is not needed); without traffic
    routing, older ReplicaSets must have no available pods left.

    >>> at_desired_replica_counts(desired=(3, 1), canary=ReplicaSetCounts(3, 3),
    ...     stable=ReplicaSetCounts(1, 0), stable_current=1, others_available=0,
    ...     traffic_routing=False)
    True
    """
    desired_canary, desired_stable = desired
    if not replica_progress_threshold_met(replica_progress_threshold, canary, desired_canary):
        return False
    if not (traffic_routing and dynamic_stable_scale) and (
        stable is None or stable.replicas != desired_stable or stable_current != desired_stable
    ):
        return False
    return traffic_routing or others_available == 0
