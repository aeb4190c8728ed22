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
from typing import Literal

from canarysim.engine.model import (
    AnalysisRunView,
    BlueGreen,
    BlueGreenStatus,
    Decision,
    Observation,
    Plan,
    ReplicaSetView,
    RolloutStatus,
    ScaleReplicaSet,
    SetServiceSelector,
)
from canarysim.engine.rollout.canary import (
    _create_new_replica_set,
    _is_scaling_event,
    _sync_revision,
    _unchanged_draft,
)
from canarysim.engine.rollout.commands import apply_commands
from canarysim.engine.rollout.context import Context, floor_second
from canarysim.engine.rollout.duration import promoted_outcome
from canarysim.engine.rollout.metadata import reconcile_ephemeral_metadata
from canarysim.engine.rollout.pause import BLUE_GREEN_PAUSE, INCONCLUSIVE_ANALYSIS
from canarysim.engine.rollout.requeue import PAUSE_WAKE_SECONDS, finish
from canarysim.engine.rollout.restart import reconcile_restart
from canarysim.engine.rollout.runs import (
    current_promotion_runs,
    is_rollback,
    reconcile_promotion_runs,
    rollback_within_window,
    run_status,
    skip_post_promotion,
)
from canarysim.engine.rollout.scaling import (
    MAX_INT32,
    _add_deadline,
    _remove_scale_down_deadlines,
    abort_scale_down_delay,
    is_referenced,
    reconcile_revision_history,
    scale,
    should_delay_abort_scale_down,
)
from canarysim.engine.rollout.status import Draft, base_status, check_paused_conditions, persist
from canarysim.engine.rollout.traffic import aws_verify_target_groups

__all__ = ["decide_blue_green"]

SWITCH_SERVICE_REASON = "SwitchService"


def decide_blue_green(plan: Plan, status: RolloutStatus, observation: Observation) -> Decision:
    """One blue-green reconcile: the new status, the actions, and when to look again."""
    assert plan.blue_green is not None
    read = apply_commands(plan, status, observation.commands)
    ctx = Context(plan, read, observation)
    if ctx.new_rs is None:
        return _finish(ctx, status, _create_new_replica_set(ctx))
    if ctx.fully_promoted and ctx.pause.is_aborted():
        ctx.pause.remove_abort = True
    patched = check_paused_conditions(ctx)
    if patched is not None:
        return _finish(ctx, status, patched)
    _sync_revision(ctx)
    if _is_scaling_event(ctx):  # syncReplicasOnly
        _reconcile_replica_sets(ctx)
        d = _unchanged_draft(ctx)  # syncReplicasOnly keeps the rest of the status as it was
        d.blue_green = ctx.status.blue_green
        active = _rs(ctx, ctx.status.blue_green.active_selector)
        d.available_replicas = active.available if active is not None else d.available_replicas
        return _finish(ctx, status, persist(ctx, d))
    # rolloutBlueGreen
    _reconcile_preview_service(ctx)
    if _pod_spec_changed(ctx):
        return _finish(ctx, status, _sync_status(ctx, None, None))
    # rolloutBlueGreen ignores how many pods the restarter evicted and goes on (the canary
    # strategy stops there: rolloutCanary, rollout/canary.go)
    reconcile_restart(ctx)
    _reconcile_replica_sets(ctx)
    _reconcile_pause(ctx)
    _reconcile_active_service(ctx)
    aws_verify_target_groups(ctx, _bg(ctx).active_service, _selector(ctx, "active"))
    pre, post = reconcile_promotion_runs(ctx, _is_fast_rollback(ctx))
    reconcile_ephemeral_metadata(ctx)  # previewMetadata / activeMetadata
    return _finish(ctx, status, _sync_status(ctx, pre, post))


# --------------------------------------------------------------------------------------------
# Small facts
# --------------------------------------------------------------------------------------------


def _bg(ctx: Context) -> BlueGreen:
    assert ctx.plan.blue_green is not None
    return ctx.plan.blue_green


def _rs(ctx: Context, pod_hash: str) -> ReplicaSetView | None:
    """``GetReplicaSetByTemplateHash`` (no ReplicaSet has the empty hash, so an empty
    selector finds none, as Argo's early return says)."""
    return next((rs for rs in ctx.obs.replica_sets if rs.hash == pod_hash), None)


def _selector(ctx: Context, role: Literal["active", "preview"]) -> str:
    """What the active/preview Service selects, with this reconcile's switches applied."""
    seen = ctx.obs.active_service_hash if role == "active" else ctx.obs.preview_service_hash
    return ctx.services.get(role, seen)


def _halt_progress(ctx: Context) -> bool:
    """``haltProgress``: user paused, or paused on an Inconclusive analysis."""
    return ctx.plan.paused or ctx.pause.condition(INCONCLUSIVE_ANALYSIS) is not None


def _pod_spec_changed(ctx: Context) -> bool:
    """``CheckPodSpecChange``: a recorded current pod hash that is not the new ReplicaSet's."""
    current, new = ctx.status.current_pod_hash, ctx.new_rs
    assert new is not None
    return bool(current) and current != new.hash


def _new_replicas(ctx: Context) -> int:
    """``NewRSNewReplicas`` for blue-green: ``previewReplicaCount`` until the promotion (the
    checkpoint, a full promotion, or the active Service already on the new pods)."""
    plan, status, bg = ctx.plan, ctx.status, _bg(ctx)
    if bg.preview_replica_count is None:
        return plan.replicas
    active = _rs(ctx, status.blue_green.active_selector)
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


def _ready_for_pause(ctx: Context) -> bool:
    """``ReadyForPause``: the new ReplicaSet is at its size, all of it available."""
    want, new = _new_replicas(ctx), ctx.new_rs
    assert new is not None
    return new.replicas == want and new.available == want


def _saturated(new: ReplicaSetView, replicas: int) -> bool:
    """``annotations.IsSaturated`` where ``ReadyForPause`` holds (as many replicas as are
    available): all of them available, and the desired-replicas annotation (as observed:
    Argo reads the ReplicaSet it had before this reconcile's writes) says every replica."""
    return new.available == replicas and new.rollout_replicas == replicas


def _is_fast_rollback(ctx: Context) -> bool:
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


def _fast_tracked(ctx: Context, active: str) -> bool:
    """``isBlueGreenFastTracked``: no pause before this switch."""
    assert ctx.new_rs is not None
    return (
        _is_fast_rollback(ctx) or ctx.status.promote_full or not active or active == ctx.new_rs.hash
    )


def _completed_pre_promotion(pre: AnalysisRunView | None, bg: BlueGreen) -> bool:
    return bg.pre_promotion_analysis is None or (pre is not None and pre.phase == "Successful")


def _completed_pause(ctx: Context) -> bool:
    """``CompletedBlueGreenPause``: a human resumed, or ``autoPromotionSeconds`` passed."""
    bg, status = _bg(ctx), ctx.status
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


# --------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------


def _switch(ctx: Context, role: Literal["active", "preview"], pod_hash: str) -> None:
    """``switchServiceSelector``: the Service now selects ``pod_hash``; Argo's event. Each
    Service is switched at most once a reconcile, so what it selects is what was observed.
    Like Argo, no guard against an empty hash (an abort before any stable ReplicaSet points
    the active Service at ``""``); the Service names are required (``activeService``) or
    checked by the caller (``previewService``)."""
    bg = _bg(ctx)
    service = bg.active_service if role == "active" else bg.preview_service
    current = _selector(ctx, role)
    if current == pod_hash:
        return
    ctx.services[role] = pod_hash
    ctx.actions.append(SetServiceSelector(role, pod_hash))
    ctx.event(
        SWITCH_SERVICE_REASON,
        f"Switched selector for service '{service}' from '{current}' to '{pod_hash}'",
    )


def _reconcile_preview_service(ctx: Context) -> None:
    """``reconcilePreviewService``: the preview Service follows the new ReplicaSet at once."""
    if not _bg(ctx).preview_service or _halt_progress(ctx):
        return
    assert ctx.new_rs is not None
    _switch(ctx, "preview", ctx.new_rs.hash)


def _reconcile_active_service(ctx: Context) -> None:
    """``reconcileActiveService``: switch once the new ReplicaSet is saturated and the pause
    and pre-promotion analysis are done (or the update is fast-tracked); back to stable on
    abort."""
    assert ctx.new_rs is not None
    if (
        _halt_progress(ctx)
        or not _ready_for_pause(ctx)
        or not _saturated(ctx.new_rs, ctx.plan.replicas)
    ):
        return
    active = _selector(ctx, "active")
    want = active
    if _fast_tracked(ctx, active):
        want = ctx.new_rs.hash
    pre, _ = current_promotion_runs(ctx)
    if _completed_pause(ctx) and _completed_pre_promotion(pre, _bg(ctx)):
        want = ctx.new_rs.hash
    if ctx.status.abort:
        want = ctx.status.stable_rs
    _switch(ctx, "active", want)


# --------------------------------------------------------------------------------------------
# ReplicaSets
# --------------------------------------------------------------------------------------------


def _reconcile_replica_sets(ctx: Context) -> None:
    """``reconcileBlueGreenReplicaSets``: deadlines off the live ReplicaSets, stable to full
    size, the new one to its size (with the abort hold), old ones down after their delay,
    then the revision history."""
    _remove_scale_down_deadlines(ctx)
    if ctx.stable_rs is not None:
        scale(ctx, ctx.stable_rs, ctx.plan.replicas)
    _reconcile_new(ctx)
    _reconcile_others(ctx)
    reconcile_revision_history(ctx)


def _reconcile_new(ctx: Context) -> None:
    """``reconcileNewReplicaSet``; after an abort the preview keeps its size until the stable
    is whole, then gets a deadline, then goes to 0."""
    new = ctx.new_rs
    assert new is not None
    want = _new_replicas(ctx)
    if should_delay_abort_scale_down(ctx):
        delay = abort_scale_down_delay(ctx)
        if new.scale_down_deadline is not None:
            if new.scale_down_deadline > ctx.now:
                _scale_once(ctx, new, new.replicas)
                return
            want = 0
        elif delay is not None:
            _scale_once(ctx, new, new.replicas)
            stable = ctx.stable_rs
            assert stable is not None  # shouldDelayScaleDownOnAbort needs one
            if stable.available >= ctx.plan.replicas:
                _add_deadline(ctx, new, delay)
            return
    _scale_once(ctx, new, want)


def _scale_once(ctx: Context, rs: ReplicaSetView, count: int) -> None:
    """Scale, unless this reconcile already wrote that size (the new ReplicaSet is also the
    stable one once promoted: Argo's second write of the same size is a no-op)."""
    if ScaleReplicaSet(rs.hash, count, ctx.plan.replicas) in ctx.actions:
        return
    scale(ctx, rs, count)


def _reconcile_others(ctx: Context) -> None:
    """``scaleDownOldReplicaSetsForBlueGreen``: newest first; a ReplicaSet a Service or the
    status still references is kept; the rest wait out ``scaleDownDelaySeconds`` (at most
    ``scaleDownDelayRevisionLimit`` of them) and are then scaled to 0."""
    active = [rs for rs in ctx.other_rss if rs.replicas > 0]
    if not active or ctx.pause.condition(INCONCLUSIVE_ANALYSIS) is not None:
        return
    bg, plan = _bg(ctx), ctx.plan
    _, post = current_promotion_runs(ctx)
    if (
        bg.post_promotion_analysis is not None
        and plan.scale_down_delay_seconds is None
        and not skip_post_promotion(ctx, post)
        and (post is None or post.phase != "Successful")
    ):
        return  # without a delay, old pods stay until post-promotion analysis succeeds
    limit = plan.scale_down_delay_revision_limit
    limit = MAX_INT32 if limit is None else limit
    annotated = 0
    for rs in sorted(active, key=lambda r: r.revision, reverse=True):
        if is_referenced(ctx, rs):
            continue
        want = 0
        if rs.scale_down_deadline is None:
            if annotated < limit:  # scaleDownDelayHelper: start the delay, keep the pods
                annotated += 1
                want = rs.replicas
                _add_deadline(ctx, rs, plan.effective_scale_down_delay)
        else:
            annotated += 1
            if annotated <= limit and rs.scale_down_deadline > ctx.now:
                want = plan.replicas
        if rs.replicas != want:
            scale(ctx, rs, want)


# --------------------------------------------------------------------------------------------
# Pause
# --------------------------------------------------------------------------------------------


def _reconcile_pause(ctx: Context) -> None:
    """``reconcileBlueGreenPause``: pause before the switch when auto-promotion is off or
    delayed; end the pause once ``autoPromotionSeconds`` passed."""
    if ctx.status.abort or not _ready_for_pause(ctx) or _halt_progress(ctx):
        return
    assert ctx.new_rs is not None
    active = _selector(ctx, "active")
    bg = _bg(ctx)
    needs_pause = not bg.auto_promotion_enabled or bg.auto_promotion_seconds > 0
    if (
        _fast_tracked(ctx, active)
        or ctx.status.blue_green.scale_up_preview_check_point
        or not needs_pause
    ):
        ctx.pause.remove_pause(BLUE_GREEN_PAUSE)
        return
    pre, _ = current_promotion_runs(ctx)
    if not _completed_pre_promotion(pre, bg):
        return
    if ctx.pause.condition(BLUE_GREEN_PAUSE) is not None:
        if _completed_pause(ctx):
            ctx.pause.remove_pause(BLUE_GREEN_PAUSE)
    elif not ctx.status.controller_pause:
        ctx.pause.add_pause(BLUE_GREEN_PAUSE)


# --------------------------------------------------------------------------------------------
# Status
# --------------------------------------------------------------------------------------------


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
    if _is_fast_rollback(ctx):
        return "Rollback within window" if rollback_within_window(ctx) else "Fast rollback"
    if ctx.pause.is_aborted():
        return ""
    if _bg(ctx).post_promotion_analysis is not None and (
        post is None or post.phase != "Successful"
    ):
        return ""
    return "Completed blue-green update"


def _check_point(ctx: Context, pre: AnalysisRunView | None) -> bool:
    """``calculateScaleUpPreviewCheckPoint``: a one-way trip-wire, set once the paused
    preview (``previewReplicaCount`` pods) is all available and pre-promotion succeeded."""
    bg = _bg(ctx)
    if bg.preview_replica_count is None:
        return False
    if ctx.status.blue_green.scale_up_preview_check_point:
        return True
    if not _completed_pre_promotion(pre, bg) or not _completed_pause(ctx):
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
    if _pod_spec_changed(ctx):  # resetRolloutStatus
        ctx.pause.clear = True
        ctx.pause.remove_abort = True
        d.restarted_at = ctx.plan.restart_at
        d.promote_full = False
        pre = post = None
    if ctx.status.promote_full or rollback_within_window(ctx):
        ctx.pause.clear = True
        ctx.pause.remove_abort = True
    active = _selector(ctx, "active")
    d.blue_green = BlueGreenStatus(
        active_selector=active,
        preview_selector=_selector(ctx, "preview"),
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
    active_rs = _rs(ctx, active)
    if active_rs is not None:
        d.available_replicas, d.ready_replicas = active_rs.available, active_rs.ready
    return persist(ctx, d)


def _finish(ctx: Context, given: RolloutStatus, new: RolloutStatus) -> Decision:
    """:func:`~canarysim.engine.rollout.requeue.finish`, plus the end of a timed
    ``BlueGreenPause`` (``autoPromotionSeconds``; Argo's ``checkEnqueueRolloutDuringWait``)."""
    decision = finish(ctx, given, new)
    seconds = _bg(ctx).auto_promotion_seconds
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
