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

One idea per module, all re-exported here (the issue-#2 API is imported from this module):

- :mod:`.replicas_fenceposts`: ``ReplicaSetCounts``, ``resolve_fenceposts``, ``weighted_split``;
- :mod:`.replicas_steps`: the weight or explicit canary size the steps ask for now;
- :mod:`.replicas_basic`: one reconcile without a traffic router;
- :mod:`.replicas_routed`: one reconcile with a traffic router;
- :mod:`.replicas_checks`: step completion (replica counts reached);
- this module: :func:`canary_replica_counts`, one reconcile whichever the mode.
"""

from __future__ import annotations

from collections.abc import Sequence

from canarysim.engine.replicas.basic import basic_canary_counts, replicas_for_scale_down
from canarysim.engine.replicas.checks import (
    at_desired_replica_counts,
    replica_progress_threshold_met,
)
from canarysim.engine.replicas.fenceposts import (
    DEFAULT_MAX_SURGE,
    DEFAULT_MAX_UNAVAILABLE,
    IntOrPercent,
    ReplicaSetCounts,
    parse_int_or_percent,
    resolve_fenceposts,
    weighted_split,
)
from canarysim.engine.replicas.routed import (
    check_min_pods_per_replica_set,
    traffic_routed_canary_counts,
)
from canarysim.engine.replicas.steps import (
    Steps,
    active_set_canary_scale,
    canary_replicas_or_weight,
    current_set_weight,
    desired_canary_weight,
    traffic_weight_to_replicas,
)

__all__ = [
    "DEFAULT_MAX_SURGE",
    "DEFAULT_MAX_UNAVAILABLE",
    "IntOrPercent",
    "ReplicaSetCounts",
    "active_set_canary_scale",
    "at_desired_replica_counts",
    "basic_canary_counts",
    "canary_replica_counts",
    "canary_replicas_or_weight",
    "check_min_pods_per_replica_set",
    "counts_for_weight",
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
    return counts_for_weight(
        replicas=replicas,
        explicit_canary=explicit,
        weight=weight,
        surge=surge,
        unavailable=unavailable,
        canary=canary,
        stable=stable,
        others=others,
        traffic_routing=traffic_routing,
        dynamic_stable_scale=dynamic_stable_scale,
        min_pods_per_replica_set=min_pods_per_replica_set,
        aborted=aborted,
        traffic_weights=traffic_weights,
        max_traffic_weight=max_traffic_weight,
        canary_is_stable=canary_is_stable,
    )


def counts_for_weight(
    *,
    replicas: int,
    explicit_canary: int | None,
    weight: int,
    surge: int,
    unavailable: int,
    canary: ReplicaSetCounts | None,
    stable: ReplicaSetCounts | None,
    others: Sequence[ReplicaSetCounts],
    traffic_routing: bool,
    dynamic_stable_scale: bool,
    min_pods_per_replica_set: int | None,
    aborted: bool,
    traffic_weights: tuple[int, int] | None,
    max_traffic_weight: int,
    canary_is_stable: bool,
) -> tuple[int, int]:
    """The second half of :func:`canary_replica_counts`: the counts for what the steps ask
    (``explicit_canary``, ``weight``: :func:`canary_replicas_or_weight`) and the resolved
    fenceposts, by the traffic-routed or the basic arithmetic. Only this half reads the
    router's weights, so a caller asking for several weights works the first half out once."""
    if traffic_routing:
        return traffic_routed_canary_counts(
            replicas=replicas,
            explicit_canary=explicit_canary,
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
