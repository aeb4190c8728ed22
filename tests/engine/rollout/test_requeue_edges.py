"""How a reconcile is packaged (``engine/rollout/requeue.py``), pinned where the mutation run
asked: a reconcile that fails with an error, and the timers of the next look."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_steps_world import H1, H2, NOW, make_plan, make_status, rs

from canarysim.engine.model import (
    Decision,
    Observation,
    Pause,
    PauseCondition,
    ScaleReplicaSet,
    SetWeight,
)
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.requeue import _next_timer, fail


def test_a_failed_reconcile_keeps_its_writes_and_the_status_read() -> None:
    """Argo returns the error: the writes made before it stand, no status is written (the one
    read goes back), and the workqueue's back-off, not a timer, decides the next look."""
    plan = make_plan(replicas=4)
    given = make_status(plan, stable=H1)
    ctx = Context(plan, given, Observation(now=NOW, replica_sets=(rs(H1, 4), rs(H2, 1))))
    ctx.actions.append(ScaleReplicaSet(H2, 2, 4))
    ctx.error = "boom"
    newer = replace(given, current_step_index=1)
    assert fail(ctx, given) == Decision(given, (ScaleReplicaSet(H2, 2, 4),), None, error="boom")
    assert fail(ctx, newer).status == newer


def test_a_future_scale_down_deadline_is_a_timer() -> None:
    """An old ReplicaSet still up with a deadline 5 s ahead: the next look is then."""
    plan = make_plan(replicas=4, pod_template_hash=H1)
    status = make_status(plan, stable=H1)
    old = replace(rs(H2, 4, deadline=NOW + 5), revision=0)
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=(rs(H1, 4), old)))
    assert _next_timer(ctx, status) == 5.0
    aborted = replace(status, abort=True)  # no progress deadline either
    for deadline in (NOW, NOW - 1):  # reached: nothing to wait for
        reached = replace(old, scale_down_deadline=deadline)
        ctx = Context(plan, aborted, Observation(now=NOW, replica_sets=(rs(H1, 4), reached)))
        assert _next_timer(ctx, aborted) is None
    gone = replace(old, replicas=0)
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=(rs(H1, 4), gone)))
    assert _next_timer(ctx, status) != 5.0


def test_a_timed_pause_step_without_its_pause_condition_sets_no_timer() -> None:
    """At a timed pause step with no ``CanaryPauseStep`` condition (aborted: the conditions
    are cleared), there is no pause to wake for."""
    plan = make_plan(replicas=4, steps=(Pause(seconds=30.0),))
    status = make_status(plan, stable=H1, abort=True)
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=(rs(H1, 4), rs(H2, 0))))
    assert _next_timer(ctx, status) is None


@pytest.mark.parametrize(
    ("restart_at", "restarted_at", "expect"),
    [
        (NOW + 20, None, 20.0),
        (NOW, None, 30.0),
        (NOW - 5, None, 30.0),
        (NOW - 5, NOW - 5, None),
        (None, None, None),
    ],
    ids=["ahead: at restartAt", "due now: re-check", "pending: re-check", "done", "none"],
)
def test_restart_timers(restart_at: float | None, restarted_at: float | None, expect: Any) -> None:
    """``checkEnqueueRollout`` wakes at a future ``restartAt``; while pods remain the
    restarter looks again ``restartPodCheckTime`` (30 s) later. (Aborted, to keep the progress
    deadline out of it.)"""
    plan = make_plan(replicas=4, restart_at=restart_at)
    status = make_status(plan, stable=H1, abort=True, restarted_at=restarted_at)
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=(rs(H1, 4), rs(H2, 0))))
    assert _next_timer(ctx, status) == expect


@pytest.mark.parametrize(
    ("updated", "expect"),
    [
        (NOW - 60, 541.0),
        (NOW - 598.5, 2.5),
        (NOW - 599, 2.0),
        (NOW - 599.5, 0.501),
        (NOW - 600, 0.001),
        (NOW - 601, None),
    ],
    ids=["well ahead", "1.5 s left", "1 s left", "under a second left", "due now", "passed"],
)
def test_progress_deadline_timer(updated: float, expect: float | None) -> None:
    """``requeueStuckRollout``: an unhealthy rollout (1 of 4 canary pods) wakes one second
    after ``progressDeadlineSeconds`` (600) from the Progressing condition's last update."""
    plan = make_plan(replicas=4, steps=(SetWeight(100),))
    status = make_status(plan, stable=H1)
    progressing = replace(status.conditions[0], last_update_time=updated)
    status = replace(status, conditions=(progressing, *status.conditions[1:]))
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=(rs(H1, 4), rs(H2, 4, 1))))
    got = _next_timer(ctx, status)
    assert got == (None if expect is None else pytest.approx(expect))


def _unhealthy(status_kw: dict[str, Any], **plan_kw: Any) -> float | None:
    """The progress-deadline case above (541 s) with changes to the plan and status."""
    plan = make_plan(replicas=4, steps=(SetWeight(100),), **plan_kw)
    status = make_status(plan, stable=H1)
    status = replace(status, **status_kw)
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=(rs(H1, 4), rs(H2, 4, 1))))
    return _next_timer(ctx, status)


def test_no_progress_timer_without_a_progressing_condition_or_while_paused() -> None:
    assert _unhealthy({}) == 541.0
    assert _unhealthy({"conditions": ()}) is None
    inconclusive = (PauseCondition("InconclusiveAnalysisRun", NOW - 5),)
    assert _unhealthy({"pause_conditions": inconclusive}) is None
    assert _unhealthy({}, paused=True) is None


def test_no_progress_timer_once_the_rollout_is_healthy() -> None:
    """A rollout past its last step, all pods of the new template updated and available and
    the stable the new template: healthy, nothing can time out. One step short, it is not."""
    plan = make_plan(replicas=4, steps=(SetWeight(100),), pod_template_hash=H2)
    done = make_status(plan, stable=H2, index=1)
    ctx = Context(plan, done, Observation(now=NOW, replica_sets=(rs(H2, 4),)))
    assert _next_timer(ctx, done) is None
    short = replace(done, current_step_index=0)
    ctx = Context(plan, short, Observation(now=NOW, replica_sets=(rs(H2, 4),)))
    assert _next_timer(ctx, short) is not None
