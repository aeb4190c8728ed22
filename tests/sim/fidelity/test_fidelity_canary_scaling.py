"""Pod counts of a canary as the operator resizes it or as its steps size it, on the manifests
of Argo's end-to-end suite: ``setCanaryScale`` behind NGINX (``nginx-template``), and
``kubectl scale`` of a paused canary without a router (``rollout-basic``) and of an update in
flight (``maxSurge: 100%``; ``maxSurge: 2`` / ``maxUnavailable: 0`` with a broken command).

Replays upstream ``test/e2e/canary_test.go``: ``TestCanarySetCanaryScale``,
``TestRolloutScalingWhenPaused``, ``TestRolloutWithMaxSurgeScalingDuringUpdate`` and
``TestRolloutScalingDuringUpdate``. Counts are ``ExpectCanaryStablePodCount``'s: live pods of
``status.currentPodHash`` and of ``status.stableRS``.

The two scaling-during-update tests read a state that lasts only while the new pods are not
Ready. The real suite acts right after each wait, a few seconds before nginx's pods are Ready;
here the new pods take 20 s to become Ready and the operator acts a second apart, which is the
same race won the same way. canarysim runs no container, so ``command: [/bad-command]`` (a
container that never starts) is a new revision whose pods never become Ready in the run:
the rollout starts Healthy (the suite's ``HealthyRollout``) and pods take longer than the run.
"""

from __future__ import annotations

from e2ekit import (
    canary_rollout,
    canary_stable_pods,
    first,
    operator_times,
    services,
    sleep_job,
    update_spec,
)
from fidelitykit import op, pods, simulate


def _when_step(index, hold="3s"):
    """``WaitForRolloutCanaryStepIndex(index)`` then ``PromoteRollout()``."""
    return {"when": {"stepIndex": index, "for": hold}, "do": "promote"}


def test_canary_set_canary_scale_replay(tmp_path):
    """4 replicas behind NGINX; canary/stable pods at step 0 (paused), 2, 4, 6, 8, each
    reached by a promote, and once Healthy: 0/4, 1/4, 1/4, 3/4, 2/4, 4/4."""
    name = "set-canary-scale"
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
    ro = canary_rollout(
        name,
        replicas=4,
        steps=steps,
        canaryService=f"{name}-canary",
        stableService=f"{name}-stable",
        trafficRouting={"nginx": {"stableIngress": f"{name}-ingress"}},
    )
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": f"{name}-ingress",
            "annotations": {"kubernetes.io/ingress.class": "nginx"},
        },
        "spec": {
            "rules": [
                {
                    "http": {
                        "paths": [
                            {
                                "path": "/*",
                                "pathType": "Prefix",
                                "backend": {
                                    "service": {"name": f"{name}-stable", "port": {"number": 80}}
                                },
                            }
                        ]
                    }
                }
            ]
        },
    }
    ops = [update_spec("1m"), *(_when_step(i) for i in (0, 2, 4, 6, 8))]
    r = simulate(
        tmp_path,
        [ro, *services(name, f"{name}-canary", f"{name}-stable"), ingress],
        ops,
        until="5m",
    )
    promotes = operator_times(r, "promote")
    assert len(promotes) == 5
    seen = []
    for t in promotes:
        snap = r.status_at(t - 0.5)
        seen.append((snap.step_index, snap.phase, canary_stable_pods(r, t - 0.5)))
    assert seen == [
        (0, "Paused", (0, 4)),
        (2, "Paused", (1, 4)),
        (4, "Paused", (1, 4)),
        (6, "Paused", (3, 4)),
        (8, "Paused", (2, 4)),
    ]
    healthy = first(r, promotes[-1], "Healthy")
    assert canary_stable_pods(r, healthy + 1) == (4, 4)


def test_rollout_scaling_when_paused_replay(tmp_path):
    """``rollout-basic`` (one replica, no router) with setWeight 25 then pause {}: paused
    1 canary / 1 stable; scaled to 8, once 8 are available: 2 / 6; back to 4: 1 / 3."""
    ro = canary_rollout("basic", replicas=None, steps=[{"setWeight": 25}, {"pause": {}}])
    r = simulate(
        tmp_path,
        [ro],
        [update_spec("1m"), op("2m", "scale", replicas=8), op("3m", "scale", replicas=4)],
        until="4m",
    )
    assert r.status_at(119).phase == "Paused"
    assert canary_stable_pods(r, 119) == (1, 1)
    eight = next(s.time for s in r.snapshots if s.time >= 120 and s.available == 8)
    assert eight < 180
    assert canary_stable_pods(r, eight) == (2, 6)
    four = next(s.time for s in r.snapshots if s.time >= 180 and s.available == 4)
    assert canary_stable_pods(r, four) == (1, 3)
    assert r.final.phase == "Paused"


SLOW = pods(ready=20)


def _updatescaling(**canary):
    ro = canary_rollout("updatescaling", replicas=4, **canary)
    ro["spec"]["template"]["spec"]["containers"][0]["resources"] = {
        "requests": {"memory": "16Mi", "cpu": "1m"}
    }
    return ro


def _strategic(at, container):
    return op(
        at,
        "patch",
        type="strategic",
        patch={"spec": {"template": {"spec": {"containers": [container]}}}},
    )


def _replicas_then(r, after, count):
    """``WaitForRolloutReplicas(count)`` (status.replicas) from ``after``, then the counts."""
    t = next(s.time for s in r.snapshots if s.time >= after and s.current == count)
    return canary_stable_pods(r, t)


def test_rollout_with_max_surge_scaling_during_update_replay(tmp_path):
    """4 replicas, maxSurge 100 %, no steps; a new resources request: 7 replicas, 4 canary /
    3 stable (maxUnavailable 25 % = 1); scaled to 8: 11, 8 / 3; back to 4: 7, 4 / 3."""
    cpu = {"name": "updatescaling", "resources": {"requests": {"memory": "16Mi", "cpu": "2m"}}}
    r = simulate(
        tmp_path,
        [_updatescaling(maxSurge="100%")],
        [_strategic(60, cpu), op(61, "scale", replicas=8), op(62, "scale", replicas=4)],
        until="2m",
        start="healthy",
        pods=SLOW,
    )
    assert r.status_at(59).revision == 1
    assert _replicas_then(r, 60, 7) == (4, 3)
    assert _replicas_then(r, 61, 11) == (8, 3)
    assert _replicas_then(r, 62, 7) == (4, 3)
    assert r.status_at(62.5).revision == 2


def test_rollout_scaling_during_update_replay(tmp_path):
    """4 replicas, maxSurge 2, maxUnavailable 0, no steps; a container command that never
    starts: 6 replicas, 2 canary / 4 stable; scaled to 8: 10, 6 / 4; back to 4: 6, 2 / 4."""
    bad = {"name": "updatescaling", "command": ["/bad-command"]}
    r = simulate(
        tmp_path,
        [_updatescaling(maxSurge=2, maxUnavailable=0)],
        [_strategic(60, bad), op(120, "scale", replicas=8), op(180, "scale", replicas=4)],
        until="4m",
        start="healthy",
        pods=pods(ready=3600),
    )
    assert _replicas_then(r, 60, 6) == (2, 4)
    assert _replicas_then(r, 120, 10) == (6, 4)
    assert _replicas_then(r, 180, 6) == (2, 4)
    assert canary_stable_pods(r, r.until) == (2, 4)


def test_reduce_weight_and_honor_max_unavailable_replay(tmp_path):
    """3 replicas, maxSurge 2, maxUnavailable 0, pods 5 s slow to start and to stop (the
    fixture's postStart / preStop sleeps); setWeight 100, pause, setWeight 0, pause,
    setWeight 100, then ``sleep-job`` with ``exit-code: 1``. Updated: Paused with 3 canary /
    0 stable pods. Promoted, 2 s later: 3 / 2 (stable comes back within maxSurge before the
    canary may shrink). At step 3 (after the suite's 2 s sleep), promoted: the analysis
    fails, Degraded; 2 s later one AnalysisRun and again 3 / 2."""
    name = "reduceweight-maxunavailable"
    steps = [
        {"setWeight": 100},
        {"pause": {}},
        {"setWeight": 0},
        {"pause": {}},
        {"setWeight": 100},
        {
            "analysis": {
                "templates": [{"templateName": "sleep-job"}],
                "args": [{"name": "exit-code", "value": "1"}],
            }
        },
    ]
    ro = canary_rollout(name, replicas=3, steps=steps, maxSurge=2, maxUnavailable=0)
    r = simulate(
        tmp_path,
        [ro, sleep_job()],
        [update_spec(60), op(120, "promote"), _when_step(3, hold="3s")],
        until="4m",
        start="healthy",
        pods=pods(ready=5, termination=5),
        analysis={"job": {"duration": "2s", "successProbability": 0}},
    )
    assert r.status_at(119).phase == "Paused"
    assert canary_stable_pods(r, 119) == (3, 0)
    assert canary_stable_pods(r, 122) == (3, 2)
    (second,) = operator_times(r, "promote")[1:]
    assert r.status_at(second - 0.5).step_index == 3
    degraded = first(r, second, "Degraded")
    assert len(r.status_at(degraded + 2).analysis_runs) == 1
    assert r.status_at(degraded + 2).analysis_runs[0].phase == "Failed"
    assert canary_stable_pods(r, degraded + 2) == (3, 2)
