"""``decide(plan, status, observation) -> Decision``: one reconcile of Argo's canary controller.

Read top to bottom, this file is the order in which Argo Rollouts reconciles a canary
(``syncHandler`` → ``newRolloutContext`` → ``reconcile`` → ``rolloutCanary`` →
``syncRolloutStatusCanary``; rollout/controller.go, context.go, canary.go, sync.go). The
pieces each step calls live beside it: what ``syncRollout`` does before either strategy in
:mod:`.sync`, the CLI's status patches in :mod:`.commands`, services
and weights in :mod:`.traffic`, runs in :mod:`.runs`, ReplicaSet writes in :mod:`.scaling`,
the restarter in :mod:`.restart`, pause intents in :mod:`.pause`, conditions and phase in
:mod:`.status`, and the next wake-up in :mod:`.requeue`.

The engine is time-free: ``observation.now`` is the only clock, and ``requeue_after`` tells
the world when a look is next needed (pause end, scale-down deadline, progress deadline). A
reconcile that wrote anything the real controller would be woken by (its own status patch,
a ReplicaSet, a run) asks for an immediate look (``requeue_after == 0``).
"""

from __future__ import annotations

from canarysim.engine.model import (
    Analysis,
    Decision,
    Experiment,
    Observation,
    Pause,
    Plan,
    RolloutStatus,
    SetCanaryScale,
    SetHeaderRoute,
    SetMirrorRoute,
    SetWeight,
    Step,
    step_part,
    step_parts,
)
from canarysim.engine.rollout.commands import apply_commands, apply_spec_command
from canarysim.engine.rollout.context import Context, step_string
from canarysim.engine.rollout.duration import promoted_outcome
from canarysim.engine.rollout.metadata import reconcile_ephemeral_metadata
from canarysim.engine.rollout.pause import CANARY_PAUSE_STEP
from canarysim.engine.rollout.requeue import fail, finish, quiet_look
from canarysim.engine.rollout.restart import reconcile_restart
from canarysim.engine.rollout.runs import (
    experiment_successful,
    is_fast_rollback,
    reconcile_analysis_runs,
    reconcile_experiments,
    rollback_within_window,
)
from canarysim.engine.rollout.scaling import (
    reconcile_canary_replica_sets,
    reconcile_revision_history,
)
from canarysim.engine.rollout.status import (
    Draft,
    base_status,
    persist,
)
from canarysim.engine.rollout.sync import begin, is_scaling_event, unchanged_draft
from canarysim.engine.rollout.traffic import reconcile_services, reconcile_traffic_routing


def decide(plan: Plan, status: RolloutStatus, observation: Observation) -> Decision:
    """One reconcile: the new status, the actions for the world, and when to look again."""
    # A look at a quiet rollout that only the clock moved since (see :mod:`.requeue`).
    again = quiet_look(plan, status, observation)
    if again is not None:
        return again
    # 0-3. syncRollout before rolloutCanary (the CLI's status patches, newRolloutContext,
    #      checkPausedConditions, syncReplicaSetRevision): see :mod:`.sync`.
    ctx, early = begin(plan, status, observation)
    if early is not None:
        return finish(ctx, status, early)

    # 4. isScalingEvent: spec.replicas changed -> only resize ReplicaSets this time.
    if is_scaling_event(ctx):
        reconcile_canary_replica_sets(ctx)
        return finish(ctx, status, persist(ctx, unchanged_draft(ctx)))

    # 5. rolloutCanary.
    if _template_or_steps_changed(ctx):
        return finish(ctx, status, _sync_rollout_status(ctx, reset=True))
    if reconcile_restart(ctx) > 0:
        return finish(ctx, status, ctx.status)  # evictions first; availability is stale now
    reconcile_ephemeral_metadata(ctx)
    reconcile_revision_history(ctx)
    reconcile_services(ctx)
    reconcile_traffic_routing(ctx)
    if ctx.error:  # rolloutCanary returns the error: nothing more, no status written
        return fail(ctx, status)
    reconcile_experiments(ctx)
    reconcile_analysis_runs(ctx)
    if ctx.pause.has_add_pause():  # an Inconclusive run paused the rollout
        return finish(ctx, status, _sync_rollout_status(ctx))
    if reconcile_canary_replica_sets(ctx):  # one ReplicaSet scaled: nothing else this time
        return finish(ctx, status, _sync_rollout_status(ctx))
    _reconcile_canary_pause(ctx)
    return finish(ctx, status, _sync_rollout_status(ctx))


def _template_or_steps_changed(ctx: Context) -> bool:
    """``PodTemplateOrStepsChanged``: the steps' hash differs (or was never recorded), or
    the current pod hash was recorded and differs."""
    st = ctx.status
    if not st.current_step_hash or st.current_step_hash != ctx.plan.step_hash:
        return True
    return bool(st.current_pod_hash) and st.current_pod_hash != ctx.plan.pod_template_hash


# --------------------------------------------------------------------------------------------
# rolloutCanary helpers
# --------------------------------------------------------------------------------------------


def _reconcile_canary_pause(ctx: Context) -> None:
    """``reconcileCanaryPause``: at a pause step, and in a reconcile that scaled nothing,
    stamp the ``CanaryPauseStep`` condition (unless a promote already cleared it: then
    ``controllerPause`` is still set)."""
    plan, status = ctx.plan, ctx.status
    if plan.paused or status.promote_full:
        return
    step, _ = ctx.current_step()
    if step_part(step, Pause) is None:
        return
    # Argo adds the condition only when none exists yet; the fold ignores a reason already
    # present, so that test is not repeated here.
    if not status.controller_pause:
        ctx.pause.add_pause(CANARY_PAUSE_STEP)


def _completed_pause_step(ctx: Context, step: Pause) -> bool:
    """``CompletedCanaryPauseStep``: a human cleared the condition (promote), or the timed
    pause ran out: ``now`` strictly after start + duration."""
    cond = ctx.pause.condition(CANARY_PAUSE_STEP)
    if ctx.status.controller_pause and cond is None:
        return True
    return (
        step.seconds is not None and cond is not None and ctx.now > cond.start_time + step.seconds
    )


_ROUTE_KINDS = (SetHeaderRoute, SetMirrorRoute)  # (a tuple: isinstance checks it quicker)


def _completed_current_step(ctx: Context, step: Step) -> bool:
    """``completedCurrentCanaryStep`` of the current ``step`` (past the last one, or without
    steps, the caller does not ask)."""
    if ctx.plan.paused:
        return False
    if (pause := step_part(step, Pause)) is not None:
        return _completed_pause_step(ctx, pause)
    if step_part(step, SetCanaryScale) is not None:
        return ctx.at_desired_replica_counts(ctx.new_weights)
    if step_part(step, SetWeight) is not None:
        if not ctx.at_desired_replica_counts(ctx.new_weights):
            return False
        # not yet verified after the setWeight (ALB weight verification)
        return ctx.new_weights is None or ctx.new_weights.verified is not False
    if step_part(step, Experiment) is not None:
        return experiment_successful(ctx)
    if step_part(step, Analysis) is not None:
        ar = ctx.current_step_ar
        return ar is not None and ar.name not in ctx.created_runs and ar.phase == "Successful"
    return any(isinstance(p, _ROUTE_KINDS) for p in step_parts(step))


def _should_full_promote(ctx: Context) -> str:
    """``shouldFullPromote``: the reason to make the new ReplicaSet stable, or ""."""
    if ctx.stable_rs is None:
        return "Initial deploy"
    if ctx.pause.is_aborted():
        return ""
    # Fewer available than spec.replicas blocks promotion unless the progress threshold
    # of spec.replicas is met (rollout/sync.go, shouldFullPromote).
    new = ctx.new_rs
    if new is None or (
        new.available < ctx.plan.replicas and not ctx.progress_threshold_met(new, ctx.plan.replicas)
    ):
        return ""
    if ctx.status.promote_full:
        return "Full promotion requested"
    if is_fast_rollback(ctx):
        return "Rollback within window" if rollback_within_window(ctx) else "Fast rollback"
    _, index = ctx.current_step()
    if ctx.step_count == 0 or index == ctx.step_count:
        return f"Completed all {ctx.step_count} canary steps"
    return ""


def _promote_stable(ctx: Context, d: Draft, reason: str) -> None:
    """``promoteStable``: stableRS := currentPodHash, all steps done, pauses/abort cleared."""
    ctx.pause.clear = True
    ctx.pause.remove_abort = True
    d.promote_full = False
    d.current_step_index = ctx.step_count if ctx.step_count else None
    if d.stable_rs != d.current_pod_hash:
        d.duration = promoted_outcome(ctx, d.duration)
        d.stable_rs = d.current_pod_hash
        if ctx.plan.ping_service:
            # syncRolloutStatusCanary (rollout/sync.go): the stable switch swaps ping and pong.
            d.stable_ping_pong = "pong" if ctx.status.stable_ping_pong == "ping" else "ping"
        ctx.event(
            "RolloutCompleted",
            f"Rollout completed update to revision {ctx.revision} ({d.current_pod_hash}): {reason}",
        )


def _sync_rollout_status(ctx: Context, reset: bool = False) -> RolloutStatus:
    """``syncRolloutStatusCanary``: the step/promotion transition of this reconcile, first
    match wins: reset on a new template or steps; full promotion; abort; step completed.
    ``reset``: ``PodTemplateOrStepsChanged`` (decide() asked it before rolloutCanary went
    on, and nothing since changes the status it reads, so the other callers pass False)."""
    d = base_status(ctx)
    count = ctx.step_count
    step, index = ctx.current_step()
    aliased = False
    if reset:
        # resetRolloutStatus: a new revision (or new steps) starts from step 0.
        ctx.pause.clear = True
        ctx.pause.remove_abort = True
        d.restarted_at = ctx.plan.restart_at
        d.promote_full = False
        d.step_run = d.background_run = None
        d.current_step_index = 0 if count else None
        new = ctx.new_rs
        if new is not None and count:
            if ctx.status.stable_rs == new.hash:
                ctx.event("SkipSteps", "Rollback to stable ReplicaSets")
                d.current_step_index = count
            elif rollback_within_window(ctx) and new.replicas > 0:
                ctx.event("SkipSteps", "Rollback to active ReplicaSets within RollbackWindow")
                d.current_step_index = count
        return persist(ctx, d)
    if ctx.status.promote_full or rollback_within_window(ctx):
        ctx.pause.clear = True
        ctx.pause.remove_abort = True
        if count:
            index = count
            # Argo points currentStepIndex at the stepCount variable itself (`&stepCount`),
            # so a step completing below increments both: index count + 1, event "n/n".
            aliased = True
    reason = _should_full_promote(ctx)
    if reason:
        _promote_stable(ctx, d, reason)
        return persist(ctx, d)
    if ctx.pause.is_aborted():
        if count:
            d.current_step_index = count if d.stable_rs == d.current_pod_hash else 0
        return persist(ctx, d)
    # A current step exists only below the step count (GetCurrentCanaryStep).
    if step is not None and index is not None and _completed_current_step(ctx, step):
        index += 1
        if aliased:
            count = index
        d.step_run = None
        ctx.event(
            "RolloutStepCompleted", f"Rollout step {index}/{count} completed ({step_string(step)})"
        )
        ctx.pause.remove_pause(CANARY_PAUSE_STEP)
    d.current_step_index = index
    return persist(ctx, d)


__all__ = ["apply_commands", "apply_spec_command", "decide"]
