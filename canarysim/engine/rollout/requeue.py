"""When the engine needs its next look (``Decision.requeue_after``).

The real controller is woken by its informers whenever it wrote something (its own status
patch, a ReplicaSet, a run, a Service), and by explicit requeues for time-driven changes: the
end of a timed pause (``checkEnqueueRolloutDuringWait``), scale-down deadlines
(``scaleDownDelayHelper``, the abort hold), the restarter's re-check, and the progress deadline
(``requeueStuckRollout``). The simulator must never poll, so both become ``requeue_after``.
"""

from __future__ import annotations

from canarysim.engine.model import (
    AnnotateReplicaSet,
    CreateReplicaSet,
    Decision,
    DeleteReplicaSet,
    EvictPods,
    Pause,
    RolloutStatus,
    ScaleReplicaSet,
    SetReplicaSetRevision,
    SetServiceSelector,
    StartAnalysisRun,
    StartExperiment,
    TerminateAnalysisRun,
    TerminateExperiment,
    step_part,
)
from canarysim.engine.model.rollout_status import NO_BLUE_GREEN
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.pause import CANARY_PAUSE_STEP
from canarysim.engine.rollout.restart import RESTART_CHECK_SECONDS
from canarysim.engine.rollout.scaling import next_deadline
from canarysim.engine.rollout.status import (
    PROGRESSING,
    TIMED_OUT_REASON,
    base_counts,
    indefinite_step,
    rollout_healthy_of,
)
from canarysim.engine.rollout.traffic import VERIFY_RETRY_SECONDS

PAUSE_WAKE_SECONDS = 0.001
"""A timed pause ends strictly after start + duration; the world is asked to look this long
after the instant (the real controller's requeue likewise lands just past it)."""


_WAKING_ACTIONS = (
    CreateReplicaSet,
    ScaleReplicaSet,
    AnnotateReplicaSet,
    SetReplicaSetRevision,
    DeleteReplicaSet,
    EvictPods,
    SetServiceSelector,
    StartAnalysisRun,
    TerminateAnalysisRun,
    StartExperiment,
    TerminateExperiment,
)


def finish(ctx: Context, given: RolloutStatus, new: RolloutStatus) -> Decision:
    """Package the decision. Writes that would re-trigger the real controller through its
    informers mean "look again now"; otherwise the earliest timer, or None."""
    actions = tuple(ctx.actions)
    # (the actions first: a waking one spares comparing the whole status)
    if _wakes(actions) or new != given:
        return Decision(new, actions, 0.0)
    # An unchanged status goes back as the very object given: the next reconcile (and the
    # world's comparisons) then see the same object, which identity checks tell at once.
    return Decision(given, actions, _next_timer(ctx, given))


_WAKES_BY_TYPE: dict[type, bool] = {}
"""Whether an action of this class is one of ``_WAKING_ACTIONS`` (a subclass counts): a
dictionary lookup per action instead of eleven failed class checks for most of them (events,
router writes). (Entries are facts of the classes alone; threads may add one twice.)"""


def _wakes(actions: tuple[object, ...]) -> bool:
    """Some action is a write the controller's informers would see."""
    known = _WAKES_BY_TYPE
    for a in actions:  # a loop: once per reconcile, no generator
        kind = type(a)
        wakes = known.get(kind)
        if wakes is None:
            wakes = known[kind] = issubclass(kind, _WAKING_ACTIONS)
        if wakes:
            return True
    return False


def fail(ctx: Context, given: RolloutStatus) -> Decision:
    """A reconcile that returns ``ctx.error``: its writes stand, no status is written (the
    one given goes back; the CLI's patches stay pending with their commands), and the
    workqueue's back-off decides the next look."""
    return Decision(given, tuple(ctx.actions), error=ctx.error)  # requeue_after: None


def _next_timer(ctx: Context, status: RolloutStatus) -> float | None:
    now, plan = ctx.now, ctx.plan
    timers: list[float] = []
    # An unverified ALB weight: enqueueRolloutAfter(GetRolloutVerifyRetryInterval()).
    if ctx.verify_retry:
        timers.append(now + VERIFY_RETRY_SECONDS)
    # A timed pause step: just after start + duration.
    step, _ = ctx.current_step()
    pause = step_part(step, Pause)
    if pause is not None and pause.seconds is not None and not plan.paused:
        cond = next((c for c in status.pause_conditions if c.reason == CANARY_PAUSE_STEP), None)
        if cond is not None:
            timers.append(cond.start_time + pause.seconds + PAUSE_WAKE_SECONDS)
    # Scale-down deadlines (old stable after promotion, canary after an abort).
    deadline = next_deadline(ctx)
    if deadline is not None:
        timers.append(deadline)
    # A pending restart, and the restarter's periodic re-check.
    if plan.restart_at is not None and status.restarted_at != plan.restart_at:
        timers.append(plan.restart_at if plan.restart_at > now else now + RESTART_CHECK_SECONDS)
    # requeueStuckRollout: the progress deadline.
    progress = _progress_deadline(ctx, status)
    if progress is not None:
        timers.append(progress)
    future = [t - now for t in timers if t > now]
    return min(future) if future else None


def _progress_deadline(ctx: Context, status: RolloutStatus) -> float | None:
    """``requeueStuckRollout``: when the Progressing condition would time out (Argo wakes
    one second after, or at once when less than a second remains).

    Once the deadline has passed without a time-out (a pending scale-down deadline holds it,
    rollout/sync.go isWaitingForReplicaSetScaleDown), Argo re-enqueues rate-limited, i.e. it
    polls; only time passes between those looks and the check is already true, so whatever
    unblocks it (the scale-down deadline's own timer, a pod, a user) wakes the controller
    anyway. No timer then: requeueing 1 ms later would spin until the block clears."""
    cond = status.condition(PROGRESSING)
    if cond is None or cond.reason == TIMED_OUT_REASON:
        return None
    paused = bool(status.pause_conditions) or ctx.plan.paused
    if paused or status.abort or indefinite_step(ctx):
        return None
    # RolloutHealthy of the base status (calculateBaseStatus: a draft's empty blueGreen) with
    # the step index and stable of the status written: its counts, without a whole draft.
    replicas, updated, _, available = base_counts(ctx)
    if rollout_healthy_of(
        ctx,
        replicas,
        updated,
        available,
        status.current_step_index,
        status.stable_rs,
        ctx.plan.pod_template_hash,
        NO_BLUE_GREEN,
    ):
        return None
    due = cond.last_update_time + ctx.plan.progress_deadline_seconds
    after = due - ctx.now
    if after < 0.0:
        return None
    return ctx.now + (after + 1.0 if after >= 1.0 else after + PAUSE_WAKE_SECONDS)
