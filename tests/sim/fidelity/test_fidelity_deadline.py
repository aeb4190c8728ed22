"""progressDeadlineSeconds and progressDeadlineAbort, as Argo's end-to-end suite pins them
(test/e2e/canary_test.go, functional_test.go upstream; rollout/sync.go)."""

from __future__ import annotations

from pathlib import Path

from fidelitykit import (
    basic,
    by_revision,
    events,
    op,
    pod_count,
    routed,
    set_image,
    simulate,
    with_spec,
)

STEPS = [{"setWeight": 20}, {"pause": {}}]


def _timed_out(name: str) -> str:
    return f'ProgressDeadlineExceeded: ReplicaSet "{name}" has timed out progressing.'


def test_progress_deadline_is_degraded_then_recovers(tmp_path: Path) -> None:
    # CanaryProgressDeadlineExceededWithPause: pods take 15 s to become ready, the deadline is
    # 5 s. The initial deploy is Degraded then Healthy; the update is Degraded then Paused
    # (1 canary + 3 stable); after promote, Degraded again, then Healthy.
    manifests = with_spec(basic(STEPS, replicas=3), progressDeadlineSeconds=5)
    r = simulate(tmp_path, manifests, [set_image(60), op(120, "promote")], until="4m", ready=15)
    first = by_revision(r.status_at(0))[1].name
    assert r.status_at(5).phase == "Progressing"
    degraded = r.status_at(6)
    assert (degraded.phase, degraded.message) == ("Degraded", _timed_out(first))
    progressing = next(c for c in degraded.conditions if c.type == "Progressing")
    assert (progressing.status, progressing.reason) == ("False", "ProgressDeadlineExceeded")
    assert r.status_at(15).phase == "Healthy"

    canary = by_revision(r.status_at(60))[2].name
    assert r.status_at(65).phase == "Progressing"
    assert (r.status_at(66).phase, r.status_at(66).message) == ("Degraded", _timed_out(canary))
    paused = r.status_at(75)
    assert (paused.phase, paused.message) == ("Paused", "CanaryPauseStep")
    assert (pod_count(r, 75, 2), pod_count(r, 75, 1)) == (1, 3)

    phases = [s.phase for s in r.snapshots if s.time >= 120]
    assert "Degraded" in phases
    assert phases[-1] == "Healthy"
    assert r.final.stable_hash == r.final.canary_hash


def test_a_pause_longer_than_the_deadline_is_never_degraded(tmp_path: Path) -> None:
    # RolloutPauseDurationGreaterThanProgressDeadlineSeconds: a 30 s timed pause against a 5 s
    # deadline: the rollout goes to Healthy without ever being Degraded.
    steps = [{"setWeight": 32}, {"pause": {"duration": "30s"}}, {"setWeight": 67}]
    manifests = with_spec(basic(steps, replicas=3), progressDeadlineSeconds=5)
    r = simulate(tmp_path, manifests, [set_image(60)], until="4m", ready=2)
    assert [s for s in r.snapshots if s.phase == "Degraded"] == []
    assert r.final.phase == "Healthy"


def test_a_pending_scale_down_delay_never_trips_the_deadline(tmp_path: Path) -> None:
    # CanaryScaleDownDelayWithProgressDeadline: Healthy after the update and still Healthy
    # while the old stable waits its 30 s scale-down delay (deadline 5 s).
    manifests = with_spec(routed([]), progressDeadlineSeconds=5)
    r = simulate(tmp_path, manifests, [set_image(60)], until="3m", ready=2)
    healthy = next(s.time for s in r.snapshots if s.time > 60 and s.phase == "Healthy")
    assert {s.phase for s in r.snapshots if s.time >= healthy} == {"Healthy"}
    assert by_revision(r.status_at(healthy + 10))[1].desired == 4


def test_progress_deadline_abort_aborts_the_update(tmp_path: Path) -> None:
    # spec.progressDeadlineAbort: the timed-out update is aborted; the abort message carries
    # the time-out message (rollout/sync.go evaluateProgressDeadlineAbort).
    manifests = with_spec(routed(STEPS, replicas=3), progressDeadlineSeconds=5)
    manifests[0]["spec"]["progressDeadlineAbort"] = True
    r = simulate(tmp_path, manifests, [set_image(60)], until="4m", ready=15)
    canary = by_revision(r.status_at(60))[2].name
    timed_out = f'ReplicaSet "{canary}" has timed out progressing.'
    snap = r.status_at(66)
    assert snap.aborted
    assert snap.phase == "Degraded"
    assert snap.message == f"RolloutAborted: Rollout aborted update to revision 2: {timed_out}"
    assert (66.0, "RolloutAborted", timed_out) in events(r)
    warning = next(e for e in r.events if e["reason"] == "RolloutAborted")
    assert warning["kind"] == "Warning"
    # Traffic routing: the canary is kept abortScaleDownDelaySeconds, then scaled down.
    assert by_revision(r.status_at(95))[2].desired == 1
    assert by_revision(r.status_at(96))[2].desired == 0
    assert r.final.phase == "Degraded"


def test_a_restart_long_after_the_deadline_is_not_degraded(tmp_path: Path) -> None:
    # CompleteRolloutRestart: 2 replicas, deadline 15 s with progressDeadlineAbort, restarted
    # well after the last progress: the fully promoted rollout becomes unhealthy (a fresh
    # Progressing condition, ReplicaSetNotAvailable) and goes back to Healthy.
    manifests = with_spec(
        basic([{"setWeight": 20}], replicas=2),
        progressDeadlineSeconds=15,
        progressDeadlineAbort=True,
    )
    r = simulate(tmp_path, manifests, [op(60, "restart")], until="3m", ready=3)
    during = r.status_at(61)
    assert (during.phase, during.message) == ("Progressing", "rollout is restarting")
    assert [s for s in r.snapshots if s.phase == "Degraded"] == []
    assert r.final.phase == "Healthy"
    assert not r.final.aborted
    assert all(p.created >= 60 for rs in r.final.replica_sets for p in rs.pods)


def test_a_slow_restart_can_exceed_the_deadline_and_recovers(tmp_path: Path) -> None:
    # The restarter evicts the next pod in the reconcile that sees the previous one ready and
    # skips the status sync (rollout/canary.go rolloutCanary: restarted > 0 returns early), so
    # no progress is recorded: pods slower than the deadline time the rollout out; once no pod
    # is left to evict, progress is seen again and the rollout is Healthy.
    manifests = with_spec(basic([{"setWeight": 20}], replicas=2), progressDeadlineSeconds=5)
    r = simulate(tmp_path, manifests, [op(60, "restart")], until="3m", ready=15)
    assert r.status_at(61).message == "rollout is restarting"
    assert r.status_at(66).phase == "Degraded"
    assert r.final.phase == "Healthy"


BAD = {"app:bad": {"ready": False}, "app:bad2": {"ready": False}}


def _surge_one(steps: list, image: str = "app:v1", deadline: int = 10) -> list:  # type: ignore[type-arg]
    manifests = basic(steps, maxSurge=1, maxUnavailable=0)
    manifests[0]["spec"]["progressDeadlineSeconds"] = deadline
    manifests[0]["spec"]["template"]["spec"]["containers"][0]["image"] = image
    return manifests


def test_good_to_bad_to_bad_update(tmp_path: Path) -> None:
    # RolloutGoodToBadUpdate: 4 replicas, maxSurge 1, maxUnavailable 0, no steps: a bad update
    # is Degraded with 1 canary + 4 stable pods; a second bad update replaces the first canary:
    # Progressing, then Degraded with revisions 1/2/3 at 4/0/1 pods.
    r = simulate(
        tmp_path,
        _surge_one([]),
        [set_image(60, "app:bad"), set_image(120, "app:bad2")],
        until="4m",
        versions=BAD,
    )
    assert r.status_at(119).phase == "Degraded"
    assert (pod_count(r, 119, 2), pod_count(r, 119, 1)) == (1, 4)
    assert r.status_at(120).phase == "Progressing"
    assert r.final.phase == "Degraded"
    assert [pod_count(r, r.until, rev) for rev in (1, 2, 3)] == [4, 0, 1]


def test_bad_to_bad_update_honours_max_surge(tmp_path: Path) -> None:
    # RolloutBadToBadUpdate: the first deploy never becomes available; a second bad template
    # gets one pod (maxSurge 1) and the old four stay (maxUnavailable 0).
    r = simulate(
        tmp_path,
        _surge_one([], image="app:bad"),
        [set_image(60, "app:bad2")],
        until="3m",
        versions=BAD,
    )
    assert r.status_at(59).phase == "Degraded"
    assert r.status_at(60).phase == "Progressing"
    assert r.final.phase == "Degraded"
    assert (pod_count(r, r.until, 2), pod_count(r, r.until, 1)) == (1, 4)


def test_bad_to_good_updates_complete(tmp_path: Path) -> None:
    # RolloutBadToGoodUpdate / RolloutBadToGoodSetWeightUpdate: from a deploy that never became
    # available, a good template (without steps, or setWeight 50 + a 5 s pause) ends Healthy
    # with 4 new pods and none of the old.
    for steps in ([], [{"setWeight": 50}, {"pause": {"duration": "5s"}}]):
        r = simulate(
            tmp_path,
            _surge_one(steps, image="app:bad"),
            [set_image(60, "app:v2")],
            until="3m",
            versions=BAD,
        )
        assert r.status_at(59).phase == "Degraded"
        assert r.final.phase == "Healthy", steps
        assert (pod_count(r, r.until, 2), pod_count(r, r.until, 1)) == (4, 0)
