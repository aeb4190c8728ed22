"""``requiresManualAction`` (rollout/pause.go), which decides whether a pause is timed in
``status.duration``, pinned where the mutation run of ``engine/rollout/duration/tracking.py``
asked: blue-green pauses, pause reasons left over from the other strategy, compound steps."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_steps_world import H1, H2, H3, NOW, make_plan, make_status, rs

from canarysim.engine.model import (
    BlueGreen,
    CompoundStep,
    Observation,
    Pause,
    RolloutDuration,
    SetCanaryScale,
    SetWeight,
)
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.duration import (
    promoted_outcome,
    requires_manual_action,
    track_duration,
)
from canarysim.engine.rollout.pause import BLUE_GREEN_PAUSE, CANARY_PAUSE_STEP


def _ctx(index: int = 0, **plan_kw: object) -> Context:
    plan = make_plan(**plan_kw)
    return Context(plan, make_status(plan, index=index), Observation(now=NOW))


@pytest.mark.parametrize(
    ("auto", "expect"), [(False, True), (True, False)], ids=["manual", "auto-promoted"]
)
def test_a_blue_green_pause_needs_a_human_without_auto_promotion(auto: bool, expect: bool) -> None:
    ctx = _ctx(blue_green=BlueGreen("active", auto_promotion_enabled=auto))
    assert requires_manual_action(ctx, BLUE_GREEN_PAUSE) is expect


def test_a_pause_reason_of_the_other_strategy_never_counts() -> None:
    """A pause condition left over from a strategy switch: a canary's ``BlueGreenPause`` and
    a blue-green's ``CanaryPauseStep`` wait for no one."""
    canary = _ctx(steps=(Pause(),))
    assert requires_manual_action(canary, CANARY_PAUSE_STEP)
    assert not requires_manual_action(canary, BLUE_GREEN_PAUSE)
    bg = _ctx(blue_green=BlueGreen("active", auto_promotion_enabled=False))
    assert not requires_manual_action(bg, CANARY_PAUSE_STEP)


@pytest.mark.parametrize(
    ("step", "expect"),
    [
        (CompoundStep((Pause(), SetCanaryScale(replicas=1))), True),
        (CompoundStep((Pause(seconds=30.0), SetCanaryScale(replicas=1))), False),
        (SetWeight(10), False),
    ],
    ids=["compound, indefinite pause", "compound, timed pause", "no pause field"],
)
def test_the_current_steps_pause_field_decides(step: object, expect: bool) -> None:
    """Argo reads ``currentStep.Pause`` whatever else the step sets."""
    ctx = _ctx(steps=(step,))
    assert requires_manual_action(ctx, CANARY_PAUSE_STEP) is expect


def test_promote_stable_names_the_outcome_once() -> None:
    """``promoteStable``: ``Promoted``, or ``FastPromoted`` after ``promote --full``; an
    outcome already named (a rollback) stays; no attempt, nothing to name."""
    ctx = _ctx()
    started = RolloutDuration(rollout_started_at=NOW - 100)
    assert promoted_outcome(ctx, started) == replace(started, completion_status="Promoted")
    ctx.status = replace(ctx.status, promote_full=True)
    assert promoted_outcome(ctx, started) == replace(started, completion_status="FastPromoted")
    rolled_back = replace(started, completion_status="RolledBack")
    assert promoted_outcome(ctx, rolled_back) == rolled_back
    assert promoted_outcome(ctx, None) is None


def test_a_first_rollout_starts_an_attempt() -> None:
    """Nothing recorded yet (no ``currentPodHash``): the pod spec counts as changed, and an
    attempt starts, to the second."""
    plan = make_plan(replicas=4)
    status = make_status(plan, current="")
    obs = Observation(now=NOW + 0.5, replica_sets=(rs(H2, 1, 0),))
    d = track_duration(Context(plan, status, obs), status)
    assert d == RolloutDuration(rollout_started_at=NOW)


def _in_flight(*rss: Any, **status_kw: Any) -> Context:
    """An attempt at H2 started 100 s ago, the status as read still on stable H1."""
    plan = make_plan(replicas=4)
    status = make_status(plan, stable=H1, duration=RolloutDuration(rollout_started_at=NOW - 100))
    status = replace(status, **status_kw)
    return Context(plan, status, Observation(now=NOW, replica_sets=rss))


@pytest.mark.parametrize(
    ("stable", "available", "finished"),
    [(H2, 4, True), (H2, 3, False), (H1, 4, False)],
    ids=["stable and every pod available", "a pod short", "not stable yet"],
)
def test_an_attempt_finishes_when_the_new_replica_set_is_stable_and_whole(
    stable: str, available: int, finished: bool
) -> None:
    ctx = _in_flight(rs(H1, 0), rs(H2, 4, available))
    d = track_duration(ctx, replace(ctx.status, stable_rs=stable))
    assert d is not None and d.completed is finished
    if finished:
        assert (d.finished_at, d.completion_status) == (NOW, "Promoted")


def test_an_abort_finishes_the_attempt() -> None:
    ctx = _in_flight(rs(H1, 4), rs(H2, 1), abort=True)
    d = track_duration(ctx, ctx.status)
    assert d is not None and (d.finished_at, d.completion_status) == (NOW, "Aborted")


def test_a_retry_after_an_abort_starts_a_new_attempt() -> None:
    """The status as read carries Progressing ``RolloutAborted`` and is no longer aborted:
    ``retry`` starts a fresh attempt even though the template did not change."""
    aborted = RolloutDuration(rollout_started_at=NOW - 100).complete(NOW - 50, "Aborted")
    ctx = _in_flight(rs(H1, 4), rs(H2, 0), duration=aborted)
    progressing = replace(ctx.status.conditions[0], reason="RolloutAborted")
    ctx.status = replace(ctx.status, conditions=(progressing, *ctx.status.conditions[1:]))
    d = track_duration(ctx, ctx.status)
    assert d == RolloutDuration(rollout_started_at=NOW)


@pytest.mark.parametrize(
    ("target", "created", "outcome"),
    [(H1, 1.0, "FastRolledBack"), ("0a0a0a0a", 0.5, "RolledBack")],
    ids=["undo to the stable", "back to an older ReplicaSet"],
)
def test_a_rollback_in_flight_names_its_outcome_and_goes_on(
    target: str, created: float, outcome: str
) -> None:
    """The template goes back mid-attempt: the attempt is not superseded, its outcome is
    known at once (``FastRolledBack`` for the stable), and it finishes later."""
    plan = make_plan(replicas=4, pod_template_hash=target)
    started = RolloutDuration(rollout_started_at=NOW - 100)
    status = make_status(plan, stable=H1, current=H2, duration=started)
    views = (rs(H1, 4, created=1.0), rs(H2, 1, created=2.0), rs(target, 4, created=created))
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=views))
    assert track_duration(ctx, status) == replace(started, completion_status=outcome)


def test_a_finished_attempt_is_left_alone_when_the_rollout_is_at_its_target() -> None:
    """The steps change after a finished attempt while the rollout is already whole at its
    template: no new attempt, and the finished one keeps its outcome."""
    done = RolloutDuration(rollout_started_at=NOW - 100).complete(NOW - 50, "Promoted")
    plan = make_plan(replicas=4, steps=(SetWeight(50),))
    status = make_status(plan, stable=H2, duration=done, current_step_hash="old")
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=(rs(H2, 4),)))
    assert track_duration(ctx, status) == done


def test_a_change_in_the_reconcile_that_completes_supersedes_and_starts_nothing() -> None:
    """The steps change in the very reconcile where the attempt at H2 would be promoted
    and whole: the attempt is ``Superseded`` (not ``Promoted``), and as the rollout is then
    already at its target no new attempt starts."""
    ctx = _in_flight(rs(H1, 0), rs(H2, 4), current_step_hash="old")
    d = track_duration(ctx, replace(ctx.status, stable_rs=H2))
    started = RolloutDuration(rollout_started_at=NOW - 100)
    assert d == started.complete(NOW, "Superseded")


def test_a_superseded_attempt_paused_by_hand_hands_the_pause_to_the_next_one() -> None:
    """An attempt in a manual pause (``spec.paused``) since 30 s ago sees the template change
    while still paused: it is superseded (its pause folded into its total) and the new
    attempt starts its own manual pause now."""
    plan = make_plan(replicas=4, pod_template_hash=H3, paused=True)
    paused = RolloutDuration(rollout_started_at=NOW - 100, manual_pause_started_at=NOW - 30)
    status = make_status(plan, stable=H1, current=H2, duration=paused)
    views = (rs(H1, 4, created=1.0), rs(H2, 1, created=2.0), rs(H3, 0, created=3.0))
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=views))
    assert track_duration(ctx, status) == RolloutDuration(
        rollout_started_at=NOW, manual_pause_started_at=NOW
    )
