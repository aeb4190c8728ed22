"""``Cluster.ready_by_hash`` is counted once per state of the cluster: a pod that becomes
Ready or is deleted, a selector switch and a Service deleted are each seen after the
answer was remembered, and the caller's dict is its own."""

from __future__ import annotations

from typing import Any

import simpy

from canarysim.sim.cluster.cluster import Cluster
from canarysim.sim.cluster.pods.behaviour import PodBehaviour
from canarysim.sim.stochastic.distributions import Dist
from canarysim.sim.stochastic.rng import Streams

BEHAVIOUR = PodBehaviour(readiness=Dist.fixed(3.0))


def _template(image: str) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": "demo"}},
        "spec": {"containers": [{"name": "app", "image": image}]},
    }


def test_changes_after_an_answer_are_seen() -> None:
    env = simpy.Environment()
    cluster = Cluster(env, Streams(1), lambda image: BEHAVIOUR, nodes=1)
    cluster.add_service(
        {
            "metadata": {"name": "svc"},
            "spec": {"selector": {"app": "demo"}, "ports": [{"port": 80}]},
        }
    )
    one = cluster.create_replica_set("r", _template("demo:1"), revision=1, replicas=1)
    assert cluster.ready_by_hash("svc") == {}  # not Ready yet
    env.run(until=10)
    assert cluster.ready_by_hash("svc") == {one.hash: 1}
    got = cluster.ready_by_hash("svc")
    got[one.hash] = 99  # the caller's own dict
    assert cluster.ready_by_hash("svc") == {one.hash: 1}

    two = cluster.create_replica_set("r", _template("demo:2"), revision=2, replicas=1)
    env.run(until=20)
    assert cluster.ready_by_hash("svc") == {one.hash: 1, two.hash: 1}
    assert cluster.ready_by_hash("svc", {"rollouts-pod-template-hash": two.hash}) == {two.hash: 1}

    cluster.set_selector_hash("svc", two.hash)
    assert cluster.ready_by_hash("svc") == {two.hash: 1}
    cluster.delete_pod(next(iter(two.members)))
    assert cluster.ready_by_hash("svc") == {}
    cluster.set_selector_hash("svc", None)
    assert cluster.ready_by_hash("svc") == {one.hash: 1}
    cluster.scale(one, 0)
    assert cluster.ready_by_hash("svc") == {}
    assert cluster.ready_by_hash("nothing") == {}
