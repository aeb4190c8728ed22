"""Version behaviours are built once per scenario and follow a change of scenario."""

from __future__ import annotations

from pathlib import Path

import yaml

from canarysim.declarations import load_scenario
from canarysim.sim.flow import _behaviour
from canarysim.sim.inputs import version_behaviour

SEED = Path(__file__).resolve().parents[2] / "scenarios" / "imesh-canary" / "scenario.yaml"
IMAGE = "nginx:1.15.5"


def test_behaviour_is_kept_for_a_scenario_and_built_again_for_another() -> None:
    first = load_scenario(SEED)
    got = _behaviour(first, IMAGE, "imesh-rollout")
    assert got == version_behaviour(first, IMAGE, "imesh-rollout")
    assert _behaviour(first, IMAGE, "imesh-rollout") is got
    assert _behaviour(first, IMAGE, "other") == version_behaviour(first, IMAGE, "other")
    data = yaml.safe_load(SEED.read_text())
    data["versions"][IMAGE]["errorRate"] = 0.25
    second = load_scenario(data, base_dir=SEED.parent)
    changed = _behaviour(second, IMAGE, "imesh-rollout")
    assert changed == version_behaviour(second, IMAGE, "imesh-rollout")
    assert changed != got
    # and back: the first scenario's behaviour again, not the second's
    assert _behaviour(first, IMAGE, "imesh-rollout") == got
