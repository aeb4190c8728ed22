"""The controller's observation keeps the view of a ReplicaSet that did not change and
builds a new one as soon as it does."""

from __future__ import annotations

from pathlib import Path

from worldkit import write_scenario

from canarysim.sim.world import World


def test_a_replica_set_view_follows_its_replica_set(tmp_path: Path) -> None:
    world = World.build(write_scenario(tmp_path, until="3h"))
    world.run(until=60.0)
    first = world.controller.observation().replica_sets
    again = world.controller.observation().replica_sets
    assert first and all(a is b for a, b in zip(again, first, strict=True))
    rs = world.cluster.replica_sets_of(world.plan.name)[0]
    rs.set_scale_down_deadline(world.env.now + 30.0)
    (changed,) = (v for v in world.controller.observation().replica_sets if v.hash == rs.hash)
    assert changed.scale_down_deadline == rs.scale_down_at
    assert changed.scale_down_deadline is not None
