"""Step-weight edges the mutation run found unpinned (``GetCurrentSetWeight``,
``GetDesiredCanaryWeight`` of ``utils/replicaset/canary.go``), worked by hand."""

from __future__ import annotations

from canarysim.engine.replicas import (
    ReplicaSetCounts,
    active_set_canary_scale,
    canary_replica_counts,
    canary_replicas_or_weight,
    current_set_weight,
    desired_canary_weight,
)


def test_current_set_weight_never_looks_past_the_current_step():
    # No setWeight at or before step 0: 0, even though the last step sets 50.
    assert current_set_weight([{"pause": {}}, {"setWeight": 50}], 0) == 0


def test_abort_walk_back_skips_steps_without_set_weight():
    # R=10, stable 9 available, canary 5 available: 5 pods still needed. Scanning from the end,
    # the pause is skipped, 50 % (5 pods) is not below 5, 10 % (1 pod) is.
    weight = desired_canary_weight(
        replicas=10,
        steps=[{"setWeight": 10}, {"setWeight": 50}, {"pause": {}}],
        current_step_index=2,
        canary=ReplicaSetCounts(5, 5),
        stable=ReplicaSetCounts(9, 9),
        aborted=True,
        dynamic_stable_scale=True,
        max_weight=100,
    )
    assert weight == 10


ROUTED = dict(
    replicas=10,
    max_surge=0,
    max_unavailable=1,
    canary=None,
    stable=ReplicaSetCounts(10, 10),
    traffic_routing=True,
)


def test_past_the_last_step_the_weight_is_max_traffic_weight():
    # GetCurrentSetWeight returns maxTrafficWeight (200 of 200), not 100 (half of it).
    got = canary_replica_counts(
        steps=[{"setWeight": 50}], current_step_index=1, max_traffic_weight=200, **ROUTED
    )
    assert got == (10, 10)


def test_max_traffic_weight_one_is_allowed():
    got = canary_replica_counts(
        steps=[{"setWeight": 1}], current_step_index=0, max_traffic_weight=1, **ROUTED
    )
    assert got == (10, 10)


def test_new_replica_set_that_is_the_stable_takes_the_whole_rollout():
    # stableRS == newRS: CheckStableRSExists is false, so the given stable is not scaled.
    got = canary_replica_counts(
        replicas=4,
        max_surge=1,
        max_unavailable=0,
        steps=[{"setWeight": 50}],
        current_step_index=0,
        canary=ReplicaSetCounts(4, 4),
        stable=ReplicaSetCounts(2, 2),
        traffic_routing=False,
        canary_is_stable=True,
    )
    assert got == (4, 0)


def test_set_canary_scale_never_comes_from_a_later_step():
    steps = [{"setWeight": 20}, {"setCanaryScale": {"replicas": 3}}]
    assert active_set_canary_scale(steps, 0, traffic_routing=True) is None


def test_new_replica_set_that_is_the_stable_ignores_the_given_stable_even_when_short():
    # Half the canary's pods are unavailable: a distinct stable of 2 would be kept; the new RS
    # being the stable means there is no separate stable to keep.
    got = canary_replica_counts(
        replicas=4,
        max_surge=1,
        max_unavailable=0,
        steps=[{"setWeight": 50}],
        current_step_index=0,
        canary=ReplicaSetCounts(4, 2),
        stable=ReplicaSetCounts(2, 2),
        traffic_routing=False,
        canary_is_stable=True,
    )
    assert got == (4, 0)


def test_routed_new_replica_set_that_is_the_stable_gets_full_weight():
    got = canary_replica_counts(
        steps=[{"setWeight": 50}],
        current_step_index=0,
        **{**ROUTED, "canary": ReplicaSetCounts(10, 10)},
        canary_is_stable=True,
    )
    assert got == (10, 10)


def test_abort_without_dynamic_stable_scale_asks_for_weight_zero_at_once():
    # The walk-back one setWeight at a time is dynamicStableScale's; by default an abort is 0.
    got = canary_replicas_or_weight(
        replicas=10,
        steps=[{"setWeight": 10}, {"setWeight": 50}],
        current_step_index=1,
        canary=ReplicaSetCounts(5, 5),
        stable=ReplicaSetCounts(9, 9),
        traffic_routing=True,
        aborted=True,
    )
    assert got == (None, 0)
