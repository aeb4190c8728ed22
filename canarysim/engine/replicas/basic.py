"""One reconcile of a basic canary (no traffic router): bounded steps toward the weighted split.

``CalculateReplicaCountsForBasicCanary`` of ``utils/replicaset/canary.go``: surge up within
``R + maxSurge``, drain older ReplicaSets first, then scale down while keeping
``R - maxUnavailable`` pods available. Part of the issue-#2 API, re-exported by
:mod:`canarysim.engine.replicas`.
"""

from __future__ import annotations

from collections.abc import Sequence

from canarysim.engine.replicas.fenceposts import ReplicaSetCounts, weighted_split

__all__ = ["basic_canary_counts", "replicas_for_scale_down"]


def replicas_for_scale_down(rs: ReplicaSetCounts | None, ignore_availability: bool) -> int:
    """Pods of ``rs`` counted as available when sizing a scale-down (``GetReplicasForScaleDown``).

    A ReplicaSet already shrinking (spec < available) counts only its spec; otherwise its
    available pods, or its spec when availability is ignored (so crash-looping pods can't wedge a
    rollout).

    >>> [replicas_for_scale_down(ReplicaSetCounts(3, a), i)
    ...  for a, i in ((5, False), (2, True), (2, False))]
    [3, 3, 2]
    """
    if rs is None:
        return 0
    return rs.replicas if ignore_availability else min(rs.replicas, rs.available)


def _adjust_within_limits(
    drain: ReplicaSetCounts,
    adjust: ReplicaSetCounts | None,
    drain_count: int,
    adjust_count: int,
    max_total: int,
    min_available: int,
) -> tuple[int, int]:
    """Pull the pair back inside maxSurge and, if possible, maxUnavailable.

    Upstream: ``adjustReplicaWithinLimits``.
    """
    over = max(0, adjust_count + drain_count - max_total)
    available = min(drain.available, drain_count)
    if adjust is not None:
        adjust_count -= over
        available += min(adjust.available, adjust_count)
        lost = max(0, adjust.available - adjust_count)
        short = max(0, min_available - available)
        adjust_count += min(lost, short)
        drain_count -= max(0, adjust_count + drain_count - max_total)
    return drain_count, adjust_count


def basic_canary_counts(
    *,
    replicas: int,
    weight: int,
    surge: int,
    unavailable: int,
    canary: ReplicaSetCounts | None,
    stable: ReplicaSetCounts | None,
    others: Sequence[ReplicaSetCounts] = (),
    canary_is_stable: bool = False,
    max_weight: int,
) -> tuple[int, int]:
    """One reconcile's ``(canary, stable)`` without traffic routing.

    Upstream: ``CalculateReplicaCountsForBasicCanary``.

    ``surge``/``unavailable`` are resolved pod counts. Moves one bounded step toward
    :func:`weighted_split`: surge stable up first, then the canary, within R + surge; stop there
    while older ReplicaSets still have pods; then scale down within R - unavailable available
    pods: stable when the canary grows, the canary when it shrinks (abort / lower weight).
    Without a distinct stable ReplicaSet the target is the whole Rollout on the canary.

    >>> basic_canary_counts(replicas=10, weight=30, surge=0, unavailable=5, max_weight=100,
    ...                     canary=ReplicaSetCounts(0, 0), stable=ReplicaSetCounts(10, 10))
    (0, 7)
    """
    target_c, target_s = weighted_split(replicas, weight, surge, max_weight)
    if canary_is_stable:
        stable = canary  # Argo's stableRS *is* newRS then (GetStableRS)
    has_stable = stable is not None and not canary_is_stable  # CheckStableRSExists
    new_c = canary.replicas if canary is not None else 0
    new_s = 0
    if has_stable:
        assert stable is not None
        new_s = stable.replicas
    else:
        target_c = replicas  # target_s is never read without a distinct stable
    max_total = replicas + surge
    room = max_total - sum(rs.replicas for rs in others) - new_c - new_s
    if has_stable and new_s < target_s and room > 0:
        grown = min(target_s, new_s + room)
        room -= grown - new_s
        new_s = grown
    if canary is not None and canary.replicas < target_c and room > 0:
        new_c = min(target_c, canary.replicas + room)
    if sum(rs.replicas for rs in others) > 0:
        return new_c, new_s  # older ReplicaSets are drained first
    min_available = replicas - unavailable
    increasing = canary is None or target_c >= canary.replicas
    counted = replicas_for_scale_down(canary, not increasing)
    counted += replicas_for_scale_down(stable, increasing)
    if counted <= min_available:
        return new_c, new_s
    budget = counted - min_available
    if canary is not None and not increasing:  # i.e. the canary is above its target
        new_c = max(target_c, canary.replicas - budget)
        new_c, new_s = _adjust_within_limits(canary, stable, new_c, new_s, max_total, min_available)
    elif has_stable:
        assert stable is not None
        if stable.replicas > target_s:
            new_s = max(target_s, stable.replicas - budget)
        new_s, new_c = _adjust_within_limits(stable, canary, new_s, new_c, max_total, min_available)
    return new_c, new_s
