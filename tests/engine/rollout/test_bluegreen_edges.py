"""Edges of ``engine/rollout/bluegreen/`` the mutation run found unpinned.

Each test names the Argo function it pins (rollout/bluegreen.go, rollout/service.go,
rollout/replicaset.go, rollout/sync.go, rollout/pause.go, utils/replicaset). One reconcile
each, on the fixtures of ``test_bluegreen`` (``bg_plan``/``bg_status``) unless it says so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_bluegreen import bg_plan, bg_status, switches
from test_steps_world import H1, H2, H3, NOW, events, of_type, reconcile, rs, scales

from canarysim.engine.model import (
    AnalysisRunView,
    AnnotateReplicaSet,
    Decision,
    Observation,
    PauseCondition,
    Plan,
    PromotionAnalysis,
    RolloutDuration,
    RolloutStatus,
    RunStatus,
    ScaleReplicaSet,
    StartAnalysisRun,
)
from canarysim.engine.rollout import decide
from canarysim.engine.rollout.pause import INCONCLUSIVE_ANALYSIS

PRE = PromotionAnalysis(templates=("smoke",))
POST = PromotionAnalysis(templates=("after",))
H4 = "8c7d6e5f4"  # a fourth revision
SERVICES = {"active_service_hash": H1, "preview_service_hash": H2}


def run(name: str, kind: str, phase: str, h: str = H2) -> AnalysisRunView:
    return AnalysisRunView(name, kind, h, phase)  # type: ignore[arg-type]


def settled(plan: Plan, status: RolloutStatus, *rss: Any, **obs: Any) -> Decision:
    """Reconcile a fixed world until the engine stops writing status; the last decision."""
    for _ in range(6):
        d = reconcile(plan, status, *rss, **obs)
        if d.status == status:
            return d
        status = d.status
    raise AssertionError("status did not settle")


def completed(d: Decision) -> list[str]:
    return [m for r, m in events(d) if r == "RolloutCompleted"]


# --------------------------------------------------------------------------------------------
# Services: switchServiceSelector, reconcilePreviewService (rollout/service.go)
# --------------------------------------------------------------------------------------------


def test_preview_switch_names_the_preview_service_and_is_recorded_at_once():
    """The event names the preview Service; ``status.blueGreen.previewSelector`` is the new
    hash in the same reconcile (syncRolloutStatusBlueGreen reads the switched Service)."""
    plan = bg_plan(2, auto_promotion_enabled=False)
    status = bg_status(plan, preview=H1)
    d = reconcile(
        plan, status, rs(H1, 2), rs(H2, 2, 0), active_service_hash=H1, preview_service_hash=H1
    )
    assert switches(d) == [("preview", H2)]
    assert ("SwitchService", f"Switched selector for service 'preview' from '{H1}' to '{H2}'") in (
        events(d)
    )
    assert d.status.blue_green.preview_selector == H2
    assert d.status.blue_green.active_selector == H1


def inconclusive(status: RolloutStatus) -> RolloutStatus:
    """A rollout paused on an Inconclusive analysis (the Paused conditions already say so)."""
    return replace(status, pause_conditions=(PauseCondition(INCONCLUSIVE_ANALYSIS, NOW - 5),))


def test_inconclusive_pause_halts_the_preview_switch():
    """reconcilePreviewService returns on ``haltProgress`` (an InconclusiveAnalysis pause);
    the status keeps what the preview Service selects (not the active one)."""
    plan = bg_plan(2, h=H3)
    status = inconclusive(bg_status(plan, active=H1, preview=H2, pause=NOW - 5))
    d = reconcile(
        plan,
        status,
        rs(H1, 2),
        rs(H2, 0),
        rs(H3, 2),
        active_service_hash=H1,
        preview_service_hash=H2,
    )
    assert switches(d) == []
    assert d.status.blue_green.preview_selector == H2
    assert d.status.blue_green.active_selector == H1


def test_abort_before_any_stable_points_active_at_the_empty_hash():
    """switchServiceSelector has no guard for an empty hash: an abort with no stable
    ReplicaSet recorded points the active Service at ``status.stableRS`` (``""``)."""
    plan = bg_plan(1, preview_service="")
    status = bg_status(plan, active=H2, preview="", stable="", abort=True, aborted_at=NOW)
    d = reconcile(plan, status, rs(H2, 1), active_service_hash=H2)
    assert switches(d) == [("active", "")]


# --------------------------------------------------------------------------------------------
# reconcileActiveService: ReadyForPause and annotations.IsSaturated
# --------------------------------------------------------------------------------------------


def test_new_rs_without_desired_replicas_annotation_waits_one_reconcile():
    """IsSaturated needs the desired-replicas annotation; Argo reads the ReplicaSet as it was
    before this reconcile's write that adds it, so the switch waits for the next look."""
    plan = bg_plan(1, preview_service="")
    status = bg_status(plan, preview="")
    views = (rs(H1, 1, rollout_replicas=1), rs(H2, 1))  # H2 carries no annotation
    d = decide(plan, status, Observation(now=NOW, replica_sets=views, active_service_hash=H1))
    assert switches(d) == []
    assert ScaleReplicaSet(H2, 1, 1) in d.actions  # the annotation write
    assert d.status.stable_rs == H1


def test_preview_count_is_not_saturated():
    """A preview at ``previewReplicaCount``, all available, is ready for the pause but not
    saturated: no switch before the scale-up."""
    plan = bg_plan(3, preview_replica_count=1)
    d = reconcile(plan, bg_status(plan), rs(H1, 3), rs(H2, 1), **SERVICES)
    assert switches(d) == []
    assert d.status.blue_green.scale_up_preview_check_point is True


# --------------------------------------------------------------------------------------------
# isFastRollback / isBlueGreenFastTracked (rollout/sync.go, rollout/bluegreen.go)
# --------------------------------------------------------------------------------------------


def rollback_to_h1(deadline: float | None, window: int | None = None) -> Decision:
    """The template goes back to revision 1 (older than the stable revision 2, which the
    active Service selects); revision 1 still has its pods."""
    plan = bg_plan(1, h=H1, preview_service="", auto_promotion_enabled=False)
    plan = replace(plan, rollback_window_revisions=window)
    status = bg_status(plan, active=H2, preview="", stable=H2)
    return reconcile(plan, status, rs(H1, 1, deadline=deadline), rs(H2, 1), active_service_hash=H2)


def test_rollback_within_scale_down_delay_is_fast():
    """``newRSWithinDelay``: the deadline is still ahead, so no pause, straight back."""
    d = rollback_to_h1(NOW + 10)
    assert switches(d) == [("active", H1)]
    assert d.status.pause_conditions == ()
    assert d.status.stable_rs == H1
    assert completed(d) == [f"Rollout completed update to revision 3 ({H1}): Fast rollback"]


@pytest.mark.parametrize("deadline", [NOW, None], ids=["deadline-now", "no-deadline"])
def test_rollback_past_its_delay_pauses(deadline):
    """GetTimeRemainingBeforeScaleDownDeadline: a deadline not after now is no delay left."""
    d = rollback_to_h1(deadline)
    assert switches(d) == []
    assert d.status.pause_conditions == (PauseCondition("BlueGreenPause", NOW),)
    assert d.status.stable_rs == H2


def test_fast_rollback_starts_no_pre_promotion_analysis():
    """reconcileAnalysisRuns skips the promotion runs of a fast rollback."""
    plan = bg_plan(1, h=H1, preview_service="", pre_promotion_analysis=PRE)
    status = bg_status(plan, active=H2, preview="", stable=H2)
    d = reconcile(plan, status, rs(H1, 1, deadline=NOW + 10), rs(H2, 1), active_service_hash=H2)
    assert of_type(d, StartAnalysisRun) == []
    assert switches(d) == [("active", H1)]


def test_rollback_within_window_names_its_reason():
    """shouldFullPromote: ``Rollback within window`` before ``Fast rollback``."""
    d = rollback_to_h1(None, window=1)
    assert switches(d) == [("active", H1)]
    assert completed(d) == [
        f"Rollout completed update to revision 3 ({H1}): Rollback within window"
    ]


def test_active_without_selector_is_fast_tracked():
    """isBlueGreenFastTracked: an active Service without the pod-hash selector switches at
    once, auto-promotion off or not."""
    plan = bg_plan(2, auto_promotion_enabled=False)
    status = bg_status(plan, active="")
    d = reconcile(
        plan, status, rs(H1, 2), rs(H2, 2), active_service_hash="", preview_service_hash=H2
    )
    assert switches(d) == [("active", H2)]
    assert d.status.pause_conditions == ()


def post_running(plan: Plan, **kw: Any) -> tuple[RolloutStatus, dict[str, Any]]:
    """Switched to H2, post-promotion analysis running, stable still H1."""
    name = f"foo-{H2}-2-post"
    status = bg_status(plan, active=H2, **kw)
    status = replace(
        status,
        blue_green=replace(status.blue_green, post_promotion_run=RunStatus(name, "Running")),
    )
    obs = {
        "active_service_hash": H2,
        "preview_service_hash": H2,
        "analysis_runs": (run(name, "PostPromotion", "Running"),),
    }
    return status, obs


def test_active_already_new_is_fast_tracked_during_post_promotion():
    """isBlueGreenFastTracked: the active Service already selects the new pods, so no
    BlueGreenPause while post-promotion analysis runs (stable stays H1)."""
    plan = bg_plan(2, auto_promotion_enabled=False, post_promotion_analysis=POST)
    status, obs = post_running(plan)
    d = reconcile(plan, status, rs(H1, 2), rs(H2, 2), **obs)
    assert d.status.pause_conditions == ()
    assert d.status.stable_rs == H1


# --------------------------------------------------------------------------------------------
# reconcileBlueGreenPause / CompletedBlueGreenPause (rollout/bluegreen.go, rollout/pause.go)
# --------------------------------------------------------------------------------------------


def test_auto_promotion_seconds_end_strictly_after():
    """CompletedBlueGreenPause: ``now.After(start + autoPromotionSeconds)``; at the instant
    itself the pause holds."""
    plan = bg_plan(1, auto_promotion_seconds=10)
    d = reconcile(plan, bg_status(plan, pause=NOW - 10), rs(H1, 1), rs(H2, 1), **SERVICES)
    assert switches(d) == []
    assert d.status.pause_conditions == (PauseCondition("BlueGreenPause", NOW - 10),)


def test_one_auto_promotion_second_still_pauses():
    """needsBlueGreenControllerPause: any ``autoPromotionSeconds > 0``."""
    plan = bg_plan(1, auto_promotion_seconds=1)
    d = reconcile(plan, bg_status(plan), rs(H1, 1), rs(H2, 1), **SERVICES)
    assert switches(d) == []
    assert d.status.pause_conditions == (PauseCondition("BlueGreenPause", NOW),)


def test_resume_with_auto_promotion_seconds_does_not_switch():
    """``promote`` clears the pause but leaves controllerPause: with autoPromotionSeconds
    set, CompletedBlueGreenPause finds no pause condition ("we never paused") and says no,
    so the active Service stays (without them, the same resume switches)."""
    plan = bg_plan(1, auto_promotion_seconds=10)
    status = bg_status(plan, controller_pause=True)
    first = reconcile(plan, status, rs(H1, 1), rs(H2, 1), **SERVICES)
    second = reconcile(plan, first.status, rs(H1, 1), rs(H2, 1), **SERVICES)
    assert switches(first) == [] and switches(second) == []
    assert second.status.stable_rs == H1


def with_post(**bg: Any) -> Plan:
    """Post-promotion analysis keeps the switch from being a full promotion, so what the
    pause stage did stays visible in the status."""
    return bg_plan(1, post_promotion_analysis=POST, **bg)


@pytest.mark.parametrize(
    "plan",
    [with_post(), with_post(auto_promotion_seconds=10)],
    ids=["auto-promotion-turned-on", "auto-promotion-seconds-passed"],
)
def test_a_finished_blue_green_pause_is_removed(plan):
    """reconcileBlueGreenPause removes the BlueGreenPause (no controller pause needed any
    more, or autoPromotionSeconds passed) and the switch follows."""
    status = bg_status(plan, pause=NOW - 60)
    d = reconcile(plan, status, rs(H1, 1), rs(H2, 1), **SERVICES)
    assert switches(d) == [("active", H2)]
    assert d.status.pause_conditions == ()
    assert d.status.stable_rs == H1


def pre_done(plan: Plan, **kw: Any) -> tuple[RolloutStatus, dict[str, Any]]:
    name = f"foo-{H2}-2-pre"
    status = bg_status(plan, **kw)
    status = replace(
        status,
        blue_green=replace(status.blue_green, pre_promotion_run=RunStatus(name, "Successful")),
    )
    return status, {**SERVICES, "analysis_runs": (run(name, "PrePromotion", "Successful"),)}


def test_pause_follows_a_successful_pre_promotion_analysis():
    """completedPrePromotionAnalysis: the run the status follows succeeded, so the pause
    (auto-promotion off) is added."""
    plan = bg_plan(1, auto_promotion_enabled=False, pre_promotion_analysis=PRE)
    status, obs = pre_done(plan)
    d = reconcile(plan, status, rs(H1, 1), rs(H2, 1), **obs)
    assert d.status.pause_conditions == (PauseCondition("BlueGreenPause", NOW),)


def test_check_point_after_a_successful_pre_promotion_analysis():
    """calculateScaleUpPreviewCheckPoint: resumed, pre-promotion succeeded, preview count
    available: the checkpoint trips."""
    plan = bg_plan(
        5, preview_replica_count=1, auto_promotion_enabled=False, pre_promotion_analysis=PRE
    )
    status, obs = pre_done(plan, controller_pause=True)
    d = reconcile(plan, status, rs(H1, 5), rs(H2, 1), **obs)
    assert d.status.blue_green.scale_up_preview_check_point is True


# --------------------------------------------------------------------------------------------
# NewRSNewReplicas (utils/replicaset/replicaset.go)
# --------------------------------------------------------------------------------------------


def past_check_point(plan: Plan, **kw: Any) -> RolloutStatus:
    status = bg_status(plan, **kw)
    return replace(status, blue_green=replace(status.blue_green, scale_up_preview_check_point=True))


def test_user_pause_keeps_the_preview_count_past_the_check_point():
    """``isNotPaused`` needs ``spec.paused`` false too: paused by the user, the preview stays
    at ``previewReplicaCount`` even past the checkpoint."""
    plan = replace(bg_plan(5, preview_replica_count=1), paused=True)
    d = reconcile(plan, past_check_point(plan), rs(H1, 5), rs(H2, 1), **SERVICES)
    assert scales(d) == []


def test_pause_condition_keeps_the_preview_count_past_the_check_point():
    """``isNotPaused`` needs no pause condition either."""
    plan = bg_plan(5, preview_replica_count=1)
    status = inconclusive(past_check_point(plan, pause=NOW - 5))
    d = reconcile(plan, status, rs(H1, 5), rs(H2, 1), **SERVICES)
    assert scales(d) == []


def test_preview_count_before_the_check_point():
    """Not paused, checkpoint not reached: ``previewReplicaCount``."""
    plan = bg_plan(5, preview_replica_count=2)
    d = reconcile(plan, bg_status(plan), rs(H1, 5), rs(H2, 1), **SERVICES)
    assert scales(d) == [(H2, 2)]


# --------------------------------------------------------------------------------------------
# reconcileNewReplicaSet after an abort (rollout/replicaset.go)
# --------------------------------------------------------------------------------------------


def aborted(plan: Plan) -> RolloutStatus:
    return bg_status(plan, abort=True, aborted_at=NOW - 60)


def test_abort_deadline_reached_scales_the_preview_down():
    """A scale-down deadline not after now has been reached: the preview goes to 0."""
    plan = bg_plan(2)
    d = reconcile(plan, aborted(plan), rs(H1, 2), rs(H2, 2, deadline=NOW), **SERVICES)
    assert (H2, 0) in scales(d)


def test_abort_waits_for_a_whole_stable_before_the_deadline():
    """The deadline is set only once the stable ReplicaSet has every replica available."""
    plan = bg_plan(2)
    d = reconcile(plan, aborted(plan), rs(H1, 2, 1), rs(H2, 2), **SERVICES)
    assert of_type(d, AnnotateReplicaSet) == []
    assert scales(d) == []


def test_abort_with_active_still_new_is_not_a_promotion():
    """shouldFullPromote returns "" on abort; with the new pods not all available the active
    Service is not switched back yet, and the stable stays."""
    plan = bg_plan(2)
    status = bg_status(plan, active=H2, abort=True, aborted_at=NOW - 5)
    d = reconcile(
        plan, status, rs(H1, 2), rs(H2, 2, 1), active_service_hash=H2, preview_service_hash=H2
    )
    assert switches(d) == []
    assert d.status.stable_rs == H1 and d.status.abort


# --------------------------------------------------------------------------------------------
# scaleDownOldReplicaSetsForBlueGreen / scaleDownDelayHelper (rollout/bluegreen.go)
# --------------------------------------------------------------------------------------------


def promoted(plan: Plan, *rss: Any, preview: str = "") -> Decision:
    """New = stable = active = the plan's hash; the older ReplicaSets given."""
    h = plan.pod_template_hash
    status = bg_status(plan, active=h, preview=preview, stable=h)
    return reconcile(plan, status, *rss, active_service_hash=h)


def test_a_referenced_replica_set_does_not_stop_the_scale_down():
    """Newest first; a ReplicaSet the status still names is skipped, the older one after it
    is still scaled down."""
    plan = bg_plan(1, h=H3, preview_service="")
    d = promoted(
        plan,
        rs(H1, 1, deadline=NOW - 1),
        rs(H2, 1, deadline=NOW - 1),
        rs(H3, 1),
        preview=H2,
    )
    assert scales(d) == [(H1, 0)]


def test_deadline_at_now_is_reached():
    plan = bg_plan(1, h=H2, preview_service="")
    d = promoted(plan, rs(H1, 1, deadline=NOW), rs(H2, 1))
    assert scales(d) == [(H1, 0)]


def test_revision_limit_one_delays_only_the_newest():
    """scaleDownDelayRevisionLimit 1: the newest old ReplicaSet gets the delay, the next goes."""
    plan = bg_plan(1, h=H3, preview_service="", scale_down_delay_revision_limit=1)
    d = promoted(plan, rs(H1, 1), rs(H2, 1), rs(H3, 1))
    assert AnnotateReplicaSet(H2, NOW + 30) in d.actions
    assert of_type(d, AnnotateReplicaSet) == [AnnotateReplicaSet(H2, NOW + 30)]
    assert scales(d) == [(H1, 0)]


def test_revision_limit_two_counts_each_delay_once():
    plan = bg_plan(1, h=H4, preview_service="", scale_down_delay_revision_limit=2)
    d = promoted(plan, rs(H1, 1), rs(H2, 1), rs(H3, 1), rs(H4, 1, revision=4))
    assert of_type(d, AnnotateReplicaSet) == [
        AnnotateReplicaSet(H3, NOW + 30),
        AnnotateReplicaSet(H2, NOW + 30),
    ]
    assert scales(d) == [(H1, 0)]


def old_stable_new(
    plan: Plan,
    status: RolloutStatus,
    *,
    active: str = H3,
    new_available: int | None = None,
    runs: tuple[AnalysisRunView, ...] = (),
) -> Decision:
    """One reconcile over three ReplicaSets of two pods: H1 an older one whose scale-down
    delay is over, H2, and H3 (``new_available`` of its pods available, all by default); the
    active Service on ``active``, the preview on H3."""
    return reconcile(
        plan,
        status,
        rs(H1, 2, deadline=NOW - 1),
        rs(H2, 2),
        rs(H3, 2, new_available),
        active_service_hash=active,
        preview_service_hash=H3,
        analysis_runs=runs,
    )


def three_revisions(plan: Plan, post: str | None, **kw: Any) -> Decision:
    """H3 is new and active, H2 stable (post-promotion analysis in progress), H1 an older
    ReplicaSet whose delay is over."""
    status = bg_status(plan, active=H3, preview=H3, stable=H2, **kw)
    runs: tuple[AnalysisRunView, ...] = ()
    if post is not None:
        name = f"foo-{H3}-3-post"
        status = replace(
            status, blue_green=replace(status.blue_green, post_promotion_run=RunStatus(name, post))
        )
        runs = (run(name, "PostPromotion", post, H3),)
    return old_stable_new(plan, status, runs=runs)


@pytest.mark.parametrize(
    ("post", "delay", "kept"),
    [
        ("Running", None, True),
        ("Successful", None, False),
        ("Running", 10, False),
    ],
    ids=["running-no-delay", "successful", "running-with-delay"],
)
def test_post_promotion_analysis_holds_old_pods_without_a_delay(post, delay, kept):
    """Without scaleDownDelaySeconds, old ReplicaSets wait for post-promotion success."""
    plan = bg_plan(2, h=H3, post_promotion_analysis=POST, scale_down_delay_seconds=delay)
    d = three_revisions(plan, post)
    assert ((H1, 0) not in scales(d)) is kept


def test_post_promotion_hold_skipped_before_the_switch():
    """skipPostPromotionAnalysisRun: the active Service is not on the new pods yet, so no
    hold: the old ReplicaSet goes."""
    plan = bg_plan(2, h=H3, post_promotion_analysis=POST, auto_promotion_enabled=False)
    status = bg_status(plan, active=H2, preview=H3, stable=H2)
    assert (H1, 0) in scales(old_stable_new(plan, status, active=H2))


def test_post_promotion_hold_with_a_run_while_new_pods_are_lost():
    """Once the post-promotion run exists, the hold stands even if the new ReplicaSet is no
    longer saturated."""
    plan = bg_plan(2, h=H3, post_promotion_analysis=POST)
    status = bg_status(plan, active=H3, preview=H3, stable=H2)
    name = f"foo-{H3}-3-post"
    status = replace(
        status,
        blue_green=replace(status.blue_green, post_promotion_run=RunStatus(name, "Running")),
    )
    runs = (run(name, "PostPromotion", "Running", H3),)
    assert (H1, 0) not in scales(old_stable_new(plan, status, new_available=1, runs=runs))


def test_inconclusive_pause_holds_old_pods():
    """scaleDownOldReplicaSetsForBlueGreen: nothing is scaled down while paused on an
    Inconclusive analysis."""
    plan = bg_plan(2, h=H3, scale_down_delay_seconds=10)
    status = inconclusive(bg_status(plan, active=H3, preview=H3, stable=H2, pause=NOW - 5))
    assert (H1, 0) not in scales(old_stable_new(plan, status))


# --------------------------------------------------------------------------------------------
# syncReplicasOnly (rollout/sync.go): a scaling event
# --------------------------------------------------------------------------------------------


def test_scaling_event_scales_once_and_keeps_the_status():
    """spec.replicas 2 -> 3 on a promoted rollout: the stable (= new) ReplicaSet is written
    once, the delayed old one follows; the blue-green status is kept and the available count
    is the active ReplicaSet's."""
    plan = bg_plan(3, h=H2, preview_service="")
    status = bg_status(plan, active=H2, preview="", stable=H2, counts=(4, 2, 4, 4))
    status = replace(
        status, blue_green=replace(status.blue_green, scale_up_preview_check_point=True)
    )
    d = reconcile(
        plan,
        status,
        rs(H1, 2, deadline=NOW + 10, rollout_replicas=2),
        rs(H2, 2, rollout_replicas=2),
        active_service_hash=H2,
    )
    assert scales(d) == [(H2, 3), (H1, 3)]
    assert [m for r, m in events(d) if r == "ScalingReplicaSet"] == [
        f"Scaled up ReplicaSet foo-{H2} (revision 2) from 2 to 3",
        f"Scaled up ReplicaSet foo-{H1} (revision 1) from 2 to 3",
    ]
    assert d.status.blue_green == status.blue_green
    assert d.status.available_replicas == 2
    assert (d.status.current_step_hash, d.status.current_step_index) == ("", None)
    assert d.requeue_after == 0.0


def test_scaling_event_without_an_active_replica_set_counts_all():
    """syncReplicasOnly: no ReplicaSet for the active selector, the count is over all."""
    plan = bg_plan(3, h=H2, preview_service="")
    status = bg_status(plan, active=H3, preview="", stable=H2, counts=(4, 2, 4, 4))
    d = reconcile(
        plan,
        status,
        rs(H1, 2, deadline=NOW + 10, rollout_replicas=2),
        rs(H2, 2, rollout_replicas=2),
        active_service_hash=H3,
    )
    assert d.status.available_replicas == 4


def test_scaling_event_drops_an_abort_of_a_promoted_rollout():
    """newRolloutContext: a fully promoted rollout loses its abort, even on a scaling event."""
    plan = bg_plan(3, h=H2, preview_service="")
    status = bg_status(plan, active=H2, preview="", stable=H2, abort=True, aborted_at=NOW - 5)
    d = reconcile(plan, status, rs(H2, 2, rollout_replicas=2), active_service_hash=H2)
    assert scales(d) == [(H2, 3)]
    assert not d.status.abort


# --------------------------------------------------------------------------------------------
# syncRolloutStatusBlueGreen (rollout/bluegreen.go, rollout/sync.go)
# --------------------------------------------------------------------------------------------


def reset_by_new_template(**kw: Any) -> Decision:
    """The template changed to H3 while revision 2 was paused and aborted, with runs and the
    checkpoint recorded."""
    plan = replace(bg_plan(2, h=H3, auto_promotion_enabled=False), restart_at=NOW - 100)
    status = bg_status(plan, active=H1, preview=H2, pause=NOW - 5, current_pod_hash=H2, **kw)
    status = replace(
        status,
        blue_green=replace(
            status.blue_green,
            scale_up_preview_check_point=True,
            pre_promotion_run=RunStatus(f"foo-{H2}-2-pre", "Running"),
            post_promotion_run=RunStatus(f"foo-{H2}-2-post", "Running"),
        ),
    )
    return reconcile(
        plan,
        status,
        rs(H1, 2),
        rs(H2, 2),
        rs(H3, 0),
        active_service_hash=H1,
        preview_service_hash=H2,
    )


def test_pod_spec_change_resets_the_status_and_stops():
    """CheckPodSpecChange: the preview follows the new ReplicaSet, then resetRolloutStatus
    (pauses, abort, run statuses, checkpoint, restartedAt) and nothing else."""
    d = reset_by_new_template(abort=True, aborted_at=NOW - 5)
    assert switches(d) == [("preview", H3)]
    assert scales(d) == []
    st = d.status
    assert st.pause_conditions == () and not st.abort
    assert st.blue_green.pre_promotion_run is None and st.blue_green.post_promotion_run is None
    assert st.blue_green.scale_up_preview_check_point is False
    assert st.restarted_at == NOW - 100
    assert st.current_pod_hash == H3


def test_pod_spec_change_resets_promote_full():
    d = reset_by_new_template(promote_full=True)
    assert d.status.promote_full is False


def test_promote_full_clears_pause_and_abort_before_the_switch():
    """PromoteFull clears the pause conditions and the abort at once, whether or not the
    switch can happen yet."""
    plan = bg_plan(2, auto_promotion_enabled=False)
    status = bg_status(plan, pause=NOW - 5, promote_full=True, abort=True, aborted_at=NOW - 5)
    d = reconcile(plan, status, rs(H1, 2), rs(H2, 2, 1), **SERVICES)
    assert switches(d) == []
    assert d.status.pause_conditions == () and not d.status.abort


def test_full_promotion_clears_a_pause_the_pause_stage_left():
    """promoteStable clears every pause condition: here a BlueGreenPause the pause stage
    skipped (the new ReplicaSet lost a pod) after the switch."""
    plan = bg_plan(2, auto_promotion_enabled=False)
    status = bg_status(plan, active=H2, pause=NOW - 5)
    d = reconcile(
        plan, status, rs(H1, 2), rs(H2, 2, 1), active_service_hash=H2, preview_service_hash=H2
    )
    assert d.status.stable_rs == H2
    assert d.status.pause_conditions == ()


def test_fast_rollback_promotion_drops_the_abort():
    """promoteStable removes the abort: a fast rollback (within the scale-down delay) that
    the abort had left on the active Service is promoted."""
    plan = bg_plan(2, h=H1, preview_service="")
    status = bg_status(plan, active=H1, preview="", stable=H2, abort=True, aborted_at=NOW - 5)
    d = reconcile(plan, status, rs(H1, 2, 1, deadline=NOW + 10), rs(H2, 2), active_service_hash=H1)
    assert d.status.stable_rs == H1
    assert not d.status.abort


def test_full_promotion_resets_promote_full_and_names_the_outcome():
    plan = bg_plan(1)
    status = bg_status(
        plan, promote_full=True, duration=RolloutDuration(rollout_started_at=NOW - 100)
    )
    d = reconcile(plan, status, rs(H1, 1), rs(H2, 1), **SERVICES)
    assert d.status.stable_rs == H2
    assert d.status.promote_full is False
    assert d.status.duration is not None
    assert d.status.duration.completion_status == "FastPromoted"


def test_active_without_selector_while_new_is_not_ready_is_an_initial_deploy():
    """shouldFullPromote: an empty active selector is the "Initial deploy" corner case."""
    plan = bg_plan(2)
    status = bg_status(plan, active="")
    d = reconcile(
        plan, status, rs(H1, 2), rs(H2, 2, 1), active_service_hash="", preview_service_hash=H2
    )
    assert d.status.stable_rs == H2
    assert completed(d) == [f"Rollout completed update to revision 2 ({H2}): Initial deploy"]


def test_available_and_ready_counts_are_the_active_replica_sets():
    plan = bg_plan(2, auto_promotion_enabled=False)
    d = reconcile(plan, bg_status(plan), rs(H1, 2), rs(H2, 2, 1), **SERVICES)
    assert (d.status.available_replicas, d.status.ready_replicas) == (2, 2)
    assert (d.status.current_step_hash, d.status.current_step_index) == ("", None)


# --------------------------------------------------------------------------------------------
# The wake at the end of autoPromotionSeconds (checkEnqueueRolloutDuringWait)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bg", "started", "wake"),
    [
        ({"auto_promotion_seconds": 10}, NOW - 5, 5.001),
        ({"auto_promotion_seconds": 1}, NOW, 1.001),
        ({"auto_promotion_seconds": 10}, NOW - 9.5, 0.001),  # from the whole second
        ({"auto_promotion_seconds": 10, "auto_promotion_enabled": False}, NOW - 5, 5.001),
        ({"auto_promotion_enabled": False}, NOW, None),
    ],
    ids=["seconds", "one-second", "fraction", "auto-promotion-off", "no-seconds"],
)
def test_wake_at_the_end_of_auto_promotion_seconds(bg, started, wake):
    plan = bg_plan(1, **bg)
    status = bg_status(plan, pause=started)
    d = settled(plan, status, rs(H1, 1), rs(H2, 1), **SERVICES)
    assert d.status.pause_conditions == (PauseCondition("BlueGreenPause", started),)
    assert d.requeue_after == (None if wake is None else pytest.approx(wake))


def test_no_wake_once_the_instant_has_passed():
    """checkEnqueueRolloutDuringWait enqueues only while the end is ahead: at the wake itself,
    with the pause kept (the new ReplicaSet lost a pod), no immediate look."""
    plan = bg_plan(2, auto_promotion_seconds=10)
    status = bg_status(plan, pause=NOW - 10)
    d = settled(plan, status, rs(H1, 2), rs(H2, 2, 1), now=NOW + 0.001, **SERVICES)
    assert d.status.pause_conditions == (PauseCondition("BlueGreenPause", NOW - 10),)
    assert d.requeue_after is None


def test_no_wake_while_the_user_paused():
    plan = replace(bg_plan(1, auto_promotion_seconds=10), paused=True)
    d = settled(plan, bg_status(plan, pause=NOW - 5), rs(H1, 1), rs(H2, 1), **SERVICES)
    assert d.requeue_after is None


def test_an_earlier_timer_wins_over_the_wake():
    """A scale-down deadline due before the end of the pause is the next look."""
    plan = bg_plan(1, h=H3, auto_promotion_seconds=10)
    status = bg_status(plan, active=H2, preview=H3, stable=H2, pause=NOW - 5)
    d = settled(
        plan,
        status,
        rs(H1, 1, deadline=NOW + 2),
        rs(H2, 1),
        rs(H3, 1),
        active_service_hash=H2,
        preview_service_hash=H3,
    )
    assert d.requeue_after == pytest.approx(2.0)
