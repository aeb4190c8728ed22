"""The duration state machine of one reconcile (``calculateStatusDuration``, rollout/sync.go).

Every transition is detected by comparing the status as read (``ctx.status``, what the API
server holds) with the status being written (``new``):

* an attempt starts when the pod template (or, for a canary, the steps) differs from the one
  recorded, unless the rollout is already at that target; a retry after an abort starts a new
  attempt too;
* an attempt in flight that sees the template change again is *superseded* (finished at once)
  and a new one starts in the same reconcile, unless the change goes back to an older
  ReplicaSet: that is a rollback, classified at once (``RolledBack``, or ``FastRolledBack``
  when Argo fast-tracks it) and finished when it completes;
* it finishes when the current ReplicaSet is stable and has every replica available
  (``Promoted``, unless ``promoteStable`` or a rollback named the outcome first), or when it
  is aborted (``Aborted``);
* while it runs, a pause that needs a human (``spec.paused``, an Inconclusive run, an
  indefinite pause step, a blue-green pause without auto-promotion) is timed, and the whole
  seconds are summed when it ends.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from canarysim.engine.model import (
    CompletionStatus,
    Condition,
    Pause,
    PauseCondition,
    RolloutDuration,
    step_part,
)
from canarysim.engine.rollout.context import Context, floor_second
from canarysim.engine.rollout.pause import (
    BLUE_GREEN_PAUSE,
    CANARY_PAUSE_STEP,
    INCONCLUSIVE_ANALYSIS,
    INCONCLUSIVE_EXPERIMENT,
)
from canarysim.engine.rollout.runs import is_fast_rollback, is_rollback

_ABORTED_REASON = "RolloutAborted"  # conditions.RolloutAbortedReason


class WrittenStatus(Protocol):
    """The status being written, as :func:`track_duration` reads it: a
    :class:`RolloutStatus`, or the status still under construction."""

    @property
    def duration(self) -> RolloutDuration | None: ...
    @property
    def stable_rs(self) -> str: ...
    @property
    def current_pod_hash(self) -> str: ...
    @property
    def pause_conditions(self) -> tuple[PauseCondition, ...]: ...
    def condition(self, type_: str) -> Condition | None: ...


def track_duration(ctx: Context, new: WrittenStatus) -> RolloutDuration | None:
    """``calculateStatusDuration``: ``new.duration`` (the status being written, which starts
    as a copy of the one read) brought up to date with this reconcile's transitions. ``new``
    must already carry its pause conditions, stable and current hashes and conditions."""
    if new.condition("InvalidSpec") is not None:
        return new.duration  # no tracking while the spec is invalid
    prev, now = ctx.status, ctx.now
    d = new.duration
    spec_changed = _pod_spec_changed(ctx)
    promoted = new.stable_rs == new.current_pod_hash
    reached = ctx.new_rs is not None and ctx.new_rs.available >= ctx.plan.replicas
    completed = promoted and reached
    aborted = ctx.pause.is_aborted()
    prev_d = prev.duration
    was_paused = prev_d is not None and prev_d.manual_pause_started_at is not None
    in_flight = (
        prev_d is not None and prev_d.rollout_started_at is not None and not prev_d.completed
    )

    if in_flight and d is not None:
        if spec_changed:
            if is_rollback(ctx):
                # The user went back to an older template: the attempt goes on, its outcome
                # is known already (it finishes when the old ReplicaSet is stable again).
                outcome: CompletionStatus = (
                    "FastRolledBack" if is_fast_rollback(ctx) else "RolledBack"
                )
                d = replace(d, completion_status=outcome)
            else:
                d = d.complete(now, "Superseded")
        if completed and not d.completed:
            return d.complete(now, d.completion_status or "Promoted")
        if aborted and not d.completed:
            d = d.complete(now, d.completion_status or "Aborted")

    if d is None or (d.completed and not completed):
        # The first attempt, or a new one after a finished attempt. A rollout that is
        # already at its target (e.g. a strategy change) starts nothing.
        was_paused = False
        if (spec_changed and not completed) or _retry(ctx, aborted):
            d = RolloutDuration(rollout_started_at=floor_second(now))

    if d is None or d.completed:
        return d
    manual = ctx.plan.paused or (
        bool(new.pause_conditions)  # (most reconciles: none, and no generator to build)
        and any(requires_manual_action(ctx, c.reason) for c in new.pause_conditions)
    )
    if was_paused and not manual:
        return d.end_manual_pause(now)
    if not was_paused and manual and d.manual_pause_started_at is None:
        return replace(d, manual_pause_started_at=floor_second(now))
    return d


def _retry(ctx: Context, aborted: bool) -> bool:
    """A retry after an abort: not aborted now, and the Progressing condition as read still
    records the abort (asked only where an attempt may start)."""
    progressing = ctx.status.condition("Progressing")
    return not aborted and progressing is not None and progressing.reason == _ABORTED_REASON


def promoted_outcome(ctx: Context, d: RolloutDuration | None) -> RolloutDuration | None:
    """``promoteStable`` names the outcome when the stable ReplicaSet switches (unless a
    rollback already did): ``FastPromoted`` after ``promote --full``, else ``Promoted``.
    ``finishedAt`` waits until every replica is available (:func:`track_duration`)."""
    if d is None or d.completion_status is not None:
        return d
    return replace(d, completion_status="FastPromoted" if ctx.status.promote_full else "Promoted")


def requires_manual_action(ctx: Context, reason: str) -> bool:
    """``requiresManualAction`` (rollout/pause.go): does this pause wait for a human? The
    step is the current one of the status as read (``GetCurrentCanaryStep``)."""
    if reason in (INCONCLUSIVE_ANALYSIS, INCONCLUSIVE_EXPERIMENT):
        return True
    if reason == CANARY_PAUSE_STEP:
        # requiresManualAction (rollout/pause.go): a step with a pause field, whatever else it
        # holds (a compound step too); a blue-green has no steps.
        pause = step_part(ctx.current_step()[0], Pause)
        return pause is not None and pause.seconds is None
    if reason == BLUE_GREEN_PAUSE and ctx.plan.blue_green is not None:
        return not ctx.plan.blue_green.auto_promotion_enabled
    return False


def _pod_spec_changed(ctx: Context) -> bool:
    """The ``podSpecChanged`` of ``calculateStatusDuration``: nothing recorded yet (the first
    rollout), or ``PodTemplateOrStepsChanged`` (canary) / ``CheckPodSpecChange``
    (blue-green) against the status as read."""
    prev = ctx.status
    if not prev.current_pod_hash:
        return True
    if ctx.plan.blue_green is None and prev.current_step_hash != ctx.plan.step_hash:
        return True  # checkStepHashChange (an empty recorded hash counts as a change)
    # The new ReplicaSet, when there is one, is the one of the plan's template hash.
    return prev.current_pod_hash != ctx.plan.pod_template_hash
