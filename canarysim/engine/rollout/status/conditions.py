"""The conditions and phase of a status: ``calculateRolloutConditions`` (rollout/sync.go),
``CalculateRolloutPhase`` (utils/rollout/rolloututil.go) and the condition helpers of
utils/conditions/conditions.go, with Argo's exact reasons and messages."""

from __future__ import annotations

from canarysim.engine.model import (
    Analysis,
    BlueGreenStatus,
    Condition,
    ConditionStatus,
    Experiment,
    Pause,
    Phase,
    Plan,
    RolloutStatus,
    step_parts,
)
from canarysim.engine.rollout.context import Context, floor_second
from canarysim.engine.rollout.status.draft import (
    ABORTED_MESSAGE,
    ABORTED_REASON,
    AVAILABLE,
    AVAILABLE_MESSAGE,
    AVAILABLE_REASON,
    COMPLETED,
    COMPLETED_REASON,
    HEALTHY,
    HEALTHY_MESSAGE,
    HEALTHY_REASON,
    INVALID_SPEC,
    NEW_RS_AVAILABLE_REASON,
    NOT_AVAILABLE_MESSAGE,
    NOT_COMPLETED_MESSAGE,
    NOT_COMPLETED_REASON,
    NOT_HEALTHY_MESSAGE,
    PAUSED,
    PAUSED_REASON,
    PROGRESSING,
    RS_COMPLETED_MESSAGE,
    RS_NOT_AVAILABLE_REASON,
    RS_PROGRESSING_MESSAGE,
    RS_TIMED_OUT_MESSAGE,
    RS_UPDATED_REASON,
    TIMED_OUT_REASON,
    Draft,
)


def get_condition(conditions: list[Condition], type_: str) -> Condition | None:
    for c in conditions:  # (a loop: several lookups a reconcile, no generator)
        if c.type == type_:
            return c
    return None


def set_condition(
    conditions: list[Condition],
    now: float,
    type_: str,
    status: ConditionStatus,
    reason: str,
    message: str,
) -> bool:
    """``SetRolloutCondition``: no change when status and reason are unchanged (so the
    update time is *not* refreshed); the transition time survives a same-status change."""
    current = get_condition(conditions, type_)
    if current is not None and current.status == status and current.reason == reason:
        return False
    stamp = floor_second(now)
    transition = stamp
    if current is not None and current.status == status:
        transition = current.last_transition_time
    conditions[:] = [c for c in conditions if c.type != type_]
    conditions.append(Condition(type_, status, reason, message, stamp, transition))
    return True


def _holds(conditions: list[Condition], type_: str, status: ConditionStatus, reason: str) -> bool:
    """A condition of this type with this status and reason is there already: the case in
    which :func:`set_condition` changes nothing (and its message is never read)."""
    current = get_condition(conditions, type_)
    return current is not None and current.status == status and current.reason == reason


def rollout_phase(plan: Plan, status: RolloutStatus | Draft) -> tuple[Phase, str]:
    """``CalculateRolloutPhase`` (canary branch), first match wins; of a status, or of the
    status under construction once its conditions and pause conditions are in."""
    for cond in status.conditions:
        if cond.type == INVALID_SPEC:
            return "Degraded", f"{INVALID_SPEC}: {cond.message}"
        if cond.reason in (ABORTED_REASON, TIMED_OUT_REASON):
            return "Degraded", f"{cond.reason}: {cond.message}"
    if plan.paused:
        return "Paused", "manually paused"
    if status.pause_conditions:
        return "Paused", status.pause_conditions[0].reason
    if plan.restart_at is not None and status.restarted_at != plan.restart_at:
        return "Progressing", "rollout is restarting"
    if status.updated_replicas < plan.replicas:
        return "Progressing", "more replicas need to be updated"
    if status.available_replicas < status.updated_replicas:
        return "Progressing", "updated replicas are still becoming available"
    if plan.blue_green is not None:
        bg = status.blue_green
        if not bg.active_selector or bg.active_selector != status.current_pod_hash:
            return "Progressing", "active service cutover pending"
        if not status.stable_rs or status.stable_rs != status.current_pod_hash:
            # waitingForBlueGreenPostPromotionAnalysis
            run = bg.post_promotion_run
            if plan.blue_green.post_promotion_analysis is not None and (
                run is None or run.phase not in ("Successful", "Failed", "Error", "Inconclusive")
            ):
                return "Progressing", "waiting for analysis to complete"
            return "Progressing", "waiting for post-promotion verification to complete"
        return "Healthy", ""
    if not plan.traffic_routing and status.replicas > status.updated_replicas:
        return "Progressing", "old replicas are pending termination"
    if not status.stable_rs or status.stable_rs != status.current_pod_hash:
        return "Progressing", "waiting for all steps to complete"
    return "Healthy", ""


def rollout_healthy(ctx: Context, d: Draft) -> bool:
    """``conditions.RolloutHealthy``: counts, observed generation and the strategy's own
    completion (canary: all steps, stable is current, old pods gone; blue-green: the active
    and preview Services select the current pods)."""
    return rollout_healthy_of(
        ctx,
        d.replicas,
        d.updated_replicas,
        d.available_replicas,
        d.current_step_index,
        d.stable_rs,
        d.current_pod_hash,
        d.blue_green,
    )


def rollout_healthy_of(
    ctx: Context,
    replicas: int,
    updated: int,
    available: int,
    step_index: int | None,
    stable_rs: str,
    pod_hash: str,
    blue_green: BlueGreenStatus,
) -> bool:
    """:func:`rollout_healthy` of a status with these counts, step index, hashes and
    ``blueGreen`` (no draft needed)."""
    r = ctx.plan.replicas
    bg = ctx.plan.blue_green
    if bg is not None:
        completed = blue_green.active_selector == pod_hash and (
            not bg.preview_service or blue_green.preview_selector == pod_hash
        )
        return (
            updated == r
            and available == r
            and ctx.status.observed_generation == ctx.plan.generation
            and completed
        )
    executed_all = True
    count = ctx.step_count
    if count > 0 and step_index is not None:
        executed_all = step_index == count
    stable_is_current = bool(stable_rs) and stable_rs == pod_hash
    return (
        updated == r
        and available == r
        and ctx.status.observed_generation == ctx.plan.generation
        and executed_all
        and stable_is_current
        and replicas == r
    )


def rollout_progressing(ctx: Context, d: Draft) -> bool:
    """``conditions.RolloutProgressing``: counts or canary position moved since last time."""
    old = ctx.status
    if ctx.plan.blue_green is not None:
        strategy_moved = (
            old.blue_green.active_selector != d.blue_green.active_selector
            or old.blue_green.preview_selector != d.blue_green.preview_selector
        )
        return (
            d.updated_replicas != old.updated_replicas
            or (d.replicas - d.updated_replicas) < (old.replicas - old.updated_replicas)
            or d.ready_replicas > old.ready_replicas
            or d.available_replicas > old.available_replicas
            or strategy_moved
        )
    step_moved = (
        d.current_step_index is not None
        and old.current_step_index is not None
        and d.current_step_index != old.current_step_index
    )
    return (
        d.updated_replicas != old.updated_replicas
        or (d.replicas - d.updated_replicas) < (old.replicas - old.updated_replicas)
        or d.ready_replicas > old.ready_replicas
        or d.available_replicas > old.available_replicas
        or d.stable_rs != old.stable_rs
        or step_moved
        or d.current_step_hash != old.current_step_hash
    )


def timed_out(ctx: Context, conditions: list[Condition]) -> bool:
    """``conditions.RolloutTimedOut``: the Progressing condition is older than the deadline
    (strictly), unless it records an abort or a pause."""
    cond = get_condition(conditions, PROGRESSING)
    if cond is None or cond.reason in (ABORTED_REASON, PAUSED_REASON):
        return False
    if cond.reason == TIMED_OUT_REASON:
        return True
    return cond.last_update_time + ctx.plan.progress_deadline_seconds < ctx.now


_INDEFINITE_KINDS = (Analysis, Experiment, Pause)
"""(a tuple: ``isinstance`` checks it quicker than the union ``Analysis | Experiment | Pause``)"""


def indefinite_step(ctx: Context) -> bool:
    """``isIndefiniteStep``: at a pause/analysis/experiment step, or the Paused condition is
    True (no progress deadline then)."""
    step, _ = ctx.current_step()
    if step is not None and any(isinstance(p, _INDEFINITE_KINDS) for p in step_parts(step)):
        return True
    cond = ctx.status.condition(PAUSED)
    return cond is not None and cond.status == "True"


def waiting_for_scale_down(ctx: Context) -> bool:
    """``isWaitingForReplicaSetScaleDown``: an other ReplicaSet carries a deadline."""
    return any(rs.scale_down_deadline is not None for rs in ctx.other_rss)


def evaluate_progress_deadline_abort(ctx: Context, d: Draft) -> None:
    """``evaluateProgressDeadlineAbort`` (rollout/sync.go)."""
    if not ctx.plan.progress_deadline_abort or ctx.pause.is_aborted():
        return
    if d.stable_rs and d.stable_rs == d.current_pod_hash:
        return
    if rollout_progressing(ctx, d):
        return
    if indefinite_step(ctx) or waiting_for_scale_down(ctx):
        return
    if not timed_out(ctx, list(ctx.status.conditions)):
        return
    msg = RS_TIMED_OUT_MESSAGE.format(ctx.rs_name(d.current_pod_hash))
    ctx.pause.abort(msg)
    ctx.event(ABORTED_REASON, msg, warning=True)


def calculate_conditions(ctx: Context, d: Draft, paused: bool) -> None:
    """``calculateRolloutConditions`` (rollout/sync.go), canary branch."""
    conds, now = d.conditions, ctx.now
    aborted = ctx.pause.is_aborted()
    became_unhealthy = False
    # (RolloutHealthy reads the counts, hashes and step index, which nothing below changes:
    # asked once for both uses)
    healthy = rollout_healthy(ctx, d)
    if not paused and healthy:
        set_condition(conds, now, HEALTHY, "True", HEALTHY_REASON, HEALTHY_MESSAGE)
    elif get_condition(conds, HEALTHY) is not None:
        became_unhealthy = set_condition(
            conds, now, HEALTHY, "False", HEALTHY_REASON, NOT_HEALTHY_MESSAGE
        )
    if aborted:
        message = ABORTED_MESSAGE.format(ctx.revision)
        if ctx.pause.abort_message:
            message = f"{message}: {ctx.pause.abort_message}"
        if set_condition(conds, now, PROGRESSING, "False", ABORTED_REASON, message):
            ctx.event(ABORTED_REASON, message, warning=True)
    else:
        # (the ReplicaSet's name goes into a message only when a condition is written:
        # SetRolloutCondition keeps one of the same status and reason as it is)
        if healthy:
            if not _holds(conds, PROGRESSING, "True", NEW_RS_AVAILABLE_REASON):
                set_condition(
                    conds,
                    now,
                    PROGRESSING,
                    "True",
                    NEW_RS_AVAILABLE_REASON,
                    RS_COMPLETED_MESSAGE.format(ctx.rs_name(d.current_pod_hash)),
                )
        elif rollout_progressing(ctx, d) or became_unhealthy:
            rs_name = ctx.rs_name(d.current_pod_hash)
            reason, msg = RS_UPDATED_REASON, RS_PROGRESSING_MESSAGE.format(rs_name)
            if d.stable_rs == d.current_pod_hash and became_unhealthy:
                reason, msg = RS_NOT_AVAILABLE_REASON, NOT_AVAILABLE_MESSAGE
            stamp = floor_second(now)
            transition = stamp
            current = ctx.status.condition(PROGRESSING)
            if current is not None and current.status == "True":
                transition = current.last_transition_time
            d.conditions[:] = [c for c in d.conditions if c.type != PROGRESSING]
            d.conditions.append(Condition(PROGRESSING, "True", reason, msg, stamp, transition))
        elif (
            not indefinite_step(ctx)
            and not waiting_for_scale_down(ctx)
            and timed_out(ctx, d.conditions)
        ):
            set_condition(
                conds,
                now,
                PROGRESSING,
                "False",
                TIMED_OUT_REASON,
                RS_TIMED_OUT_MESSAGE.format(ctx.rs_name(d.current_pod_hash)),
            )
    if _available(ctx, d):
        set_condition(conds, now, AVAILABLE, "True", AVAILABLE_REASON, AVAILABLE_MESSAGE)
    else:
        set_condition(conds, now, AVAILABLE, "False", AVAILABLE_REASON, NOT_AVAILABLE_MESSAGE)
    if d.stable_rs and d.stable_rs == d.current_pod_hash:
        set_condition(conds, now, COMPLETED, "True", COMPLETED_REASON, COMPLETED_REASON)
    elif set_condition(conds, now, COMPLETED, "False", COMPLETED_REASON, COMPLETED_REASON):
        ctx.event(
            NOT_COMPLETED_REASON, NOT_COMPLETED_MESSAGE.format(ctx.revision, d.current_pod_hash)
        )


def _available(ctx: Context, d: Draft) -> bool:
    """The Available condition: blue-green asks the active ReplicaSet to be saturated
    (``annotations.IsSaturated``), a canary asks for ``replicas`` available pods in all."""
    r = ctx.plan.replicas
    if ctx.plan.blue_green is not None:
        active = d.blue_green.active_selector
        rs = next((x for x in ctx.obs.replica_sets if active and x.hash == active), None)
        return (
            rs is not None and rs.replicas == r and rs.rollout_replicas == r and rs.available == r
        )
    available = 0
    for rs in ctx.obs.replica_sets:  # (a loop: every reconcile asks, no generator)
        available += rs.available
    return available >= r
