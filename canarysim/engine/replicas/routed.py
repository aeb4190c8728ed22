"""One reconcile of a traffic-routed canary: pods follow weights, not surge/unavailable bounds.

``CalculateReplicaCountsForTrafficRoutedCanary`` and ``CheckMinPodsPerReplicaSet`` of
``utils/replicaset/canary.go``, with ``dynamicStableScale`` and the abort case. Part of the
issue-#2 API, re-exported by :mod:`canarysim.engine.replicas`.
"""

from __future__ import annotations

from canarysim.engine.replicas.steps import traffic_weight_to_replicas

__all__ = ["check_min_pods_per_replica_set", "traffic_routed_canary_counts"]


def check_min_pods_per_replica_set(
    count: int, replicas: int, min_pods_per_replica_set: int | None, traffic_routing: bool = True
) -> int:
    """Raise a non-zero count to ``minPodsPerReplicaSet``, capped at R (CheckMinPodsPerReplicaSet).

    >>> check_min_pods_per_replica_set(1, 10, 2), check_min_pods_per_replica_set(0, 10, 2)
    (2, 0)
    >>> check_min_pods_per_replica_set(1, 1, 2), check_min_pods_per_replica_set(1, 10, 2, False)
    (1, 1)
    """
    if count == 0 or min_pods_per_replica_set is None or not traffic_routing:
        return count
    return max(count, min(min_pods_per_replica_set, replicas))


def traffic_routed_canary_counts(
    *,
    replicas: int,
    explicit_canary: int | None,
    weight: int,
    dynamic_stable_scale: bool,
    min_pods_per_replica_set: int | None,
    aborted: bool,
    traffic_weights: tuple[int, int] | None,
    max_weight: int,
) -> tuple[int, int]:
    """``(canary, stable)`` with a traffic router.

    Upstream: ``CalculateReplicaCountsForTrafficRoutedCanary``.

    No surge/unavailable bounds: the canary is ``ceil(R*W/max)`` (or setCanaryScale's replicas)
    and stable stays at R. With ``dynamicStableScale`` stable follows ``max - W`` but never drops
    below the traffic the router still sends it; on abort the canary likewise keeps enough pods for
    the traffic it still gets.

    >>> plain = dict(dynamic_stable_scale=False, aborted=False, traffic_weights=None)
    >>> traffic_routed_canary_counts(replicas=10, explicit_canary=None, weight=5,
    ...                              min_pods_per_replica_set=2, max_weight=100, **plain)
    (2, 10)
    >>> traffic_routed_canary_counts(replicas=10, explicit_canary=None, weight=20,
    ...     dynamic_stable_scale=True, traffic_weights=(10, 90), min_pods_per_replica_set=None,
    ...     aborted=False, max_weight=100)
    (2, 9)
    """
    if explicit_canary is not None:
        canary_count = explicit_canary
    else:
        canary_count = check_min_pods_per_replica_set(
            traffic_weight_to_replicas(replicas, weight, max_weight),
            replicas,
            min_pods_per_replica_set,
        )
    if not dynamic_stable_scale:
        return canary_count, replicas
    stable_count = traffic_weight_to_replicas(replicas, max_weight - weight, max_weight)
    if traffic_weights is not None:
        canary_weight, stable_weight = traffic_weights
        stable_count = max(
            stable_count, traffic_weight_to_replicas(replicas, stable_weight, max_weight)
        )
        if aborted:
            canary_count = max(
                canary_count, traffic_weight_to_replicas(replicas, canary_weight, max_weight)
            )
    return (
        check_min_pods_per_replica_set(canary_count, replicas, min_pods_per_replica_set),
        check_min_pods_per_replica_set(stable_count, replicas, min_pods_per_replica_set),
    )
