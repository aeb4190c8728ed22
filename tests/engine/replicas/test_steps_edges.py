"""Step-weight edges the mutation run found unpinned (``GetCurrentSetWeight``,
``GetDesiredCanaryWeight`` of ``utils/replicaset/canary.go``), worked by hand."""

from __future__ import annotations

from canarysim.engine.replicas import ReplicaSetCounts, current_set_weight, desired_canary_weight


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
