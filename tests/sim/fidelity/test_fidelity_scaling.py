"""Replica arithmetic of a traffic-routed canary over time: scale-down delays and their
revision limit, revision history, setCanaryScale, minPodsPerReplicaSet and dynamicStableScale,
as Argo's end-to-end suite pins them (test/e2e/canary_test.go upstream)."""

from __future__ import annotations

from pathlib import Path

from fidelitykit import (
    by_revision,
    desired,
    events,
    op,
    pod_count,
    routed,
    set_image,
    simulate,
    weights,
    with_spec,
)


def test_scale_down_delay_and_its_revision_limit(tmp_path: Path) -> None:
    # CanaryScaleDownDelay: 1 replica, no steps, scaleDownDelayRevisionLimit 1. After each
    # update the previous stable keeps its pod with a deadline; a newer update scales the
    # older delayed RS to 0 at once (and drops its deadline). Going back to revision 2's
    # template reuses that RS as revision 4; revision 3 then waits with a deadline.
    manifests = routed([], replicas=1, scaleDownDelayRevisionLimit=1)
    r = simulate(
        tmp_path,
        manifests,
        [set_image(60, "app:v2"), set_image(70, "app:v3"), set_image(80, "app:v2")],
        until="3m",
    )
    two = by_revision(r.status_at(67))
    assert r.status_at(65).phase == "Healthy"
    assert (two[1].desired, two[1].scale_down_at) == (1, 95.0)

    three = by_revision(r.status_at(77))
    assert r.status_at(75).phase == "Healthy"
    assert (three[1].desired, three[1].scale_down_at) == (0, None)
    assert (three[2].desired, three[2].scale_down_at) == (1, 105.0)

    four = by_revision(r.status_at(87))
    assert r.status_at(85).phase == "Healthy"
    assert 2 not in four  # revision 2's RS now carries revision 4
    assert four[4].hash == two[2].hash
    assert (four[1].desired, four[1].scale_down_at) == (0, None)
    assert (four[4].desired, four[4].scale_down_at) == (1, None)
    assert (four[3].desired, four[3].scale_down_at) == (1, 110.0)  # revision 4 is ready at once
    assert desired(r, 111)[3] == 0


def test_revision_history_limit_deletes_the_oldest_scaled_down_replica_sets(
    tmp_path: Path,
) -> None:
    manifests = with_spec(routed([]), revisionHistoryLimit=1)
    ops = [set_image(60, "app:v2"), set_image(120, "app:v3"), set_image(180, "app:v4")]
    r = simulate(tmp_path, manifests, ops, until="5m")
    # Each old stable waits 30 s, then is scaled to 0; beyond one old RS the oldest goes.
    assert sorted(by_revision(r.status_at(119))) == [1, 2]
    assert sorted(by_revision(r.status_at(179))) == [2, 3]
    assert sorted(by_revision(r.final)) == [3, 4]
    assert desired(r, r.until) == {4: 4, 3: 0}


def test_set_canary_scale_sizes_the_canary_independently_of_the_weight(tmp_path: Path) -> None:
    # CanarySetCanaryScale (4 replicas): canary/stable pods at steps 0, 2, 4, 6, 8 and after
    # promotion: 0/4, 1/4, 1/4, 3/4, 2/4, 4/4.
    steps = [
        {"pause": {}},
        {"setCanaryScale": {"weight": 25}},
        {"pause": {"duration": "100s"}},
        {"setWeight": 50},
        {"pause": {"duration": "10s"}},
        {"setCanaryScale": {"replicas": 3}},
        {"pause": {}},
        {"setCanaryScale": {"matchTrafficWeight": True}},
        {"pause": {"duration": "5s"}},
    ]
    ops = [set_image(60)] + [op(t, "promote") for t in (100, 140, 180)]
    r = simulate(tmp_path, routed(steps), ops, until="6m")

    def at(t: float) -> tuple[int | None, int, int]:
        return r.status_at(t).step_index, pod_count(r, t, 2), pod_count(r, t, 1)

    assert at(99) == (0, 0, 4)
    assert at(139) == (2, 1, 4)
    # promote at 140: setWeight 50 completes at once (the canary is sized by the sticky
    # setCanaryScale), then the 10 s pause.
    assert at(145) == (4, 1, 4)
    assert weights(r, 145)["canary-svc"] == 50  # one pod carries half the traffic
    assert at(179) == (6, 3, 4)
    assert at(184) == (8, 2, 4)
    assert r.final.phase == "Healthy"
    assert by_revision(r.final)[2].available == 4


def test_min_pods_per_replica_set_raises_a_small_canary(tmp_path: Path) -> None:
    steps = [{"setWeight": 10}, {"pause": {}}]
    plain = simulate(tmp_path, routed(steps), [set_image(60)], until="2m")
    assert desired(plain, 100)[2] == 1  # ceil(4 * 10 / 100)
    raised = simulate(tmp_path, routed(steps, minPodsPerReplicaSet=2), [set_image(60)], until="2m")
    assert desired(raised, 100) == {2: 2, 1: 4}
    assert weights(raised, 100)["canary-svc"] == 10


def test_dynamic_stable_scale_shrinks_stable_as_the_weight_rises(tmp_path: Path) -> None:
    # CanaryDynamicStableScale: 4 replicas; at setWeight 25 stable 3 / canary 1, at 75 stable
    # 1 / canary 3. Stable is scaled down only after the router moved the traffic (one
    # reconcile behind the weight), never below what it still receives.
    steps = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 75}, {"pause": {}}]
    r = simulate(
        tmp_path, routed(steps, dynamicStableScale=True), [set_image(60), op(120, "promote")]
    )
    assert desired(r, 60) == {2: 1, 1: 4}
    assert weights(r, 65)["canary-svc"] == 25
    assert desired(r, 65) == {2: 1, 1: 3}
    assert (pod_count(r, 110, 1), pod_count(r, 110, 2)) == (3, 1)
    assert desired(r, 120) == {2: 3, 1: 3}
    assert weights(r, 125)["canary-svc"] == 75
    assert desired(r, 125) == {2: 3, 1: 1}
    assert (pod_count(r, 170, 1), pod_count(r, 170, 2)) == (1, 3)


def test_dynamic_stable_scale_undo_to_stable_keeps_weights_until_stable_is_whole(
    tmp_path: Path,
) -> None:
    # CanaryDynamicStableScaleRollbackToStable: paused at setWeight 25 (3 stable, 1 canary),
    # undo: stable (now revision 3) goes back to 4, revision 2 keeps its pod and the weights
    # stay 25/75 until the 4th stable pod is ready; then revision 2 goes and weights 0/100.
    steps = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 75}, {"pause": {}}]
    r = simulate(tmp_path, routed(steps, dynamicStableScale=True), [set_image(60), op(120, "undo")])
    snap = r.status_at(121)
    assert snap.stable_hash == snap.canary_hash
    assert by_revision(snap)[3].desired == 4
    assert by_revision(snap)[2].desired == 1
    assert weights(r, 121) == {"stable-svc": 75, "canary-svc": 25}
    assert weights(r, 125) == {"stable-svc": 100, "canary-svc": 0}
    assert desired(r, 126)[2] == 0
    assert [m for _, _, m in events(r, "RolloutCompleted") if "revision 3" in m] == []


def test_routed_canary_never_shrinks_stable_without_dynamic_stable_scale(tmp_path: Path) -> None:
    # setWeight 100 with a router: canary 4 and stable still 4 (the router, not pod counts,
    # moves traffic); scaling to 8 while paused at 25: canary ceil(8 * 25 / 100) = 2, stable 8.
    steps = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 100}, {"pause": {}}]
    r = simulate(
        tmp_path,
        routed(steps),
        [set_image(60), op(90, "scale", replicas=8), op(120, "promote")],
        until="4m",
    )
    assert desired(r, 89) == {2: 1, 1: 4}
    assert desired(r, 100) == {2: 2, 1: 8}
    assert weights(r, 100)["canary-svc"] == 25
    assert desired(r, 130) == {2: 8, 1: 8}
    assert weights(r, 130)["canary-svc"] == 100
    assert r.status_at(130).phase == "Paused"
    for snap in r.snapshots:
        if snap.time >= 60:
            assert by_revision(snap)[1].desired == (4 if snap.time < 90 else 8)


def test_scale_down_delay_seconds(tmp_path: Path) -> None:
    # An explicit scaleDownDelaySeconds replaces the 30 s default; 0 adds no deadline at all
    # and the old stable keeps its pods (rollout/replicaset.go addScaleDownDelay returns early
    # and scaleDownDelayHelper keeps the current size; Argo issue #1992).
    ten = simulate(
        tmp_path, routed([{"setWeight": 50}], scaleDownDelaySeconds=10), [set_image(60)], until="3m"
    )
    healthy = next(s.time for s in ten.snapshots if s.time > 60 and s.phase == "Healthy")
    assert by_revision(ten.status_at(healthy))[1].scale_down_at == healthy + 10
    assert desired(ten, healthy + 10)[1] == 0
    zero = simulate(
        tmp_path, routed([{"setWeight": 50}], scaleDownDelaySeconds=0), [set_image(60)], until="5m"
    )
    assert zero.final.phase == "Healthy"
    assert desired(zero, zero.until) == {2: 4, 1: 4}
    assert by_revision(zero.final)[1].scale_down_at is None
