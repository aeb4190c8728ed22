"""``canary.replicaProgressThreshold``: how much of a step's canary must be available.

``ReplicaProgressThresholdMet`` (utils/replicaset/canary.go) gates three decisions: a
setWeight step's completion (``AtDesiredReplicaCountsForCanary``), the full promotion
(``shouldFullPromote``, rollout/sync.go) and whether the stable can carry its weight before
the router is written (``checkReplicasAvailable``, rollout/trafficrouting.go). The promotion
and stable-carry rows transcribe the values of upstream's
``TestShouldFullPromoteWithReplicaProgressThreshold`` and
``TestCheckReplicasAvailableWithReplicaProgressThreshold``.
"""

from __future__ import annotations

import pytest
from test_steps_world import H1, H2, events, make_plan, make_status, reconcile, router_weights, rs

from canarysim.engine.model import SetWeight

TR = {"traffic_routing": True, "canary_service": "canary", "stable_service": "stable"}


@pytest.mark.parametrize(
    ("threshold", "completes"),
    [
        (None, False),  # all 5 desired pods must be available
        (("Percent", 60), True),  # 3 of 5 is 60 %
        (("Percent", 61), False),
        (("Pods", 3), True),
        (("Pods", 4), False),
        (("pods", 3), True),  # any type but "Percent" counts pods
        (("Percent", -1), False),  # a negative value means the default
        (("Percent", 0), True),
    ],
)
def test_set_weight_step_completes_at_the_threshold(
    threshold: tuple[str, int] | None, completes: bool
) -> None:
    """Basic canary, setWeight 50 of 10: the canary is at its 5 pods, 3 available."""
    plan = make_plan(
        replicas=10,
        steps=(SetWeight(50), SetWeight(80)),
        replica_progress_threshold=threshold,
    )
    status = make_status(plan, index=0, counts=(10, 5, 8, 8))
    d = reconcile(plan, status, rs(H1, 5), rs(H2, 5, 3))
    assert d.status.current_step_index == (1 if completes else 0)
    completed = ("RolloutStepCompleted", "Rollout step 1/2 completed (setWeight: 50)")
    assert (completed in events(d)) is completes


@pytest.mark.parametrize(
    ("available", "threshold", "promoted"),
    [
        (9, ("Percent", 90), True),
        (8, ("Percent", 90), False),
        (9, None, False),
        (10, None, True),
        (9, ("Pods", 9), True),
    ],
)
def test_full_promotion_at_the_threshold(
    available: int, threshold: tuple[str, int] | None, promoted: bool
) -> None:
    """After the last step, the new ReplicaSet (10 spec) becomes stable when its available
    pods reach ``spec.replicas`` or the threshold of it."""
    plan = make_plan(replicas=10, steps=(SetWeight(100),), replica_progress_threshold=threshold)
    status = make_status(plan, index=1, counts=(20, 10, 20, 20))
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 10, available))
    assert (d.status.stable_rs == H2) is promoted
    promotion = (
        "RolloutCompleted",
        f"Rollout completed update to revision 2 ({H2}): Completed all 1 canary steps",
    )
    assert (promotion in events(d)) is promoted


@pytest.mark.parametrize(
    ("stable_available", "threshold", "written"),
    [
        (4, ("Percent", 80), True),  # 4 of the stable's 5 for 50 of 100 is 80 %
        (3, ("Percent", 80), False),
        (4, None, False),
        (5, None, True),
        (2, ("Pods", 2), True),
    ],
)
def test_stable_carries_its_weight_at_the_threshold(
    stable_available: int, threshold: tuple[str, int] | None, written: bool
) -> None:
    """``checkReplicasAvailable`` for the stable's 50 of 100 over 10 replicas (5 pods)."""
    plan = make_plan(
        replicas=10,
        steps=(SetWeight(50), SetWeight(80)),
        replica_progress_threshold=threshold,
        **TR,
    )
    status = make_status(plan, index=0)
    d = reconcile(plan, status, rs(H1, 10, stable_available), rs(H2, 5))
    assert router_weights(d) == ([(50, 50)] if written else [])
