"""The new status of one reconcile: ``persistRolloutStatus`` and ``checkPausedConditions``
(rollout/sync.go), folding pause intents, conditions, phase and duration into it."""

from __future__ import annotations

from canarysim.engine.memo import LastEntry
from canarysim.engine.model import (
    ConditionStatus,
    Plan,
    RolloutStatus,
)
from canarysim.engine.model.rollout_status import status_from_fields
from canarysim.engine.rollout.context import Context, floor_second
from canarysim.engine.rollout.duration import track_duration
from canarysim.engine.rollout.status.conditions import (
    calculate_conditions,
    evaluate_progress_deadline_abort,
    rollout_phase,
    set_condition,
)
from canarysim.engine.rollout.status.draft import (
    ABORTED_REASON,
    PAUSED,
    PAUSED_MESSAGE,
    PAUSED_REASON,
    PROGRESSING,
    RESUMED_MESSAGE,
    RESUMED_REASON,
    RETRY_MESSAGE,
    RETRY_REASON,
    Draft,
)


def persist(ctx: Context, d: Draft) -> RolloutStatus:
    """``persistRolloutStatus``: fold pause/abort intents, conditions, phase and message into
    the new status, and emit the pause/resume state-change events."""
    evaluate_progress_deadline_abort(ctx, d)
    abort, aborted_at, pause_conditions, controller_pause = ctx.pause.fold(
        floor_second(ctx.now), ctx.status.aborted_at
    )
    d.pause_conditions = pause_conditions
    paused = bool(pause_conditions) or ctx.plan.paused
    calculate_conditions(ctx, d, paused)
    # The phase and the duration are read off the draft, complete now but for them (neither
    # reads what the other writes): the status is built once.
    phase, message = rollout_phase(ctx.plan, d)
    # Positional, in RolloutStatus's field order (a keyword call of 29 fields costs three
    # times as much; every reconcile builds one): tests/engine pin the order field by field.
    status = RolloutStatus(
        d.current_pod_hash,  # current_pod_hash
        d.current_step_hash,  # current_step_hash
        d.current_step_index,  # current_step_index
        d.stable_rs,  # stable_rs
        pause_conditions,  # pause_conditions
        controller_pause,  # controller_pause
        abort,  # abort
        aborted_at,  # aborted_at
        d.promote_full,  # promote_full
        d.restarted_at,  # restarted_at
        ctx.plan.generation,  # observed_generation
        _workload_generation(ctx.plan),  # workload_observed_generation
        d.replicas,  # replicas
        d.updated_replicas,  # updated_replicas
        d.ready_replicas,  # ready_replicas
        d.available_replicas,  # available_replicas
        d.canary_weights,  # canary_weights
        d.step_run,  # current_step_analysis_run
        d.background_run,  # current_background_analysis_run
        d.experiment,  # current_experiment
        d.stable_ping_pong,  # stable_ping_pong
        d.alb,  # alb
        d.alb_status,  # alb_status
        d.albs,  # albs
        phase,  # phase
        message,  # message
        tuple(d.conditions),  # conditions
        d.blue_green,  # blue_green
        track_duration(ctx, d),  # duration
    )
    # sendStateChangeEvents: only when the status actually changes. A pause that came or
    # went changes pause_conditions, hence the status: the whole-status comparison would
    # only repeat what this test already knows.
    was_paused, is_paused = bool(ctx.status.pause_conditions), bool(pause_conditions)
    if was_paused != is_paused:
        if is_paused:
            ctx.event(PAUSED_REASON, f"{PAUSED_MESSAGE} ({pause_conditions[0].reason})")
        elif aborted_at is None:
            ctx.event(RESUMED_REASON, RESUMED_MESSAGE)
    return status


def _workload_generation(plan: Plan) -> str:
    """``persistRolloutStatus``: the ``workload-generation`` annotation of a Rollout whose
    template comes from a workloadRef, else empty."""
    gen = plan.workload_generation
    return str(gen) if gen is not None else ""


_IN_STEP: LastEntry[RolloutStatus, Plan] = LastEntry()
"""The last status :func:`check_paused_conditions` found nothing to patch in, with the plan
it was read with: what it reads of both (conditions, pauses, abort, hashes, generation,
``spec.paused``) is immutable, and an unchanged status comes back as the same object."""


def check_paused_conditions(ctx: Context) -> RolloutStatus | None:
    """``checkPausedConditions`` (rollout/sync.go): keep the Progressing and Paused conditions
    in step with pauses and retries; a change is patched and ends the reconcile."""
    status = ctx.status
    if _IN_STEP.get(status) is ctx.plan:
        return None
    if status.observed_generation != ctx.plan.generation:
        return None
    prog = status.condition(PROGRESSING)
    prog_paused = prog is not None and prog.reason == PAUSED_REASON
    is_paused = bool(status.pause_conditions) or ctx.plan.paused
    abort_cond = prog is not None and prog.reason == ABORTED_REASON
    completed = bool(status.stable_rs) and status.stable_rs == status.current_pod_hash
    updates: list[tuple[str, ConditionStatus, str, str]] = []
    if is_paused != prog_paused and not abort_cond and not completed:
        if is_paused:
            updates.append((PROGRESSING, "Unknown", PAUSED_REASON, PAUSED_MESSAGE))
        else:
            updates.append((PROGRESSING, "Unknown", RESUMED_REASON, RESUMED_MESSAGE))
    if not status.abort and abort_cond:
        updates.append((PROGRESSING, "Unknown", RETRY_REASON, RETRY_MESSAGE))
    paused_cond = status.condition(PAUSED)
    paused_true = paused_cond is not None and paused_cond.status == "True"
    if is_paused != paused_true and not abort_cond:
        updates.append((PAUSED, "True" if is_paused else "False", PAUSED_REASON, PAUSED_MESSAGE))
    if not updates:
        _IN_STEP.put(status, ctx.plan)
        return None
    conds = list(status.conditions)
    for type_, st, reason, msg in updates:
        set_condition(conds, ctx.now, type_, st, reason, msg)
    # patchCondition also writes observedGeneration, equal already (checked at the top).
    # Phase and duration are read off the patched status without them (neither reads what
    # the other writes); building it again from its fields is cheaper than ``replace()``.
    # (A RolloutStatus's instance dictionary holds exactly its fields: see its __eq__.)
    fields = dict(status.__dict__)
    fields["conditions"] = tuple(conds)
    patched = status_from_fields(fields)
    fields["phase"], fields["message"] = rollout_phase(ctx.plan, patched)
    fields["duration"] = track_duration(ctx, patched)
    return status_from_fields(fields)
