"""The blue-green strategy, Given/When/Then, transcribed from upstream's tests.

Cases follow rollout/bluegreen_test.go (TestBlueGreenHandlePause's sub-tests,
TestBlueGreenAddScaleDownDelayToPreviousActiveReplicaSet, TestBlueGreenScaleDownLimit,
TestBlueGreenAbort, TestFastRollback, TestPreviewReplicaCountHandleScaleUpPreviewCheckPoint) and
test/e2e/bluegreen_test.go (TestBlueGreenPreviewReplicaCount), plus the analysis rules of
rollout/analysis.go (pre/post-promotion runs). Expected values are upstream's, as data; the
fixtures are ours (``test_steps_world``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_steps_world import (
    H1,
    H2,
    H3,
    NOW,
    MiniWorld,
    events,
    of_type,
    reconcile,
    rs,
    scales,
)

from canarysim.engine.model import (
    Abort,
    AnnotateReplicaSet,
    BlueGreen,
    BlueGreenStatus,
    Condition,
    EvictPods,
    PauseCondition,
    Plan,
    Promote,
    PromoteFull,
    PromotionAnalysis,
    Retry,
    RolloutStatus,
    SetServiceSelector,
    StartAnalysisRun,
    TerminateAnalysisRun,
)


def bg_plan(replicas: int = 1, h: str = H2, **bg: Any) -> Plan:
    """``newBlueGreenRollout("foo", replicas, nil, "active", "preview")``."""
    spec: dict[str, Any] = {"active_service": "active", "preview_service": "preview"}
    scale_down = bg.pop("scale_down_delay_seconds", None)
    limit = bg.pop("scale_down_delay_revision_limit", None)
    abort_delay = bg.pop("abort_scale_down_delay_seconds", None)
    spec.update(bg)
    return Plan(
        name="foo",
        replicas=replicas,
        pod_template_hash=h,
        blue_green=BlueGreen(**spec),
        scale_down_delay_seconds=scale_down,
        scale_down_delay_revision_limit=limit,
        abort_scale_down_delay_seconds=abort_delay,
    )


def bg_status(
    plan: Plan,
    *,
    active: str = H1,
    preview: str = H2,
    stable: str = H1,
    pause: float | None = None,
    counts: tuple[int, int, int, int] = (2, 1, 2, 1),
    **kw: Any,
) -> RolloutStatus:
    """``updateBlueGreenRolloutStatus``: what the controller wrote last time; ``pause`` adds
    a BlueGreenPause condition started at that time."""
    pauses = () if pause is None else (PauseCondition("BlueGreenPause", pause),)
    paused = bool(pauses) or plan.paused
    conds = (
        Condition(
            "Progressing",
            "Unknown" if paused else "True",
            "RolloutPaused" if paused else "ReplicaSetUpdated",
            "Rollout is paused"
            if paused
            else f'ReplicaSet "foo-{plan.pod_template_hash}" is progressing.',
            NOW - 60,
            NOW - 60,
        ),
        Condition(
            "Paused",
            "True" if paused else "False",
            "RolloutPaused",
            "Rollout is paused",
            NOW - 60,
            NOW - 60,
        ),
    )
    replicas, updated, ready, available = counts
    fields: dict[str, Any] = {
        "current_pod_hash": plan.pod_template_hash,
        "stable_rs": stable,
        "pause_conditions": pauses,
        "controller_pause": bool(pauses),
        "observed_generation": plan.generation,
        "conditions": conds,
        "replicas": replicas,
        "updated_replicas": updated,
        "ready_replicas": ready,
        "available_replicas": available,
        "blue_green": BlueGreenStatus(active_selector=active, preview_selector=preview),
    }
    fields.update(kw)
    return RolloutStatus(**fields)


def switches(d: Any) -> list[tuple[str, str]]:
    return [(a.role, a.hash) for a in of_type(d, SetServiceSelector)]


SERVICES = {"active_service_hash": H1, "preview_service_hash": H2}


# --------------------------------------------------------------------------------------------
# TestBlueGreenHandlePause (one reconcile each)
# --------------------------------------------------------------------------------------------


def test_no_pause_if_new_rs_is_not_healthy():
    """NoPauseIfNewRSIsNotHealthy: the preview is not all available yet."""
    plan = bg_plan(2, auto_promotion_enabled=False)
    d = reconcile(plan, bg_status(plan), rs(H1, 2), rs(H2, 2, 1), now=NOW, **SERVICES)
    assert d.status.pause_conditions == ()
    assert d.status.blue_green.active_selector == H1
    assert switches(d) == []


def test_add_pause_when_auto_promotion_is_disabled():
    """AddPause: phase Paused, message BlueGreenPause, controllerPause set."""
    plan = bg_plan(1, auto_promotion_enabled=False)
    d = reconcile(plan, bg_status(plan), rs(H1, 1), rs(H2, 1), now=NOW, **SERVICES)
    assert d.status.pause_conditions == (PauseCondition("BlueGreenPause", NOW),)
    assert d.status.controller_pause
    assert (d.status.phase, d.status.message) == ("Paused", "BlueGreenPause")
    assert switches(d) == []


def test_a_restart_does_not_stop_the_reconcile():
    """rolloutBlueGreen ignores how many pods the restarter evicted (rollout/bluegreen.go):
    the same reconcile goes on to pause on the preview, where the canary strategy stops."""
    plan = replace(bg_plan(2, auto_promotion_enabled=False), restart_at=NOW - 10)
    old = (NOW - 100, NOW - 90)
    d = reconcile(
        plan, bg_status(plan), rs(H1, 2, pods=old), rs(H2, 2, pods=old), now=NOW, **SERVICES
    )
    assert of_type(d, EvictPods), "an old pod is evicted"
    assert d.status.pause_conditions == (PauseCondition("BlueGreenPause", NOW),)
    assert (d.status.phase, d.status.message) == ("Paused", "BlueGreenPause")


def test_no_actions_after_pausing():
    """NoActionsAfterPausing: already paused, nothing changes (only observedGeneration)."""
    plan = bg_plan(1, auto_promotion_enabled=False)
    status = bg_status(plan, pause=NOW - 5)
    d = reconcile(plan, status, rs(H1, 1), rs(H2, 1), now=NOW, **SERVICES)
    assert switches(d) == [] and scales(d) == []
    assert d.status.pause_conditions == status.pause_conditions
    assert d.status.stable_rs == H1


@pytest.mark.parametrize(
    ("age", "promoted"),
    [(5, False), (60, True)],
    ids=["NoAutoPromoteBeforeDelayTimePasses", "AutoPromoteAfterDelayTimePasses"],
)
def test_auto_promotion_seconds(age, promoted):
    plan = bg_plan(1, auto_promotion_seconds=10)
    status = bg_status(plan, pause=NOW - age)
    d = reconcile(plan, status, rs(H1, 1), rs(H2, 1), now=NOW, **SERVICES)
    if promoted:
        assert switches(d) == [("active", H2)]
        assert d.status.stable_rs == H2 and d.status.blue_green.active_selector == H2
        assert d.status.pause_conditions == () and not d.status.controller_pause
        assert (d.status.phase, d.status.message) == ("Healthy", "")
        assert (
            "RolloutCompleted",
            f"Rollout completed update to revision 2 ({H2}): Completed blue-green update",
        ) in events(d)
        assert (
            "SwitchService",
            f"Switched selector for service 'active' from '{H1}' to '{H2}'",
        ) in events(d)
    else:
        assert switches(d) == [] and d.status.stable_rs == H1
        assert d.status.phase == "Paused"
        # once its own status patch has settled, the engine asks to be woken just after
        # the 10 s are up
        for _ in range(5):
            status = d.status
            d = reconcile(plan, status, rs(H1, 1), rs(H2, 1), now=NOW, **SERVICES)
            if d.status == status:
                break
        assert d.requeue_after == pytest.approx(10 - age + 0.001)


def test_no_auto_promote_after_delay_if_user_paused():
    """NoAutoPromoteAfterDelayTimePassesIfUserPaused."""
    plan = replace(bg_plan(1, auto_promotion_seconds=10), paused=True)
    status = bg_status(plan, pause=NOW - 60)
    d = reconcile(plan, status, rs(H1, 1), rs(H2, 1), now=NOW, **SERVICES)
    assert switches(d) == [] and d.status.stable_rs == H1
    assert (d.status.phase, d.status.message) == ("Paused", "manually paused")


def test_no_pause_when_auto_promotion_is_not_set():
    """NoPauseWhenAutoPromotionEnabledIsNotSet: the switch happens at once."""
    plan = bg_plan(1, preview_service="")
    d = reconcile(
        plan, bg_status(plan, preview=""), rs(H1, 1), rs(H2, 1), now=NOW, active_service_hash=H1
    )
    assert d.status.pause_conditions == ()
    assert switches(d) == [("active", H2)]
    assert d.status.stable_rs == H2


def test_skip_pause_when_active_already_selects_new():
    """SkipPauseReconcileWhenActiveHasPodHashSelector."""
    plan = bg_plan(1, auto_promotion_enabled=False)
    status = bg_status(plan, active=H2)
    d = reconcile(
        plan, status, rs(H1, 1), rs(H2, 1), now=NOW, active_service_hash=H2, preview_service_hash=H2
    )
    assert d.status.pause_conditions == ()


def test_continue_after_unpaused():
    """ContinueAfterUnpaused: the user resumed (no pause condition, controllerPause still
    set): the first reconcile only records the resume, the second switches and promotes."""
    plan = bg_plan(1, auto_promotion_enabled=False, scale_down_delay_seconds=10)
    status = bg_status(plan, controller_pause=True)
    progressing = Condition(
        "Progressing", "Unknown", "RolloutPaused", "Rollout is paused", NOW - 5, NOW - 5
    )
    status = replace(
        status,
        conditions=(*(c for c in status.conditions if c.type != "Progressing"), progressing),
    )
    world = (rs(H1, 1), rs(H2, 1))
    first = reconcile(plan, status, *world, now=NOW, **SERVICES)
    assert switches(first) == []
    assert first.status.condition("Progressing").reason == "RolloutResumed"
    second = reconcile(plan, first.status, *world, now=NOW, **SERVICES)
    assert switches(second) == [("active", H2)]
    assert second.status.stable_rs == H2 and not second.status.controller_pause
    assert (second.status.phase, second.status.message) == ("Healthy", "")
    assert second.status.condition("Completed").status == "True"


# --------------------------------------------------------------------------------------------
# Scale-down of the previous active ReplicaSet
# --------------------------------------------------------------------------------------------


def test_scale_down_delay_added_to_previous_active():
    """TestBlueGreenAddScaleDownDelayToPreviousActiveReplicaSet: 30 s by default."""
    plan = bg_plan(1, preview_service="")
    status = bg_status(plan, active=H2, preview="", stable=H2)
    d = reconcile(plan, status, rs(H1, 1), rs(H2, 1), now=NOW, active_service_hash=H2)
    assert AnnotateReplicaSet(H1, NOW + 30) in d.actions
    assert scales(d) == []
    assert d.requeue_after == 0.0


def test_scale_down_limit():
    """TestBlueGreenScaleDownLimit: with limit 1, the older delayed ReplicaSet goes now."""
    plan = bg_plan(1, h=H3, preview_service="", scale_down_delay_revision_limit=1)
    status = bg_status(plan, active=H3, preview="", stable=H3)
    d = reconcile(
        plan,
        status,
        rs(H1, 1, deadline=NOW + 10),
        rs(H2, 1, deadline=NOW + 10),
        rs(H3, 1),
        now=NOW,
        active_service_hash=H3,
    )
    assert scales(d) == [(H1, 0)]


def test_abort_switches_active_back_to_stable():
    """TestBlueGreenAbort: Degraded with Argo's message; the active Service goes back."""
    plan = bg_plan(1, preview_service="")
    status = bg_status(plan, active=H2, preview="", stable=H1, abort=True, aborted_at=NOW)
    d = reconcile(plan, status, rs(H1, 1), rs(H2, 1), now=NOW, active_service_hash=H2)
    assert switches(d) == [("active", H1)]
    assert d.status.blue_green.active_selector == H1
    assert (d.status.phase, d.status.message) == (
        "Degraded",
        "RolloutAborted: Rollout aborted update to revision 2",
    )


def test_fast_rollback_within_scale_down_delay():
    """TestFastRollback: back to revision 1 while it still has its pods: no pause, no
    analysis, only the revision bump."""
    plan = bg_plan(1, h=H1, preview_service="", auto_promotion_enabled=False)
    status = bg_status(plan, active=H1, preview="", stable=H1)
    status = replace(status, current_pod_hash=H1)
    d = reconcile(
        plan,
        status,
        rs(H1, 1, revision=3, deadline=NOW + 10),
        rs(H2, 1, revision=2, deadline=NOW + 10),
        now=NOW,
        active_service_hash=H1,
    )
    assert d.status.pause_conditions == ()
    assert d.status.stable_rs == H1
    assert AnnotateReplicaSet(H1, None) in d.actions  # removeScaleDownDeadlines


# --------------------------------------------------------------------------------------------
# previewReplicaCount (TestPreviewReplicaCountHandleScaleUpPreviewCheckPoint)
# --------------------------------------------------------------------------------------------


def test_check_point_true_after_meeting_preview_count():
    """TrueAfterMeetingMinAvailable: resumed, preview count available -> checkpoint."""
    plan = bg_plan(5, preview_replica_count=1, auto_promotion_enabled=False)
    status = bg_status(plan, controller_pause=True)
    d = reconcile(plan, status, rs(H1, 5), rs(H2, 1), now=NOW, **SERVICES)
    assert d.status.blue_green.scale_up_preview_check_point is True


def test_check_point_false_after_active_switch():
    """FalseAfterActiveServiceSwitch: the checkpoint resets with the promotion."""
    plan = bg_plan(5, preview_replica_count=1)
    status = bg_status(plan, active=H2)
    status = replace(
        status, blue_green=replace(status.blue_green, scale_up_preview_check_point=True)
    )
    d = reconcile(
        plan, status, rs(H1, 5), rs(H2, 5), now=NOW, active_service_hash=H2, preview_service_hash=H2
    )
    assert d.status.blue_green.scale_up_preview_check_point is False
    assert d.status.stable_rs == H2


def test_scales_up_preview_after_check_point():
    """TrueWhenScalingUpPreview: past the checkpoint the preview gets every replica."""
    plan = bg_plan(5, preview_replica_count=1)
    status = bg_status(plan)
    status = replace(
        status, blue_green=replace(status.blue_green, scale_up_preview_check_point=True)
    )
    d = reconcile(plan, status, rs(H1, 5), rs(H2, 1), now=NOW, **SERVICES)
    assert scales(d) == [(H2, 5)]
    assert d.status.blue_green.scale_up_preview_check_point is True


# --------------------------------------------------------------------------------------------
# Journeys (e2e shapes) in the mini world
# --------------------------------------------------------------------------------------------


def deployed_bg(plan: Plan) -> MiniWorld:
    world = MiniWorld(replace(plan, pod_template_hash=H1))
    world.settle()
    world.advance(1)
    assert world.status.phase == "Healthy", world.status
    assert world.services["active"] == H1
    world.log.clear()
    return world


def update(world: MiniWorld, h: str = H2) -> None:
    world.plan = replace(world.plan, pod_template_hash=h, generation=world.plan.generation + 1)


def test_first_deploy_points_both_services_and_is_healthy():
    world = MiniWorld(bg_plan(3, h=H1))
    world.settle()
    world.advance(1)
    assert world.services["active"] == H1 and world.services["preview"] == H1
    assert world.status.stable_rs == H1
    assert world.status.blue_green == BlueGreenStatus(H1, H1)
    assert (world.status.phase, world.status.message) == ("Healthy", "")
    assert world.events("RolloutCompleted") == [
        (0.0, f"Rollout completed update to revision 1 ({H1}): Initial deploy")
    ]


def test_preview_count_journey_matches_e2e():
    """TestBlueGreenPreviewReplicaCount: 2 replicas, previewReplicaCount 1, manual promote:
    the preview runs 1 pod while paused; promote scales it to 2, then switches."""
    world = deployed_bg(bg_plan(2, preview_replica_count=1, auto_promotion_enabled=False))
    update(world)
    world.settle()
    assert world.rss[H2].replicas == 1 and world.services["preview"] == H2
    assert world.services["active"] == H1
    assert (world.status.phase, world.status.message) == ("Paused", "BlueGreenPause")
    world.advance(60)
    assert world.services["active"] == H1  # no auto-promotion
    world.command(Promote())
    assert world.rss[H2].replicas == 2
    assert world.services["active"] == H2 and world.status.stable_rs == H2
    assert world.status.phase == "Healthy"
    # the old active keeps its pods for scaleDownDelaySeconds (30 s by default)
    assert world.rss[H1].replicas == 2
    world.advance(29)
    assert world.rss[H1].replicas == 2
    world.advance(2)
    assert world.rss[H1].replicas == 0


def test_promote_full_skips_the_pause():
    world = deployed_bg(bg_plan(2, auto_promotion_enabled=False))
    update(world)
    world.settle()
    assert world.status.phase == "Paused"
    world.command(PromoteFull())
    assert world.services["active"] == H2 and world.status.stable_rs == H2
    assert world.events("RolloutCompleted")[-1][1].endswith("Full promotion requested")


def test_abort_scales_preview_down_after_abort_delay_and_retry_resumes():
    world = deployed_bg(bg_plan(2, auto_promotion_enabled=False))
    update(world)
    world.settle()
    world.command(Abort())
    assert world.services["active"] == H1
    assert world.status.phase == "Degraded"
    assert world.rss[H2].replicas == 2
    deadline = world.rss[H2].scale_down_deadline
    assert deadline == world.now + 30
    world.advance(31)
    assert world.rss[H2].replicas == 0
    world.command(Retry())
    world.settle()
    assert world.rss[H2].replicas == 2
    assert world.status.phase == "Paused"


def test_abort_with_zero_delay_keeps_preview():
    world = deployed_bg(bg_plan(2, auto_promotion_enabled=False, abort_scale_down_delay_seconds=0))
    update(world)
    world.settle()
    world.command(Abort())
    world.advance(600)
    assert world.rss[H2].replicas == 2 and world.services["active"] == H1


def test_pre_promotion_analysis_gates_the_switch_and_failure_aborts():
    pre = PromotionAnalysis(templates=("smoke",))
    world = deployed_bg(bg_plan(2, pre_promotion_analysis=pre))
    update(world)
    world.settle()
    name = f"foo-{H2}-2-pre"
    assert name in world.runs and world.runs[name].kind == "PrePromotion"
    assert world.services["active"] == H1  # auto-promotion waits for the analysis
    world.runs[name] = replace(world.runs[name], phase="Failed", message="metric failed")
    world.settle()
    assert world.services["active"] == H1
    assert world.status.phase == "Degraded"
    assert world.status.message == (
        "RolloutAborted: Rollout aborted update to revision 2: "
        "Blue/green pre-promotion analysis phase error/failed: metric failed"
    )


def test_pre_promotion_success_promotes():
    pre = PromotionAnalysis(templates=("smoke",))
    world = deployed_bg(bg_plan(2, pre_promotion_analysis=pre))
    update(world)
    world.settle()
    name = f"foo-{H2}-2-pre"
    world.runs[name] = replace(world.runs[name], phase="Successful")
    world.settle()
    assert world.services["active"] == H2 and world.status.stable_rs == H2
    assert world.events("AnalysisRunSuccessful") == [
        (
            world.now,
            f"PrePromotion Analysis Run '{name}' Status New: 'Successful' Previous: 'Running'",
        )
    ]
    assert world.status.blue_green.pre_promotion_run is not None


def test_post_promotion_analysis_holds_stable_and_old_pods():
    post = PromotionAnalysis(templates=("after",))
    world = deployed_bg(bg_plan(2, post_promotion_analysis=post))
    update(world)
    world.settle()
    name = f"foo-{H2}-2-post"
    assert world.services["active"] == H2
    assert name in world.runs and world.runs[name].kind == "PostPromotion"
    assert world.status.stable_rs == H1
    assert world.status.message == "waiting for analysis to complete"
    world.advance(120)
    assert world.rss[H1].replicas == 2  # no scaleDownDelaySeconds: kept until success
    world.runs[name] = replace(world.runs[name], phase="Successful")
    world.settle()
    assert world.status.stable_rs == H2 and world.status.phase == "Healthy"
    assert world.rss[H1].scale_down_deadline is not None


def test_run_is_terminated_on_abort():
    pre = PromotionAnalysis(templates=("smoke",))
    world = deployed_bg(bg_plan(2, pre_promotion_analysis=pre))
    update(world)
    world.settle()
    world.pending.append(Abort())
    d = world.reconcile()
    assert TerminateAnalysisRun(f"foo-{H2}-2-pre") in d.actions
    assert not of_type(d, StartAnalysisRun)
