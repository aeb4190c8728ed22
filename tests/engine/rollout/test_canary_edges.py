"""``decide()`` edges the mutation run of ``engine/rollout/canary.py`` found unpinned.

Same Given/When/Then fixtures as the replays of upstream rollout/canary_test.go; each test names
the Argo function (rollout/canary.go, rollout/sync.go) whose behaviour it pins.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_steps_world import (
    H1,
    H2,
    H3,
    NOW,
    events,
    make_plan,
    make_status,
    of_type,
    reconcile,
    rs,
    scales,
)

from canarysim.engine.model import (
    Condition,
    CreateReplicaSet,
    Observation,
    Pause,
    PauseCondition,
    Plan,
    PodMetadata,
    RolloutDuration,
    RolloutStatus,
    SetCanaryScale,
    SetHeaderRoute,
    SetReplicaSetRevision,
    SetWeight,
    SyncEphemeralMetadata,
)
from canarysim.engine.rollout import decide

CANARY_META = PodMetadata(labels=(("role", "canary"),))
STABLE_META = PodMetadata(labels=(("role", "stable"),))


def test_spec_paused_rollout_does_not_complete_a_satisfied_set_weight_step() -> None:
    """``completedCurrentCanaryStep`` returns false while ``spec.paused``: canary 1/1 and
    stable 9/9 match setWeight 10, yet the index stays 0."""
    plan = make_plan(replicas=10, paused=True, steps=(SetWeight(10), SetWeight(50)))
    d = reconcile(plan, make_status(plan, counts=(10, 1, 10, 10)), rs(H1, 9), rs(H2, 1))
    assert d.status.current_step_index == 0
    assert not [e for e in events(d) if e[0] == "RolloutStepCompleted"]


def test_initial_deploy_clears_pause_conditions() -> None:
    """``promoteStable`` (rollout/sync.go) clears pause conditions: a first ReplicaSet
    promoted as "Initial deploy" drops a pause condition left in the status."""
    plan = make_plan(replicas=10, pod_template_hash=H1, steps=(SetWeight(10),))
    status = RolloutStatus(
        current_step_hash=plan.step_hash,
        pause_conditions=(PauseCondition("CanaryPauseStep", NOW - 30),),
        controller_pause=True,
    )
    d = reconcile(plan, status, rs(H1, 0, revision=1))
    assert d.status.stable_rs == H1
    assert d.status.pause_conditions == ()


@pytest.mark.parametrize(("before", "after"), [("ping", "pong"), ("pong", "ping"), ("", "ping")])
def test_promotion_swaps_ping_and_pong(before: str, after: str) -> None:
    """``promoteStable``: with ping-pong, switching the stable flips ``stablePingPong``; only
    ``ping`` counts as "stable is ping" (``IsStablePing``), so an unset one becomes ping."""
    plan = make_plan(replicas=10, steps=(SetWeight(10),), ping_service="ping", pong_service="pong")
    status = make_status(plan, index=1, counts=(10, 10, 10, 10), stable_ping_pong=before)
    d = reconcile(plan, status, rs(H1, 0), rs(H2, 10))
    assert d.status.stable_rs == H2
    assert d.status.stable_ping_pong == after


def test_promotion_without_ping_pong_leaves_it_unset() -> None:
    plan = make_plan(replicas=10, steps=(SetWeight(10),))
    d = reconcile(plan, make_status(plan, index=1, counts=(10, 10, 10, 10)), rs(H1, 0), rs(H2, 10))
    assert d.status.stable_rs == H2
    assert d.status.stable_ping_pong == ""


def test_new_replica_set_is_created_with_min_ready_seconds() -> None:
    """``createDesiredReplicaSet`` copies ``spec.minReadySeconds`` into the new ReplicaSet and
    records ``NewReplicaSetDetailedMessage`` as an event."""
    plan = make_plan(replicas=10, min_ready_seconds=7.0)
    d = reconcile(plan, make_status(plan, current=""), rs(H1, 10))
    assert of_type(d, CreateReplicaSet) == [CreateReplicaSet(H2, 2, 0, 10, 7.0)]
    assert ("NewReplicaSetCreated", f"Created ReplicaSet foo-{H2} (revision 2)") in events(d)


@pytest.mark.parametrize(
    ("canary_meta", "stable_meta", "stable_exists", "expect"),
    [
        (None, None, True, []),
        (CANARY_META, None, True, [SyncEphemeralMetadata(H2, CANARY_META)]),
        (None, STABLE_META, True, [SyncEphemeralMetadata(H2, None)]),
        (CANARY_META, STABLE_META, False, [SyncEphemeralMetadata(H2, STABLE_META)]),
    ],
    ids=["none configured", "canary only", "stable only", "first ReplicaSet"],
)
def test_new_replica_set_ephemeral_metadata(
    canary_meta: PodMetadata | None,
    stable_meta: PodMetadata | None,
    stable_exists: bool,
    expect: list[SyncEphemeralMetadata],
) -> None:
    """``createDesiredReplicaSet``: with a stable ReplicaSet the new one carries the canary
    metadata, else (brand-new rollout) the stable metadata; nothing when neither is set."""
    plan = make_plan(replicas=10, canary_metadata=canary_meta, stable_metadata=stable_meta)
    if stable_exists:
        d = reconcile(plan, make_status(plan, current=""), rs(H1, 10))
    else:
        d = reconcile(plan, RolloutStatus(current_step_hash=plan.step_hash))
    assert of_type(d, SyncEphemeralMetadata) == expect


def test_spec_paused_rollout_at_a_pause_step_adds_no_pause_condition() -> None:
    """``reconcileCanaryPause`` returns at once while ``spec.paused``: no CanaryPauseStep."""
    plan = make_plan(replicas=10, paused=True, steps=(Pause(),))
    d = reconcile(plan, make_status(plan, counts=(10, 0, 10, 10)), rs(H1, 10), rs(H2, 0))
    assert d.status.pause_conditions == ()
    assert d.status.controller_pause is False


def test_rollback_within_window_names_its_reason_in_the_completed_event() -> None:
    """``shouldFullPromote``: a fast rollback inside ``rollbackWindow`` is promoted as
    "Rollback within window" once the old ReplicaSet is fully available."""
    plan = make_plan(
        replicas=1, pod_template_hash=H1, steps=(SetWeight(10),), rollback_window_revisions=1
    )
    status = make_status(plan, stable=H2, index=1, counts=(2, 1, 2, 2))
    d = reconcile(plan, status, rs(H1, 1, revision=3, created=NOW - 3600), rs(H2, 1, created=NOW))
    assert d.status.stable_rs == H1
    assert (
        "RolloutCompleted",
        f"Rollout completed update to revision 3 ({H1}): Rollback within window",
    ) in events(d)


def test_one_step_rollout_is_not_promoted_before_its_step_completes() -> None:
    """``shouldFullPromote``: "completed all steps" needs no steps or index == count; a
    one-step rollout paused at step 0 with a fully available canary stays on its stable."""
    plan = make_plan(replicas=10, steps=(Pause(),))
    paused = (PauseCondition("CanaryPauseStep", NOW - 30),)
    status = make_status(plan, pause=paused, counts=(20, 10, 20, 20))
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 10))
    assert d.status.stable_rs == H1
    assert d.status.current_step_index == 0


def _new_template_status(plan: Plan, **kw: Any) -> RolloutStatus:
    """The status of revision 1 (H1) mid-rollout, read after the template became H2."""
    return make_status(plan, current=H1, counts=(10, 0, 10, 10), **kw)


def test_new_template_clears_pause_conditions() -> None:
    """``resetRolloutStatus`` (rollout/sync.go) clears the pause conditions."""
    plan = make_plan(replicas=10, steps=(Pause(), SetWeight(50)))
    paused = (PauseCondition("CanaryPauseStep", NOW - 30),)
    d = reconcile(plan, _new_template_status(plan, pause=paused), rs(H1, 10), rs(H2, 0))
    assert d.status.current_pod_hash == H2
    assert d.status.pause_conditions == ()
    assert d.status.current_step_index == 0


def test_new_template_removes_the_abort() -> None:
    """``resetRolloutStatus`` removes an abort: the new revision starts afresh."""
    plan = make_plan(replicas=10, steps=(SetWeight(10),))
    d = reconcile(plan, _new_template_status(plan, abort=True), rs(H1, 10), rs(H2, 0))
    assert d.status.abort is False
    assert d.status.aborted_at is None


def test_new_template_resets_promote_full_and_restarted_at() -> None:
    """``resetRolloutStatus``: ``promoteFull`` back to false, ``restartedAt`` follows
    ``spec.restartAt`` (``SetRestartedAt``)."""
    plan = make_plan(replicas=10, steps=(SetWeight(10),), restart_at=NOW - 100)
    status = _new_template_status(plan, promote_full=True, restarted_at=NOW - 900)
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 0))
    assert d.status.promote_full is False
    assert d.status.restarted_at == NOW - 100


def test_rollback_to_stable_without_steps_keeps_the_index_unset() -> None:
    """``syncRolloutStatusCanary``: the step skip needs steps; without any, the index stays
    unset (``ResetCurrentStepIndex``) and no SkipSteps event is sent."""
    plan = make_plan(replicas=10, pod_template_hash=H1)
    status = make_status(plan, current=H2, index=None, counts=(10, 9, 10, 10))
    d = reconcile(plan, status, rs(H1, 9), rs(H2, 1))
    assert d.status.current_pod_hash == H1
    assert d.status.current_step_index is None
    assert not [e for e in events(d) if e[0] == "SkipSteps"]


def test_new_template_with_an_active_replica_set_outside_the_window_starts_at_step_0() -> None:
    """The skip to the end needs the stable's hash, or the rollback window *and* an active
    ReplicaSet: a third revision whose ReplicaSet still has pods, without a window, starts
    from step 0."""
    plan = make_plan(replicas=10, pod_template_hash=H3, steps=(SetWeight(10), SetWeight(50)))
    status = make_status(plan, current=H2, counts=(12, 2, 12, 12))
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 0), rs(H3, 2))
    assert d.status.current_pod_hash == H3
    assert d.status.current_step_index == 0


def test_rollback_within_window_to_a_scaled_down_replica_set_starts_at_step_0() -> None:
    """``IsActive(newRS)`` is required for the window skip: a ReplicaSet at 0 replicas
    inside the window does not skip the steps."""
    plan = make_plan(
        replicas=1, pod_template_hash=H1, steps=(SetWeight(10),), rollback_window_revisions=1
    )
    status = make_status(plan, stable=H2, current=H2, counts=(1, 1, 1, 1))
    d = reconcile(plan, status, rs(H1, 0, created=NOW - 3600), rs(H2, 1, created=NOW))
    assert d.status.current_pod_hash == H1
    assert d.status.current_step_index == 0
    assert not [e for e in events(d) if e[0] == "SkipSteps"]


def test_full_promotion_request_clears_pauses_and_abort() -> None:
    """``syncRolloutStatusCanary``: ``promoteFull`` clears pause conditions and the abort even
    before the canary is available enough to become stable."""
    plan = make_plan(replicas=10, steps=(Pause(), SetWeight(50)))
    paused = (PauseCondition("CanaryPauseStep", NOW - 30),)
    status = make_status(plan, pause=paused, promote_full=True, counts=(11, 1, 11, 11))
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 1, 0))
    assert d.status.pause_conditions == ()
    assert d.status.stable_rs == H1
    aborted = make_status(plan, abort=True, promote_full=True, counts=(11, 1, 11, 11))
    d = reconcile(plan, aborted, rs(H1, 10), rs(H2, 1, 0))
    assert d.status.abort is False


def test_abort_with_the_new_hash_already_stable_goes_to_the_last_step() -> None:
    """``syncRolloutStatusCanary``: aborted, the index is the step count when the stable is
    the current pod hash, else 0. A status that never recorded its current pod hash (so the
    abort is not dropped as "fully promoted") reaches that branch."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), SetWeight(50)))
    status = make_status(plan, stable=H2, current="", abort=True, counts=(10, 10, 10, 10))
    d = reconcile(plan, status, rs(H2, 10))
    assert d.status.abort is True
    assert d.status.current_step_index == 2


def test_status_without_progressing_condition_records_found_new_replica_set() -> None:
    """``syncReplicaSetRevision``: a status without a Progressing condition gets
    FoundNewReplicaSet; when nothing progresses in the reconcile, it is what is persisted."""
    plan = make_plan(replicas=10, steps=(SetWeight(10),))
    status = make_status(plan, counts=(11, 1, 10, 10), conditions=())
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 1, 0))
    assert d.status.condition("Progressing") == Condition(
        "Progressing", "True", "FoundNewReplicaSet", f'Found new replica set "foo-{H2}"', NOW, NOW
    )


def test_new_replica_set_sharing_the_newest_revision_is_renumbered() -> None:
    """``syncReplicaSetRevision`` sets maxOldRevision + 1 whenever the new ReplicaSet's
    revision is not above every older one, equal included."""
    plan = make_plan(replicas=10, steps=(SetWeight(10),))
    d = reconcile(plan, make_status(plan), rs(H1, 10, revision=2), rs(H2, 0, revision=2))
    assert of_type(d, SetReplicaSetRevision) == [SetReplicaSetRevision(H2, 3)]


def test_renumbered_replica_set_carries_its_new_revision_into_the_reconcile() -> None:
    """After the renumbering, the rollout's revision is the new one: the RolloutNotCompleted
    event of a rollback within the window names revision 3."""
    plan = make_plan(
        replicas=1, pod_template_hash=H1, steps=(SetWeight(10),), rollback_window_revisions=1
    )
    status = make_status(plan, stable=H2, current=H2, counts=(2, 2, 2, 2))
    d = reconcile(plan, status, rs(H1, 1, created=NOW - 3600), rs(H2, 1, created=NOW))
    assert (
        "RolloutNotCompleted",
        f"Rollout not completed, started update to revision 3 ({H1})",
    ) in events(d)


def _step_after_reconcile(h1: int, h2: int, h2_rollout_replicas: int | None) -> int | None:
    """setWeight 10 with stable 9/9 and canary ``h2`` (all available): the step completes in
    a normal reconcile; a scaling event (``syncReplicasOnly``) keeps the index at 0."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause()))
    views = (
        replace(rs(H1, h1), rollout_replicas=10),
        replace(rs(H2, h2), rollout_replicas=h2_rollout_replicas),
    )
    status = make_status(plan, counts=(h1 + h2, h2, h1 + h2, h1 + h2))
    d = decide(plan, status, Observation(now=NOW, replica_sets=views))
    return d.status.current_step_index


def test_a_one_pod_replica_set_sized_for_other_replicas_is_a_scaling_event() -> None:
    """``isScalingEvent``: an active (> 0 replicas) new or stable ReplicaSet whose
    desired-replicas annotation differs from ``spec.replicas``; one pod is enough."""
    assert _step_after_reconcile(9, 1, 10) == 1
    assert _step_after_reconcile(9, 1, 5) == 0


def test_a_scaled_down_or_unannotated_replica_set_is_not_a_scaling_event() -> None:
    """``FilterActiveReplicaSets`` skips a ReplicaSet at 0 replicas, and one without the
    annotation is skipped too (``GetDesiredReplicasAnnotation`` not ok)."""
    plan = make_plan(replicas=10, steps=(SetWeight(0), Pause()))
    views = (replace(rs(H1, 10), rollout_replicas=10), replace(rs(H2, 0), rollout_replicas=5))
    status = make_status(plan, counts=(10, 0, 10, 10))
    d = decide(plan, status, Observation(now=NOW, replica_sets=views))
    assert d.status.current_step_index == 1
    assert _step_after_reconcile(9, 1, None) == 1


# --------------------------------------------------------------------------------------------
# Found by the re-measurement of this module (every mutant of the final code run)
# --------------------------------------------------------------------------------------------

TR = {"traffic_routing": True, "canary_service": "canary", "stable_service": "stable"}


def test_full_promotion_needs_available_pods_not_the_spec_count() -> None:
    """``shouldFullPromote`` blocks only when fewer pods are *available* than
    ``spec.replicas``: a new ReplicaSet whose spec is above the count (the rollout was scaled
    down) and has exactly that many available is promoted."""
    plan = make_plan(replicas=10, steps=(SetWeight(100),))
    d = reconcile(plan, make_status(plan, index=1), rs(H1, 10), rs(H2, 12, 10))
    assert d.status.stable_rs == H2


@pytest.mark.parametrize(("canary", "done"), [(3, True), (2, False)])
def test_set_canary_scale_step_completes_at_its_replica_count(canary: int, done: bool) -> None:
    """``completedCurrentCanaryStep``: a ``setCanaryScale`` step is done once the canary is
    at the replicas it sets (all available) and the stable at its count."""
    plan = make_plan(replicas=10, steps=(SetCanaryScale(replicas=3), Pause()), **TR)
    status = make_status(plan, index=0)
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 3, canary))
    assert d.status.current_step_index == (1 if done else 0)


def test_promote_full_before_the_canary_is_up_completes_a_step_past_the_end() -> None:
    """``syncRolloutStatusCanary`` points ``currentStepIndex`` at its ``stepCount`` variable
    on ``promote --full``; while the canary is not yet all available the promotion waits, and
    a current step that completes increments that variable: index 3 of 2 steps, and the
    event says "3/3" (Argo's aliasing, kept)."""
    plan = make_plan(replicas=10, steps=(SetHeaderRoute("h"), SetWeight(50)), **TR)
    status = make_status(plan, index=0, promote_full=True)
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 10, 4))
    assert d.status.stable_rs == H1
    assert d.status.current_step_index == 3
    assert ("RolloutStepCompleted", "Rollout step 3/3 completed (setHeaderRoute: h)") in events(d)


@pytest.mark.parametrize(("full", "outcome"), [(False, "Promoted"), (True, "FastPromoted")])
def test_promotion_names_the_attempts_outcome(full: bool, outcome: str) -> None:
    """``promoteStable`` names the outcome of the attempt in flight when the stable switches:
    ``FastPromoted`` after ``promote --full``, else ``Promoted``; its start is kept."""
    plan = make_plan(replicas=10, steps=(SetWeight(100),))
    started = RolloutDuration(rollout_started_at=NOW - 100)
    status = make_status(plan, index=1, promote_full=full, duration=started)
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 10))
    assert d.status.stable_rs == H2
    assert d.status.duration is not None
    assert d.status.duration.rollout_started_at == NOW - 100
    assert d.status.duration.completion_status == outcome


def test_a_reconcile_that_scales_the_canary_does_not_stamp_the_pause() -> None:
    """``reconcileCanaryPause`` runs only in a reconcile that scaled nothing: at a pause step
    with the canary still short of its count, the scale-up ends the reconcile and the
    ``CanaryPauseStep`` condition waits for the next one."""
    plan = make_plan(replicas=10, max_surge=10, steps=(SetWeight(50), Pause()))
    status = make_status(plan, index=1, counts=(8, 3, 8, 8))
    d = reconcile(plan, status, rs(H1, 5), rs(H2, 3))
    assert scales(d) == [(H2, 5)]
    assert d.status.pause_conditions == ()
    settled = reconcile(plan, status, rs(H1, 5), rs(H2, 5))
    assert [c.reason for c in settled.status.pause_conditions] == ["CanaryPauseStep"]
