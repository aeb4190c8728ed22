"""Abort, retry and the canary's scale-down on abort, as Argo's end-to-end suite pins them
(test/e2e/canary_test.go, istio_test.go, functional_test.go upstream)."""

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

PAUSED = [{"setWeight": 50}, {"pause": {}}]


def test_abort_with_traffic_routing_holds_the_canary_30s_then_scales_it_down(
    tmp_path: Path,
) -> None:
    # IstioAbortUpdate / CanaryScaleDownOnAbort: the weight goes back to 0 in the abort's own
    # reconcile (stable is whole, so it can carry everything), the canary RS keeps its pods
    # for abortScaleDownDelaySeconds (30 s by default), then goes to 0.
    r = simulate(tmp_path, routed(PAUSED), [set_image(60), op(120, "abort")], until="5m")
    assert weights(r, 119) == {"stable-svc": 50, "canary-svc": 50}
    assert weights(r, 120) == {"stable-svc": 100, "canary-svc": 0}
    snap = r.status_at(120)
    assert (snap.phase, snap.message) == (
        "Degraded",
        "RolloutAborted: Rollout aborted update to revision 2",
    )
    assert (snap.step_index, snap.set_weight, snap.actual_weight, snap.aborted) == (0, 0, 0, True)
    progressing = next(c for c in snap.conditions if c.type == "Progressing")
    assert (progressing.status, progressing.reason) == ("False", "RolloutAborted")
    assert progressing.message == "Rollout aborted update to revision 2"
    assert events(r, "RolloutAborted") == [
        (120.0, "RolloutAborted", "Rollout aborted update to revision 2")
    ]
    assert desired(r, 149.9) == {2: 2, 1: 4}
    assert by_revision(r.status_at(120))[2].scale_down_at == 150.0
    assert desired(r, 150) == {2: 0, 1: 4}
    assert first_time(r, "ScalingReplicaSet", "from 2 to 0") == 150.0
    assert pod_count(r, 153, 2) == 0
    assert r.final.phase == "Degraded"


def test_abort_scale_down_delay_zero_keeps_the_canary(tmp_path: Path) -> None:
    # CanaryUnScaleDownOnAbort: abortScaleDownDelaySeconds: 0 never scales the canary down,
    # and its setCanaryScale keeps applying; no deadline annotation.
    steps = [{"setCanaryScale": {"replicas": 1}}, {"pause": {}}]
    r = simulate(
        tmp_path,
        routed(steps, abortScaleDownDelaySeconds=0),
        [set_image(60), op(120, "abort")],
        until="10m",
    )
    assert r.status_at(121).phase == "Degraded"
    assert pod_count(r, 599, 2) == 1
    assert by_revision(r.final)[2].scale_down_at is None
    assert weights(r, 599)["canary-svc"] == 0


def test_abort_without_traffic_routing_scales_the_canary_down_at_once(tmp_path: Path) -> None:
    # CanaryScaleDownOnAbortNoTrafficRouting: no delay; the decreasing branch of the basic
    # canary brings stable back to 4 first (surge 1), then drains the canary.
    r = simulate(tmp_path, basic(PAUSED), [set_image(60), op(120, "abort")], until="5m")
    assert desired(r, 119) == {2: 2, 1: 2}
    snap = r.status_at(120)
    assert snap.phase == "Degraded"
    assert snap.message == "RolloutAborted: Rollout aborted update to revision 2"
    assert by_revision(r.status_at(125))[1].available == 4
    assert pod_count(r, 130, 2) == 0
    assert r.final.actual_weight == 0


def test_abort_of_a_healthy_rollout_is_cleared_silently(tmp_path: Path) -> None:
    r = simulate(tmp_path, routed(PAUSED), [op(60, "abort")], until="3m")
    assert r.status_at(60).phase == "Healthy"
    assert {s.phase for s in r.snapshots if s.time >= 60} <= {"Healthy"}
    assert events(r, "RolloutAborted") == []
    assert r.final.aborted is False


def test_retry_after_abort_restarts_the_steps(tmp_path: Path) -> None:
    # RolloutAbortRetryPromote: retry clears the abort, the canary comes back and the steps run
    # again from index 0.
    r = simulate(
        tmp_path,
        routed([{"setWeight": 50}, {"pause": {}}, {"setWeight": 75}, {"pause": {}}]),
        [set_image(60), op(90, "promote"), op(120, "abort"), op(200, "retry")],
        until="5m",
    )
    assert r.status_at(119).step_index == 3
    assert r.status_at(120).step_index == 0
    retried = r.status_at(200)
    assert retried.aborted is False
    assert not any(c.reason == "RolloutAborted" for c in retried.conditions)
    assert desired(r, 200) == {2: 2, 1: 4}
    paused = r.status_at(206)
    assert (paused.phase, paused.message, paused.step_index) == ("Paused", "CanaryPauseStep", 1)
    assert weights(r, 206)["canary-svc"] == 50


def test_dynamic_stable_scale_abort_walks_the_weight_back(tmp_path: Path) -> None:
    # CanaryDynamicStableScale: stable shrinks as the weight rises (4 -> 3 at 25, -> 1 at 75);
    # on abort the canary keeps the traffic it still serves until stable pods are ready, and
    # drains without the 30 s delay (dynamicStableScale, abortScaleDownDelaySeconds unset).
    steps = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 75}, {"pause": {}}]
    r = simulate(
        tmp_path,
        routed(steps, dynamicStableScale=True),
        [set_image(60), op(120, "promote"), op(180, "abort")],
        until="5m",
    )
    assert (pod_count(r, 110, 1), pod_count(r, 110, 2)) == (3, 1)
    assert (pod_count(r, 170, 1), pod_count(r, 170, 2)) == (1, 3)
    assert weights(r, 170)["canary-svc"] == 75
    # The abort's reconcile: GetDesiredCanaryWeight steps back to 25 (the last setWeight whose
    # canary size is below the 3 pods still needed), but stable (1 available) cannot carry 75,
    # so the weight stays 75 and stable grows to 3 (ceil(4 * 75 / 100)); the canary keeps 3.
    assert desired(r, 180) == {2: 3, 1: 3}
    assert weights(r, 180)["canary-svc"] == 75
    assert r.status_at(180).phase == "Degraded"
    # Stable's new pods ready (3 of 4): weight 25, canary down to 1, stable up to 4 ...
    assert weights(r, 185)["canary-svc"] == 25
    assert desired(r, 185) == {2: 1, 1: 4}
    # ... and once stable is whole the weight reaches 0 and the canary drains, no 30 s delay.
    assert weights(r, 190)["canary-svc"] == 0
    assert desired(r, 190) == {2: 0, 1: 4}
    assert by_revision(r.final)[1].available == 4


def test_dynamic_stable_scale_with_abort_delay_keeps_canary_until_weight_is_zero(
    tmp_path: Path,
) -> None:
    # CanaryDynamicStableScaleAbortScaleDownDelay: with an explicit delay the canary keeps its
    # 3 pods while the weight steps down, gets the deadline once the weight is 0, then drains.
    steps = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 75}, {"pause": {}}]
    r = simulate(
        tmp_path,
        routed(steps, dynamicStableScale=True, abortScaleDownDelaySeconds=10),
        [set_image(60), op(120, "promote"), op(180, "abort")],
        until="5m",
    )
    assert pod_count(r, 182, 2) == 3
    assert by_revision(r.status_at(182))[2].scale_down_at is None
    assert weights(r, 182)["canary-svc"] == 75
    assert weights(r, 190)["canary-svc"] == 0
    assert pod_count(r, 190, 2) == 3
    deadline = by_revision(r.status_at(190))[2].scale_down_at
    assert deadline is not None
    assert pod_count(r, deadline + 3, 2) == 0
    assert pod_count(r, deadline + 3, 1) == 4


def test_retry_within_the_abort_delay_reuses_the_canary(tmp_path: Path) -> None:
    # Retry before abortScaleDownDelaySeconds ran out: the canary still has its pod, the
    # deadline annotation is removed (rollout/canary.go removeScaleDownDeadlines) and the
    # weight is back in the retry's own reconcile.
    steps = [{"setWeight": 25}, {"pause": {}}]
    r = simulate(
        tmp_path, routed(steps), [set_image(60), op(100, "abort"), op(110, "retry")], until="4m"
    )
    assert by_revision(r.status_at(100))[2].scale_down_at == 130.0
    snap = r.status_at(110)
    assert (snap.phase, snap.step_index) == ("Paused", 1)
    assert by_revision(snap)[2].scale_down_at is None
    assert weights(r, 110)["canary-svc"] == 25
    assert [t for t, _, m in events(r, "ScalingReplicaSet") if "revision 2" in m] == [60.0]


def test_a_never_ready_update_keeps_the_previous_canary_until_abort(tmp_path: Path) -> None:
    # Revision 3 never has an available pod, so the canary Service keeps selecting revision 2
    # (rollout/service.go ensureSVCTargets waits for a partially available RS) and revision 2
    # keeps its pod; the abort re-points the canary Service to stable, and revision 2, an
    # interrupted canary, goes to 0 at once while revision 3 waits the abort delay.
    steps = [{"setWeight": 25}, {"pause": {}}]
    r = simulate(
        tmp_path,
        routed(steps),
        [set_image(60), set_image(100, "app:never"), op(160, "abort")],
        until="4m",
        versions={"app:never": {"ready": False}},
    )
    assert weights(r, 100)["canary-svc"] == 0
    assert desired(r, 159) == {3: 1, 2: 1, 1: 4}
    assert desired(r, 160) == {3: 1, 2: 0, 1: 4}
    assert by_revision(r.status_at(160))[3].scale_down_at == 190.0
    assert desired(r, 190) == {3: 0, 2: 0, 1: 4}


def test_abort_scale_down_delay_zero_without_set_canary_scale_drops_the_canary(
    tmp_path: Path,
) -> None:
    # abortScaleDownDelaySeconds: 0 only switches the delay off (rollout/replicaset.go
    # shouldDelayScaleDownOnAbort); what keeps the canary is a setCanaryScale, which then still
    # applies. Without one the aborted weight 0 sizes the canary at 0 at once (Argo issue #1841).
    r = simulate(
        tmp_path,
        routed(PAUSED, abortScaleDownDelaySeconds=0),
        [set_image(60), op(100, "abort")],
        until="3m",
    )
    assert desired(r, 99)[2] == 2
    assert desired(r, 100)[2] == 0
    assert by_revision(r.status_at(100))[2].scale_down_at is None
