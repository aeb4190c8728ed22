"""Canaries without traffic routing, and what ``kubectl argo rollouts get`` reads from them,
as Argo's end-to-end suite pins them (test/e2e/canary_test.go, functional_test.go upstream)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fidelitykit import basic, by_revision, events, op, pod_count, pods, routed, set_image, simulate


@pytest.mark.parametrize("make", [routed, basic], ids=["routed", "basic"])
def test_a_canary_without_steps_reads_actual_weight_100(tmp_path: Path, make) -> None:
    # pkg/kubectl-argo-rollouts/info/rollout_info.go: with no current step
    # (utils/replicaset/canary.go GetCurrentCanaryStep returns nil when there are no steps)
    # ActualWeight is the max weight, even while the new pods are still starting.
    r = simulate(tmp_path, make([]), [set_image(60)], until="3m")
    snap = r.status_at(61)
    assert snap.phase == "Progressing"
    assert snap.stable_hash != snap.canary_hash
    assert (snap.step_index, snap.set_weight, snap.actual_weight) == (None, 100, 100)
    assert r.final.phase == "Healthy"


def test_basic_actual_weight_is_the_canary_share_of_available_pods(tmp_path: Path) -> None:
    r = simulate(tmp_path, basic([{"setWeight": 25}, {"pause": {}}]), [set_image(60)])
    snap = r.status_at(120)
    assert (snap.set_weight, snap.available) == (25, 4)
    canary = by_revision(snap)[2].available
    assert snap.actual_weight == canary * 100 // snap.available == 25


def test_reduce_weight_honours_max_unavailable(tmp_path: Path) -> None:
    # ReduceWeightAndHonorMaxUnavailable: 3 replicas, maxSurge 2, maxUnavailable 0; setWeight
    # 100 pauses with 3 canary / 0 stable pods; promoting to setWeight 0 brings stable back up
    # first: two seconds later 3 canary and 2 stable pods (never fewer than 3 available).
    steps = [{"setWeight": 100}, {"pause": {}}, {"setWeight": 0}, {"pause": {}}]
    r = simulate(
        tmp_path,
        basic(steps, replicas=3, maxSurge=2, maxUnavailable=0),
        [set_image(60), op(120, "promote")],
        until="4m",
    )
    assert r.status_at(119).phase == "Paused"
    assert (pod_count(r, 119, 2), pod_count(r, 119, 1)) == (3, 0)
    assert (pod_count(r, 122, 2), pod_count(r, 122, 1)) == (3, 2)
    for snap in r.snapshots:
        if snap.time >= 60:
            assert snap.available >= 3, snap
            assert sum(rs.desired for rs in snap.replica_sets) <= 5, snap


@pytest.mark.parametrize(("surge", "unavailable"), [("25%", "25%"), (2, 0), (0, 1), ("50%", "50%")])
def test_basic_canary_respects_surge_and_unavailable_at_every_instant(
    tmp_path: Path, surge: object, unavailable: object
) -> None:
    steps = [{"setWeight": 30}, {"pause": {"duration": "20s"}}, {"setWeight": 70}]
    r = simulate(
        tmp_path,
        basic(steps, replicas=8, maxSurge=surge, maxUnavailable=unavailable),
        [set_image(60)],
        until="6m",
    )
    max_surge = {"25%": 2, 2: 2, 0: 0, "50%": 4}[surge]  # percent rounds up
    max_unavailable = {"25%": 2, 0: 0, 1: 1, "50%": 4}[unavailable]  # percent rounds down
    for snap in r.snapshots:
        if snap.time < 60:
            continue
        assert sum(rs.desired for rs in snap.replica_sets) <= 8 + max_surge, snap
        assert snap.available >= 8 - max_unavailable, snap
    assert r.final.phase == "Healthy"
    assert by_revision(r.final)[1].desired == 0


def test_rollout_with_max_surge_100_percent_scales_during_the_update(tmp_path: Path) -> None:
    # RolloutWithMaxSurgeScalingDuringUpdate: no steps, 4 replicas, maxSurge 100 %, and the
    # new pods never become ready: 4 new + 3 old (maxUnavailable 25 % = 1); scaled to 8:
    # 8 new + 3 old; back to 4: 4 new + 3 old.
    manifests = basic([], maxSurge="100%")
    r = simulate(
        tmp_path,
        manifests,
        [
            set_image(60, "app:never-ready"),
            op(120, "scale", replicas=8),
            op(240, "scale", replicas=4),
        ],
        until="6m",
        versions={"app:never-ready": {"ready": False}},
    )
    assert (pod_count(r, 110, 2), pod_count(r, 110, 1)) == (4, 3)
    assert (pod_count(r, 230, 2), pod_count(r, 230, 1)) == (8, 3)
    assert (pod_count(r, 350, 2), pod_count(r, 350, 1)) == (4, 3)


def test_rollout_scaling_during_an_update_that_never_becomes_ready(tmp_path: Path) -> None:
    # RolloutScalingDuringUpdate: no steps, 4 replicas, maxSurge 2, maxUnavailable 0, a new
    # template whose pods never become ready: 2 new + 4 old; scaled to 8: 6 new + 4 old;
    # back to 4: 2 new + 4 old.
    r = simulate(
        tmp_path,
        basic([], maxSurge=2, maxUnavailable=0),
        [
            set_image(60, "app:never-ready"),
            op(120, "scale", replicas=8),
            op(240, "scale", replicas=4),
        ],
        until="6m",
        versions={"app:never-ready": {"ready": False}},
    )
    assert (pod_count(r, 110, 2), pod_count(r, 110, 1)) == (2, 4)
    assert (pod_count(r, 230, 2), pod_count(r, 230, 1)) == (6, 4)
    assert (pod_count(r, 350, 2), pod_count(r, 350, 1)) == (2, 4)


def test_get_rollout_counts_for_a_canary_that_cannot_pull_its_image(tmp_path: Path) -> None:
    # The `kubectl argo rollouts get` example upstream (info TestGetCanaryRollout): 5 replicas,
    # step 0/8 at setWeight 20, the canary's pod in ImagePullBackOff: Degraded
    # "ProgressDeadlineExceeded: ReplicaSet ... has timed out progressing." (default 600 s),
    # SetWeight 20, ActualWeight 0. Its replica block (current 6, ready 5) is a fixture an
    # older controller recorded; today's CalculateReplicaCountsForBasicCanary (25 %/25 %)
    # also takes one stable pod down: desired 5, current 5, updated 1, ready 4, available 4.
    steps = [{"setWeight": 20}, {"pause": {}}] * 4
    r = simulate(
        tmp_path,
        basic(steps, replicas=5),
        [set_image(60, "app:missing")],
        until="15m",
        pods={**pods(), "images": {"app:missing": {"imagePullFails": True}}},
    )
    canary = by_revision(r.final)[2]
    assert r.status_at(60 + 599).phase == "Progressing"
    snap = r.final
    assert (snap.phase, snap.message) == (
        "Degraded",
        f'ProgressDeadlineExceeded: ReplicaSet "{canary.name}" has timed out progressing.',
    )
    assert (snap.step_index, snap.step_count, snap.set_weight, snap.actual_weight) == (0, 8, 20, 0)
    assert (snap.desired, snap.current, snap.updated, snap.ready, snap.available) == (
        5,
        5,
        1,
        4,
        4,
    )
    assert canary.pods[0].status == "ImagePullBackOff"


def test_min_ready_seconds_delays_availability_by_the_replica_set_recheck(tmp_path: Path) -> None:
    # Pods ready at 65 s with minReadySeconds 10 are available when the ReplicaSet controller
    # looks again, minReadySeconds + 1 s after readiness (replica_set.go updatePod adds a
    # second against clock skew): the weight and the step move at 76 s.
    manifests = routed([{"setWeight": 50}, {"pause": {}}])
    manifests[0]["spec"]["minReadySeconds"] = 10
    r = simulate(tmp_path, manifests, [set_image(60)], until="2m")
    assert by_revision(r.status_at(75.9))[2].available == 0
    assert by_revision(r.status_at(76))[2].available == 2
    assert r.status_at(75.9).actual_weight == 0
    assert (r.status_at(76).phase, r.status_at(76).actual_weight) == ("Paused", 50)


def test_promote_full_of_a_basic_canary_stays_within_surge_and_unavailable(
    tmp_path: Path,
) -> None:
    # promote --full sets the weight in effect to 100, but a basic canary still moves within
    # maxSurge 1 / maxUnavailable 1 (25 % of 4); promotion reads "Full promotion requested".
    r = simulate(
        tmp_path,
        basic([{"setWeight": 25}, {"pause": {}}, {"setWeight": 50}, {"pause": {}}]),
        [set_image(60), op(120, "promoteFull")],
        until="4m",
    )
    for snap in r.snapshots:
        if snap.time >= 120:
            assert sum(rs.desired for rs in snap.replica_sets) <= 5, snap
            assert snap.available >= 3, snap
    assert r.final.phase == "Healthy"
    assert (pod_count(r, r.until, 2), pod_count(r, r.until, 1)) == (4, 0)
    completed = [m for _, why, m in events(r) if why == "RolloutCompleted"][-1]
    assert completed.endswith(": Full promotion requested")
