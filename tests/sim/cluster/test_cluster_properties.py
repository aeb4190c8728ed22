"""Invariants of the simulated cluster under random operations (hypothesis).

Whatever mix of scaling, pod kills, crashes and node losses happens, the ReplicaSet
controller keeps ``status.replicas == spec.replicas`` while a node is up, counts never
exceed each other the wrong way round, endpoints are exactly the Ready active pods, and two
runs of the same operations with the same seed agree."""

from __future__ import annotations

from typing import Any

import simpy
from hypothesis import given
from hypothesis import strategies as st

from canarysim.sim.cluster.cluster import Cluster
from canarysim.sim.cluster.pods.behaviour import CrashBehaviour, PodBehaviour
from canarysim.sim.stochastic.distributions import Dist
from canarysim.sim.stochastic.rng import Streams

BEHAVIOUR = PodBehaviour(
    scheduling=Dist.exponential(1.0),
    image_pull=Dist.lognormal(3.0, 12.0),
    container_start=Dist.exponential(1.0),
    readiness=Dist.lognormal(2.0, 8.0),
    crash=CrashBehaviour(mean_time_between=300.0),
    shutdown=Dist.exponential(2.0),
)

TEMPLATE = {
    "metadata": {"labels": {"app": "demo"}},
    "spec": {
        "containers": [
            {"name": "app", "image": "demo:1", "ports": [{"name": "http", "containerPort": 80}]}
        ]
    },
}

op = st.one_of(
    st.tuples(st.just("scale"), st.integers(0, 6)),
    st.tuples(st.just("kill"), st.integers(0, 10)),
    st.tuples(st.just("crash"), st.integers(0, 10)),
    st.tuples(st.just("node"), st.integers(0, 2)),
    st.tuples(st.just("restore"), st.integers(0, 2)),
    st.tuples(st.just("wait"), st.floats(0.1, 120.0)),
)


def run(ops: list[tuple[str, Any]], seed: int) -> tuple[Cluster, list[tuple[Any, ...]]]:
    env = simpy.Environment()
    c = Cluster(env, Streams(seed), lambda image: BEHAVIOUR, nodes=3)
    c.add_service(
        {
            "metadata": {"name": "demo"},
            "spec": {"selector": {"app": "demo"}, "ports": [{"port": 80, "targetPort": "http"}]},
        }
    )
    rs = c.create_replica_set("demo", TEMPLATE, revision=1, replicas=3, min_ready_seconds=5)
    seen: list[tuple[Any, ...]] = []
    for kind, arg in ops:
        if kind == "scale":
            rs.scale_to(arg)
        elif kind == "kill" and rs.active_pods():
            pods = rs.active_pods()
            c.kill_pod(pods[arg % len(pods)].name)
        elif kind == "crash" and rs.active_pods():
            pods = rs.active_pods()
            c.crash_pod(pods[arg % len(pods)].name)
        elif kind == "node":
            c.kill_node(f"node-{arg + 1}")
        elif kind == "restore":
            c.restore_node(f"node-{arg + 1}")
        elif kind == "wait":
            env.run(until=env.now + arg)
        check(c)
        seen.append((env.now, tuple(rs.status), tuple(sorted(c.ready_by_hash("demo").items()))))
    return c, seen


def check(c: Cluster) -> None:
    for rs in c.replica_sets.values():
        st_ = rs.status
        assert st_.replicas == rs.replicas  # the controller always tops up or trims at once
        assert 0 <= st_.available <= st_.ready <= st_.replicas
        for p in rs.active_pods():
            assert not p.available or p.ready
            assert (p.node is None) or c.nodes[p.node].alive
    ready = sorted(p.name for p in c.pods.values() if p.active and p.ready)
    assert [p.name for p in c.endpoints("demo")] == ready
    assert all(not p.gone for p in c.pods.values())


@given(st.lists(op, max_size=25), st.integers(0, 2**16))
def test_invariants_and_reproducibility(ops: list[tuple[str, Any]], seed: int) -> None:
    _, a = run(ops, seed)
    _, b = run(ops, seed)
    assert a == b
