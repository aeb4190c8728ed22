"""A recording that finds its inputs unchanged records nothing new, and the first change
after it (a ReplicaSet, the status, the routers' weights) is recorded again."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from worldkit import write_scenario

from canarysim.sim.world import World


def test_an_unchanged_world_records_nothing_and_a_change_is_seen(tmp_path: Path) -> None:
    world = World.build(write_scenario(tmp_path, until="3h"))
    world.run(until=60.0)
    world.observe(settled=True)
    recorder = world.recorder
    snaps, rows = list(recorder.snapshots), list(recorder.state_rows)
    world.env.run(until=61.0)
    world.observe(settled=True)  # nothing changed: nothing new, nothing replaced
    assert recorder.snapshots == snaps and recorder.snapshots[-1] is snaps[-1]
    assert recorder.state_rows == rows

    rs = world.cluster.replica_sets_of(world.plan.name)[0]
    rs.set_scale_down_deadline(world.env.now + 30.0)
    world.observe(settled=True)
    (shown,) = (r for r in recorder.snapshots[-1].replica_sets if r.hash == rs.hash)
    assert shown.scale_down_at == rs.scale_down_at is not None
    assert recorder.snapshots[-1].time == world.env.now

    world.controller.status = dataclasses.replace(world.controller.status, message="edited")
    world.observe(settled=True)
    assert recorder.snapshots[-1].message == "edited"

    world.mesh.version += 1  # the manifests as read for the weight columns
    world.mesh.weights_read = None
    world.observe(settled=True)  # the same weights read again: still nothing new
    assert recorder.snapshots[-1].message == "edited"


def test_the_recording_of_an_instant_is_replaced_by_its_last(tmp_path: Path) -> None:
    world = World.build(write_scenario(tmp_path, until="3h"))
    world.run(until=60.0)
    world.observe(settled=True)
    count = len(world.recorder.snapshots)
    world.controller.status = dataclasses.replace(world.controller.status, message="one")
    world.observe(settled=True)
    world.controller.status = dataclasses.replace(world.controller.status, message="two")
    world.observe(settled=True)
    assert len(world.recorder.snapshots) == count + 1
    assert world.recorder.snapshots[-1].message == "two"
