"""The cluster's running bookkeeping agrees with a recount of every pod, at every step of runs
with scaling, crashes, kills, node loss, readiness flaps and minReadySeconds."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from canarysim.declarations import load_scenario
from canarysim.result import PodSnapshot
from canarysim.sim.cluster.replicasets import ReplicaSetStatus
from canarysim.sim.cluster.services import count_by_hash, endpoints_of
from canarysim.sim.world import World

ROOT = Path(__file__).resolve().parents[3]


def _recount(world: World) -> None:
    cluster = world.cluster
    for rs in cluster.replica_sets.values():
        live = [p for p in rs.pods if not p.gone]
        active = [p for p in live if p.deleted_at is None]
        want = ReplicaSetStatus(
            len(active),
            sum(p.ready for p in active),
            sum(p.available for p in active),
            len(live) - len(active),
        )
        assert rs.status == want, rs.name
        ordered = sorted(live, key=lambda p: (math.floor(p.created), p.name))
        snap = rs.snapshot(pod_snapshots=True)["pods"]
        assert snap == tuple(PodSnapshot(**p.snapshot()) for p in ordered)
        assert rs.snapshot()["pods"] == tuple(p.snapshot() for p in ordered)
        assert rs.view()["pod_created"] == tuple(sorted(p.created for p in active))
    for svc in cluster.services:
        pods = list(cluster.pods.values())
        assert cluster.ready_by_hash(svc.name) == count_by_hash(endpoints_of(svc, pods))


def _scenario(name: str, **changes: object):  # type: ignore[no-untyped-def]
    scenario = load_scenario(ROOT / "scenarios" / name / "scenario.yaml")
    return scenario.with_changes(**changes) if changes else scenario


CHURN: dict[str, object] = {
    "pods": {
        "default": {
            "scheduling": "1s",
            "imagePull": {"median": "3s", "p99": "15s"},
            "readiness": {"median": "2s", "p99": "6s"},
            "termination": "2s",
        }
    },
    "versions": {
        image: {"crash": {"meanTimeBetween": "4m"}} for image in ("nginx:1.15.4", "nginx:1.15.5")
    },
    "faults": [
        {"at": "7m", "do": "killPod", "target": "canary", "count": 2},
        {"at": "9m", "do": "killPod", "target": "stable", "count": 1},
        {"at": "11m", "do": "killNode", "node": "node-1", "downFor": "2m"},
    ],
    "until": "20m",
}


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("imesh-canary", CHURN),
        ("basic-canary", {"until": "30m"}),
        ("subset-split", {"until": "30m"}),
        ("experiment-step", {"until": "30m"}),
    ],
)
def test_running_counts_snapshots_and_endpoints_match_a_recount(name: str, changes) -> None:  # type: ignore[no-untyped-def]
    world = World.build(_scenario(name, **changes))
    t = 0.0
    while t < world.until:
        t += 7.0
        world.run(until=min(t, world.until))
        _recount(world)
