"""The old stable's scale-down delay and the canary's scale-down on abort, on the ALB
fixtures of Argo's end-to-end suite (``canary-scaledowndelay``, ``canary-scaledownonabort``,
``canary-scaledownonabortnotrafficrouting``, ``canary-unscaledownonabort``): Services
``canary-scaledowndelay-root/-canary/-stable``, an ALB Ingress on the root Service, one
replica (the fixtures leave ``spec.replicas`` out).

Replays upstream ``test/e2e/canary_test.go``: ``TestCanaryScaleDownDelay``,
``TestCanaryScaleDownDelayWithProgressDeadline``, ``TestCanaryScaleDownOnAbort``,
``TestCanaryScaleDownOnAbortNoTrafficRouting`` and ``TestCanaryUnScaleDownOnAbort``. A
ReplicaSet's ``scale_down_at`` is its ``scale-down-deadline`` annotation (None: no annotation).
The suite's updates follow each other as soon as the rollout is Healthy; here they are ten
seconds apart, well inside the default 30 s ``scaleDownDelaySeconds``.
"""

from __future__ import annotations

from e2ekit import alb, canary_rollout, first, hash_of, live_pods, patch, simulate_watching_services
from fidelitykit import by_revision, op, simulate

NAME = "canary-scaledowndelay"


def rev(at, value):
    """``UpdateSpec`` of the template annotation ``rev``."""
    return patch(at, {"spec": {"template": {"metadata": {"annotations": {"rev": value}}}}})


def rollout_behind_alb(name, *, steps=None, **canary):
    objects, fields = alb(NAME, NAME, **canary)
    ro = canary_rollout(name, replicas=None, steps=steps, **fields)
    ro["spec"]["selector"]["matchLabels"]["app"] = NAME
    ro["spec"]["template"]["metadata"]["labels"]["app"] = NAME
    return [ro, *objects]


def rs(r, t, revision):
    found = by_revision(r.status_at(t))[revision]
    return found.desired, found.scale_down_at is not None


def test_canary_scale_down_delay_replay(tmp_path):
    """Revision 2: Healthy, and 2 s later revision 1 still has 1 replica and a deadline.
    Revision 3: revision 1 at 0 without a deadline (scaleDownDelayRevisionLimit 1), revision
    2 at 1 with one. Back to ``rev: two`` (revision 4, revision 2's ReplicaSet): revision 1
    at 0, revision 4 at 1, neither with a deadline; revision 3 at 1 with one."""
    r = simulate(
        tmp_path,
        rollout_behind_alb(NAME, scaleDownDelayRevisionLimit=1),
        [rev(60, "two"), rev(70, "three"), rev(80, "two")],
        until="2m",
    )
    two = first(r, 61, "Healthy")
    assert two < 70
    assert rs(r, two + 2, 1) == (1, True)
    three = first(r, 71, "Healthy")
    assert three < 80
    assert rs(r, three + 1, 1) == (0, False)
    assert rs(r, three + 1, 2) == (1, True)
    four = first(r, 81, "Healthy")
    assert rs(r, four + 1, 1) == (0, False)
    assert rs(r, four + 1, 4) == (1, False)
    assert rs(r, four + 1, 3) == (1, True)
    assert 2 not in by_revision(r.status_at(four + 1))


def test_canary_scale_down_delay_with_progress_deadline_replay(tmp_path):
    """progressDeadlineSeconds set to 5 (no new revision), then revision 2: Healthy, and
    still Healthy 10 s later although revision 1 waits out its 30 s delay: a pending scale-down
    is no progress to make."""
    r = simulate(
        tmp_path,
        rollout_behind_alb(NAME, scaleDownDelayRevisionLimit=1),
        [patch(50, {"spec": {"progressDeadlineSeconds": 5}}), rev(60, "two")],
        until="2m",
    )
    assert r.status_at(55).revision == 1
    healthy = first(r, 61, "Healthy")
    assert rs(r, healthy + 10, 1) == (1, True)
    window = [s.phase for s in r.snapshots if healthy <= s.time <= healthy + 10]
    assert set(window) == {"Healthy"}
    assert r.status_at(healthy + 10).phase == "Healthy"
    assert r.final.phase == "Healthy"
    assert not [e for e in r.events if e["reason"] == "ProgressDeadlineExceeded"]


def _abort(tmp_path, manifests):
    r, services = simulate_watching_services(
        tmp_path, manifests, [update_at(60), op(90, "abort")], until=120
    )
    assert r.status_at(89).phase == "Paused"
    degraded = first(r, 90, "Degraded")
    assert degraded < 91
    # ExpectServiceSelector: the canary Service selects the stable (revision 1) pods again.
    assert services.at(89)[f"{NAME}-canary"] == hash_of(r, 89, 2)
    assert services.at(degraded)[f"{NAME}-canary"] == hash_of(r, degraded, 1)
    return r, degraded


def update_at(at):
    return patch(at, {"spec": {"template": {"metadata": {"annotations": {"update": "u1"}}}}})


def test_canary_scale_down_on_abort_replay(tmp_path):
    """abortScaleDownDelaySeconds 1, setCanaryScale 1 then pause {}: aborted, Degraded, the
    canary Service selects the stable pods again; 3 s later revision 2 has no pod."""
    manifests = rollout_behind_alb(
        "canary-scaledownd-on-abort",
        steps=[{"setCanaryScale": {"replicas": 1}}, {"pause": {}}],
        abortScaleDownDelaySeconds=1,
        scaleDownDelayRevisionLimit=1,
    )
    r, degraded = _abort(tmp_path, manifests)
    assert live_pods(r, 89, 2) == 1
    assert live_pods(r, degraded + 3, 2) == 0


def test_canary_scale_down_on_abort_no_traffic_routing_replay(tmp_path):
    """Canary and stable Services but no router, setWeight 50 then pause {}: aborted,
    Degraded, the canary Service selects the stable pods; 3 s later revision 2 has no pod."""
    ro = canary_rollout(
        "canary-scaledownd-on-abort",
        replicas=None,
        steps=[{"setWeight": 50}, {"pause": {}}],
        canaryService=f"{NAME}-canary",
        stableService=f"{NAME}-stable",
    )
    ro["spec"]["selector"]["matchLabels"]["app"] = NAME
    ro["spec"]["template"]["metadata"]["labels"]["app"] = NAME
    objects, _ = alb(NAME, NAME)
    r, degraded = _abort(tmp_path, [ro, *objects])
    assert live_pods(r, 89, 2) == 1
    assert live_pods(r, degraded + 3, 2) == 0


def test_canary_un_scale_down_on_abort_replay(tmp_path):
    """abortScaleDownDelaySeconds 0: aborted, Degraded, and 3 s later (and for good)
    revision 2 keeps its pod, with no scale-down deadline."""
    manifests = rollout_behind_alb(
        "canary-scaledownd-on-abort",
        steps=[{"setCanaryScale": {"replicas": 1}}, {"pause": {}}],
        abortScaleDownDelaySeconds=0,
        scaleDownDelayRevisionLimit=1,
    )
    r, degraded = _abort(tmp_path, manifests)
    assert live_pods(r, degraded + 3, 2) == 1
    assert rs(r, degraded + 3, 2) == (1, False)
    assert live_pods(r, r.until, 2) == 1
