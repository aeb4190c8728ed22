"""Pod readiness gates (``spec.template.spec.readinessGates``) and the e2e suite's
``MarkPodsReady``: a pod is Ready only when its containers are ready *and* every gate's
condition is True; ``markPodsReady`` sets the condition on pods of one revision.

Replays upstream ``test/e2e/canary_test.go::TestCanaryDynamicStableScale`` (its fixture
routes with ALB; here Istio, whose weights Argo sets the same way: dynamicStableScale is
router-independent in ``rollout/canary.go`` and ``utils/replicaset/canary.go``).
"""

from __future__ import annotations

from fidelitykit import by_revision, op, pod_count, routed, set_image, simulate, weights

GATE = "argoproj.io/e2e-readiness"


def gated(manifests):
    manifests[0]["spec"]["template"]["spec"]["readinessGates"] = [{"conditionType": GATE}]
    return manifests


def mark(at, revision, count):
    return op(at, "markPodsReady", revision=revision, count=count)


def test_gated_pods_never_become_ready_without_the_condition(tmp_path):
    r = simulate(tmp_path, gated(routed([{"setWeight": 50}, {"pause": {}}])), until="5m")
    rs = by_revision(r.final)[1]
    assert rs.current == 4
    assert rs.ready == 0 and rs.available == 0
    # kubectl argo rollouts get counts container readiness: the containers are ready.
    assert all(p.ready for p in rs.pods)
    assert r.final.phase == "Progressing"


def test_marking_opens_the_gate_pod_by_pod(tmp_path):
    r = simulate(
        tmp_path,
        gated(routed([{"setWeight": 50}, {"pause": {}}])),
        [mark("1m", 1, 3), mark("2m", 1, 1)],
        until="3m",
    )
    assert by_revision(r.status_at(59))[1].ready == 0
    assert by_revision(r.status_at(61))[1].ready == 3
    assert r.status_at(61).phase == "Progressing"
    assert by_revision(r.status_at(121))[1].ready == 4
    assert r.status_at(125).phase == "Healthy"
    marks = [
        e for e in r.events if e["reason"] == "OperatorCommand" and "--subresource" in e["message"]
    ]
    assert len(marks) == 4
    assert all(e["source"] == "operator" for e in marks)


def test_marking_waits_for_pods_that_do_not_exist_yet(tmp_path):
    """The e2e helper polls every second until ``count`` pods were marked."""
    r = simulate(
        tmp_path,
        gated(routed([{"setWeight": 50}, {"pause": {}}])),
        [set_image("1m"), mark("1m", 2, 1)],
        until="3m",
    )
    canary = by_revision(r.final)[2]
    assert canary.ready == 1
    marked = [e["time"] for e in r.events if "--subresource" in e["message"]]
    # the revision-2 pod is created at 1m and its container is ready 5 s later; it is marked
    # at the first whole-second poll after it exists.
    assert len(marked) == 1
    assert 60 <= marked[0] <= 62


def test_dynamic_stable_scale_replay(tmp_path):
    """TestCanaryDynamicStableScale: 4 replicas, setWeight 25/75 with pauses, marking pods."""
    steps = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 75}, {"pause": {}}]
    ops = [
        mark(0, 1, 4),
        set_image("1m"),
        mark("1m", 2, 1),
        op("3m", "promote"),
        mark("3m", 2, 2),
        op("5m", "abort"),
        mark("5m", 1, 2),
        mark("7m", 1, 1),
    ]
    r = simulate(tmp_path, gated(routed(steps, dynamicStableScale=True)), ops, until="9m")
    assert r.status_at(59).phase == "Healthy"
    # Paused at step 1: stable scaled down to 3 as the canary took 25 %.
    paused = r.status_at(170)
    assert paused.phase == "Paused" and paused.step_index == 1
    assert pod_count(r, 170, 1) == 3 and pod_count(r, 170, 2) == 1
    # Promoted: three canary pods marked ready; at step index 3, stable 1, canary 3.
    at_step_3 = r.status_at(290)
    assert at_step_3.step_index == 3
    assert pod_count(r, 290, 1) == 1 and pod_count(r, 290, 2) == 3
    assert weights(r, 290) == {"canary-svc": 75, "stable-svc": 25}
    # Aborted: stable scales back up as its new pods are marked; the canary follows down.
    aborted = r.status_at(410)
    assert aborted.phase == "Degraded"
    assert pod_count(r, 410, 1) == 4 and pod_count(r, 410, 2) == 1
    # The last stable pod marked: all traffic back on stable, the canary scaled to 0.
    assert pod_count(r, 530, 2) == 0 and pod_count(r, 530, 1) == 4
    assert weights(r, 530) == {"canary-svc": 0, "stable-svc": 100}
