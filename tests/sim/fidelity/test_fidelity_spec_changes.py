"""Spec changes that move ``spec.replicas`` and the pod template in one generation.

Replays upstream ``test/e2e/functional_test.go::TestSpecAndReplicaChangeSameTime``: a healthy
2-replica canary (setWeight 10, pause 10 s, setWeight 20, pause 5 s) patched to 3 replicas and
a new env var at once, paused at the first step, then patched to 4 replicas and another env
value while paused; it ends Healthy with 4/4/4/4/4 (desired, current, updated, ready,
available). The e2e suite's ``PatchSpec`` is a strategic merge of the Rollout.
"""

from __future__ import annotations

from fidelitykit import basic, by_revision, op, simulate

STEPS = [
    {"setWeight": 10},
    {"pause": {"duration": "10s"}},
    {"setWeight": 20},
    {"pause": {"duration": "5s"}},
]


def _patch(replicas: int, value: str) -> dict:
    return {
        "spec": {
            "replicas": replicas,
            "template": {
                "spec": {
                    "containers": [{"name": "main", "env": [{"name": "TEST", "value": value}]}]
                }
            },
        }
    }


def counts(snap):
    return (snap.desired, snap.current, snap.updated, snap.ready, snap.available)


def test_spec_and_replica_change_same_time_replay(tmp_path):
    r = simulate(
        tmp_path,
        basic(STEPS, replicas=2),
        [
            op("1m", "patch", type="strategic", patch=_patch(3, "test")),
            {"when": {"phase": "Paused"}, "do": "patch", "type": "strategic",
             "patch": _patch(4, "test-new")},
        ],
        until="3m",
    )  # fmt: skip
    assert r.status_at(59).phase == "Healthy"
    paused = next(s for s in r.snapshots if s.time >= 60 and s.phase == "Paused")
    # Revision 2 (the first patch) paused at 10 %: 3 replicas, one of them the canary.
    assert paused.desired == 3
    assert by_revision(paused)[2].desired == 1
    final = r.final
    assert final.phase == "Healthy"
    assert counts(final) == (4, 4, 4, 4, 4)
    # The second patch (while paused) is revision 3; it is what runs now, alone.
    live = [rs for rs in final.replica_sets if rs.desired > 0]
    assert [rs.revision for rs in live] == [3]
    assert final.generation == 3 and final.observed_generation == 3
