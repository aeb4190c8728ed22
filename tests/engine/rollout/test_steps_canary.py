"""Replays of Argo's basic-canary controller tests (upstream rollout/canary_test.go).

Each test names the upstream test it replays. Given: the fixture the Go test builds
(``newCanaryRollout`` with replicas / maxSurge / maxUnavailable, ReplicaSets with their counts,
the rollout status). When: one (or two) reconciles. Then: the ReplicaSet writes and status
fields the Go test asserts. Numbers and strings are transcribed from the upstream tests.
"""

from __future__ import annotations

from dataclasses import replace

from test_steps_world import (
    H1,
    H2,
    H3,
    NOW,
    condition,
    events,
    make_plan,
    make_status,
    of_type,
    reconcile,
    rs,
    scales,
    steady,
)

from canarysim.engine.model import (
    CreateReplicaSet,
    Pause,
    PauseCondition,
    RolloutStatus,
    SetReplicaSetRevision,
    SetWeight,
)


def test_first_replicaset_with_steps_skips_them() -> None:
    """TestCanaryRolloutCreateFirstReplicasetWithSteps (2 reconciles)."""
    plan = make_plan(replicas=10, pod_template_hash=H1, steps=(SetWeight(10),))
    # sync 1: no ReplicaSet yet -> create it with 0 replicas; Progressing=True NewReplicaSetCreated.
    first = reconcile(plan, RolloutStatus(current_step_hash=plan.step_hash))
    assert of_type(first, CreateReplicaSet) == [CreateReplicaSet(H1, 1, 0, 10, 0.0)]
    progressing = condition(first.status, "Progressing")
    assert (progressing.status, progressing.reason) == ("True", "NewReplicaSetCreated")
    assert progressing.message == f'Created new replica set "foo-{H1}"'
    # sync 2: steps skipped, stableRS := the new hash, index = len(steps); RS scaled up.
    second = reconcile(plan, first.status, rs(H1, 0, revision=1))
    assert second.status.stable_rs == H1
    assert second.status.current_pod_hash == H1
    assert second.status.current_step_index == 1
    assert scales(second) == [(H1, 10)]
    assert (
        "RolloutCompleted",
        f"Rollout completed update to revision 1 ({H1}): Initial deploy",
    ) in events(second)


def test_first_replicaset_without_steps_keeps_index_unset() -> None:
    """TestCanaryRolloutCreateFirstReplicasetNoSteps."""
    plan = make_plan(replicas=10, pod_template_hash=H1)
    first = reconcile(plan, RolloutStatus(current_step_hash=plan.step_hash))
    second = reconcile(plan, first.status, rs(H1, 0, revision=1))
    assert second.status.stable_rs == H1
    assert second.status.current_step_index is None
    assert scales(second) == [(H1, 10)]


def test_bump_version_without_steps_scales_within_surge() -> None:
    """TestCanaryRolloutBumpVersion: rev 2 created at 0 replicas, then grown by maxSurge (1)."""
    plan = make_plan(replicas=10, max_surge=1, max_unavailable=0)
    status = make_status(plan, current="", index=0)
    first = reconcile(plan, status, rs(H1, 10))
    assert of_type(first, CreateReplicaSet) == [CreateReplicaSet(H2, 2, 0, 10, 0.0)]
    assert condition(first.status, "Progressing").reason == "NewReplicaSetCreated"
    assert ("RolloutUpdated", "Rollout updated to revision 2") in events(first)
    second = reconcile(plan, first.status, rs(H1, 10), rs(H2, 0))
    assert scales(second) == [(H2, 1)]


def test_scale_down_stable_to_match_weight() -> None:
    """TestCanaryRolloutScaleDownStableToMatchWeight: maxSurge 0 -> stable shrinks first."""
    plan = make_plan(replicas=10, max_surge=0, max_unavailable=1, steps=(SetWeight(10),))
    d = reconcile(plan, make_status(plan), rs(H1, 10), rs(H2, 0))
    assert scales(d) == [(H1, 9)]
    assert d.status.current_step_index == 0


def test_create_new_replica_with_correct_weight() -> None:
    """TestCanaryRolloutCreateNewReplicaWithCorrectWeight: canary 0 -> 1 at setWeight 10."""
    plan = make_plan(replicas=10, max_surge=1, max_unavailable=0, steps=(SetWeight(10),))
    d = reconcile(plan, make_status(plan), rs(H1, 10), rs(H2, 0))
    assert scales(d) == [(H2, 1)]


def test_set_weight_step_completes_when_counts_match() -> None:
    """TestCanaryRolloutIncrementStepIfSetWeightsAreCorrect: canary 1/1, stable 9/9, an older
    intermediate RS at 0 -> index 1 and the step-completed event."""
    plan = make_plan(
        replicas=10, pod_template_hash=H3, max_surge=1, max_unavailable=0, steps=(SetWeight(10),)
    )
    status = make_status(plan, counts=(10, 1, 10, 10))
    d = reconcile(plan, status, rs(H1, 9), rs(H2, 0), rs(H3, 1))
    assert scales(d) == []
    assert d.status.current_step_index == 1
    assert ("RolloutStepCompleted", "Rollout step 1/1 completed (setWeight: 10)") in events(d)


def test_enter_pause_state() -> None:
    """TestCanaryRolloutEnterPauseState: the pause condition is stamped now; phase Paused."""
    plan = make_plan(replicas=10, steps=(Pause(),))
    d = reconcile(
        plan, make_status(plan, counts=(10, 0, 10, 10)), rs(H1, 10), rs(H2, 0), now=NOW + 0.7
    )
    assert scales(d) == []
    assert d.status.pause_conditions == (PauseCondition("CanaryPauseStep", NOW),)
    assert d.status.controller_pause is True
    assert (d.status.phase, d.status.message) == ("Paused", "CanaryPauseStep")
    assert d.requeue_after == 0.0  # the status patch wakes the controller again


def test_no_progress_while_paused() -> None:
    """TestCanaryRolloutNoProgressWhilePaused / ...UpdatePauseConditionWhilePaused: nothing
    but the observed generation changes."""
    plan = make_plan(replicas=10, steps=(Pause(),))
    paused = (PauseCondition("CanaryPauseStep", NOW - 30),)
    status = make_status(plan, pause=paused, counts=(10, 0, 10, 10))
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 0))
    assert scales(d) == []
    d = steady(plan, d.status, rs(H1, 10), rs(H2, 0))
    assert d.status.pause_conditions == paused
    assert d.status.current_step_index == 0
    assert d.requeue_after is None  # indefinite pause: nothing to wait for


def test_increment_step_after_unpaused() -> None:
    """TestCanaryRolloutIncrementStepAfterUnPaused: promote cleared the conditions while
    controllerPause is still set -> index 1, controllerPause dropped."""
    plan = make_plan(replicas=10, steps=(Pause(),))
    status = make_status(plan, controller_pause=True, counts=(10, 0, 10, 10))
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 0))
    assert d.status.current_step_index == 1
    assert d.status.controller_pause is False
    assert ("RolloutStepCompleted", "Rollout step 1/1 completed (pause)") in events(d)


def test_update_status_when_at_end_of_steps() -> None:
    """TestCanaryRolloutUpdateStatusWhenAtEndOfSteps: stableRS := new, Healthy, Completed."""
    plan = make_plan(replicas=10, steps=(Pause(),))
    status = make_status(plan, index=1, counts=(10, 10, 10, 10))
    d = reconcile(plan, status, rs(H1, 0), rs(H2, 10))
    assert d.status.stable_rs == H2
    assert (d.status.phase, d.status.message) == ("Healthy", "")
    completed = condition(d.status, "Completed")
    assert (completed.status, completed.reason) == ("True", "RolloutCompleted")
    assert condition(d.status, "Progressing").reason == "NewReplicaSetAvailable"
    assert (
        condition(d.status, "Progressing").message
        == f'ReplicaSet "foo-{H2}" has successfully progressed.'
    )
    assert (
        "RolloutCompleted",
        f"Rollout completed update to revision 2 ({H2}): Completed all 1 canary steps",
    ) in events(d)


def test_reset_step_index_on_pod_spec_change() -> None:
    """TestResetCurrentStepIndexOnPodSpecChange (2 reconciles)."""
    plan = make_plan(replicas=10, max_surge=0, max_unavailable=1, steps=(Pause(),))
    status = make_status(plan, index=1, current=H1)
    first = reconcile(plan, status, rs(H1, 10))
    assert of_type(first, CreateReplicaSet) == [CreateReplicaSet(H2, 2, 0, 10, 0.0)]
    second = reconcile(plan, first.status, rs(H1, 10), rs(H2, 0))
    assert second.status.current_step_index == 0
    assert second.status.current_pod_hash == H2
    assert scales(second) == []  # the reset reconcile only writes status


def test_reset_step_index_on_step_change() -> None:
    """TestResetCurrentStepIndexOnStepChange: new steps, same template -> index 0, new hash."""
    plan = make_plan(replicas=10, steps=(Pause(),))
    old_steps = replace(plan, steps=(SetWeight(10),))
    status = make_status(plan, index=1, current_step_hash=old_steps.step_hash)
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 0))
    assert d.status.current_step_index == 0
    assert d.status.current_step_hash == plan.step_hash


def test_scale_down_old_rs() -> None:
    """TestCanaryRolloutScaleDownOldRs: the intermediate rev-2 RS goes 1 -> 0."""
    plan = make_plan(replicas=10, pod_template_hash=H3, steps=(SetWeight(10),))
    d = reconcile(plan, make_status(plan), rs(H1, 9), rs(H2, 1), rs(H3, 1))
    assert scales(d) == [(H2, 0)]


def test_scale_down_old_rs_dont_scale_down_too_much() -> None:
    """TestCanaryRolloutScaleDownOldRsDontScaleDownTooMuch: budget 10 - (4 - 0) = 6; old RSs
    newest first: rev 2 5 -> 0, rev 1 5 -> 4."""
    plan = make_plan(replicas=4, pod_template_hash=H3, max_surge=1, max_unavailable=0)
    status = make_status(plan, stable=H3, index=None)
    d = reconcile(plan, status, rs(H1, 5), rs(H2, 5), rs(H3, 5, 0))
    assert scales(d) == [(H2, 0), (H1, 4)]


def test_roll_back_to_stable() -> None:
    """TestRollBackToStable: template back to the stable's -> rev 3, steps skipped."""
    plan = make_plan(replicas=10, pod_template_hash=H1, steps=(SetWeight(10),))
    status = make_status(plan, current=H2, counts=(10, 9, 10, 10))
    d = reconcile(plan, status, rs(H1, 9), rs(H2, 1))
    assert of_type(d, SetReplicaSetRevision) == [SetReplicaSetRevision(H1, 3)]
    assert ("RolloutUpdated", "Rollout updated to revision 3") in events(d)
    assert d.status.current_pod_hash == H1
    assert d.status.current_step_index == 1
    assert ("SkipSteps", "Rollback to stable ReplicaSets") in events(d)


def test_roll_back_to_active_replicaset_within_window() -> None:
    """TestRollBackToActiveReplicaSetWithinWindow: rollbackWindow 1, rev 1 still active."""
    plan = make_plan(
        replicas=1, pod_template_hash=H1, steps=(SetWeight(10),), rollback_window_revisions=1
    )
    status = make_status(plan, stable=H2, current=H2, counts=(2, 2, 2, 2))
    d = reconcile(plan, status, rs(H1, 1, created=NOW - 3600), rs(H2, 1, created=NOW))
    assert of_type(d, SetReplicaSetRevision) == [SetReplicaSetRevision(H1, 3)]
    assert d.status.current_pod_hash == H1
    assert d.status.current_step_index == 1
    assert ("SkipSteps", "Rollback to active ReplicaSets within RollbackWindow") in events(d)


def test_gradual_shift_to_new_stable() -> None:
    """TestGradualShiftToNewStable: steps done, maxSurge 3 -> stable 9 -> 6."""
    plan = make_plan(replicas=10, max_surge=3, max_unavailable=0, steps=(SetWeight(10),))
    d = reconcile(plan, make_status(plan, index=1), rs(H1, 9), rs(H2, 4))
    assert scales(d) == [(H1, 6)]
    assert d.status.stable_rs == H1


def test_scale_while_paused_is_a_scaling_event() -> None:
    """TestCanaryRolloutScaleWhilePaused: spec.replicas 5 -> 10 while paused: only the
    ReplicaSets are resized (stable 5 -> 8), the step does not move."""
    plan = make_plan(replicas=10, steps=(SetWeight(20),))
    paused = (PauseCondition("CanaryPauseStep", NOW - 5),)
    status = make_status(plan, pause=paused)
    d = reconcile(plan, status, rs(H1, 5, rollout_replicas=5), rs(H2, 0, rollout_replicas=5))
    assert scales(d) == [(H1, 8)]
    assert d.status.current_step_index == 0
    assert d.status.pause_conditions == paused


def test_timed_pause_expires() -> None:
    """TestSyncRolloutWaitIncrementStepIndex: pause 5 s started 10 s ago -> index 2."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause(5), Pause()))
    paused = (PauseCondition("CanaryPauseStep", NOW - 10),)
    status = make_status(plan, index=1, pause=paused)
    d = reconcile(plan, status, rs(H1, 9), rs(H2, 1))
    assert d.status.current_step_index == 2
    assert d.status.pause_conditions == ()
    assert d.status.controller_pause is False
    assert ("RolloutStepCompleted", "Rollout step 2/3 completed (pause: 5)") in events(d)


def test_timed_pause_requeues_for_its_end() -> None:
    """TestSyncRolloutWaitAddToQueue: a 10 s pause is re-enqueued for its expiry."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause(10), Pause()))
    paused = (PauseCondition("CanaryPauseStep", NOW - 4),)
    d = steady(plan, make_status(plan, index=1, pause=paused), rs(H1, 9), rs(H2, 1))
    assert d.status.current_step_index == 1
    assert d.requeue_after is not None and 6.0 < d.requeue_after < 6.01
    # At exactly start + duration the pause has not ended (strictly after).
    at_end = reconcile(plan, d.status, rs(H1, 9), rs(H2, 1), now=NOW + 6)
    assert at_end.status.current_step_index == 1


def test_resume_after_pause_duration_takes_two_reconciles() -> None:
    """TestResumeRolloutAfterPauseDuration: conditions first, then index 2 on the next one."""
    plan = make_plan(
        replicas=1, max_surge=1, max_unavailable=1, steps=(SetWeight(10), Pause(60), SetWeight(20))
    )
    paused = (PauseCondition("CanaryPauseStep", NOW - 61),)
    status = make_status(plan, index=1, pause=paused)
    # The Progressing condition still says ReplicaSetUpdated: checkPausedConditions patches it.
    stale = tuple(
        replace(c, status="True", reason="ReplicaSetUpdated") if c.type == "Progressing" else c
        for c in status.conditions
    )
    first = reconcile(plan, replace(status, conditions=stale), rs(H1, 0), rs(H2, 1))
    assert first.status.current_step_index == 1
    assert condition(first.status, "Progressing").reason == "RolloutPaused"
    second = reconcile(plan, first.status, rs(H1, 0), rs(H2, 1))
    assert second.status.current_step_index == 2
    assert second.status.controller_pause is False


def test_no_resume_after_pause_duration_if_user_paused() -> None:
    """TestNoResumeAfterPauseDurationIfUserPaused: spec.paused blocks an expired timer."""
    plan = make_plan(
        replicas=1,
        max_surge=1,
        max_unavailable=1,
        steps=(SetWeight(10), Pause(60), SetWeight(20)),
        paused=True,
    )
    paused = (PauseCondition("CanaryPauseStep", NOW - 63),)
    d = reconcile(plan, make_status(plan, index=1, pause=paused), rs(H1, 0), rs(H2, 1))
    assert d.status.current_step_index == 1
    assert (d.status.phase, d.status.message) == ("Paused", "manually paused")
    assert steady(plan, d.status, rs(H1, 0), rs(H2, 1)).requeue_after is None


def test_retry_resets_progress_condition() -> None:
    """TestCanaryRolloutResetProgressDeadlineOnRetry: abort cleared -> Progressing=Unknown
    RolloutRetry; that patch ends the reconcile."""
    plan = make_plan(replicas=10, steps=(Pause(),))
    status = make_status(plan, counts=(10, 0, 10, 10))
    aborted = tuple(
        replace(
            c,
            status="False",
            reason="RolloutAborted",
            message="Rollout aborted update to revision 2",
        )
        if c.type == "Progressing"
        else c
        for c in status.conditions
    )
    d = reconcile(plan, replace(status, conditions=aborted), rs(H1, 10), rs(H2, 0))
    progressing = condition(d.status, "Progressing")
    assert (progressing.status, progressing.reason) == ("Unknown", "RolloutRetry")
    assert progressing.message == "Retrying Rollout after abort"
    assert (d.status.phase, d.status.message) == ("Progressing", "more replicas need to be updated")
    assert scales(d) == [] and d.status.pause_conditions == ()


def test_handle_canary_abort_scales_stable_up() -> None:
    """TestHandleCanaryAbort/Scale up stable ReplicaSet."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), SetWeight(20), SetWeight(30)))
    status = make_status(plan, index=1, abort=True, aborted_at=NOW, counts=(10, 1, 10, 10))
    d = reconcile(plan, status, rs(H1, 9), rs(H2, 1))
    assert scales(d) == [(H1, 10)]
    assert d.status.current_step_index == 0
    assert (d.status.phase, d.status.message) == (
        "Degraded",
        "RolloutAborted: Rollout aborted update to revision 2",
    )
    progressing = condition(d.status, "Progressing")
    assert (progressing.status, progressing.reason) == ("False", "RolloutAborted")
    assert progressing.message == "Rollout aborted update to revision 2"


def test_handle_canary_abort_on_fully_promoted_rollout_is_dropped() -> None:
    """TestHandleCanaryAbort/Do not reset currentStepCount and reset abort if newRS is stableRS."""
    plan = make_plan(
        replicas=2, pod_template_hash=H1, steps=(SetWeight(10), SetWeight(20), SetWeight(30))
    )
    status = make_status(plan, index=3, abort=True, aborted_at=NOW - 5)
    d = reconcile(plan, status, rs(H1, 2))
    assert d.status.abort is False and d.status.aborted_at is None
    assert d.status.current_step_index == 3
    assert d.status.phase == "Healthy"


def test_step_hash_and_step_mappings_are_derived_once_per_plan() -> None:
    from canarysim.engine.model import Pause, Plan, SetWeight
    from canarysim.engine.model.plan import steps_hash
    from canarysim.engine.rollout.context import step_mapping, step_mappings

    steps = (SetWeight(20), Pause(60.0), SetWeight(50))
    plan = Plan(name="r", replicas=4, pod_template_hash="h", steps=steps)
    assert plan.step_hash == steps_hash(steps)
    assert plan.step_hash is plan.step_hash  # cached on the plan
    other = Plan(name="r", replicas=4, pod_template_hash="h", steps=steps[:2])
    assert other.step_hash != plan.step_hash
    mapped = step_mappings(plan.steps)
    assert mapped == tuple(step_mapping(s) for s in steps)
    assert step_mappings(plan.steps) is mapped  # same tuple: not mapped again
    assert step_mappings(other.steps) == ({"setWeight": 20}, {})  # a pause is not read
