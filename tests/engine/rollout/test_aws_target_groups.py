"""One reconcile with ``--aws-verify-target-group``, Given/When/Then.

Transcribed from upstream's rollout/service_test.go: ``TestBlueGreenAWSVerifyTargetGroups
NotYetReady`` / ``...Ready`` (a blue-green whose active Service already points at the new
ReplicaSet: it becomes stable only once the target group holds every endpoint) and
``TestCanaryAWSVerifyTargetGroupsNotYetReady`` / ``...Ready`` / ``...Skip`` (a promoted ALB
canary: the old ReplicaSet gets its scale-down deadline only once the stable Service's target
group holds every endpoint; an old ReplicaSet already annotated means no check at all). The
AWS answers and the endpoints are upstream's, as data; the fixtures are ours.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from test_bluegreen import bg_plan, bg_status
from test_steps_world import (
    H1,
    H2,
    NOW,
    cond,
    events,
    make_plan,
    make_status,
    of_type,
    reconcile,
    rs,
)

from canarysim.engine.model import (
    AnnotateReplicaSet,
    EndpointsView,
    PromotionAnalysis,
    ServicePortView,
    ServiceTargetsView,
    SetWeight,
    StartAnalysisRun,
    TargetGroupBindingView,
    TargetGroupsView,
    TrafficWeights,
    WeightDestination,
)

ENDPOINT_IPS = ("1.2.3.4", "5.6.7.8", "2.4.6.8")
NOT_YET = (("1.2.3.4", 80), ("5.6.7.8", 80), ("2.4.6.8", 81), ("9.8.7.6", 80))
READY = (("1.2.3.4", 80), ("5.6.7.8", 80), ("2.4.6.8", 80), ("9.8.7.6", 80))


def aws(service: str, registered: tuple[tuple[str, int], ...], h: str = H2) -> TargetGroupsView:
    """``newTargetGroupBinding(service)`` (ip, port 80, ``arn::1234``), what
    DescribeTargetHealth returns for it, and ``newEndpoints(service, ...)`` for pods of ``h``
    behind ``newService(service, 80, ...)``."""
    binding = TargetGroupBindingView(service, "arn::1234", service, 80, "ip", registered)
    endpoints = EndpointsView(h, ENDPOINT_IPS, (("", 80),))
    svc = ServiceTargetsView(service, (ServicePortView(80, "", 80),), (endpoints,))
    return TargetGroupsView((binding,), (svc,))


def reasons(d: Any) -> list[str]:
    return [reason for reason, _ in events(d)]


# ------------------------------------------------------------------------------ blue-green
def not_completed(plan: Any) -> Any:
    """``updateBlueGreenRolloutStatus(r2, "", rs2, rs1, 3, 3, 6, 3, ...)`` with the
    ``Completed`` condition false (``newCompletedCondition(false)``)."""
    status = bg_status(plan, active=H2, preview="", stable=H1, counts=(6, 3, 3, 3))
    done = cond("Completed", "False", "RolloutCompleted", "RolloutCompleted")
    return replace(status, conditions=(*status.conditions, done))


def blue_green_switched(registered: tuple[tuple[str, int], ...]) -> Any:
    """``newBlueGreenRollout("foo", 3, nil, "active", "")`` updated: both ReplicaSets 3/3, the
    active Service (and status) already on the new one, the old one still stable."""
    plan = bg_plan(3, preview_service="")
    status = not_completed(plan)
    return reconcile(
        plan,
        status,
        rs(H1, 3),
        rs(H2, 3),
        active_service_hash=H2,
        target_groups=aws("active", registered),
    )


def test_blue_green_not_yet_ready_keeps_the_old_stable() -> None:
    d = blue_green_switched(NOT_YET)
    assert reasons(d) == ["TargetGroupUnverified"]
    assert events(d)[0][1] == (
        "Service active (TargetGroup arn::1234) not verified: 2/3 endpoints registered"
    )
    assert d.status.stable_rs == H1
    assert (d.status.phase, d.status.message) == (
        "Progressing",
        "waiting for post-promotion verification to complete",
    )
    assert d.requeue_after is not None


def test_blue_green_ready_marks_the_new_replica_set_stable() -> None:
    d = blue_green_switched(READY)
    assert reasons(d) == ["TargetGroupVerified", "RolloutCompleted"]
    assert (
        events(d)[0][1] == "Service active (TargetGroup arn::1234) verified: 3 endpoints registered"
    )
    assert d.status.stable_rs == H2
    assert (d.status.phase, d.status.message) == ("Healthy", "")


def test_blue_green_unverified_asks_for_a_look_in_ten_seconds() -> None:
    """Nothing else changes in a world that holds still: the only timer is the retry."""
    plan = bg_plan(3, preview_service="")
    status = not_completed(plan)
    first = blue_green_switched(NOT_YET)
    again = reconcile(
        plan,
        first.status,
        rs(H1, 3),
        rs(H2, 3),
        active_service_hash=H2,
        target_groups=aws("active", NOT_YET),
        now=NOW + 1,
    )
    assert status != first.status  # the message was written once
    assert again.status == first.status
    assert again.requeue_after == 10.0


def test_blue_green_without_the_flag_completes_at_once() -> None:
    plan = bg_plan(3, preview_service="")
    status = bg_status(plan, active=H2, preview="", stable=H1, counts=(6, 3, 3, 3))
    d = reconcile(plan, status, rs(H1, 3), rs(H2, 3), active_service_hash=H2)
    assert reasons(d) == ["RolloutCompleted"] and d.status.stable_rs == H2


def test_blue_green_without_a_binding_completes_at_once() -> None:
    """No TargetGroupBinding for the active Service (an in-cluster blue-green): nothing to
    verify."""
    plan = bg_plan(3, preview_service="")
    status = bg_status(plan, active=H2, preview="", stable=H1, counts=(6, 3, 3, 3))
    d = reconcile(
        plan,
        status,
        rs(H1, 3),
        rs(H2, 3),
        active_service_hash=H2,
        target_groups=aws("preview", NOT_YET),
    )
    assert reasons(d) == ["RolloutCompleted"] and d.status.stable_rs == H2


def test_post_promotion_analysis_waits_for_the_target_groups() -> None:
    """``reconcilePostPromotionAnalysisRun``: not started while targets are unverified."""
    plan = bg_plan(
        3, preview_service="", post_promotion_analysis=PromotionAnalysis(templates=("check",))
    )
    for registered, runs in ((NOT_YET, 0), (READY, 1)):
        d = reconcile(
            plan,
            not_completed(plan),
            rs(H1, 3),
            rs(H2, 3),
            active_service_hash=H2,
            target_groups=aws("active", registered),
        )
        assert len(of_type(d, StartAnalysisRun)) == runs
        assert d.status.stable_rs == H1  # post-promotion must succeed first either way


# ---------------------------------------------------------------------------------- canary
def canary_promoted(
    registered: tuple[tuple[str, int], ...] | None, deadline: float | None, status: Any = None
) -> Any:
    """``newCanaryRollout("foo", 3, nil, [setWeight 10], 0, 25%, 25%)`` behind an ALB,
    updated and promoted: both ReplicaSets 3/3, both Services on the new one, stable = new."""
    plan = make_plan(
        replicas=3,
        steps=(SetWeight(10),),
        max_surge="25%",
        max_unavailable="25%",
        traffic_routing=True,
        alb=True,
        canary_service="canary",
        stable_service="stable",
    )
    weights = TrafficWeights(
        canary=WeightDestination(0, H2, "canary"), stable=WeightDestination(100, H2, "stable")
    )
    if status is None:
        status = make_status(plan, stable=H2, index=1, counts=(6, 3, 6, 6), canary_weights=weights)
    extra: dict[str, Any] = {}
    if registered is not None:
        extra["target_groups"] = aws("stable", registered)
    return reconcile(
        plan,
        status,
        rs(H1, 3, deadline=deadline),
        rs(H2, 3),
        canary_service_hash=H2,
        stable_service_hash=H2,
        **extra,
    )


def test_canary_not_yet_ready_leaves_the_old_replica_set_alone() -> None:
    d = canary_promoted(NOT_YET, None)
    assert reasons(d) == ["TargetGroupUnverified"]
    assert of_type(d, AnnotateReplicaSet) == []
    again = canary_promoted(NOT_YET, None, d.status)
    assert of_type(again, AnnotateReplicaSet) == []
    assert again.status == d.status and again.requeue_after == 10.0


def test_canary_ready_starts_the_scale_down_delay() -> None:
    d = canary_promoted(READY, None)
    assert reasons(d) == ["TargetGroupVerified"]
    assert of_type(d, AnnotateReplicaSet) == [AnnotateReplicaSet(H1, NOW + 30)]


def test_canary_skips_verification_once_old_replica_sets_are_annotated() -> None:
    d = canary_promoted(NOT_YET, NOW + 600)
    assert reasons(d) == []
    assert of_type(d, AnnotateReplicaSet) == []


def test_canary_without_the_flag_starts_the_delay_at_once() -> None:
    d = canary_promoted(None, None)
    assert reasons(d) == []
    assert of_type(d, AnnotateReplicaSet) == [AnnotateReplicaSet(H1, NOW + 30)]
