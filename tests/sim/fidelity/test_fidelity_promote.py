"""Promote, promote --full, pause/resume, spec.paused and the step timers, as Argo's
end-to-end suite pins them (test/e2e/functional_test.go, canary_test.go upstream)."""

from __future__ import annotations

from pathlib import Path

from fidelitykit import (
    basic,
    by_revision,
    desired,
    events,
    first_time,
    op,
    pod_count,
    routed,
    set_image,
    simulate,
    weights,
)


def test_abort_retry_promote_emits_argos_event_sequence(tmp_path: Path) -> None:
    # RolloutAbortRetryPromote: 1 replica, setWeight 50 then a 3 s pause, no router; abort,
    # retry, and the pause promotes by itself. The e2e test lists the Rollout's events.
    r = simulate(
        tmp_path,
        basic([{"setWeight": 50}, {"pause": {"duration": "3s"}}], replicas=1),
        [set_image(60), op(66, "abort"), op(70, "retry")],
        until="3m",
    )
    reasons = [why for _, why, _ in events(r) if why != "OperatorCommand"]
    assert reasons == [
        "RolloutAddedToInformer",
        "RolloutUpdated",
        "NewReplicaSetCreated",
        "RolloutNotCompleted",
        "ScalingReplicaSet",
        "RolloutCompleted",
        "RolloutUpdated",
        "NewReplicaSetCreated",
        "RolloutNotCompleted",
        "ScalingReplicaSet",
        "RolloutStepCompleted",
        "RolloutPaused",
        "ScalingReplicaSet",
        "RolloutAborted",
        "ScalingReplicaSet",
        "RolloutStepCompleted",
        "RolloutPaused",
        "RolloutStepCompleted",
        "RolloutResumed",
        "ScalingReplicaSet",
        "RolloutCompleted",
    ]
    messages = [msg for _, why, msg in events(r) if why != "OperatorCommand"]
    assert messages[0] == "Rollout resource added to informer: ns/app"
    assert messages[-4:] == [
        "Rollout step 2/2 completed (pause: 3s)",
        "Rollout is resumed",
        f"Scaled down ReplicaSet {by_revision(r.final)[1].name} (revision 1) from 1 to 0",
        f"Rollout completed update to revision 2 ({r.final.stable_hash}): "
        "Completed all 2 canary steps",
    ]
    assert (pod_count(r, 179, 1), pod_count(r, 179, 2)) == (0, 1)
    assert r.final.phase == "Healthy"


def test_timed_pause_completes_after_its_duration(tmp_path: Path) -> None:
    # A timed pause starts in the reconcile the previous step completes and ends at the first
    # reconcile strictly after start + duration (rollout/pause.go CompletedCanaryPauseStep).
    steps = [{"setWeight": 25}, {"pause": {"duration": "1m"}}, {"setWeight": 50}]
    r = simulate(tmp_path, routed(steps), [set_image(60)], until="5m")
    started = first_time(r, "RolloutPaused")
    assert started == 65.0  # the canary's pod is ready 5 s after the update
    snap = r.status_at(100)
    assert (snap.phase, snap.message, snap.paused_until) == ("Paused", "CanaryPauseStep", 125.0)
    done = first_time(r, "RolloutStepCompleted", "2/3")
    assert 125.0 <= done < 126.0
    assert r.status_at(done).phase == "Progressing"


def test_promote_during_an_indefinite_pause_goes_to_the_next_step(tmp_path: Path) -> None:
    steps = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 40}, {"pause": {}}]
    r = simulate(tmp_path, routed(steps), [set_image(60), op(120, "promote")], until="4m")
    assert r.status_at(119).step_index == 1
    assert (120.0, "RolloutStepCompleted", "Rollout step 2/4 completed (pause)") in events(r)
    # setWeight 40 of 4 replicas = 2 canary pods; the router keeps 20 until both are ready.
    assert desired(r, 120) == {2: 2, 1: 4}
    assert weights(r, 120)["canary-svc"] == 20
    assert weights(r, 125)["canary-svc"] == 40
    assert first_time(r, "RolloutStepCompleted", "3/4") == 125.0
    assert r.status_at(125).phase == "Paused"


def test_promote_on_a_timed_pause_skips_the_rest_of_it(tmp_path: Path) -> None:
    steps = [{"setWeight": 20}, {"pause": {"duration": "1h"}}, {"setWeight": 40}]
    r = simulate(tmp_path, routed(steps), [set_image(60), op(120, "promote")], until="5m")
    assert first_time(r, "RolloutStepCompleted", "2/3") == 120.0
    assert r.status_at(131).phase == "Healthy"


def test_promote_full_skips_the_remaining_steps(tmp_path: Path) -> None:
    # CanaryPromoteFull: from a pause the canary goes to spec.replicas at once, promotion is
    # "Full promotion requested" once it is available; no step-completed events in between.
    steps = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 40}, {"pause": {}}]
    r = simulate(tmp_path, routed(steps), [set_image(60), op(120, "promoteFull")], until="5m")
    assert desired(r, 120) == {2: 4, 1: 4}
    assert weights(r, 120)["canary-svc"] == 20  # kept while the new pods start
    done = first_time(r, "RolloutCompleted", "revision 2")
    assert done == 125.0
    assert events(r, "RolloutCompleted")[-1][2].endswith(": Full promotion requested")
    assert [m for t, _, m in events(r, "RolloutStepCompleted") if t >= 120] == []
    snap = r.status_at(done)
    assert (snap.phase, snap.step_index, snap.set_weight) == ("Healthy", 4, 100)
    # The old stable waits scaleDownDelaySeconds (30 s) with traffic routing.
    assert desired(r, done + 29)[1] == 4
    assert desired(r, done + 31)[1] == 0


def test_promote_full_after_abort_completes_the_rollout(tmp_path: Path) -> None:
    steps = [{"setWeight": 20}, {"pause": {}}]
    r = simulate(
        tmp_path,
        routed(steps),
        [set_image(60), op(120, "abort"), op(130, "promoteFull")],
        until="5m",
    )
    assert r.status_at(129).phase == "Degraded"
    assert r.status_at(140).phase == "Healthy"
    assert r.final.stable_hash == r.final.canary_hash


def test_spec_paused_blocks_an_expired_timed_pause(tmp_path: Path) -> None:
    # TestNoResumeAfterPauseDurationIfUserPaused: the timer of a pause step expires while
    # spec.paused is true; the step only completes when the user resumes.
    steps = [{"setWeight": 25}, {"pause": {"duration": "30s"}}, {"setWeight": 50}]
    r = simulate(
        tmp_path, routed(steps), [set_image(60), op(70, "pause"), op(200, "resume")], until="5m"
    )
    snap = r.status_at(150)
    assert (snap.phase, snap.message, snap.step_index) == ("Paused", "manually paused", 1)
    assert first_time(r, "RolloutStepCompleted", "2/3") == 200.0
    assert weights(r, 199)["canary-svc"] == 25


def test_pausing_a_healthy_rollout_reads_manually_paused(tmp_path: Path) -> None:
    # CanaryWithSpecPause: a completed rollout paused by the user is Paused "manually paused"
    # without a Progressing=Unknown RolloutPaused condition (the rollout is completed).
    r = simulate(tmp_path, routed([{"setWeight": 20}]), [op(60, "pause")], until="2m")
    snap = r.status_at(61)
    assert (snap.phase, snap.message) == ("Paused", "manually paused")
    assert not any(c.reason == "RolloutPaused" and c.type == "Progressing" for c in snap.conditions)


def test_scaling_while_paused_keeps_the_weight_split(tmp_path: Path) -> None:
    # RolloutScalingWhenPaused (basic canary, setWeight 25): 1 replica -> 1 canary + 1 stable;
    # scaled to 8 -> 2 + 6; scaled to 4 -> 1 + 3.
    r = simulate(
        tmp_path,
        basic([{"setWeight": 25}, {"pause": {}}], replicas=1),
        [set_image(60), op(120, "scale", replicas=8), op(240, "scale", replicas=4)],
        until="6m",
    )
    assert (pod_count(r, 110, 2), pod_count(r, 110, 1)) == (1, 1)
    assert (pod_count(r, 230, 2), pod_count(r, 230, 1)) == (2, 6)
    assert (pod_count(r, 350, 2), pod_count(r, 350, 1)) == (1, 3)
    assert r.status_at(350).phase == "Paused"


def test_new_image_mid_rollout_resets_to_step_zero_and_drains_the_old_canary(
    tmp_path: Path,
) -> None:
    # CanaryWithPausedRollout: revision 3 arrives while revision 2 is paused; revision 2 goes
    # to 0, revision 3 starts from step 0, stable (revision 1) keeps its pods.
    steps = [{"setWeight": 25}, {"pause": {}}]
    r = simulate(
        tmp_path,
        basic(steps, replicas=3),
        [set_image(60), set_image(120, "app:v3")],
        until="5m",
    )
    assert r.status_at(119).step_index == 1
    snap = r.status_at(120)
    assert (snap.step_index, snap.revision) == (0, 3)
    after = r.status_at(180)
    assert after.phase == "Paused"
    assert (pod_count(r, 180, 1), pod_count(r, 180, 2), pod_count(r, 180, 3)) == (3, 0, 1)


def test_new_image_mid_rollout_with_routing_drops_weight_and_scales_old_canary_down(
    tmp_path: Path,
) -> None:
    steps = [{"setWeight": 50}, {"pause": {}}]
    r = simulate(tmp_path, routed(steps), [set_image(60), set_image(120, "app:v3")], until="5m")
    assert weights(r, 119)["canary-svc"] == 50
    # Revision 3 has no available pod: weight 0 in the update's reconcile; revision 2 is an
    # interrupted canary (never stable): scaled to 0, without any scale-down delay, as soon
    # as nothing references it (the canary Service moves once revision 3 has a ready pod).
    assert weights(r, 120)["canary-svc"] == 0
    assert desired(r, 124)[2] == 2
    assert desired(r, 125)[2] == 0
    assert by_revision(r.status_at(125))[2].scale_down_at is None
    assert weights(r, 125)["canary-svc"] == 50
    assert r.status_at(125).phase == "Paused"


def test_undo_to_the_stable_revision_is_a_fast_rollback(tmp_path: Path) -> None:
    # Undo while the canary is paused: the template goes back to the stable RS, which takes a
    # new revision (1 -> 3); the steps are skipped and the rollout is Healthy at once.
    steps = [{"setWeight": 50}, {"pause": {}}]
    r = simulate(tmp_path, routed(steps), [set_image(60), op(120, "undo")], until="5m")
    snap = r.status_at(120)
    assert snap.phase == "Healthy"
    assert snap.stable_hash == snap.canary_hash
    revisions = {rs.hash: rs.revision for rs in snap.replica_sets}
    assert revisions[snap.stable_hash] == 3
    assert weights(r, 121)["canary-svc"] == 0
    # rollout/canary.go syncRolloutStatusCanary: back on the stable hash the steps are
    # skipped with a SkipSteps event; stableRS does not change, so no RolloutCompleted.
    assert (120.0, "SkipSteps", "Rollback to stable ReplicaSets") in events(r)
    assert [t for t, _, _ in events(r, "RolloutCompleted") if t >= 60] == []
    # The abandoned canary is no longer referenced: it waits scaleDownDelaySeconds.
    assert desired(r, 149)[2] == 2
    assert desired(r, 151)[2] == 0


def test_restart_evicts_pods_within_max_unavailable(tmp_path: Path) -> None:
    # RolloutRestart: 4 replicas, maxUnavailable 75 %, paused at setWeight 25 (1 canary, 3
    # stable); two seconds after `restart` desired/current/updated/ready/available read
    # 4/4/1/1/1: three pods are evicted at once (available 4 - (4 - 3)), the first three by
    # name (rollout/restart.go walks the pods as listed), and the fourth is kept until they
    # are back.
    r = simulate(
        tmp_path,
        basic([{"setWeight": 25}, {"pause": {}}], maxUnavailable="75%"),
        [set_image(60), op(120, "restart")],
        until="5m",
    )
    snap = r.status_at(122)
    assert (snap.desired, snap.current, snap.updated, snap.ready, snap.available) == (
        4,
        4,
        1,
        1,
        1,
    )
    assert snap.phase == "Paused"  # a pause condition reads before "rollout is restarting"
    before = sorted(p.name for rs in r.status_at(119).replica_sets for p in rs.pods)
    kept = [p.name for rs in r.status_at(122).replica_sets for p in rs.pods if p.created < 120]
    assert len(before) == 4
    assert kept == before[-1:]  # the last by name stays
    restarted = r.status_at(200)
    new_pods = [p for rs in restarted.replica_sets for p in rs.pods if p.created >= 120]
    assert len(new_pods) == 4  # every pod created before restartAt was replaced
    assert restarted.available == 4
    assert restarted.phase == "Paused"


def test_promote_full_of_a_healthy_rollout_changes_nothing(tmp_path: Path) -> None:
    # promote --full patches promoteFull only when the current hash is not the stable one.
    r = simulate(tmp_path, routed([{"setWeight": 20}]), [op(60, "promoteFull")], until="2m")
    assert [why for t, why, _ in events(r) if t >= 60] == ["OperatorCommand"]
    assert {s.phase for s in r.snapshots if s.time >= 60} <= {"Healthy"}


def test_spec_paused_mid_update_halts_steps_but_not_the_router(tmp_path: Path) -> None:
    # spec.paused halts scaling and step completion (rollout/context.go haltProgress) but
    # reconcileTrafficRouting runs first: the canary's pod becomes ready while paused and the
    # weight moves to 25; the step itself completes only at resume (Progressing=Unknown
    # RolloutPaused meanwhile).
    steps = [{"setWeight": 25}, {"pause": {"duration": "30s"}}, {"setWeight": 50}, {"pause": {}}]
    r = simulate(
        tmp_path, routed(steps), [set_image(60), op(62, "pause"), op(120, "resume")], until="3m"
    )
    paused = r.status_at(100)
    assert (paused.phase, paused.message, paused.step_index) == ("Paused", "manually paused", 0)
    progressing = next(c for c in paused.conditions if c.type == "Progressing")
    assert (progressing.status, progressing.reason) == ("Unknown", "RolloutPaused")
    assert weights(r, 65)["canary-svc"] == 25
    assert first_time(r, "RolloutStepCompleted", "1/4") == 120.0
    assert 150.0 < first_time(r, "RolloutStepCompleted", "2/4") < 150.01


def test_promote_full_after_an_expired_pause_step_counts_one_past_the_end(tmp_path: Path) -> None:
    # A user pause holds the rollout past the end of its 5m pause step; `promote --full` then
    # completes that step in the reconcile that applies it. Argo's syncRolloutStatusCanary
    # points currentStepIndex at its stepCount variable, so the increment moves both: the
    # status is written with index 3 of two steps and the event says "3/3"; the next
    # reconcile sets it back to the step count.
    r = simulate(
        tmp_path,
        basic([{"setWeight": 10}, {"pause": {"duration": "5m"}}]),
        [set_image(60), op(80, "pause"), op(600, "promoteFull")],
        until="20m",
    )
    completed = [msg for _, why, msg in events(r) if why == "RolloutStepCompleted"]
    assert completed == [
        "Rollout step 1/2 completed (setWeight: 10)",
        "Rollout step 3/3 completed (pause: 5m)",
    ]
    assert r.snapshots[-1].step_index == 2
    assert r.snapshots[-1].phase == "Healthy"
