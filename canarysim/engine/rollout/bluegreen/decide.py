"""``decide`` for ``strategy.blueGreen``: one reconcile of Argo's blue-green controller.

Read top to bottom, this is ``rolloutBlueGreen`` (rollout/bluegreen.go) with the Service
switches of rollout/service.go, the preview sizing of ``NewRSNewReplicas``
(utils/replicaset/replicaset.go) and ``syncRolloutStatusBlueGreen``. It shares the pipeline
stages of the canary: the reconcile context, pause intents, ReplicaSet writes and deadlines,
conditions/phase/persist, the CLI's status patches and the requeue rules.

The new ReplicaSet is the *preview*: the preview Service points at it as soon as it exists,
it is scaled to ``previewReplicaCount`` (or every replica), and once it is fully available the
rollout pauses (``BlueGreenPause``) when auto-promotion is off or delayed. Promotion switches
the active Service's selector to it; the old active ReplicaSet then keeps its pods for
``scaleDownDelaySeconds`` before it is scaled to 0. An abort points the active Service back
at the stable ReplicaSet and scales the preview down after ``abortScaleDownDelaySeconds``.
"""

from __future__ import annotations

from dataclasses import replace

from canarysim.engine.model import (
    AnalysisRunView,
    BlueGreenStatus,
    Decision,
    Observation,
    Plan,
    RolloutStatus,
)
from canarysim.engine.rollout.bluegreen.replicasets import reconcile_replica_sets
from canarysim.engine.rollout.bluegreen.services import (
    reconcile_active_service,
    reconcile_preview_service,
)
from canarysim.engine.rollout.bluegreen.state import (
    bg_spec,
    completed_pause,
    completed_pre_promotion,
    fast_tracked,
    halt_progress,
    is_fast_rollback,
    pod_spec_changed,
    ready_for_pause,
    replica_set_of,
    selector_of,
)
from canarysim.engine.rollout.context import Context, floor_second
from canarysim.engine.rollout.duration import promoted_outcome
from canarysim.engine.rollout.metadata import reconcile_ephemeral_metadata
from canarysim.engine.rollout.pause import BLUE_GREEN_PAUSE
from canarysim.engine.rollout.requeue import PAUSE_WAKE_SECONDS, finish
from canarysim.engine.rollout.restart import reconcile_restart
from canarysim.engine.rollout.runs import (
    current_promotion_runs,
    reconcile_promotion_runs,
    rollback_within_window,
    run_status,
)
from canarysim.engine.rollout.status import Draft, base_status, persist
from canarysim.engine.rollout.sync import begin, is_scaling_event, unchanged_draft
from canarysim.engine.rollout.traffic import aws_verify_target_groups

__all__ = ["decide_blue_green"]


def decide_blue_green(plan: Plan, status: RolloutStatus, observation: Observation) -> Decision:
    """One blue-green reconcile: the new status, the actions, and when to look again."""
    assert plan.blue_green is not None
    ctx, early = begin(plan, status, observation)
    if early is not None:
        return _finish(ctx, status, early)
    if is_scaling_event(ctx):  # syncReplicasOnly
        reconcile_replica_sets(ctx)
        d = unchanged_draft(ctx)  # syncReplicasOnly keeps the rest of the status as it was
        d.blue_green = ctx.status.blue_green
        active = replica_set_of(ctx, ctx.status.blue_green.active_selector)
        d.available_replicas = active.available if active is not None else d.available_replicas
        return _finish(ctx, status, persist(ctx, d))
    # rolloutBlueGreen
    reconcile_preview_service(ctx)
    if pod_spec_changed(ctx):
        return _finish(ctx, status, _sync_status(ctx, None, None))
    # rolloutBlueGreen ignores how many pods the restarter evicted and goes on (the canary
    # strategy stops there: rolloutCanary, rollout/canary.go)
    reconcile_restart(ctx)
    reconcile_replica_sets(ctx)
    _reconcile_pause(ctx)
    reconcile_active_service(ctx)
    aws_verify_target_groups(ctx, bg_spec(ctx).active_service, selector_of(ctx, "active"))
    pre, post = reconcile_promotion_runs(ctx, is_fast_rollback(ctx))
    reconcile_ephemeral_metadata(ctx)  # previewMetadata / activeMetadata
    return _finish(ctx, status, _sync_status(ctx, pre, post))


def _reconcile_pause(ctx: Context) -> None:
    """``reconcileBlueGreenPause``: pause before the switch when auto-promotion is off or
    delayed; end the pause once ``autoPromotionSeconds`` passed."""
    if ctx.status.abort or not ready_for_pause(ctx) or halt_progress(ctx):
        return
    assert ctx.new_rs is not None
    active = selector_of(ctx, "active")
    bg = bg_spec(ctx)
    needs_pause = not bg.auto_promotion_enabled or bg.auto_promotion_seconds > 0
    if (
        fast_tracked(ctx, active)
        or ctx.status.blue_green.scale_up_preview_check_point
        or not needs_pause
    ):
        ctx.pause.remove_pause(BLUE_GREEN_PAUSE)
        return
    pre, _ = current_promotion_runs(ctx)
    if not completed_pre_promotion(pre, bg):
        return
    if ctx.pause.condition(BLUE_GREEN_PAUSE) is not None:
        if completed_pause(ctx):
            ctx.pause.remove_pause(BLUE_GREEN_PAUSE)
    elif not ctx.status.controller_pause:
        ctx.pause.add_pause(BLUE_GREEN_PAUSE)


def _should_full_promote(ctx: Context, active: str, post: AnalysisRunView | None) -> str:
    """``shouldFullPromote`` for blue-green: the reason to make the new ReplicaSet stable."""
    if ctx.stable_rs is None or not active:
        return "Initial deploy"
    if active != ctx.plan.pod_template_hash:
        return ""
    if ctx.targets_verified is False:  # the target groups do not hold the new pods yet
        return ""
    if ctx.status.promote_full:
        return "Full promotion requested"
    if is_fast_rollback(ctx):
        return "Rollback within window" if rollback_within_window(ctx) else "Fast rollback"
    if ctx.pause.is_aborted():
        return ""
    if bg_spec(ctx).post_promotion_analysis is not None and (
        post is None or post.phase != "Successful"
    ):
        return ""
    return "Completed blue-green update"


def _check_point(ctx: Context, pre: AnalysisRunView | None) -> bool:
    """``calculateScaleUpPreviewCheckPoint``: a one-way trip-wire, set once the paused
    preview (``previewReplicaCount`` pods) is all available and pre-promotion succeeded."""
    bg = bg_spec(ctx)
    if bg.preview_replica_count is None:
        return False
    if ctx.status.blue_green.scale_up_preview_check_point:
        return True
    if not completed_pre_promotion(pre, bg) or not completed_pause(ctx):
        return False
    assert ctx.new_rs is not None
    return bg.preview_replica_count == ctx.new_rs.available


def _sync_status(
    ctx: Context, pre: AnalysisRunView | None, post: AnalysisRunView | None
) -> RolloutStatus:
    """``syncRolloutStatusBlueGreen``."""
    d: Draft = base_status(ctx)
    d.current_step_hash, d.current_step_index = "", None
    d.step_run = d.background_run = d.experiment = None
    check_point = False
    if pod_spec_changed(ctx):  # resetRolloutStatus
        ctx.pause.clear = True
        ctx.pause.remove_abort = True
        d.restarted_at = ctx.plan.restart_at
        d.promote_full = False
        pre = post = None
    if ctx.status.promote_full or rollback_within_window(ctx):
        ctx.pause.clear = True
        ctx.pause.remove_abort = True
    active = selector_of(ctx, "active")
    d.blue_green = BlueGreenStatus(
        active_selector=active,
        preview_selector=selector_of(ctx, "preview"),
        pre_promotion_run=run_status(ctx, pre),
        post_promotion_run=run_status(ctx, post),
    )
    reason = _should_full_promote(ctx, active, post)
    if reason:
        ctx.pause.clear = True
        ctx.pause.remove_abort = True
        d.promote_full = False
        if d.stable_rs != d.current_pod_hash:
            d.duration = promoted_outcome(ctx, d.duration)
            d.stable_rs = d.current_pod_hash
            ctx.event(
                "RolloutCompleted",
                f"Rollout completed update to revision {ctx.revision} "
                f"({d.current_pod_hash}): {reason}",
            )
    else:
        check_point = _check_point(ctx, pre)
    d.blue_green = replace(d.blue_green, scale_up_preview_check_point=check_point)
    active_rs = replica_set_of(ctx, active)
    if active_rs is not None:
        d.available_replicas, d.ready_replicas = active_rs.available, active_rs.ready
    return persist(ctx, d)


def _finish(ctx: Context, given: RolloutStatus, new: RolloutStatus) -> Decision:
    """:func:`~canarysim.engine.rollout.requeue.finish`, plus the end of a timed
    ``BlueGreenPause`` (``autoPromotionSeconds``; Argo's ``checkEnqueueRolloutDuringWait``)."""
    decision = finish(ctx, given, new)
    seconds = bg_spec(ctx).auto_promotion_seconds
    cond = next((c for c in new.pause_conditions if c.reason == BLUE_GREEN_PAUSE), None)
    # reconcileBlueGreenPause asks for the wake whenever autoPromotionSeconds is set, even
    # with autoPromotionEnabled false (checkEnqueueRolloutDuringWait, rollout/pause.go); it
    # returns before that when the user paused the rollout
    if ctx.plan.paused or cond is None or seconds <= 0:
        return decision
    due = floor_second(cond.start_time) + seconds + PAUSE_WAKE_SECONDS - ctx.now
    if due <= 0:
        return decision
    later = decision.requeue_after
    return replace(decision, requeue_after=due if later is None else min(due, later))
