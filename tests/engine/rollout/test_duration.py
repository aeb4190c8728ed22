"""``status.duration`` rules the end-to-end replays (tests/sim/fidelity/test_fidelity_duration.py)
do not reach: Argo's ``RolloutDurationStatus`` helpers (types_test.go upstream: expected values
transcribed as data) and the corners of ``calculateStatusDuration`` (rollout/sync.go)."""

from __future__ import annotations

from dataclasses import replace

from test_steps_world import H1, H2, NOW, cond, make_plan, make_status, reconcile, rs

from canarysim.engine.model import Observation, Pause, PauseCondition, RolloutDuration, SetWeight
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.duration import requires_manual_action, track_duration


def test_complete_folds_a_running_pause_into_the_total() -> None:
    # CompleteRollout with 180 s already counted and a pause running for about two minutes.
    d = RolloutDuration(
        rollout_started_at=0.0,
        manual_pause_started_at=200.0,
        total_manual_pause_duration_seconds=180,
    )
    done = d.complete(319.9, "Promoted")
    assert done.total_manual_pause_duration_seconds == 180 + 119  # Go truncates the seconds
    assert done.manual_pause_started_at is None
    assert done.finished_at == 319.0  # persisted to the second
    assert done.completion_status == "Promoted"
    assert done.completed


def test_complete_without_a_pause_leaves_the_total_unset() -> None:
    done = RolloutDuration(rollout_started_at=5.0).complete(9.0, "Aborted")
    assert done.total_manual_pause_duration_seconds is None
    assert (done.finished_at, done.completion_status) == (9.0, "Aborted")
    assert not RolloutDuration(finished_at=9.0).completed  # no start: not an attempt


def test_only_an_indefinite_pause_step_waits_for_a_human() -> None:
    plan = make_plan(steps=(SetWeight(50), Pause(seconds=10), Pause()))
    at = {i: Context(plan, make_status(plan, index=i), Observation(now=NOW)) for i in (1, 2)}
    assert not requires_manual_action(at[1], "CanaryPauseStep")
    assert requires_manual_action(at[2], "CanaryPauseStep")
    for reason in ("InconclusiveAnalysisRun", "InconclusiveExperiment"):
        assert requires_manual_action(at[1], reason)
    assert not requires_manual_action(at[1], "BlueGreenPause")  # a canary has none


def test_an_inconclusive_run_starts_the_manual_pause_clock() -> None:
    plan = make_plan(replicas=1, steps=(SetWeight(50), Pause()))
    inconclusive = (PauseCondition("InconclusiveAnalysisRun", NOW - 30),)
    status = make_status(
        plan, index=0, pause=inconclusive, duration=RolloutDuration(rollout_started_at=NOW - 60)
    )
    d = reconcile(plan, status, rs(H1, 1), rs(H2, 0), now=NOW + 0.7)
    assert d.status.pause_conditions  # still paused for the analysis
    assert d.status.duration == RolloutDuration(
        rollout_started_at=NOW - 60, manual_pause_started_at=NOW
    )


def test_spec_paused_counts_until_resumed() -> None:
    plan = make_plan(replicas=1, steps=(SetWeight(50), Pause()), paused=True)
    started = RolloutDuration(rollout_started_at=NOW - 60)
    status = make_status(plan, index=0, duration=started)
    paused = reconcile(plan, status, rs(H1, 1), rs(H2, 0), now=NOW).status
    assert paused.duration is not None and paused.duration.manual_pause_started_at == NOW
    resumed = replace(plan, paused=False, generation=plan.generation + 1)
    later = reconcile(resumed, paused, rs(H1, 1), rs(H2, 0), now=NOW + 42.9).status
    assert later.duration == replace(started, total_manual_pause_duration_seconds=42)


def test_nothing_is_tracked_while_the_spec_is_invalid() -> None:
    plan = make_plan(replicas=1, steps=(SetWeight(50), Pause()), paused=True)
    frozen = RolloutDuration(rollout_started_at=NOW - 60)
    status = make_status(plan, index=0, duration=frozen)
    invalid = replace(
        status, conditions=(*status.conditions, cond("InvalidSpec", "True", "InvalidSpec"))
    )
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=(rs(H1, 1), rs(H2, 0))))
    assert track_duration(ctx, invalid) == frozen  # spec.paused, yet no pause clock
    assert track_duration(ctx, status) == replace(frozen, manual_pause_started_at=NOW)
