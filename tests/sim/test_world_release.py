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


@pytest.mark.parametrize(
    ("name", "until"),
    [
        ("imesh-canary", None),
        ("experiment-step", None),
        ("analysis-abort", None),
        ("basic-canary", 400.0),  # (stopped while an image is being pulled)
    ],
)
def test_a_finished_simulate_leaves_no_cyclic_garbage(name: str, until: float | None) -> None:
    scenario = canarysim.load_scenario(ROOT / "scenarios" / name / "scenario.yaml")
    canarysim.simulate(scenario, until=until)  # (first-run caches and imports)
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()  # every cycle made by the run stays until counted below
    try:
        result = canarysim.simulate(scenario, until=until)
        assert result.events
        del result
        gc.set_debug(gc.DEBUG_SAVEALL)
        left = gc.collect()
        kinds = {type(o).__module__ + "." + type(o).__qualname__ for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()
    assert left <= LEFT_AT_MOST
    # none of them the world's: no part, pod, process or event
    assert not {k for k in kinds if k.startswith(("canarysim.sim.", "simpy."))}


def test_a_world_built_by_the_caller_keeps_running_after_collect() -> None:
    scenario = canarysim.load_scenario(ROOT / "scenarios" / "imesh-canary" / "scenario.yaml")
    world = World.build(scenario)
    world.run(until=60.0)
    first = world.collect()
    world.run()
    last = world.collect()
    assert last.until > first.until
    assert last.summary["phase"] == canarysim.simulate(scenario).summary["phase"]
