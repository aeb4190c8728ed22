"""User actions (``kubectl argo rollouts promote|abort|retry|pause|...``), new revisions,
progress deadlines, restarts and history: replays of upstream rollout/sync_test.go,
pause_test.go and the CLI's patches (cmd/promote/promote.go), plus journeys through the world.
"""

from __future__ import annotations

from dataclasses import replace

from test_steps_world import (
    H1,
    H2,
    H3,
    ISTIO,
    NOW,
    MiniWorld,
    condition,
    deployed,
    events,
    make_plan,
    make_status,
    new_image,
    of_type,
    reconcile,
    rs,
    scales,
    steady,
)

from canarysim.engine.model import (
    Abort,
    Analysis,
    AnalysisRunView,
    CreateReplicaSet,
    DeleteReplicaSet,
    EvictPods,
    Pause,
    PauseCondition,
    PauseRollout,
    Promote,
    PromoteFull,
    Restart,
    Resume,
    Retry,
    RunStatus,
    Scale,
    SetImage,
    SetWeight,
    StartAnalysisRun,
)
from canarysim.engine.rollout.commands import apply_commands, apply_spec_command

# --------------------------------------------------------------------------------------------
# The CLI's status patches
# --------------------------------------------------------------------------------------------


def test_promote_clears_pause_conditions_then_completes_the_pause_step() -> None:
    plan = make_plan(steps=(SetWeight(10), Pause()))
    paused = (PauseCondition("CanaryPauseStep", NOW - 5),)
    status = make_status(plan, index=1, pause=paused)
    patched = apply_commands(plan, status, (Promote(),))
    assert patched.pause_conditions == () and patched.controller_pause is True
    assert patched.current_step_index == 1  # the controller completes the step
    # The resume is recorded first (Progressing=Unknown RolloutResumed; that patch ends the
    # reconcile, checkPausedConditions); the next reconcile completes the step.
    d = reconcile(plan, status, rs(H1, 9), rs(H2, 1), commands=(Promote(),))
    assert condition(d.status, "Progressing").reason == "RolloutResumed"
    assert d.status.current_step_index == 1 and d.requeue_after == 0.0
    d = reconcile(plan, d.status, rs(H1, 9), rs(H2, 1))
    assert d.status.current_step_index == 2
    assert ("RolloutStepCompleted", "Rollout step 2/2 completed (pause)") in events(d)


def test_promote_without_pause_skips_the_current_step() -> None:
    """promote.go: no pause condition -> currentStepIndex + 1 (capped at len(steps))."""
    plan = make_plan(steps=(SetWeight(10), SetWeight(50)))
    status = make_status(plan, index=0)
    assert apply_commands(plan, status, (Promote(),)).current_step_index == 1
    at_end = make_status(plan, index=2)
    assert apply_commands(plan, at_end, (Promote(),)).current_step_index == 2


def test_promote_on_inconclusive_step_analysis_skips_it() -> None:
    """promote.go isInconclusive: clear pauses, controllerPause false, index + 1."""
    plan = make_plan(replicas=1, steps=(Analysis(("bar",)), SetWeight(50)))
    paused = (PauseCondition("InconclusiveAnalysisRun", NOW - 5),)
    status = make_status(
        plan, pause=paused, current_step_analysis_run=RunStatus("run", "Inconclusive")
    )
    patched = apply_commands(plan, status, (Promote(),))
    assert (patched.pause_conditions, patched.controller_pause) == ((), False)
    assert patched.current_step_index == 1


def test_promote_full_only_when_not_fully_promoted() -> None:
    plan = make_plan(steps=(SetWeight(10),))
    assert apply_commands(plan, make_status(plan), (PromoteFull(),)).promote_full is True
    done = make_status(plan, stable=H2, index=1)
    assert apply_commands(plan, done, (PromoteFull(),)).promote_full is False


def test_abort_and_retry_patch_the_abort_flag() -> None:
    plan = make_plan(steps=(SetWeight(10),))
    status = make_status(plan)
    assert apply_commands(plan, status, (Abort(),)).abort is True
    assert apply_commands(plan, replace(status, abort=True), (Retry(),)).abort is False


def test_spec_commands_build_a_new_plan() -> None:
    plan = make_plan(steps=(SetWeight(10),))
    paused = apply_spec_command(plan, PauseRollout(), NOW)
    assert paused.paused and paused.generation == plan.generation + 1
    resumed = apply_spec_command(paused, Resume(), NOW)
    assert not resumed.paused and resumed.generation == plan.generation + 2
    assert apply_spec_command(paused, Promote(), NOW).paused is False
    assert apply_spec_command(plan, Scale(4), NOW).replicas == 4
    assert apply_spec_command(plan, Restart(), NOW).restart_at == NOW
    assert apply_spec_command(plan, Restart(at=NOW + 60), NOW).restart_at == NOW + 60
    assert apply_spec_command(plan, SetImage("nginx:2"), NOW) is plan  # needs the world
    assert apply_spec_command(plan, Resume(), NOW) is plan  # nothing to change


# --------------------------------------------------------------------------------------------
# Replays (sync_test.go, pause behaviour)
# --------------------------------------------------------------------------------------------


def test_promote_full_ignores_steps() -> None:
    """TestCanaryPromoteFull (2 reconciles): rs2 created, then scaled straight to 10 (maxSurge
    10), index 2, no background run. promoteFull stays set until the promotion itself (the Go
    test reads the patch, which does not touch the field)."""
    from canarysim.engine.model import BackgroundAnalysis

    plan = make_plan(
        replicas=10,
        max_surge=10,
        max_unavailable=0,
        steps=(SetWeight(10), Pause(60)),
        background_analysis=BackgroundAnalysis(("bar",)),
    )
    status = make_status(plan, current="", promote_full=True)
    first = reconcile(plan, status, rs(H1, 10))
    assert of_type(first, CreateReplicaSet) == [CreateReplicaSet(H2, 2, 0, 10, 0.0)]
    second = reconcile(plan, first.status, rs(H1, 10), rs(H2, 0))
    assert scales(second) == [(H2, 10)]
    assert second.status.current_step_index == 2
    assert of_type(second, StartAnalysisRun) == []
    third = reconcile(plan, second.status, rs(H1, 10), rs(H2, 10))
    assert third.status.stable_rs == H2 and third.status.promote_full is False
    assert (
        "RolloutCompleted",
        f"Rollout completed update to revision 2 ({H2}): Full promotion requested",
    ) in events(third)


def test_pause_condition_start_is_stamped_to_the_second() -> None:
    """pause.go: startTime is a metav1.Time (RFC3339, whole seconds)."""
    plan = make_plan(steps=(Pause(10),))
    d = reconcile(plan, make_status(plan), rs(H1, 10), rs(H2, 0), now=NOW + 0.9)
    assert d.status.pause_conditions == (PauseCondition("CanaryPauseStep", NOW),)


def test_pause_is_not_added_in_a_reconcile_that_scaled() -> None:
    """reconcileCanaryPause runs only when no ReplicaSet was scaled in that reconcile."""
    plan = make_plan(steps=(SetWeight(10), Pause()))
    # setWeight done (index 1) but the stable still has to shrink 10 -> 9.
    d = reconcile(plan, make_status(plan, index=1), rs(H1, 10), rs(H2, 1))
    assert scales(d) == [(H1, 9)]
    assert d.status.pause_conditions == ()
    d = reconcile(plan, d.status, rs(H1, 9), rs(H2, 1))
    assert [c.reason for c in d.status.pause_conditions] == ["CanaryPauseStep"]


# --------------------------------------------------------------------------------------------
# Journeys: new revisions, undo, retry, scale, pause/resume
# --------------------------------------------------------------------------------------------


def test_new_revision_mid_rollout_resets_and_drains_the_abandoned_canary() -> None:
    plan = make_plan(replicas=4, steps=(SetWeight(50), Pause()))
    world = deployed(plan)
    new_image(world, H2)
    world.settle()
    assert world.status.phase == "Paused" and world.rss[H2].replicas == 2
    new_image(world, H3)
    world.settle()
    assert world.status.current_pod_hash == H3
    assert world.status.stable_rs == H1
    assert world.rss[H2].replicas == 0  # drained as an old ReplicaSet
    assert world.rss[H3].replicas == 2
    assert world.status.current_step_index == 1


def test_undo_to_stable_is_a_fast_rollback() -> None:
    plan = make_plan(replicas=4, steps=(SetWeight(50), Pause()), **ISTIO)
    world = deployed(plan)
    new_image(world, H2)
    world.settle()
    assert world.status.phase == "Paused"
    new_image(world, H1)  # what `undo` writes: the stable's template
    world.settle()
    assert world.rss[H1].revision == 3
    assert world.status.current_step_index == 2
    assert world.status.phase == "Healthy"
    assert world.weights == (0, 100)
    assert ("SkipSteps" in {r for _, r, _ in world.log}) is True


def test_retry_after_abort_restarts_the_steps_with_fresh_analysis() -> None:
    plan = make_plan(replicas=2, steps=(SetWeight(50), Analysis(("bar",)), SetWeight(100)))
    world = deployed(plan)
    new_image(world)
    world.settle()
    run = next(iter(world.runs.values()))
    world.runs[run.name] = replace(run, phase="Failed", message="error rate too high")
    world.settle()
    assert world.status.abort
    assert world.status.message == (
        "RolloutAborted: Rollout aborted update to revision 2: "
        "Step-based analysis phase error/failed: error rate too high"
    )
    assert world.rss[H2].replicas == 0 and world.rss[H1].replicas == 2
    world.command(Retry())
    assert not world.status.abort
    assert len(world.runs) == 2  # a new step run, with a collision suffix
    assert sorted(world.runs) == [run.name, run.name + ".1"]
    assert world.status.current_step_index == 1
    assert condition(world.status, "Progressing").reason in ("ReplicaSetUpdated", "RolloutRetry")


def test_manual_pause_freezes_scaling_until_resumed() -> None:
    plan = make_plan(replicas=4, steps=(SetWeight(50), Pause(5)))
    world = deployed(plan)
    world.plan = apply_spec_command(world.plan, PauseRollout(), world.now)
    new_image(world)
    world.settle()
    assert world.status.phase == "Paused" and world.status.message == "manually paused"
    assert world.rss[H2].replicas == 0
    world.plan = apply_spec_command(world.plan, Resume(), world.now)
    world.settle()
    assert world.rss[H2].replicas == 2


def test_scale_command_resizes_through_a_scaling_event() -> None:
    plan = make_plan(replicas=4, max_surge=1, max_unavailable=0, steps=(SetWeight(50), Pause()))
    world = deployed(plan)
    new_image(world)
    world.settle()
    world.plan = apply_spec_command(world.plan, Scale(8), world.now)
    world.settle()
    assert (world.rss[H2].replicas, world.rss[H1].replicas) == (4, 4)
    assert world.status.current_step_index == 1


def test_restart_evicts_old_pods_within_max_unavailable() -> None:
    plan = make_plan(replicas=4, max_surge=1, max_unavailable=1, restart_at=NOW)
    status = make_status(plan, stable=H2, index=None)
    pods = (NOW - 100, NOW - 90, NOW - 80, NOW - 70)
    d = reconcile(plan, status, rs(H2, 4, pods=pods), now=NOW + 1)
    assert of_type(d, EvictPods) == [EvictPods(H2, 1, NOW)]
    assert d.status == status  # evictions end the reconcile: the status is not rewritten
    fresh = (NOW - 90, NOW - 80, NOW - 70, NOW + 2)
    d = reconcile(plan, status, rs(H2, 4, pods=fresh), now=NOW + 3)
    assert of_type(d, EvictPods) == [EvictPods(H2, 1, NOW)]
    d = steady(plan, status, rs(H2, 4, pods=(NOW + 2,) * 4), now=NOW + 40)
    assert d.status.restarted_at == NOW
    assert d.status.phase == "Healthy"


def test_progress_deadline_exceeded_and_abort() -> None:
    """ProgressDeadlineExceeded after progressDeadlineSeconds without progress (strictly
    after); with progressDeadlineAbort the update is aborted with the timeout message."""
    for abort in (False, True):
        plan = make_plan(
            replicas=2,
            steps=(SetWeight(50), Pause()),
            progress_deadline_seconds=60,
            progress_deadline_abort=abort,
        )
        world = deployed(plan)
        world.auto_ready = False
        new_image(world)
        world.settle()
        assert world.rss[H2].replicas == 1
        world.advance(30)
        assert world.status.phase == "Progressing"
        world.advance(40)
        message = f'ReplicaSet "foo-{H2}" has timed out progressing.'
        if abort:
            assert world.status.abort
            assert world.status.message == (
                f"RolloutAborted: Rollout aborted update to revision 2: {message}"
            )
        else:
            assert (world.status.phase, world.status.message) == (
                "Degraded",
                f"ProgressDeadlineExceeded: {message}",
            )
            # Recoverable: once the canary becomes available the rollout moves on.
            world.make_ready()
            world.settle()
            world.make_ready()
            world.advance(1)
            assert world.status.phase == "Paused"


def test_revision_history_limit_deletes_oldest_scaled_down() -> None:
    plan = make_plan(replicas=1, pod_template_hash=H3, revision_history_limit=1)
    status = make_status(plan, stable=H3, index=None)
    d = reconcile(plan, status, rs(H1, 0), rs(H2, 0), rs(H3, 1))
    assert of_type(d, DeleteReplicaSet) == [DeleteReplicaSet(H1)]


def test_world_runs_are_started_once_and_named_like_argo() -> None:
    plan = make_plan(replicas=2, steps=(SetWeight(50), Analysis(("bar",))))
    world = MiniWorld(replace(plan, pod_template_hash=H1))
    world.settle()
    new_image(world)
    world.settle()
    assert list(world.runs) == [f"foo-{H2}-2-1"]
    run = world.runs[f"foo-{H2}-2-1"]
    assert run == AnalysisRunView(run.name, "Step", H2, "Running", step_index=1)
    world.runs[run.name] = replace(run, phase="Successful")
    world.settle()
    assert world.status.stable_rs == H2
