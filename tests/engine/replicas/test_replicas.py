"""Argo's canary replica arithmetic: oracle tables from upstream unit tests, plus properties.

The oracle numbers are transcribed from argoproj/argo-rollouts ``utils/replicaset/canary_test.go``
and ``utils/replicaset/replicaset_test.go`` (numbers and case names only). Where the Go harness
builds its inputs in a way this API spells differently, the case says how it was translated.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from canarysim.engine.replicas import (
    ReplicaSetCounts,
    active_set_canary_scale,
    at_desired_replica_counts,
    canary_replica_counts,
    canary_replicas_or_weight,
    current_set_weight,
    desired_canary_weight,
    replica_progress_threshold_met,
    replicas_for_scale_down,
    resolve_fenceposts,
    traffic_weight_to_replicas,
    weighted_split,
)

RS = ReplicaSetCounts


def _case(
    replicas: int,
    set_weight: int,
    surge: int | str,
    unavailable: int | str,
    *,
    stable: ReplicaSetCounts,
    canary: ReplicaSetCounts,
    expect: tuple[int, int],
    id: str,
    older: ReplicaSetCounts | None = None,
    scale: dict[str, Any] | None = None,
    routed: bool = False,
    extra: dict[str, Any] | None = None,
) -> Any:
    return pytest.param(
        replicas,
        set_weight,
        surge,
        unavailable,
        stable,
        canary,
        older,
        scale,
        routed,
        extra or {},
        expect,
        id=id,
    )


# TestCalculateReplicaCountsForCanary. Harness quirks, translated:
# * the rollout has exactly one step, holding both ``setWeight`` and (if any) ``setCanaryScale``
#   (an unset setWeight is Go's zero value, 0); the status step index is unset, i.e. step 0;
# * the status records a stable hash different from the canary's, so ``stable`` is never None
#   here and ``canary_is_stable`` is False;
# * traffic-routed cases call the Go function with no ReplicaSets at all (the counts in the table
#   are unused): we pass ``canary=None`` and keep the stable counts only to say "a stable exists";
# * unset maxSurge / maxUnavailable are IntOrString zero values, i.e. the integer 0.
CALCULATE_REPLICA_COUNTS_FOR_CANARY = [
    _case(
        10,
        100,
        3,
        0,
        stable=RS(7, 8),
        canary=RS(6, 3),
        expect=(6, 7),
        id="Do not add extra RSs in scaleDownCount when .Spec.Replica < AvailableReplicas",
    ),
    _case(
        10,
        20,
        2,
        0,
        stable=RS(10, 10),
        canary=RS(0, 0),
        expect=(2, 10),
        id="Use max surge int to scale up canary",
    ),
    _case(
        10,
        20,
        "20%",
        0,
        stable=RS(10, 10),
        canary=RS(0, 0),
        expect=(2, 10),
        id="Use max surge percentage to scale up canary",
    ),
    _case(
        10,
        20,
        "20%",
        0,
        stable=RS(10, 10),
        canary=RS(2, 2),
        expect=(2, 8),
        id="Scale down extra stable replicas",
    ),
    _case(
        10,
        30,
        2,
        0,
        stable=RS(10, 10),
        canary=RS(0, 0),
        expect=(2, 10),
        id="Do not go past max surge",
    ),
    _case(
        10,
        20,
        0,
        2,
        stable=RS(10, 10),
        canary=RS(0, 0),
        expect=(0, 8),
        id="Use max unavailable int to scale down stableRS",
    ),
    _case(
        10,
        20,
        0,
        "20%",
        stable=RS(10, 10),
        canary=RS(0, 0),
        expect=(0, 8),
        id="Use max surge percentage to scale down stableRS",
    ),
    _case(
        10,
        30,
        0,
        2,
        stable=RS(10, 10),
        canary=RS(0, 0),
        expect=(0, 8),
        id="Do not go past max unavailable",
    ),
    _case(
        10,
        50,
        2,
        1,
        stable=RS(10, 10),
        canary=RS(0, 0),
        expect=(2, 9),
        id="Use Max Surge and Max Unavailable",
    ),
    _case(
        10,
        0,
        1,
        1,
        stable=RS(10, 10),
        canary=RS(1, 1),
        expect=(0, 10),
        id="Scale canaryRS to zero on setWeight of 0%",
    ),
    _case(
        10,
        100,
        1,
        1,
        stable=RS(1, 1),
        canary=RS(10, 10),
        expect=(10, 0),
        id="Scale stable to zero on setWeight of 100%",
    ),
    _case(
        1,
        20,
        1,
        0,
        stable=RS(1, 1),
        canary=RS(0, 0),
        expect=(1, 1),
        id="Do not scale canaryRS down to zero on non-zero weight",
    ),
    _case(
        1,
        90,
        1,
        0,
        stable=RS(1, 1),
        canary=RS(0, 0),
        expect=(1, 1),
        id="Do not scale canaryRS down to zero on non-100 weight",
    ),
    _case(
        1,
        49,
        0,
        1,
        stable=RS(1, 1),
        canary=RS(0, 0),
        expect=(0, 1),
        id="Scale canaryRS to zero on <50 weight without surge",
    ),
    _case(
        1,
        51,
        0,
        1,
        stable=RS(1, 1),
        canary=RS(0, 0),
        expect=(0, 0),
        id="Scale stableRS down to zero on >=50 weight without surge",
    ),
    _case(
        1,
        51,
        0,
        1,
        stable=RS(0, 0),
        canary=RS(0, 0),
        expect=(1, 0),
        id="Scale canaryRS to one on >=50 weight without surge and stable replicas",
    ),
    _case(
        10,
        30,
        1,
        0,
        stable=RS(1, 1),
        canary=RS(0, 0),
        older=RS(3, 3),
        expect=(1, 7),
        id="Scale up Stable before canaryRS",
    ),
    _case(
        10,
        30,
        0,
        3,
        stable=RS(8, 5),
        canary=RS(4, 4),
        expect=(3, 7),
        id="Scale down canaryRS and stable",
    ),
    _case(
        10,
        100,
        1,
        0,
        stable=RS(10, 2),
        canary=RS(10, 8),
        expect=(9, 2),
        id="Scale down stable and canary available",
    ),
    _case(
        10,
        30,
        0,
        1,
        stable=RS(8, 6),
        canary=RS(4, 2),
        older=RS(3, 3),
        expect=(4, 8),
        id="Do not scale down canaryRS or stable when older RS count >= scaleDownCount",
    ),
    _case(
        10,
        5,
        0,
        1,
        stable=RS(10, 10),
        canary=RS(0, 0),
        expect=(0, 9),
        id="Do not round past maxSurge with uneven setWeight divisor",
    ),
    _case(
        10,
        5,
        0,
        1,
        stable=RS(9, 9),
        canary=RS(0, 0),
        expect=(1, 9),
        id="Do not round past maxSurge with uneven setWeight divisor (part 2)",
    ),
    _case(
        10,
        10,
        "0%",
        "0%",
        stable=RS(10, 10),
        canary=RS(0, 0),
        expect=(0, 9),
        id=(
            "Use maxUnavailable of 1 when percentage of maxUnavailable and"
            " maxSurge result in 0 replicas"
        ),
    ),
    _case(
        1,
        100,
        0,
        0,
        stable=RS(1, 1),
        canary=RS(0, 0),
        scale={"replicas": 9},
        routed=True,
        expect=(9, 1),
        id=(
            "For canary replicas, use setCanaryScale.replicas when specified along"
            " with trafficRouting (and ignore setWeight)"
        ),
    ),
    _case(
        4,
        100,
        0,
        0,
        stable=RS(4, 4),
        canary=RS(0, 0),
        scale={"weight": 200},
        routed=True,
        expect=(8, 4),
        id=(
            "Use setCanaryScale.weight for canary replicas when specified with"
            " trafficRouting (and ignore setWeight)"
        ),
    ),
    _case(
        10,
        20,
        "20%",
        0,
        stable=RS(10, 10),
        canary=RS(0, 0),
        scale={"replicas": 9, "weight": 100, "matchTrafficWeight": True},
        routed=True,
        expect=(2, 10),
        id="Ignore setCanaryScale replicas/weight when matchTrafficWeight is true",
    ),
    _case(
        10,
        20,
        "20%",
        0,
        stable=RS(10, 10),
        canary=RS(0, 0),
        scale={"replicas": 9, "weight": 100},
        expect=(2, 10),
        id="Ignore setCanaryScale when trafficRouting is missing and use setWeight for replicas",
    ),
    _case(
        4,
        100,
        1,
        0,
        stable=RS(4, 1),
        canary=RS(0, 0),
        expect=(1, 4),
        id="honor maxSurge during scale up when stableRS unavailable",
    ),
    _case(
        3,
        99,
        0,
        2,
        stable=RS(3, 3),
        canary=RS(0, 0),
        expect=(0, 1),
        id="scale down to maxunavailable without exceeding maxSurge",
    ),
    _case(
        3,
        99,
        0,
        2,
        stable=RS(1, 1),
        canary=RS(0, 0),
        expect=(2, 1),
        id="scale down to maxunavailable without exceeding maxSurge (part 2)",
    ),
    _case(
        4,
        100,
        1,
        0,
        stable=RS(4, 1),
        canary=RS(1, 1),
        expect=(1, 3),
        id="honor maxUnavailable during scale down stableRS unavailable",
    ),
    _case(
        4,
        0,
        1,
        0,
        stable=RS(0, 0),
        canary=RS(4, 4),
        expect=(4, 1),
        id="honor maxUnavailable when aborting or reducing weight part 1",
    ),
    _case(
        4,
        0,
        1,
        0,
        stable=RS(1, 0),
        canary=RS(4, 4),
        expect=(4, 1),
        id="honor maxUnavailable when aborting or reducing weight part 2",
    ),
    _case(
        4,
        0,
        1,
        0,
        stable=RS(1, 1),
        canary=RS(4, 4),
        expect=(3, 1),
        id="honor maxUnavailable when aborting or reducing weight part 3",
    ),
    _case(
        4,
        1,
        4,
        4,
        stable=RS(4, 4),
        canary=RS(0, 0),
        extra={"promote_full": True},
        expect=(4, 0),
        id="promote full does not consider weight",
    ),
    _case(
        4,
        1,
        3,
        0,
        stable=RS(4, 4),
        canary=RS(0, 0),
        extra={"promote_full": True},
        expect=(3, 4),
        id="promote full still honors maxSurge/maxUnavailable",
    ),
    _case(
        1,
        0,
        0,
        0,
        stable=RS(1, 1),
        canary=RS(1, 1),
        scale={"replicas": 1},
        routed=True,
        extra={"aborted": True, "abort_scale_down_delay_seconds": 0},
        expect=(1, 1),
        id="aborted with abortScaleDownDelaySeconds:0 and setCanaryScale",
    ),
    _case(
        1,
        0,
        0,
        0,
        stable=RS(1, 1),
        canary=RS(1, 1),
        scale={"replicas": 1},
        routed=True,
        extra={"aborted": True, "abort_scale_down_delay_seconds": 30},
        expect=(0, 1),
        id="aborted with abortScaleDownDelaySeconds>0 and setCanaryScale",
    ),
    _case(
        10,
        5,
        0,
        0,
        stable=RS(10, 10),
        canary=RS(0, 0),
        routed=True,
        extra={"min_pods_per_replica_set": 2},
        expect=(2, 10),
        id="Honor MinPodsPerReplicaSet when using trafficRouting and starting canary",
    ),
    _case(
        1,
        100,
        0,
        0,
        stable=RS(1, 1),
        canary=RS(0, 0),
        routed=True,
        extra={"promote_full": True, "min_pods_per_replica_set": 2},
        expect=(1, 1),
        id="Cap MinPodsPerReplicaSet when it exceeds rollout replicas with trafficRouting",
    ),
]


@pytest.mark.parametrize(
    "replicas,set_weight,surge,unavailable,stable,canary,older,scale,routed,extra,expect",
    CALCULATE_REPLICA_COUNTS_FOR_CANARY,
)
def test_calculate_replica_counts_for_canary(
    replicas: int,
    set_weight: int,
    surge: int | str,
    unavailable: int | str,
    stable: ReplicaSetCounts,
    canary: ReplicaSetCounts,
    older: ReplicaSetCounts | None,
    scale: dict[str, Any] | None,
    routed: bool,
    extra: dict[str, Any],
    expect: tuple[int, int],
) -> None:
    step: dict[str, Any] = {"setWeight": set_weight}
    if scale is not None:
        step["setCanaryScale"] = scale
    got = canary_replica_counts(
        replicas=replicas,
        max_surge=surge,
        max_unavailable=unavailable,
        steps=[step],
        current_step_index=None,
        canary=None if routed else canary,
        stable=stable,
        others=() if older is None else (older,),
        traffic_routing=routed,
        **extra,
    )
    assert got == expect


# TestApproximateWeightedNewStableReplicaCounts: (replicas, weight, surge, (canary, stable)),
# all with maxWeight 100.
APPROXIMATE_WEIGHTED = [
    (0, 0, 0, (0, 0)),
    (0, 50, 0, (0, 0)),
    (0, 100, 0, (0, 0)),
    (0, 0, 1, (0, 0)),
    (0, 50, 1, (0, 0)),
    (0, 100, 1, (0, 0)),
    (1, 0, 0, (0, 1)),
    (1, 1, 0, (0, 1)),
    (1, 49, 0, (0, 1)),
    (1, 50, 0, (1, 0)),
    (1, 99, 0, (1, 0)),
    (1, 100, 0, (1, 0)),
    (1, 0, 1, (0, 1)),
    (1, 1, 1, (1, 1)),
    (1, 49, 1, (1, 1)),
    (1, 50, 1, (1, 1)),
    (1, 99, 1, (1, 1)),
    (1, 100, 1, (1, 0)),
    (2, 0, 0, (0, 2)),
    (2, 1, 0, (1, 1)),
    (2, 50, 0, (1, 1)),
    (2, 99, 0, (1, 1)),
    (2, 100, 0, (2, 0)),
    (2, 0, 1, (0, 2)),
    (2, 1, 1, (1, 2)),
    (2, 50, 1, (1, 1)),
    (2, 99, 1, (2, 1)),
    (2, 100, 1, (2, 0)),
    (3, 10, 0, (1, 2)),
    (3, 25, 0, (1, 2)),
    (3, 33, 0, (1, 2)),
    (3, 34, 0, (1, 2)),
    (3, 49, 0, (1, 2)),
    (3, 50, 0, (2, 1)),
    (3, 10, 1, (1, 3)),
    (3, 25, 1, (1, 3)),
    (3, 33, 1, (1, 2)),
    (3, 34, 1, (1, 2)),
    (3, 49, 1, (2, 2)),
    (3, 50, 1, (2, 2)),
    (10, 0, 1, (0, 10)),
    (10, 1, 0, (1, 9)),
    (10, 14, 0, (1, 9)),
    (10, 15, 0, (2, 8)),
    (10, 16, 0, (2, 8)),
    (10, 99, 0, (9, 1)),
    (10, 100, 1, (10, 0)),
    (10, 0, 1, (0, 10)),
    (10, 1, 1, (1, 10)),
    (10, 18, 1, (2, 9)),
    (10, 19, 1, (2, 9)),
    (10, 20, 1, (2, 8)),
    (10, 23, 1, (2, 8)),
    (10, 24, 1, (3, 8)),
    (10, 25, 1, (3, 8)),
    (10, 99, 1, (10, 1)),
    (10, 100, 1, (10, 0)),
]


@pytest.mark.parametrize(
    "replicas,weight,surge,expect",
    [pytest.param(*row, id=f"R{row[0]}-W{row[1]}-surge{row[2]}") for row in APPROXIMATE_WEIGHTED],
)
def test_approximate_weighted_split(
    replicas: int, weight: int, surge: int, expect: tuple[int, int]
) -> None:
    assert weighted_split(replicas, weight, surge) == expect


# TestCalculateReplicaCountsForCanaryTrafficRoutingDynamicScale. Harness quirks, translated:
# * the helper's second argument (named rolloutMaxReplicas) is really the setWeight of step 0; the
#   table's extra steps are appended after it; the step index is unset (step 0);
# * the canary ReplicaSet is built with available == spec (the availableCanaryReplicas column is
#   ignored), and a ReplicaSet with 0 replicas is not built at all;
# * a missing stable ReplicaSet still has a stable hash in the status: we pass RS(0, 0) (stable
#   None would mean "no stable yet" here); with no canary either, the abort walk never runs.
DYNAMIC_SCALE = [
    # (R, step-0 weight, extra steps, aborted, router (canary, stable), canary, stable, expect)
    pytest.param(
        10, 20, [60], True, (60, 40), RS(6, 6), RS(4, 4), (6, 8),
        id="Should scale stable replica up depending on next expected canary downscale step, if"
        " abort is true",
    ),
    pytest.param(
        10, 20, [60], True, (60, 40), RS(1, 1), RS(4, 4), (6, 8),
        id="Should scale stable replica up depending on available canary replicas, if actual number"
        " of canaries is less than expected and abort is true",
    ),
    pytest.param(
        10, 20, [60], True, (60, 40), RS(2, 2), RS(8, 4), (6, 8),
        id="Should scale stable replica up depending on available stable replicas, if abort is"
        " true",
    ),
    pytest.param(
        10, 20, [60], True, (60, 40), None, RS(0, 0), (6, 10),
        id="Should scale stable up as if canaries are scaled down to 0 if stable and canary"
        " replicas not passed, and abort is true",
    ),
    pytest.param(
        10, 10, [], False, (10, 90), None, RS(0, 0), (1, 9), id="Should scale down stable"
    ),
    pytest.param(
        10, 20, [], False, (10, 90), None, RS(0, 0), (2, 9),
        id="Should take max of desired canary (20) > actual (10)",
    ),
    pytest.param(
        10, 20, [], True, (20, 80), None, RS(0, 0), (2, 10),
        id="Should leave canary scaled up if there is still traffic to it on abort",
    ),
    pytest.param(
        10, 20, [], True, (10, 90), None, RS(0, 0), (1, 10),
        id="Should reduce canary when there is less traffic to it on abort",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    "replicas,first_weight,more,aborted,router,canary,stable,expect", DYNAMIC_SCALE
)
def test_dynamic_stable_scale(
    replicas: int,
    first_weight: int,
    more: list[int],
    aborted: bool,
    router: tuple[int, int],
    canary: ReplicaSetCounts | None,
    stable: ReplicaSetCounts,
    expect: tuple[int, int],
) -> None:
    steps = [{"setWeight": w} for w in [first_weight, *more]]
    got = canary_replica_counts(
        replicas=replicas,
        max_surge=0,
        max_unavailable=1,
        steps=steps,
        current_step_index=None,
        canary=canary,
        stable=stable,
        traffic_routing=True,
        dynamic_stable_scale=True,
        aborted=aborted,
        traffic_weights=router,
    )
    assert got == expect


# TestGetDesiredCanaryWeightOnAbortWithScaleDownDelay: R=10, steps setWeight 10 then 50,
# dynamicStableScale, aborted, canary RS(5, 5), stable RS(n, n).
@pytest.mark.parametrize(
    "delay,stable_available,expect",
    [
        pytest.param(None, 9, 10, id="no explicit delay: weight is held up by canary size"),
        pytest.param(30, 5, 10, id="explicit delay: weight steps down gradually"),
        pytest.param(30, 9, 0, id="explicit delay: weight reaches zero (deadlock case)"),
        pytest.param(0, 9, 10, id="explicit zero delay: weight is held up by canary size"),
    ],
)
def test_abort_walk_back_with_scale_down_delay(
    delay: int | None, stable_available: int, expect: int
) -> None:
    kwargs: dict[str, Any] = dict(
        replicas=10,
        steps=[{"setWeight": 10}, {"setWeight": 50}],
        current_step_index=None,
        canary=RS(5, 5),
        stable=RS(stable_available, stable_available),
        aborted=True,
        dynamic_stable_scale=True,
        abort_scale_down_delay_seconds=delay,
    )
    assert desired_canary_weight(max_weight=100, **kwargs) == expect
    assert canary_replicas_or_weight(traffic_routing=True, **kwargs) == (None, expect)


def test_stable_scales_to_full_once_abort_weight_reaches_zero() -> None:
    # Same test function, last sub-test: router at 10/90, stable RS(9, 9) -> stable 10.
    _, stable = canary_replica_counts(
        replicas=10,
        max_surge=1,
        max_unavailable=0,
        steps=[{"setWeight": 10}, {"setWeight": 50}],
        current_step_index=None,
        canary=RS(5, 5),
        stable=RS(9, 9),
        traffic_routing=True,
        dynamic_stable_scale=True,
        aborted=True,
        abort_scale_down_delay_seconds=30,
        traffic_weights=(10, 90),
    )
    assert stable == 10


# TestResolveFenceposts (replicaset_test.go). Quirks, translated: the raw Go function defaults an
# unset value to 0 (the controller's default is "25"), so unset is passed as 0 here; our function
# also applies MaxUnavailable's cap at spec.replicas, so 0%/0% of 0 pods gives (0, 0), not (0, 1).
@pytest.mark.parametrize(
    "surge,unavailable,replicas,expect",
    [
        pytest.param("0%", "0%", 0, (0, 0), id="0%-0%-of-0-capped"),
        pytest.param("39%", "39%", 10, (4, 3), id="39%-39%-of-10"),
        pytest.param(0, "39%", 10, (0, 3), id="unset-surge"),
        pytest.param("39%", 0, 10, (4, 0), id="unset-unavailable"),
        pytest.param(0, 0, 10, (0, 1), id="both-unset"),
    ],
)
def test_resolve_fenceposts(
    surge: int | str, unavailable: int | str, replicas: int, expect: tuple[int, int]
) -> None:
    assert resolve_fenceposts(surge, unavailable, replicas) == expect


@pytest.mark.parametrize(
    "surge,unavailable,bad", [("oops", "39%", "oops"), ("55%", "urg", "urg"), ("2.5%", 0, "2.5%")]
)
def test_resolve_fenceposts_rejects_bad_strings(
    surge: int | str, unavailable: int | str, bad: str
) -> None:
    with pytest.raises(ValueError, match=repr(bad).replace(".", r"\.")):
        resolve_fenceposts(surge, unavailable, 10)


def test_unset_fenceposts_use_argo_defaults() -> None:
    assert resolve_fenceposts(None, None, 10) == resolve_fenceposts("25%", "25%", 10) == (3, 2)


# TestTrafficWeightToReplicas.
@pytest.mark.parametrize(
    "replicas,weight,max_weight,expect",
    [
        (10, 0, 100, 0),
        (10, 20, 100, 2),
        (10, 25, 100, 3),
        (10, 33, 100, 4),
        (10, 99, 100, 10),
        (10, 100, 100, 10),
        (23, 100000000, 100000000, 23),
    ],
)
def test_traffic_weight_to_replicas(
    replicas: int, weight: int, max_weight: int, expect: int
) -> None:
    assert traffic_weight_to_replicas(replicas, weight, max_weight) == expect


def test_current_set_weight() -> None:
    # TestGetCurrentSetWeight: one step, setWeight 10.
    steps = [{"setWeight": 10}]
    assert current_set_weight(steps, 1) == 100
    assert current_set_weight(steps, 0) == 10
    assert current_set_weight(steps, 0, aborted=True) == 0


@pytest.mark.parametrize(
    "steps,index,stable,extra,expect",
    [
        pytest.param([], None, None, {"promote_full": True}, (None, 100), id="full promote"),
        pytest.param(
            [{"setWeight": 10}, {"setCanaryScale": {"weight": 20}}],
            1, RS(0, 0), {}, (None, 20), id="canary step weight",
        ),
        pytest.param(
            [{"setWeight": 10}, {"setCanaryScale": {"replicas": 5}}],
            1, RS(0, 0), {}, (5, 0), id="canary step replicas",
        ),
        # A blue-green rollout, aborted, with no stable hash: the "no stable" rule wins.
        pytest.param([], None, None, {"aborted": True}, (None, 100), id="no stable yet"),
    ],
)  # fmt: skip
def test_canary_replicas_or_weight(
    steps: list[dict[str, Any]],
    index: int | None,
    stable: ReplicaSetCounts | None,
    extra: dict[str, Any],
    expect: tuple[int | None, int],
) -> None:
    # TestGetCanaryReplicasOrWeight (the Go test passes no ReplicaSets; stable hash where set).
    got = canary_replicas_or_weight(
        replicas=1,
        steps=steps,
        current_step_index=index,
        canary=None,
        stable=stable,
        traffic_routing=True,
        **extra,
    )
    assert got == expect


# TestAtDesiredReplicaCountsForCanary: R=4, maxSurge 1, maxUnavailable 1, no traffic routing,
# one step holding setWeight and a setCanaryScale (ignored without traffic routing).
@pytest.mark.parametrize(
    "weight,canary,stable,stable_created,expect",
    [
        pytest.param(50, RS(2, 2), RS(2, 2), 2, True, id="at desired counts and availability"),
        pytest.param(50, RS(2, 1), RS(2, 2), 2, False, id="new RS not at desired availability"),
        pytest.param(75, RS(3, 3), RS(2, 2), 2, False, id="stable RS not at desired count"),
        pytest.param(75, RS(3, 3), RS(1, 0), 1, True, id="stable not available but right count"),
        pytest.param(50, RS(2, 2), RS(2, 2), 3, False, id="stable status lags spec"),
    ],
)
def test_at_desired_replica_counts(
    weight: int,
    canary: ReplicaSetCounts,
    stable: ReplicaSetCounts,
    stable_created: int,
    expect: bool,
) -> None:
    scale = {"weight": 2, "replicas": 2} if weight == 50 else {}
    desired = canary_replica_counts(
        replicas=4,
        max_surge=1,
        max_unavailable=1,
        steps=[{"setWeight": weight, "setCanaryScale": scale}],
        current_step_index=None,
        canary=canary,
        stable=stable,
        traffic_routing=False,
    )
    got = at_desired_replica_counts(
        desired=desired,
        canary=canary,
        stable=stable,
        stable_current=stable_created,
        others_available=0,
        traffic_routing=False,
    )
    assert got is expect


def test_at_desired_needs_older_replica_sets_drained_without_router() -> None:
    kwargs: dict[str, Any] = dict(
        desired=(2, 8), canary=RS(2, 2), stable=RS(8, 8), stable_current=8, others_available=1
    )
    assert at_desired_replica_counts(traffic_routing=False, **kwargs) is False
    assert at_desired_replica_counts(traffic_routing=True, **kwargs) is True


def test_at_desired_ignores_stable_with_dynamic_stable_scale() -> None:
    kwargs: dict[str, Any] = dict(
        desired=(2, 8), canary=RS(2, 2), stable=RS(10, 10), stable_current=10, others_available=0
    )
    assert at_desired_replica_counts(traffic_routing=True, **kwargs) is False
    assert at_desired_replica_counts(traffic_routing=True, dynamic_stable_scale=True, **kwargs)


# TestGetReplicasForScaleDown.
@pytest.mark.parametrize(
    "rs,ignore,expect",
    [(None, False, 0), (RS(3, 5), False, 3), (RS(3, 2), True, 3), (RS(3, 2), False, 2)],
)
def test_replicas_for_scale_down(rs: ReplicaSetCounts | None, ignore: bool, expect: int) -> None:
    assert replicas_for_scale_down(rs, ignore) == expect


# TestAllDesiredAreAvailable (default threshold) and TestAllReplicaProgressThresholdMet. A nil
# spec.replicas counts as 1 upstream (GetReplicasOrDefault): written here as replicas=1.
@pytest.mark.parametrize(
    "threshold,rs,desired,expect",
    [
        (None, RS(10, 10), 10, True),
        (None, RS(10, 9), 10, False),
        (None, None, 10, False),
        (None, RS(1, 10), 10, False),
        (None, RS(1, 1), 1, True),
        ({"type": "Percent", "value": 90}, RS(1, 9), 10, True),
        ({"type": "Pods", "value": 9}, RS(1, 9), 10, True),
        ({"type": "Percent", "value": 90}, RS(1, 8), 10, False),
        ({"type": "Pods", "value": 8}, RS(1, 7), 10, False),
        ({"type": "Pods", "value": -100}, RS(10, 10), 10, True),
        (None, RS(5, 10), 10, False),
        ({"type": "Pods", "value": 5}, None, 10, False),
        ({"type": "Percent", "value": 100}, RS(1, 100), 10, True),
        ({"type": "Percent", "value": 90}, RS(1, 0), 0, True),
    ],
)
def test_replica_progress_threshold_met(
    threshold: dict[str, Any] | None, rs: ReplicaSetCounts | None, desired: int, expect: bool
) -> None:
    assert replica_progress_threshold_met(threshold, rs, desired) is expect


def test_new_deployment_goes_straight_to_full_size() -> None:
    # TestCalculateReplicaCountsForNewDeployment: the new RS is the stable RS.
    got = canary_replica_counts(
        replicas=10,
        max_surge=0,
        max_unavailable=1,
        steps=[{"setWeight": 10}],
        current_step_index=None,
        canary=RS(10, 0),
        stable=RS(10, 0),
        traffic_routing=False,
        canary_is_stable=True,
    )
    assert got == (10, 0)


def test_no_stable_recorded_differs_from_new_rs_being_stable() -> None:
    # Shrinking an over-sized new ReplicaSet (spec.replicas lowered to 8): with no stable hash
    # Argo has no stable RS and goes straight to 8; when the new RS *is* the stable RS, Argo's
    # adjustReplicaWithinLimits sees it twice and stops at 7 (the 3 is never applied).
    common: dict[str, Any] = dict(
        replicas=8,
        max_surge=2,
        max_unavailable=0,
        steps=[{"setWeight": 10}],
        current_step_index=None,
        canary=RS(12, 3),
        stable=None,
        traffic_routing=False,
    )
    assert canary_replica_counts(**common) == (8, 0)
    assert canary_replica_counts(canary_is_stable=True, **common) == (7, 3)


def test_traffic_routing_without_replica_sets() -> None:
    # TestCalculateReplicaCountsForCanaryTrafficRouting (no ReplicaSets, stable hash recorded).
    got = canary_replica_counts(
        replicas=10,
        max_surge=0,
        max_unavailable=1,
        steps=[{"setWeight": 10}],
        current_step_index=None,
        canary=None,
        stable=RS(0, 0),
        traffic_routing=True,
    )
    assert got == (1, 10)


@pytest.mark.parametrize("same", [False, True], ids=["no stable", "new RS is stable"])
def test_stable_edge_cases(same: bool) -> None:
    # TestCalculateReplicaCountsForCanaryStableRSdEdgeCases: no stable hash recorded.
    got = canary_replica_counts(
        replicas=10,
        max_surge=0,
        max_unavailable=1,
        steps=[{"setWeight": 10}],
        current_step_index=None,
        canary=RS(9, 9),
        stable=RS(9, 9) if same else None,
        traffic_routing=False,
        canary_is_stable=same,
    )
    assert got == (10, 0)


# --------------------------------------------------------------------------- our own examples

STICKY_STEPS: list[dict[str, Any]] = [
    {"setCanaryScale": {"replicas": 3}},
    {"setWeight": 20},
    {"pause": {"duration": "1h"}},
    {"setWeight": 40},
    {"setCanaryScale": {"weight": 60}},
    {"pause": {}},
    {"setCanaryScale": {"matchTrafficWeight": True}},
    {"setWeight": 80},
]


@pytest.mark.parametrize(
    "index,expect",
    [(0, (3, 10)), (1, (3, 10)), (2, (3, 10)), (3, (3, 10)), (4, (6, 10)), (5, (6, 10)),
     (6, (4, 10)), (7, (8, 10)), (8, (10, 10))],
)  # fmt: skip
def test_set_canary_scale_is_sticky_until_match_traffic_weight(
    index: int, expect: tuple[int, int]
) -> None:
    got = canary_replica_counts(
        replicas=10,
        max_surge="25%",
        max_unavailable=0,
        steps=STICKY_STEPS,
        current_step_index=index,
        canary=RS(0, 0),
        stable=RS(10, 10),
        traffic_routing=True,
    )
    assert got == expect


def test_set_canary_scale_replicas_skip_min_pods_without_dynamic_scale() -> None:
    # Explicit replicas bypass minPodsPerReplicaSet (CalculateReplicaCountsForTrafficRoutedCanary);
    # dynamicStableScale then applies it to both counts on the way out.
    common: dict[str, Any] = dict(
        replicas=10,
        max_surge=1,
        max_unavailable=0,
        steps=[{"setCanaryScale": {"replicas": 1}}],
        current_step_index=0,
        canary=RS(0, 0),
        stable=RS(10, 10),
        traffic_routing=True,
        min_pods_per_replica_set=3,
    )
    assert canary_replica_counts(**common) == (1, 10)
    assert canary_replica_counts(dynamic_stable_scale=True, **common) == (3, 10)


def test_abort_ignores_set_canary_scale_unless_delay_is_zero() -> None:
    common: dict[str, Any] = dict(
        replicas=10,
        max_surge=1,
        max_unavailable=0,
        steps=STICKY_STEPS,
        current_step_index=0,
        canary=RS(3, 3),
        stable=RS(10, 10),
        traffic_routing=True,
        aborted=True,
    )
    assert canary_replica_counts(**common) == (0, 10)
    assert canary_replica_counts(abort_scale_down_delay_seconds=30, **common) == (0, 10)
    assert canary_replica_counts(abort_scale_down_delay_seconds=0, **common) == (3, 10)


def test_basic_abort_surges_stable_back_before_draining_canary() -> None:
    # Aborted basic canary at 50% of 4: weight 0, so stable surges first, canary drains after.
    common: dict[str, Any] = dict(
        replicas=4,
        max_surge=1,
        max_unavailable=0,
        steps=[{"setWeight": 50}],
        current_step_index=0,
        traffic_routing=False,
        aborted=True,
    )
    assert canary_replica_counts(canary=RS(2, 2), stable=RS(2, 2), **common) == (2, 3)
    assert canary_replica_counts(canary=RS(2, 2), stable=RS(3, 3), **common) == (1, 3)


def test_older_replica_sets_block_scale_down() -> None:
    got = canary_replica_counts(
        replicas=10,
        max_surge=0,
        max_unavailable=5,
        steps=[{"setWeight": 50}],
        current_step_index=0,
        canary=RS(0, 0),
        stable=RS(5, 5),
        others=(RS(5, 5),),
        traffic_routing=False,
    )
    assert got == (0, 5)  # nothing moves until the older ReplicaSet is drained


def test_reduce_weight_honours_max_unavailable() -> None:
    # e2e TestReduceWeightAndHonorMaxUnavailable: 3 replicas, maxSurge 2, maxUnavailable 0; after
    # setWeight 100 the canary has 3 pods and stable 0; going back to setWeight 0 gives 3 / 2.
    got = canary_replica_counts(
        replicas=3,
        max_surge=2,
        max_unavailable=0,
        steps=[{"setWeight": 100}, {"pause": {}}, {"setWeight": 0}, {"pause": {}}],
        current_step_index=2,
        canary=RS(3, 3),
        stable=RS(0, 0),
        traffic_routing=False,
    )
    assert got == (3, 2)


def test_bad_step_values_raise() -> None:
    with pytest.raises(ValueError, match="setCanaryScale"):
        active_set_canary_scale([{"setCanaryScale": 3}], 0, traffic_routing=True)
    with pytest.raises(ValueError, match="setWeight"):
        current_set_weight([{"setWeight": "20"}], 0)
    with pytest.raises(ValueError, match="maxTrafficWeight"):
        canary_replica_counts(
            replicas=1, max_surge=1, max_unavailable=0, steps=[], current_step_index=None,
            canary=None, stable=None, traffic_routing=True, max_traffic_weight=0,
        )  # fmt: skip


def test_active_set_canary_scale_past_last_step() -> None:
    steps = [{"setCanaryScale": {"replicas": 2}}]
    assert active_set_canary_scale(steps, 0, traffic_routing=True) == {"replicas": 2}
    assert active_set_canary_scale(steps, 1, traffic_routing=True) is None


# --------------------------------------------------------------------------- properties

replica_counts = st.integers(min_value=0, max_value=40)
weights = st.integers(min_value=0, max_value=100)
percents = st.integers(min_value=0, max_value=100)


@st.composite
def replica_set(draw: st.DrawFn, high: int = 40) -> ReplicaSetCounts:
    spec = draw(st.integers(min_value=0, max_value=high))
    return RS(spec, draw(st.integers(min_value=0, max_value=spec)))


def _basic(
    replicas: int, weight: int, surge: int | str, unavailable: int | str,
    canary: ReplicaSetCounts | None, stable: ReplicaSetCounts | None,
    others: tuple[ReplicaSetCounts, ...] = (),
) -> tuple[int, int]:  # fmt: skip
    return canary_replica_counts(
        replicas=replicas,
        max_surge=surge,
        max_unavailable=unavailable,
        steps=[{"setWeight": weight}],
        current_step_index=0,
        canary=canary,
        stable=stable,
        others=others,
        traffic_routing=False,
    )


@given(replicas=st.integers(1, 40), weight=weights, surge=replica_counts, data=st.data())
def test_basic_canary_never_exceeds_replicas_plus_surge(
    replicas: int, weight: int, surge: int, data: st.DataObject
) -> None:
    unavailable = data.draw(st.integers(0, replicas), label="unavailable")
    if surge == 0 and unavailable == 0:
        unavailable = 1
    canary = data.draw(replica_set(replicas + surge), label="canary")
    stable = data.draw(replica_set(replicas + surge - canary.replicas), label="stable")
    new_c, new_s = _basic(replicas, weight, surge, unavailable, canary, stable)
    assert new_c >= 0 and new_s >= 0
    assert new_c + new_s <= replicas + surge


@given(replicas=st.integers(1, 30), weight=weights, surge=st.integers(0, 5), data=st.data())
def test_basic_canary_converges_within_limits(
    replicas: int, weight: int, surge: int, data: st.DataObject
) -> None:
    """From a healthy stable, reconciles with instantly-ready pods reach the target split.

    On the way the controller never exceeds R + surge pods nor drops below R - unavailable
    available ones (pods here become available as soon as they are asked for).
    """
    unavailable = data.draw(st.integers(0, replicas), label="unavailable")
    if surge == 0 and unavailable == 0:
        unavailable = 1
    canary, stable = RS(0, 0), RS(replicas, replicas)
    for _ in range(4 * replicas + 10):
        new_c, new_s = _basic(replicas, weight, surge, unavailable, canary, stable)
        assert new_c + new_s <= replicas + surge
        # Scale-downs happen against pods that exist; availability only dips by what was removed.
        assert min(new_c, canary.available) + min(new_s, stable.available) >= min(
            replicas - unavailable, canary.available + stable.available
        )
        if (new_c, new_s) == (canary.replicas, stable.replicas):
            break
        canary, stable = RS(new_c, new_c), RS(new_s, new_s)
    assert (canary.replicas, stable.replicas) == weighted_split(replicas, weight, surge)


def _argo_has_no_option(replicas: int, weight: int, surge: int) -> bool:
    """Where ``approximateWeightedCanaryStableReplicaCounts`` reaches its "should not get here".

    Without surge, when R * W / 100 = R - 1/2 the floor is tied away (``floorCeilingTied``) and
    the ceiling (R) would empty the stable for a weight below 100, so Argo offers no option and
    returns ``(0, R)``: the canary drops to 0 at a weight just below 100 (``utils/replicaset/
    canary.go``). In 0..40 replicas that is (2, 75), (5, 90), (10, 95) and (25, 98).
    """
    return surge == 0 and replicas >= 2 and 2 * replicas * weight == 100 * (2 * replicas - 1)


def test_weighted_split_empties_a_side_only_at_argos_no_option_fallback() -> None:
    emptied = {
        (replicas, weight, surge)
        for replicas in range(41)
        for surge in range(6)
        for weight in range(1, 100)
        if replicas + min(surge, 1) >= 2 and 0 in weighted_split(replicas, weight, surge)
    }
    assert emptied == {(2, 75, 0), (5, 90, 0), (10, 95, 0), (25, 98, 0)}
    assert all(_argo_has_no_option(*case) for case in emptied)


@pytest.mark.parametrize("surge", range(6))
def test_weighted_split_canary_is_monotone_in_weight_outside_the_fallback(surge: int) -> None:
    # Exhaustive over 0..40 replicas and every weight. The no-option fallback is excluded: there
    # Argo itself is not monotone (weighted_split(25, 1, 0) = (1, 24) but (25, 98, 0) = (0, 25)).
    for replicas in range(41):
        canaries = [
            weighted_split(replicas, weight, surge)[0]
            for weight in range(101)
            if not _argo_has_no_option(replicas, weight, surge)
        ]
        assert canaries == sorted(canaries), replicas


@given(replicas=replica_counts, w1=st.integers(0, 300), w2=st.integers(0, 300))
def test_traffic_routed_canary_monotone_and_stable_full(replicas: int, w1: int, w2: int) -> None:
    def counts(weight: int) -> tuple[int, int]:
        return canary_replica_counts(
            replicas=replicas,
            max_surge="25%",
            max_unavailable="25%",
            steps=[{"setCanaryScale": {"weight": weight}}],
            current_step_index=0,
            canary=RS(0, 0),
            stable=RS(replicas, replicas),
            traffic_routing=True,
        )

    low, high = sorted((w1, w2))
    assert counts(low)[0] <= counts(high)[0]
    assert counts(low)[1] == counts(high)[1] == replicas
    assert counts(0)[0] == 0 and counts(100)[0] == replicas


@given(replicas=replica_counts, surge=percents, unavailable=percents)
def test_percent_spellings_agree(replicas: int, surge: int, unavailable: int) -> None:
    with_sign = resolve_fenceposts(f"{surge}%", f"{unavailable}%", replicas)
    assert resolve_fenceposts(str(surge), str(unavailable), replicas) == with_sign
    as_ints = (-(-surge * replicas // 100), unavailable * replicas // 100)
    assert resolve_fenceposts(*as_ints, replicas) == with_sign


@given(replicas=st.integers(1, 30), weight=weights, surge=percents, unavailable=percents)
def test_percent_and_resolved_int_give_same_counts(
    replicas: int, weight: int, surge: int, unavailable: int
) -> None:
    as_ints = resolve_fenceposts(f"{surge}%", f"{unavailable}%", replicas)
    canary, stable = RS(0, 0), RS(replicas, replicas)
    spelled = _basic(replicas, weight, f"{surge}", f"{unavailable}%", canary, stable)
    assert spelled == _basic(replicas, weight, *as_ints, canary, stable)
