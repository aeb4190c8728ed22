"""Argo Rollouts' canary replica arithmetic, reimplemented from the controller's behaviour.

Everything the controller decides about ``.spec.replicas`` of the canary and stable ReplicaSets
in one reconcile lives here, as pure functions of plain numbers. The upstream home of each rule
is ``utils/replicaset/canary.go`` (and ``resolveFenceposts`` in ``utils/replicaset/replicaset.go``)
of argoproj/argo-rollouts; comments cite the Go function a rule comes from.

Vocabulary: ``replicas`` is the Rollout's ``spec.replicas`` (R); a :class:`ReplicaSetCounts` is
one ReplicaSet's ``spec.replicas`` and ``status.availableReplicas``; a "weight" is a canary
traffic weight out of ``max_weight`` (100 unless ``trafficRouting.maxTrafficWeight``); ``steps``
are the manifest's canary step mappings as loaded from YAML (``{"setWeight": 20}``, ...).

Floating point is used exactly where the Go code uses ``float64`` (rounding weights to replicas,
the tie test, the distance between weights), so borderline cases round the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ReplicaSetCounts",
    "active_set_canary_scale",
    "at_desired_replica_counts",
    "basic_canary_counts",
    "canary_replica_counts",
    "canary_replicas_or_weight",
    "check_min_pods_per_replica_set",
    "current_set_weight",
    "desired_canary_weight",
    "parse_int_or_percent",
    "replica_progress_threshold_met",
    "replicas_for_scale_down",
    "resolve_fenceposts",
    "traffic_routed_canary_counts",
    "traffic_weight_to_replicas",
    "weighted_split",
]

IntOrPercent = int | str
Steps = Sequence[Mapping[str, Any]]
DEFAULT_MAX_SURGE = "25"  # utils/defaults: DefaultMaxSurge (a string, so a percentage)
DEFAULT_MAX_UNAVAILABLE = "25"  # utils/defaults: DefaultMaxUnavailable


@dataclass(frozen=True)
class ReplicaSetCounts:
    """One ReplicaSet as the arithmetic sees it: ``spec.replicas`` and available pods."""

    replicas: int
    available: int


# --------------------------------------------------------------------------- surge / unavailable


def parse_int_or_percent(value: IntOrPercent) -> tuple[int, bool]:
    """``(number, is_percent)`` of a Kubernetes IntOrString, as the controller reads it.

    Argo uses apimachinery's deprecated ``GetValueFromIntOrPercent``: every ``%`` is deleted from
    a string and whatever remains must be a Go integer; *any* string is a percentage, ``%`` or
    not. Integers are absolute.

    >>> parse_int_or_percent("25%"), parse_int_or_percent("25"), parse_int_or_percent(3)
    ((25, True), (25, True), (3, False))
    >>> parse_int_or_percent("oops")
    Traceback (most recent call last):
    ...
    ValueError: invalid int-or-percent value 'oops'
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"invalid int-or-percent value {value!r}")
    if isinstance(value, int):
        return value, False
    digits = value.replace("%", "")
    body = digits[1:] if digits[:1] in ("+", "-") else digits
    if not body or not body.isascii() or not body.isdigit():
        raise ValueError(f"invalid int-or-percent value {value!r}")
    return int(digits), True


def _scaled(value: IntOrPercent, total: int, round_up: bool) -> int:
    number, percent = parse_int_or_percent(value)
    if not percent:
        return number
    exact = float(number) * float(total) / 100  # same float64 expression as apimachinery
    return math.ceil(exact) if round_up else math.floor(exact)


def resolve_fenceposts(
    max_surge: IntOrPercent | None, max_unavailable: IntOrPercent | None, replicas: int
) -> tuple[int, int]:
    """Effective ``(maxSurge, maxUnavailable)`` pod counts for a Rollout of ``replicas`` pods.

    Percentages (any string) resolve against ``replicas``: surge rounds up, unavailable rounds
    down. If both come out 0, unavailable becomes 1 (``resolveFenceposts``), and unavailable is
    finally capped at ``replicas`` (0 when replicas is 0), as ``MaxUnavailable`` does. ``None``
    means "not set in the manifest": Argo's default ``"25"`` (i.e. 25%). A bad string raises
    :class:`ValueError` naming it.

    >>> resolve_fenceposts("39%", "39%", 10)
    (4, 3)
    >>> resolve_fenceposts("25", 0, 10) == resolve_fenceposts("25%", 0, 10) == (3, 0)
    True
    >>> resolve_fenceposts("0%", "0%", 10), resolve_fenceposts(None, None, 4)
    ((0, 1), (1, 1))
    """
    surge = _scaled(DEFAULT_MAX_SURGE if max_surge is None else max_surge, replicas, True)
    unavailable = _scaled(
        DEFAULT_MAX_UNAVAILABLE if max_unavailable is None else max_unavailable, replicas, False
    )
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, max(0, min(unavailable, replicas))  # MaxUnavailable: 0 pods -> 0


# --------------------------------------------------------------------------- weights and steps


def _step_index(steps: Steps, current_step_index: int | None) -> int | None:
    """The index of the current step, or None when there is none (no steps / past the end).

    Mirrors ``GetCurrentCanaryStep``: a missing status index counts as 0.
    """
    index = 0 if current_step_index is None else current_step_index
    if not steps or index >= len(steps) or index < 0:
        return None
    return index


def _int_field(mapping: Mapping[str, Any], key: str) -> int | None:
    value = mapping.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be an integer, got {value!r}")
    return value


def current_set_weight(
    steps: Steps, current_step_index: int | None, *, aborted: bool = False, max_weight: int = 100
) -> int:
    """The weight the steps ask for now (``GetCurrentSetWeight``).

    Aborted: 0. No current step (no steps, or index past the last step): ``max_weight``.
    Otherwise the nearest ``setWeight`` at or before the current step, else 0.

    >>> steps = [{"setWeight": 20}, {"pause": {"duration": "1h"}}, {"setWeight": 50}]
    >>> [current_set_weight(steps, i) for i in (None, 0, 1, 2, 3)]
    [20, 20, 20, 50, 100]
    >>> current_set_weight([{"pause": {}}], 0), current_set_weight(steps, 2, aborted=True)
    (0, 0)
    """
    if aborted:
        return 0
    index = _step_index(steps, current_step_index)
    if index is None:
        return max_weight
    for i in range(index, -1, -1):
        weight = _int_field(steps[i], "setWeight")
        if weight is not None:
            return weight
    return 0


def active_set_canary_scale(
    steps: Steps,
    current_step_index: int | None,
    *,
    traffic_routing: bool,
    aborted: bool = False,
    abort_scale_down_delay_seconds: int | None = None,
) -> Mapping[str, Any] | None:
    """The ``setCanaryScale`` mapping that sizes the canary now, or None (``UseSetCanaryScale``).

    Only with traffic routing. Sticky: the most recent ``setCanaryScale`` at or before the current
    step wins, and a ``matchTrafficWeight: true`` one cancels it. Past the last step nothing
    applies. On abort it is ignored unless ``abortScaleDownDelaySeconds`` is explicitly 0
    (a None delay means the default 30 s, which is not 0).

    >>> steps = [{"setCanaryScale": {"replicas": 3}}, {"setWeight": 20}, {"pause": {}},
    ...          {"setCanaryScale": {"matchTrafficWeight": True}}]
    >>> [active_set_canary_scale(steps, i, traffic_routing=True) for i in range(5)]
    [{'replicas': 3}, {'replicas': 3}, {'replicas': 3}, None, None]
    >>> active_set_canary_scale(steps, 1, traffic_routing=False) is None
    True
    >>> active_set_canary_scale(steps, 1, traffic_routing=True, aborted=True) is None
    True
    >>> active_set_canary_scale(steps, 1, traffic_routing=True, aborted=True,
    ...                         abort_scale_down_delay_seconds=0)
    {'replicas': 3}
    """
    if not traffic_routing:
        return None
    if aborted and abort_scale_down_delay_seconds != 0:
        return None
    index = _step_index(steps, current_step_index)
    if index is None:
        return None
    for i in range(index, -1, -1):
        scale = steps[i].get("setCanaryScale")
        if scale is None:
            continue
        if not isinstance(scale, Mapping):
            raise ValueError(f"setCanaryScale must be a mapping, got {scale!r}")
        if scale.get("matchTrafficWeight"):
            return None
        return scale
    return None


def traffic_weight_to_replicas(replicas: int, weight: int, max_weight: int = 100) -> int:
    """Pods needed to carry ``weight`` out of ``max_weight`` traffic: always rounds up.

    (``trafficWeightToReplicas``; the weight may exceed ``max_weight``, as setCanaryScale allows.)

    >>> [traffic_weight_to_replicas(10, w) for w in (0, 20, 25, 33, 99, 100)]
    [0, 2, 3, 4, 10, 10]
    """
    return math.ceil(float(weight) * float(replicas) / float(max_weight))


def desired_canary_weight(
    *,
    replicas: int,
    steps: Steps,
    current_step_index: int | None,
    canary: ReplicaSetCounts | None,
    stable: ReplicaSetCounts | None,
    aborted: bool = False,
    dynamic_stable_scale: bool = False,
    abort_scale_down_delay_seconds: int | None = None,
    max_weight: int = 100,
) -> int:
    """The weight the replica math aims at, abort walk-back included (``GetDesiredCanaryWeight``).

    Aborted with ``dynamicStableScale`` and both ReplicaSets present: the canary should shrink one
    ``setWeight`` at a time as stable pods become available. The canary still "needs"
    ``max(R - stable.available, canary.available)`` pods (only ``R - stable.available`` when an
    abort delay > 0 was set explicitly, so the weight can reach 0 and the delay can start); the
    answer is the last ``setWeight`` (scanning all steps from the end) whose pods are fewer than
    that, else 0. Otherwise :func:`current_set_weight`.

    >>> steps = [{"setWeight": 10}, {"setWeight": 50}]
    >>> kw = dict(replicas=10, steps=steps, current_step_index=0, aborted=True,
    ...           dynamic_stable_scale=True, canary=ReplicaSetCounts(5, 5))
    >>> desired_canary_weight(stable=ReplicaSetCounts(9, 9), **kw)
    10
    >>> kw["abort_scale_down_delay_seconds"] = 30
    >>> desired_canary_weight(stable=ReplicaSetCounts(9, 9), **kw)
    0
    """
    if aborted and dynamic_stable_scale and canary is not None and stable is not None:
        expected = replicas - stable.available
        needed = max(expected, canary.available)
        if abort_scale_down_delay_seconds is not None and abort_scale_down_delay_seconds != 0:
            needed = expected  # HasExplicitAbortScaleDownDelay: don't hold the weight up
        for step in reversed(steps):
            weight = _int_field(step, "setWeight")
            if weight is None:
                continue
            if traffic_weight_to_replicas(replicas, weight, max_weight) < needed:
                return weight
        return 0
    return current_set_weight(steps, current_step_index, aborted=aborted, max_weight=max_weight)


def canary_replicas_or_weight(
    *,
    replicas: int,
    steps: Steps,
    current_step_index: int | None,
    canary: ReplicaSetCounts | None,
    stable: ReplicaSetCounts | None,
    traffic_routing: bool,
    dynamic_stable_scale: bool = False,
    promote_full: bool = False,
    aborted: bool = False,
    abort_scale_down_delay_seconds: int | None = None,
    max_weight: int = 100,
    canary_is_stable: bool = False,
) -> tuple[int | None, int]:
    """``(explicit canary replicas or None, weight)`` in effect (``GetCanaryReplicasOrWeight``).

    In order: full promotion, no stable ReplicaSet (``stable is None``) or the canary already
    being the stable one → ``(None, max_weight)``; an active ``setCanaryScale`` →
    ``(replicas, 0)`` or ``(None, its weight)``; else ``(None, desired_canary_weight(...))``.

    >>> steps = [{"setWeight": 10}, {"setCanaryScale": {"weight": 20}}]
    >>> kw = dict(replicas=4, steps=steps, canary=None, stable=ReplicaSetCounts(4, 4))
    >>> canary_replicas_or_weight(current_step_index=1, traffic_routing=True, **kw)
    (None, 20)
    >>> canary_replicas_or_weight(current_step_index=1, traffic_routing=False, **kw)
    (None, 10)
    >>> canary_replicas_or_weight(current_step_index=0, traffic_routing=True, promote_full=True,
    ...                           **kw)
    (None, 100)
    """
    if promote_full or stable is None or canary_is_stable:
        return None, max_weight
    scale = active_set_canary_scale(
        steps,
        current_step_index,
        traffic_routing=traffic_routing,
        aborted=aborted,
        abort_scale_down_delay_seconds=abort_scale_down_delay_seconds,
    )
    if scale is not None:
        explicit = _int_field(scale, "replicas")
        if explicit is not None:
            return explicit, 0
        weight = _int_field(scale, "weight")
        if weight is not None:
            return None, weight
    return None, desired_canary_weight(
        replicas=replicas,
        steps=steps,
        current_step_index=current_step_index,
        canary=canary,
        stable=stable,
        aborted=aborted,
        dynamic_stable_scale=dynamic_stable_scale,
        abort_scale_down_delay_seconds=abort_scale_down_delay_seconds,
        max_weight=max_weight,
    )


# --------------------------------------------------------------------------- basic canary


def _weight_delta(weight: int, max_weight: int, canary: int, total: int) -> float:
    return abs(float(canary * max_weight) / float(total) - float(weight))


def _tied(weight: int, max_weight: int, total: int) -> bool:
    # floorCeilingTied: the float64 product, not the exact rational, decides a tie.
    return math.modf(float(total) * (float(weight) / float(max_weight)))[0] == 0.5


def weighted_split(
    replicas: int, weight: int, max_surge: int, max_weight: int = 100
) -> tuple[int, int]:
    """Target ``(canary, stable)`` pods of a basic canary.

    Upstream: ``approximateWeightedCanaryStableReplicaCounts``.

    Not ``round(R*W/100)``: Argo tries canary counts ``ceil``/``floor`` of ``R*W/max`` over a
    total of R, and of R+1 when ``max_surge`` (resolved pods) > 0, and keeps the candidate whose
    weight is nearest W (earlier candidate on equal distance; an exact .5 tie takes the ceiling).
    For 0 < W < max neither side is emptied once R + surge ≥ 2.

    >>> weighted_split(10, 10, 1), weighted_split(10, 1, 1), weighted_split(3, 50, 1)
    ((1, 9), (1, 10), (2, 2))
    >>> weighted_split(1, 49, 0), weighted_split(1, 50, 0), weighted_split(0, 50, 1)
    ((0, 1), (1, 0), (0, 0))
    """
    if replicas == 0:
        return 0, 0
    ceil_c = math.ceil(float(replicas * weight) / float(max_weight))
    floor_c = math.floor(float(replicas * weight) / float(max_weight))
    zero_allowed = weight in (max_weight, 0) or (replicas == 1 and max_surge == 0)
    options: list[tuple[int, int]] = []
    if ceil_c < replicas or zero_allowed:
        options.append((ceil_c, replicas))
    if not _tied(weight, max_weight, replicas) and (floor_c != 0 or zero_allowed):
        options.append((floor_c, replicas))
    if max_surge > 0:
        options.append((ceil_c, replicas + 1))
        if not _tied(weight, max_weight, replicas + 1) and (floor_c != 0 or zero_allowed):
            options.append((floor_c, replicas + 1))
    if not options:
        return 0, replicas
    best = options[0]
    for option in options[1:]:
        if _weight_delta(weight, max_weight, *option) < _weight_delta(weight, max_weight, *best):
            best = option
    return best[0], best[1] - best[0]


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
    if rs.replicas < rs.available or ignore_availability:
        return rs.replicas
    return rs.available


def _adjust_within_limits(
    drain: ReplicaSetCounts | None,
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
    available = min(drain.available, drain_count) if drain is not None else 0
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
    max_weight: int = 100,
) -> tuple[int, int]:
    """One reconcile's ``(canary, stable)`` without traffic routing.

    Upstream: ``CalculateReplicaCountsForBasicCanary``.

    ``surge``/``unavailable`` are resolved pod counts. Moves one bounded step toward
    :func:`weighted_split`: surge stable up first, then the canary, within R + surge; stop there
    while older ReplicaSets still have pods; then scale down within R - unavailable available
    pods: stable when the canary grows, the canary when it shrinks (abort / lower weight).
    Without a distinct stable ReplicaSet the target is the whole Rollout on the canary.

    >>> basic_canary_counts(replicas=10, weight=30, surge=0, unavailable=5,
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
        target_c, target_s = replicas, 0
    max_total = replicas + surge
    current_total = sum(rs.replicas for rs in others)
    current_total += (canary.replicas if canary else 0) + (new_s if has_stable else 0)
    room = max_total - current_total
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
    if not increasing:
        if canary is not None and canary.replicas > target_c:
            new_c = max(target_c, canary.replicas - budget)
        new_c, new_s = _adjust_within_limits(canary, stable, new_c, new_s, max_total, min_available)
    elif has_stable:
        assert stable is not None
        if stable.replicas > target_s:
            new_s = max(target_s, stable.replicas - budget)
        new_s, new_c = _adjust_within_limits(stable, canary, new_s, new_c, max_total, min_available)
    return new_c, new_s


# --------------------------------------------------------------------------- traffic routing


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
    dynamic_stable_scale: bool = False,
    min_pods_per_replica_set: int | None = None,
    aborted: bool = False,
    traffic_weights: tuple[int, int] | None = None,
    max_weight: int = 100,
) -> tuple[int, int]:
    """``(canary, stable)`` with a traffic router.

    Upstream: ``CalculateReplicaCountsForTrafficRoutedCanary``.

    No surge/unavailable bounds: the canary is ``ceil(R*W/max)`` (or setCanaryScale's replicas)
    and stable stays at R. With ``dynamicStableScale`` stable follows ``max - W`` but never drops
    below the traffic the router still sends it; on abort the canary likewise keeps enough pods for
    the traffic it still gets.

    >>> traffic_routed_canary_counts(replicas=10, explicit_canary=None, weight=5,
    ...                              min_pods_per_replica_set=2)
    (2, 10)
    >>> traffic_routed_canary_counts(replicas=10, explicit_canary=None, weight=20,
    ...                              dynamic_stable_scale=True, traffic_weights=(10, 90))
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


# --------------------------------------------------------------------------- one reconcile


def canary_replica_counts(
    *,
    replicas: int,
    max_surge: IntOrPercent | None,
    max_unavailable: IntOrPercent | None,
    steps: Steps,
    current_step_index: int | None,
    canary: ReplicaSetCounts | None,
    stable: ReplicaSetCounts | None,
    others: Sequence[ReplicaSetCounts] = (),
    traffic_routing: bool,
    dynamic_stable_scale: bool = False,
    min_pods_per_replica_set: int | None = None,
    promote_full: bool = False,
    aborted: bool = False,
    abort_scale_down_delay_seconds: int | None = None,
    max_traffic_weight: int = 100,
    traffic_weights: tuple[int, int] | None = None,
    canary_is_stable: bool = False,
) -> tuple[int, int]:
    """The ``(canary, stable)`` ``.spec.replicas`` the controller sets in one reconcile.

    ``canary``/``stable`` are the current ReplicaSets (None: absent; stable None also means "no
    stable recorded", which sends everything to the canary); ``others`` the older ones.
    ``traffic_weights`` are the router's current ``(canary, stable)`` weights, if known.
    ``canary_is_stable``: the status's stable hash is set and equals the new ReplicaSet's, so
    Argo hands the new ReplicaSet in as the stable one too (``stable`` is then ignored). The
    stable number returned is Argo's value for a ReplicaSet it never scales separately. With no
    stable hash recorded at all, pass ``stable=None`` and ``canary_is_stable=False``: the two
    differ when an over-sized new ReplicaSet shrinks (see the tests).

    >>> steps = [{"setWeight": 20}, {"pause": {}}]
    >>> canary_replica_counts(replicas=10, max_surge=2, max_unavailable=0, steps=steps,
    ...     current_step_index=1, canary=ReplicaSetCounts(0, 0), stable=ReplicaSetCounts(10, 10),
    ...     traffic_routing=False)
    (2, 10)
    >>> canary_replica_counts(replicas=10, max_surge=2, max_unavailable=0, steps=steps,
    ...     current_step_index=1, canary=ReplicaSetCounts(2, 2), stable=ReplicaSetCounts(10, 10),
    ...     traffic_routing=False)
    (2, 8)
    >>> canary_replica_counts(replicas=10, max_surge=2, max_unavailable=0, steps=steps,
    ...     current_step_index=1, canary=None, stable=ReplicaSetCounts(10, 10),
    ...     traffic_routing=True)
    (2, 10)
    """
    if max_traffic_weight <= 0:
        raise ValueError(f"maxTrafficWeight must be positive, got {max_traffic_weight!r}")
    surge, unavailable = resolve_fenceposts(max_surge, max_unavailable, replicas)
    explicit, weight = canary_replicas_or_weight(
        replicas=replicas,
        steps=steps,
        current_step_index=current_step_index,
        canary=canary,
        stable=stable,
        traffic_routing=traffic_routing,
        dynamic_stable_scale=dynamic_stable_scale,
        promote_full=promote_full,
        aborted=aborted,
        abort_scale_down_delay_seconds=abort_scale_down_delay_seconds,
        max_weight=max_traffic_weight,
        canary_is_stable=canary_is_stable,
    )
    if traffic_routing:
        return traffic_routed_canary_counts(
            replicas=replicas,
            explicit_canary=explicit,
            weight=weight,
            dynamic_stable_scale=dynamic_stable_scale,
            min_pods_per_replica_set=min_pods_per_replica_set,
            aborted=aborted,
            traffic_weights=traffic_weights,
            max_weight=max_traffic_weight,
        )
    return basic_canary_counts(
        replicas=replicas,
        weight=weight,
        surge=surge,
        unavailable=unavailable,
        canary=canary,
        stable=stable,
        others=others,
        canary_is_stable=canary_is_stable,
        max_weight=max_traffic_weight,
    )


# --------------------------------------------------------------------------- step completion


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
