"""``kubectl argo rollouts restart`` while paused and after a deadline has passed.

Replays upstream ``test/e2e/functional_test.go::TestRolloutRestart`` and
``TestCompleteRolloutRestart``.
"""

from __future__ import annotations

from fidelitykit import basic, events, op, pod_count, simulate, with_spec

UPDATE = {"spec": {"template": {"metadata": {"annotations": {"update": "now"}}}}}


def counts(snap):
    return (snap.desired, snap.current, snap.updated, snap.ready, snap.available)


def test_rollout_restart_replay(tmp_path):
    """Four replicas, maxUnavailable 75 %, steps setWeight 25 / pause {}; the pods take 5 s to
    become ready and 5 s to stop (the fixture's postStart / preStop ``sleep 5``).

    Carried over: updated and paused at step 1, then, one second later, ``restart``; two
    seconds after it the counts are 4 desired, 4 current, 1 updated, 1 ready, 1 available:
    the restarter evicted the three stable pods at once (75 % of 4 may be unavailable) and
    left the canary pod alone, as it is newer than the restart. Extra: the replacements come
    back and the rollout stays paused at step 1 with 4 ready.
    """
    r = simulate(
        tmp_path,
        basic([{"setWeight": 25}, {"pause": {}}], replicas=4, maxUnavailable="75%"),
        [op("1m", "patch", patch=UPDATE), {"when": {"phase": "Paused"}, "do": "restart",
                                           "after": "1s"}],
        until="3m",
        pods={"default": {"scheduling": "0s", "imagePull": "0s", "containerStart": "0s",
                          "readiness": 5, "termination": 5}},
    )  # fmt: skip
    paused = next(s.time for s in r.snapshots if s.time >= 60 and s.phase == "Paused")
    assert counts(r.status_at(paused)) == (4, 4, 1, 4, 4)
    restarted = next(t for t, why, _ in events(r, "OperatorCommand") if t > paused)
    assert restarted == paused + 1
    assert counts(r.status_at(restarted + 2)) == (4, 4, 1, 1, 1)
    # The canary pod was not restarted; the stable ReplicaSet replaced all three of its own.
    assert (pod_count(r, restarted + 2, 2), pod_count(r, restarted + 2, 1)) == (1, 3)
    later = r.status_at(restarted + 30)
    assert later.phase == "Paused" and later.step_index == 1
    assert counts(later) == (4, 4, 1, 4, 4)


def test_complete_rollout_restart_replay(tmp_path):
    """Two replicas, one setWeight 20 step, ``progressDeadlineSeconds: 15`` with
    ``progressDeadlineAbort: true``.

    Carried over: deployed and Healthy, 16 s later (past the deadline) ``restart``; the rollout
    comes back to Healthy. Extra, what would make the upstream watch end otherwise: it never
    turns Degraded, no ``RolloutAborted`` or ``ProgressDeadlineExceeded`` is recorded, and every
    pod was replaced once.
    """
    manifests = with_spec(basic([{"setWeight": 20}], replicas=2),
                          progressDeadlineAbort=True, progressDeadlineSeconds=15)  # fmt: skip
    healthy = 5.0  # pods are Ready 5 s after they are created
    r = simulate(tmp_path, manifests, [op(healthy + 16, "restart")], until="3m")
    assert r.status_at(healthy).phase == "Healthy"
    during = r.status_at(healthy + 17)
    assert during.phase == "Progressing" and during.message == "rollout is restarting"
    assert r.final.phase == "Healthy"
    assert all(s.phase != "Degraded" for s in r.snapshots)
    reasons = {why for _, why, _ in events(r)}
    assert not reasons & {"RolloutAborted", "ProgressDeadlineExceeded"}
    rs = r.final.replica_sets[0]
    assert sum(1 for p in rs.pods if p.status != "Terminating") == 2
    assert all(p.created >= healthy + 16 for p in rs.pods)
