"""What the world keeps between observations (a ReplicaSet's engine view and Result
snapshot, the snapshot's conditions, duration and step weights, the order of a rollout's
ReplicaSets) is reused while unchanged and rebuilt as soon as anything it shows changes."""

from __future__ import annotations

import dataclasses

import simpy

from canarysim.engine.model import (
    Condition,
    Pause,
    Plan,
    ReplicaSetView,
    RolloutStatus,
    SetWeight,
)
from canarysim.engine.model.rollout_status import RolloutDuration
from canarysim.sim.cluster.cluster import Cluster
from canarysim.sim.cluster.pods.behaviour import PodBehaviour
from canarysim.sim.cluster.views import engine_view, result_snapshot
from canarysim.sim.metrics.snapshot import SnapshotParts, set_weight_of
from canarysim.sim.stochastic.distributions import Dist
from canarysim.sim.stochastic.rng import Streams

FIXED = PodBehaviour(
    scheduling=Dist.fixed(1.0),
    image_pull=Dist.fixed(1.0),
    container_start=Dist.fixed(1.0),
    readiness=Dist.fixed(1.0),
)
TEMPLATE = {
    "metadata": {"labels": {"app": "demo"}},
    "spec": {"containers": [{"name": "app", "image": "demo:1"}]},
}


def test_a_replica_set_snapshot_is_rebuilt_when_what_it_shows_changes() -> None:
    env = simpy.Environment()
    cluster = Cluster(env, Streams(1), lambda image: FIXED, nodes=3)
    rs = cluster.create_replica_set("demo", TEMPLATE, revision=1, replicas=1)
    first = result_snapshot(rs, "canary")
    assert result_snapshot(rs, "canary") is first
    assert first.pods == rs.snapshot(pod_snapshots=True)["pods"]
    assert result_snapshot(rs, "stable").role == "stable"
    env.run(until=10)
    ready = result_snapshot(rs, "stable")
    assert (ready.ready, ready.pods[0].ready) == (1, True)
    rs.scale_to(2)
    assert result_snapshot(rs, "stable").desired == 2
    rs.set_revision(3)
    assert result_snapshot(rs, "stable").revision == 3
    rs.set_scale_down_deadline(30.0)
    shown = result_snapshot(rs, "stable")
    assert shown.scale_down_at == rs.snapshot()["scale_down_at"] is not None
    assert shown == type(shown)(**rs.snapshot(pod_snapshots=True), role="stable")


def test_conditions_and_duration_follow_the_status() -> None:
    parts = SnapshotParts()
    available = Condition("Available", "True", "AvailableReason", "ok", 1.0, 1.0)
    first = parts.conditions((available,))
    # only lastUpdateTime moved: nothing shown changed
    moved = dataclasses.replace(available, last_update_time=5.0)
    assert parts.conditions((moved,)) == first
    changed = parts.conditions((dataclasses.replace(available, message="other"),))
    assert [c.message for c in changed] == ["other"]
    assert parts.conditions(()) == ()
    healthy = Condition("Healthy", "True", "Healthy", "fine", 1.0, 1.0)
    parts.conditions((available, healthy))
    sick = dataclasses.replace(healthy, status="False", message="not fine")
    assert [(c.status, c.message) for c in parts.conditions((available, sick))] == [
        ("True", "ok"),
        ("False", "not fine"),
    ]
    duration = RolloutDuration()
    shown = parts.duration(duration)
    assert parts.duration(duration) is shown
    later = dataclasses.replace(duration, total_manual_pause_duration_seconds=7)
    assert parts.duration(later).total_manual_pause_duration_seconds == 7


def test_set_weights_follow_a_new_plan() -> None:
    parts = SnapshotParts()
    plan = Plan("demo", 3, "h", steps=(Pause(), SetWeight(20), Pause(), SetWeight(40)))
    assert parts.set_weights(plan) == (0, 20, 20, 40)
    assert parts.set_weights(plan) is parts.set_weights(plan)
    other = dataclasses.replace(plan, steps=(SetWeight(5), Pause()))
    assert parts.set_weights(other) == (5, 5)
    status = RolloutStatus(current_step_index=1)
    assert set_weight_of(other, status, parts.set_weights(other)) == 5
    assert set_weight_of(plan, status, parts.set_weights(plan)) == set_weight_of(plan, status)


def test_the_engine_view_is_rebuilt_when_a_field_it_reads_changes() -> None:
    env = simpy.Environment()
    cluster = Cluster(env, Streams(1), lambda image: FIXED, nodes=3)
    rs = cluster.create_replica_set("demo", TEMPLATE, revision=1, replicas=1)
    first = engine_view(rs)
    assert engine_view(rs) is first
    env.run(until=10)
    assert engine_view(rs).available == 1
    rs.scale_to(2, rollout_replicas=4)
    assert (engine_view(rs).replicas, engine_view(rs).rollout_replicas) == (2, 4)
    rs.set_revision(3)
    assert engine_view(rs).revision == 3
    rs.set_scale_down_deadline(30.0)
    assert engine_view(rs).scale_down_deadline is not None
    assert engine_view(rs) == ReplicaSetView(**rs.view())


def test_the_rollouts_replica_sets_are_sorted_again_when_a_revision_changes() -> None:
    env = simpy.Environment()
    cluster = Cluster(env, Streams(1), lambda image: FIXED, nodes=3)
    old = cluster.create_replica_set("demo", TEMPLATE, revision=1, replicas=1)
    other = {**TEMPLATE, "spec": {"containers": [{"name": "app", "image": "demo:2"}]}}
    new = cluster.create_replica_set("demo", other, revision=2, replicas=1)
    assert cluster.replica_sets_of("demo") == [new, old]
    listed = cluster.replica_sets_of("demo")
    listed.clear()  # a caller's list is its own
    assert cluster.replica_sets_of("demo") == [new, old]
    old.set_revision(3)
    assert cluster.replica_sets_of("demo") == [old, new]
    cluster.delete_replica_set(new)
    assert cluster.replica_sets_of("demo") == [old]
