"""``dynamicStableScale`` behind ALB with readiness gates, on the manifests of Argo's
end-to-end suite (``canary-dynamic-stable-scale``, ``canary-dynamic-stable-scale-abort-delay``:
4 replicas, setWeight 25 / pause / setWeight 75 / pause, pods gated on
``argoproj.io/e2e-readiness`` that the suite marks ready a few at a time).

Replays upstream ``test/e2e/canary_test.go``: ``TestCanaryDynamicStableScale``,
``TestCanaryDynamicStableScaleAbortScaleDownDelay`` and
``TestCanaryDynamicStableScaleRollbackToStable``. ``status.canary.weights`` is read from what
it records: the root action's weights on the ALB Ingress, and the Services' hash selectors for
which pods each weight goes to. Containers are ready a second after they start (nginx's are
about as quick), so a marked pod is Ready about when the suite's next step looks. The
suite's ``Sleep(2s)`` after a wait is ``+ 2`` below; each ``MarkPodsReady`` polls once a
second until it marked its count, as the suite's does.
"""

from __future__ import annotations

from e2ekit import (
    GATE,
    alb,
    alb_weights,
    canary_rollout,
    hash_of,
    live_pods,
    mark,
    simulate_watching_services,
    update_spec,
)
from fidelitykit import by_revision, op, pods

STEPS = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 75}, {"pause": {}}]


def _manifests(name, **canary):
    objects, fields = alb(name, name, dynamicStableScale=True, **canary)
    ro = canary_rollout(name, replicas=4, steps=STEPS, **fields)
    ro["spec"]["template"]["spec"]["readinessGates"] = [{"conditionType": GATE}]
    return [*objects, ro]


def _run(tmp_path, name, ops, until, **canary):
    r, services = simulate_watching_services(
        tmp_path, _manifests(name, **canary), ops, until=until, pods=pods(ready=1)
    )

    def weights(t):
        w = alb_weights(r, t, f"{name}-ingress", f"{name}-root")
        return w[f"{name}-canary"], w[f"{name}-stable"]

    def selectors(t):
        s = services.at(t)
        return s[f"{name}-canary"], s[f"{name}-stable"]

    return r, weights, selectors


def _wait_pods(r, after, revision, count):
    """``WaitForRevisionPodCount(revision, count)`` from ``after``."""
    if live_pods(r, after, revision) == count:
        return after
    return next(
        s.time for s in r.snapshots if s.time >= after and live_pods(r, s.time, revision) == count
    )


def _paused_then_step_3(r, promote_at):
    """Paused at setWeight 25 (2 s later: 3 stable, 1 canary), then promoted and 3 canaries
    marked: at step index 3 (2 s later: 1 stable, 3 canary)."""
    paused = next(s.time for s in r.snapshots if s.time >= 60 and s.phase == "Paused")
    assert paused + 2 < promote_at
    assert (live_pods(r, paused + 2, 1), live_pods(r, paused + 2, 2)) == (3, 1)
    step3 = next(s.time for s in r.snapshots if s.time >= promote_at and s.step_index == 3)
    assert (live_pods(r, step3 + 2, 1), live_pods(r, step3 + 2, 2)) == (1, 3)
    return step3


def test_canary_dynamic_stable_scale_replay(tmp_path):
    """Paused: 3 stable / 1 canary; at step 3: 1 / 3. Aborted, 2 new stable pods marked:
    revision 2 down to 1 pod, revision 1 up to 4, and the canary Service still does not
    select the stable pods (dynamic stable scale is still moving traffic back). The last
    stable pod marked: revision 2 has no pod, the canary Service selects revision 1, which
    has 4."""
    name = "dynamic-stable-scale"
    ops = [
        mark(0, 1, 4),
        update_spec(60),
        mark(60, 2, 1),
        op(120, "promote"),
        mark(120, 2, 2),
        op(180, "abort"),
        mark(180, 1, 2),
        mark(240, 1, 1),
    ]
    r, weights, selectors = _run(tmp_path, name, ops, until=300)
    assert r.status_at(59).phase == "Healthy"
    step3 = _paused_then_step_3(r, 120)
    assert step3 < 180
    one = _wait_pods(r, 180, 2, 1)
    both = _wait_pods(r, one, 1, 4)
    assert both < 240
    canary, stable = selectors(both)
    assert canary != stable
    assert canary == hash_of(r, both, 2)
    gone = _wait_pods(r, 240, 2, 0)
    assert selectors(gone + 2) == (hash_of(r, gone, 1), hash_of(r, gone, 1))
    assert live_pods(r, gone + 2, 1) == 4
    assert weights(gone + 2) == (0, 100)


def test_canary_dynamic_stable_scale_abort_scale_down_delay_replay(tmp_path):
    """abortScaleDownDelaySeconds 10. At step 3 (1 stable / 3 canary), aborted: 2 s later
    the canary keeps its 3 pods, has no scale-down deadline and keeps its 75 % weight
    (stable cannot take it yet). Two stable pods marked, 4 stable pods, the last one marked:
    2 s later the weights are 0 / 100 and only now does the canary carry a deadline, with its
    3 pods still there. Then it drains, stable has 4 pods and both Services select them."""
    name = "dynamic-stable-scale-abort"
    ops = [
        mark(0, 1, 4),
        update_spec(60),
        mark(60, 2, 1),
        op(120, "promote"),
        mark(120, 2, 2),
        op(180, "abort"),
        mark(185, 1, 2),
        mark(190, 1, 1),
    ]
    r, weights, selectors = _run(tmp_path, name, ops, until=300, abortScaleDownDelaySeconds=10)
    step3 = _paused_then_step_3(r, 120)
    assert step3 < 180
    assert live_pods(r, 182, 2) == 3
    assert by_revision(r.status_at(182))[2].scale_down_at is None
    assert weights(182)[0] == 75
    # WaitForRevisionPodCount("1", 4), then MarkPodsReady("1", 1) (scheduled at 190 here,
    # once stable has its 4 pods) and Sleep(2s).
    assert _wait_pods(r, 185, 1, 4) < 190
    t = 192
    assert live_pods(r, t, 2) == 3
    assert weights(t) == (0, 100)
    assert by_revision(r.status_at(t))[2].scale_down_at is not None
    gone = _wait_pods(r, t, 2, 0)
    assert live_pods(r, gone, 1) == 4
    canary, stable = selectors(gone)
    assert canary == stable == hash_of(r, gone, 1)


def test_canary_dynamic_stable_scale_rollback_to_stable_replay(tmp_path):
    """Paused at setWeight 25 (3 stable / 1 canary), undo to revision 1: 2 s later revision 3
    (the old stable's ReplicaSet) has 4 pods and revision 2 keeps its 1; the canary Service
    still selects revision 2, the stable one revision 3, and the weights stay 25 / 75 although
    the rollout is fully promoted. The 4th stable pod marked: revision 2 scales to 0, both
    Services select revision 3 and the weights are 0 / 100."""
    name = "dynamic-stable-scale"
    ops = [
        mark(0, 1, 4),
        update_spec(60),
        mark(60, 2, 1),
        op(120, "undo", toRevision=1),
        mark(125, 3, 1),
    ]
    r, weights, selectors = _run(tmp_path, name, ops, until=200)
    paused = next(s.time for s in r.snapshots if s.time >= 60 and s.phase == "Paused")
    assert (live_pods(r, paused + 2, 1), live_pods(r, paused + 2, 2)) == (3, 1)
    t = 122
    assert (live_pods(r, t, 3), live_pods(r, t, 2)) == (4, 1)
    assert selectors(t) == (hash_of(r, t, 2), hash_of(r, t, 3))
    assert weights(t) == (25, 75)
    gone = _wait_pods(r, 125, 2, 0)
    assert selectors(gone) == (hash_of(r, gone, 3), hash_of(r, gone, 3))
    assert weights(gone) == (0, 100)
