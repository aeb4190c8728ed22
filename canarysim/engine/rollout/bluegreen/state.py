"""What a blue-green reconcile reads off its context: the ReplicaSets and selectors of
the two roles, the preview's size, readiness for the pause, fast rollback and fast tracking,
the pauses and pre-promotion analysis completed (rollout/bluegreen.go, rollout/sync.go)."""

from __future__ import annotations

from typing import Literal

from canarysim.engine.model import (
    AnalysisRunView,
    BlueGreen,
    ReplicaSetView,
)
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.pause import BLUE_GREEN_PAUSE, INCONCLUSIVE_ANALYSIS
from canarysim.engine.rollout.runs import (
    is_rollback,
    rollback_within_window,
)


def bg_spec(ctx: Context) -> BlueGreen:
    assert ctx.plan.blue_green is not None
    return ctx.plan.blue_green


def replica_set_of(ctx: Context, pod_hash: str) -> ReplicaSetView | None:
    """``GetReplicaSetByTemplateHash`` (no ReplicaSet has the empty hash, so an empty
    selector finds none, as Argo's early return says)."""
    return next((rs for rs in ctx.obs.replica_sets if rs.hash == pod_hash), None)


def selector_of(ctx: Context, role: Literal["active", "preview"]) -> str:
    """What the active/preview Service selects, with this reconcile's switches applied."""
    seen = ctx.obs.active_service_hash if role == "active" else ctx.obs.preview_service_hash
    return ctx.services.get(role, seen)


def halt_progress(ctx: Context) -> bool:
    """``haltProgress``: user paused, or paused on an Inconclusive analysis."""
    return ctx.plan.paused or ctx.pause.condition(INCONCLUSIVE_ANALYSIS) is not None


def pod_spec_changed(ctx: Context) -> bool:
    """``CheckPodSpecChange``: a recorded current pod hash that is not the new ReplicaSet's."""
    current, new = ctx.status.current_pod_hash, ctx.new_rs
    assert new is not None
    return bool(current) and current != new.hash


def new_replicas(ctx: Context) -> int:
    """``NewRSNewReplicas`` for blue-green: ``previewReplicaCount`` until the promotion (the
    checkpoint, a full promotion, or the active Service already on the new pods)."""
    plan, status, bg = ctx.plan, ctx.status, bg_spec(ctx)
    if bg.preview_replica_count is None:
        return plan.replicas
    active = replica_set_of(ctx, status.blue_green.active_selector)
    new = ctx.new_rs
    assert new is not None
    if active is None or active.hash == new.hash or status.promote_full:
        return plan.replicas
    if new.hash != status.current_pod_hash:
        return bg.preview_replica_count
    not_paused = not plan.paused and not status.pause_conditions
    if not_paused and status.blue_green.scale_up_preview_check_point:
        return plan.replicas
    return bg.preview_replica_count


def ready_for_pause(ctx: Context) -> bool:
    """``ReadyForPause``: the new ReplicaSet is at its size, all of it available."""
    want, new = new_replicas(ctx), ctx.new_rs
    assert new is not None
    return new.replicas == want and new.available == want


def saturated(new: ReplicaSetView, replicas: int) -> bool:
    """``annotations.IsSaturated`` where ``ReadyForPause`` holds (as many replicas as are
    available): all of them available, and the desired-replicas annotation (as observed:
    Argo reads the ReplicaSet it had before this reconcile's writes) says every replica."""
    return new.available == replicas and new.rollout_replicas == replicas


def is_fast_rollback(ctx: Context) -> bool:
    """``isFastRollback``: a rollback to stable, within the rollback window, or (blue-green)
    to a ReplicaSet still inside its scale-down delay."""
    if not is_rollback(ctx):
        return False
    new = ctx.new_rs
    assert new is not None
    # newRSWithinDelay (rollout/controller.go, newRolloutContext): the deadline, as observed
    # before this reconcile removes it, is still ahead (GetTimeRemainingBeforeScaleDownDeadline)
    deadline = new.scale_down_deadline
    within_delay = deadline is not None and deadline > ctx.now
    return rollback_within_window(ctx) or within_delay or ctx.status.stable_rs == new.hash


def fast_tracked(ctx: Context, active: str) -> bool:
    """``isBlueGreenFastTracked``: no pause before this switch."""
    assert ctx.new_rs is not None
    return (
        is_fast_rollback(ctx) or ctx.status.promote_full or not active or active == ctx.new_rs.hash
    )


def completed_pre_promotion(pre: AnalysisRunView | None, bg: BlueGreen) -> bool:
    return bg.pre_promotion_analysis is None or (pre is not None and pre.phase == "Successful")


def completed_pause(ctx: Context) -> bool:
    """``CompletedBlueGreenPause``: a human resumed, or ``autoPromotionSeconds`` passed."""
    bg, status = bg_spec(ctx), ctx.status
    cond = ctx.pause.condition(BLUE_GREEN_PAUSE)
    if ctx.pause.has_add_pause():
        return False
    if status.blue_green.scale_up_preview_check_point:
        return True
    if bg.auto_promotion_enabled:
        if bg.auto_promotion_seconds == 0:
            return True
        if cond is not None:
            return ctx.now > cond.start_time + bg.auto_promotion_seconds
        return False
    return status.controller_pause and cond is None
