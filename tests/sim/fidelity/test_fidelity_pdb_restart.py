"""``restart`` evicts pods through the eviction API, which a PodDisruptionBudget can refuse:
the restarter skips the pod and looks again 30 s later (``rollout/restart.go``,
``restartPodCheckTime``).

Replays upstream ``test/e2e/functional_test.go::TestRolloutPDBRestart``: 4 replicas,
maxUnavailable 100%, setWeight 25 then pause, a PDB with minAvailable 4; restarting while
paused evicts nothing (replica counts stay 4/4/1/4/4); once the PDB is deleted, the next
look evicts every pod at once (available replicas reach 0).
"""

from __future__ import annotations

import pytest
from fidelitykit import basic, op, set_image, simulate

import canarysim
from canarysim.declarations import load_scenario
from canarysim.errors import ScenarioError


def pdb(min_available=4, **spec):
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "rollout-pdb-restart"},
        "spec": {
            "minAvailable": min_available,
            "selector": {"matchLabels": {"app": "app"}},
            **spec,
        },
    }


def manifests():
    return [
        *basic([{"setWeight": 25}, {"pause": {}}], maxUnavailable="100%"),
        pdb(),
    ]


def counts(snap):
    return (snap.desired, snap.current, snap.updated, snap.ready, snap.available)


def test_rollout_pdb_restart_replay(tmp_path):
    ops = [
        set_image("1m"),
        op("2m", "restart"),
        op("3m", "delete", kind="PodDisruptionBudget", name="rollout-pdb-restart"),
    ]
    r = simulate(tmp_path, manifests(), ops, until="5m")
    assert r.status_at(119).phase == "Paused"
    # Two seconds after the restart: the PDB prevented every eviction.
    assert counts(r.status_at(122)) == (4, 4, 1, 4, 4)
    assert counts(r.status_at(179)) == (4, 4, 1, 4, 4)
    assert not any(e["reason"] == "Killing" for e in r.events if 120 <= e["time"] < 180)
    # Deleted at 3m: within the next 30 s check every old pod is evicted at once.
    zero = [s.time for s in r.snapshots if s.time >= 180 and s.available == 0]
    assert zero and zero[0] <= 180 + 30 + 1
    # And the restart completes: four new pods, all available again.
    assert counts(r.final) == (4, 4, 1, 4, 4)
    assert all(p.created >= 120 for rs in r.final.replica_sets for p in rs.pods)
    deletes = [e for e in r.events if e["object"] == "PodDisruptionBudget/rollout-pdb-restart"]
    assert [(e["time"], e["message"]) for e in deletes] == [
        (180.0, "kubectl delete poddisruptionbudget rollout-pdb-restart")
    ]


def test_a_budget_with_room_lets_evictions_through_one_by_one(tmp_path):
    """minAvailable 3 of 4 Ready pods: one disruption allowed at a time, so the restart
    proceeds a pod at a time as each replacement becomes Ready."""
    ms = [*basic([{"setWeight": 25}, {"pause": {}}], maxUnavailable="100%"), pdb(3)]
    r = simulate(tmp_path, ms, [set_image("1m"), op("2m", "restart")], until="6m")
    assert min(s.available for s in r.snapshots if s.time >= 120) == 3
    assert all(p.created >= 120 for rs in r.final.replica_sets for p in rs.pods)
    assert r.final.available == 4


def test_pdb_loads_and_needs_one_bound(tmp_path):
    from worldkit import write_scenario

    path = write_scenario(tmp_path, manifests=manifests())
    assert load_scenario(path).manifests.pod_disruption_budgets[0].name == "rollout-pdb-restart"
    bad = pdb()
    bad["spec"]["maxUnavailable"] = 1
    path = write_scenario(tmp_path, manifests=[*basic([]), bad])
    with pytest.raises(ScenarioError, match="exactly one of minAvailable and maxUnavailable"):
        canarysim.simulate(path)


def test_unhealthy_pod_eviction_policy_is_warned_as_unsupported(tmp_path):
    from worldkit import write_scenario

    from canarysim.declarations import validate_paths

    budget = pdb()
    budget["spec"]["unhealthyPodEvictionPolicy"] = "AlwaysAllow"
    path = write_scenario(tmp_path, manifests=[*basic([]), budget])
    messages = [f.message for f in validate_paths([path])]
    assert any("unhealthyPodEvictionPolicy" in m and "not supported" in m for m in messages)


def test_two_budgets_over_the_same_pods_are_warned(tmp_path):
    from worldkit import write_scenario

    from canarysim.declarations import validate_paths

    other = pdb(1)
    other["metadata"]["name"] = "second"
    path = write_scenario(tmp_path, manifests=[*basic([]), pdb(), other])
    found = [f for f in validate_paths([path]) if f.rule == "lint/unsupported"]
    assert any('"rollout-pdb-restart", "second"' in f.message for f in found)
