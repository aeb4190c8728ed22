"""Which weight (or explicit canary size) the canary steps ask for now, abort walk-back included.

Reads the manifest's canary step mappings as loaded from YAML (``{"setWeight": 20}``, ...):
``GetCurrentSetWeight``, ``UseSetCanaryScale``, ``GetDesiredCanaryWeight`` and
``GetCanaryReplicasOrWeight`` of ``utils/replicaset/canary.go``, plus
``trafficWeightToReplicas`` (weights to pods, always rounding up). Part of the issue-#2 API,
re-exported by :mod:`canarysim.engine.replicas`.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from typing import Any

from canarysim.engine.memo import LastEntry
from canarysim.engine.replicas.fenceposts import ReplicaSetCounts

__all__ = [
    "Steps",
    "active_set_canary_scale",
    "canary_replicas_or_weight",
    "current_set_weight",
    "desired_canary_weight",
    "traffic_weight_to_replicas",
]

Steps = Sequence[Mapping[str, Any]]


def _step_index(steps: Steps, current_step_index: int | None) -> int | None:
    """The index of the current step, or None when there is none (no steps / past the end).

    Mirrors ``GetCurrentCanaryStep``: a missing status index counts as 0.
    """
    index = 0 if current_step_index is None else current_step_index
    if not steps or index >= len(steps) or index < 0:
        return None
    return index


_SCALE_STEPS: LastEntry[Steps, tuple[int, ...]] = LastEntry()


def _scale_positions(steps: Steps) -> Sequence[int]:
    """Indices of the steps that have a ``setCanaryScale`` key. For a tuple of steps (the
    engine's, one per plan) remembered for the last one by identity, so that a reconcile does
    not scan every step for it; a list is scanned each time (it may change)."""
    if not isinstance(steps, tuple):
        return [i for i, s in enumerate(steps) if s.get("setCanaryScale") is not None]
    known = _SCALE_STEPS.get(steps)
    if known is not None:
        return known
    positions = tuple(i for i, s in enumerate(steps) if s.get("setCanaryScale") is not None)
    return _SCALE_STEPS.put(steps, positions)


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
    positions = _scale_positions(steps)
    for i in reversed(positions[: bisect.bisect_right(positions, index)]):
        scale = steps[i].get("setCanaryScale")
        if not isinstance(scale, Mapping):
            raise ValueError(f"setCanaryScale must be a mapping, got {scale!r}")
        if scale.get("matchTrafficWeight"):
            return None
        return scale
    return None


def traffic_weight_to_replicas(replicas: int, weight: int, max_weight: int) -> int:
    """Pods needed to carry ``weight`` out of ``max_weight`` traffic: always rounds up.

    (``trafficWeightToReplicas``; the weight may exceed ``max_weight``, as setCanaryScale allows.)

    >>> [traffic_weight_to_replicas(10, w, 100) for w in (0, 20, 25, 33, 99, 100)]
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
    aborted: bool,
    dynamic_stable_scale: bool,
    abort_scale_down_delay_seconds: int | None = None,
    max_weight: int,
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
    ...           dynamic_stable_scale=True, canary=ReplicaSetCounts(5, 5), max_weight=100)
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
