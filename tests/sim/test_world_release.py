"""A finished ``simulate()`` lets go of its world: reference counting frees it, nothing is left
for the cycle collector (whose full collections during the next run would traverse all of it),
and a world built by the caller still runs and collects after ``collect()``."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

import canarysim
from canarysim.sim.world import World

ROOT = Path(__file__).resolve().parents[2]

LEFT_AT_MOST = 60
"""Unreachable objects a run may leave (a few short-lived cycles inside the engine, e.g. a
recursive local function per AnalysisRun); before the release a run left hundreds to
thousands (tens of thousands with a thousand pods)."""


@pytest.mark.parametrize("name", ["imesh-canary", "experiment-step", "analysis-abort"])
def test_a_finished_simulate_leaves_no_cyclic_garbage(name: str) -> None:
    scenario = canarysim.load_scenario(ROOT / "scenarios" / name / "scenario.yaml")
    canarysim.simulate(scenario)  # (first-run caches and imports)
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()  # every cycle made by the run stays until counted below
    try:
        result = canarysim.simulate(scenario)
        assert result.events
        del result
        left = gc.collect()
    finally:
        if enabled:
            gc.enable()
    assert left <= LEFT_AT_MOST


def test_a_world_built_by_the_caller_keeps_running_after_collect() -> None:
    scenario = canarysim.load_scenario(ROOT / "scenarios" / "imesh-canary" / "scenario.yaml")
    world = World.build(scenario)
    world.run(until=60.0)
    first = world.collect()
    world.run()
    last = world.collect()
    assert last.until > first.until
    assert last.summary["phase"] == canarysim.simulate(scenario).summary["phase"]
