"""Weight schedules are Argo step lists a Rollout accepts."""

from __future__ import annotations

import pytest

import canarysim
from canarysim import schedules
from canarysim.declarations.validate import validate_scenario
from canarysim.evaluation.variants import expand

ABORT = "scenarios/analysis-abort/scenario.yaml"


def _weights(steps):
    return [s["setWeight"] for s in steps if "setWeight" in s]


def test_shapes():
    assert _weights(schedules.linear(5)) == [20, 40, 60, 80]
    assert _weights(schedules.exponential(1, 3)) == [1, 3, 9, 27, 81]
    assert _weights(schedules.exponential(5, 2, cap=50)) == [5, 10, 20, 40, 50]
    steps = schedules.from_weights([1, 5, 25, 50, 100], pause="10m", analysis=["error-rate"])
    assert steps[:3] == [
        {"setWeight": 1},
        {"pause": {"duration": "10m"}},
        {"analysis": {"templates": [{"templateName": "error-rate"}]}},
    ]
    assert len(steps) == 12
    assert schedules.from_weights([10], pause={}) == [{"setWeight": 10}, {"pause": {}}]
    assert schedules.from_weights([10], pause=None) == [{"setWeight": 10}]


@pytest.mark.parametrize("bad", [[0], [50, 20], [101], [5.5]])
def test_bad_weights_are_refused(bad):
    with pytest.raises(ValueError):
        schedules.from_weights(bad)


def test_schedules_are_valid_rollout_steps():
    s = canarysim.load_scenario(ABORT)
    vary = {"steps": [schedules.linear(4, "1m"), schedules.exponential(2, 4, "30s")]}
    for v in expand(s, vary):
        assert not [f for f in validate_scenario(v.scenario) if f.severity == "error"]
        assert len(v.scenario.rollout.spec.strategy.canary.steps) == 6
