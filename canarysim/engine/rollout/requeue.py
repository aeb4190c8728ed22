"""When the engine needs its next look (``Decision.requeue_after``).

The real controller is woken by its informers whenever it wrote something (its own status
patch, a ReplicaSet, a run, a Service), and by explicit requeues for time-driven changes: the
end of a timed pause (``checkEnqueueRolloutDuringWait``), scale-down deadlines
(``scaleDownDelayHelper``, the abort hold), the restarter's re-check, and the progress deadline
(``requeueStuckRollout``). The simulator must never poll, so both become ``requeue_after``.

A quiet reconcile (no write, the status unchanged) is looked at again and again while nothing
moves but the clock: resyncs every 15 minutes, the timers above, pod events of other pods.
:func:`quiet_look` answers such a look with the last quiet one's decision when its inputs are
the same objects (plan, status) and an equal observation but for ``now``, and no clock
comparison the reconcile makes can have turned since (:func:`quiet_until`); only the next
timer is worked out again, for the new ``now``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from canarysim.engine.memo import LastEntry
from canarysim.engine.model import (
    Action,
    AnnotateReplicaSet,
    CreateReplicaSet,
    Decision,
    DeleteReplicaSet,
    EvictPods,
    Observation,
    Pause,
    Plan,
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
from canarysim.engine.rollout.scaling import RESYNC_PERIOD, next_deadline
from canarysim.engine.rollout.status import (
    ABORTED_REASON,
    PAUSED_REASON,
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
    if ctx.plan.blue_green is None and not ctx.obs.commands and ctx.status is given:
        _QUIET.put(given, _Quiet(ctx, actions, quiet_until(ctx, given)))
    return Decision(given, actions, _next_timer(ctx, given, ctx.now))


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


def _next_timer(ctx: Context, status: RolloutStatus, now: float | None = None) -> float | None:
    """The next look after ``now`` (``ctx.now`` by default; a later instant for a quiet
    look, with the context its reconcile left)."""
    plan = ctx.plan
    if now is None:
        now = ctx.now
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
    progress = _progress_deadline(ctx, status, now)
    if progress is not None:
        timers.append(progress)
    future = [t - now for t in timers if t > now]
    return min(future) if future else None


def _progress_deadline(
    ctx: Context, status: RolloutStatus, now: float | None = None
) -> float | None:
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
    if now is None:
        now = ctx.now
    due = cond.last_update_time + ctx.plan.progress_deadline_seconds
    after = due - now
    if after < 0.0:
        return None
    return now + (after + 1.0 if after >= 1.0 else after + PAUSE_WAKE_SECONDS)


# --------------------------------------------------------------------------------------------
# quiet looks
# --------------------------------------------------------------------------------------------


class _Quiet(NamedTuple):
    """A quiet reconcile: its context (as decide left it), its actions, and the instant
    from which a clock comparison it made may turn (:func:`quiet_until`)."""

    ctx: Context
    actions: tuple[Action, ...]
    until: float


_QUIET: LastEntry[RolloutStatus, _Quiet] = LastEntry()
"""The last quiet canary reconcile, by the status it was given (and gave back)."""

_OBSERVED = tuple(f for f in Observation.__dataclass_fields__ if f != "now")
"""The fields of an observation a quiet look compares (all of them but the clock)."""

_UNTIMED = (ABORTED_REASON, PAUSED_REASON, TIMED_OUT_REASON)
"""Progressing reasons :func:`~.status.conditions.timed_out` answers without the clock."""

ROUNDING_MARGIN = 1.0
"""Seconds kept clear of a threshold compared through a difference (``deadline - now <
RESYNC_PERIOD``), whose rounding the bound must not depend on."""


def quiet_until(ctx: Context, status: RolloutStatus) -> float:
    """The earliest instant at or after ``ctx.now`` at which a clock comparison a canary
    reconcile makes may turn, the plan, ``status`` and the observation staying the same.

    Every comparison of ``now`` on the canary path, each a threshold that time crosses once:
    a timed pause runs out strictly after start + duration (``_completed_pause_step``); the
    Progressing condition times out strictly after its update + ``progressDeadlineSeconds``
    (``timed_out``, also behind ``progressDeadlineAbort``); a scale-down deadline passes
    (``scaleDownDelayHelper``, the abort hold, ``isFastRollback``), and the abort hold also
    turns a resync period before it; ``restartAt`` is reached. Each bound is the expression
    the comparison computes, or lies before it. Writes that stamp ``now`` (conditions, pause
    conditions, durations, deadlines) change the status or wake the controller: such a
    reconcile is not quiet and is never replayed."""
    now, plan = ctx.now, ctx.plan
    times: list[float] = []
    step, _ = ctx.current_step()
    pause = step_part(step, Pause)
    if pause is not None and pause.seconds is not None:
        times += [c.start_time + pause.seconds for c in status.pause_conditions]
    progressing = status.condition(PROGRESSING)
    # (timed_out compares only a condition of another reason, and answers one that records
    # a time-out without the clock)
    if progressing is not None and progressing.reason not in _UNTIMED:
        times.append(progressing.last_update_time + plan.progress_deadline_seconds)
    for rs in ctx.obs.replica_sets:
        deadline = rs.scale_down_deadline
        if deadline is not None:
            times += [deadline, deadline - RESYNC_PERIOD - ROUNDING_MARGIN]
    if plan.restart_at is not None:
        times.append(plan.restart_at)
    return min((t for t in times if t >= now), default=math.inf)


def quiet_look(plan: Plan, status: RolloutStatus, obs: Observation) -> Decision | None:
    """The decision a canary reconcile of ``status`` would make now, when the last quiet one
    was given this very status and plan, saw an equal observation but for ``now``, and no
    comparison of the clock it made can have turned since; None otherwise (decide then)."""
    last = _QUIET.get(status)
    if last is None:
        return None
    ctx = last.ctx
    now = obs.now
    if ctx.plan is not plan or not ctx.now <= now < last.until or obs.commands:
        return None
    seen = ctx.obs
    if seen is not obs:
        for name in _OBSERVED:
            a, b = getattr(obs, name), getattr(seen, name)
            if a is not b and a != b:
                return None
    return Decision(status, last.actions, _next_timer(ctx, status, now))
