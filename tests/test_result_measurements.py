"""The Result's analysis measurements: what was measured, in time order, through JSON."""

from __future__ import annotations

import json
from pathlib import Path

from canarysim import Result, simulate

ABORT = Path(__file__).resolve().parents[1] / "scenarios" / "analysis-abort" / "scenario.yaml"


def test_measurements_are_in_the_result_and_survive_json():
    result = simulate(ABORT)
    ms = result.measurements
    assert ms, "the background analysis measured"
    assert [m["time"] for m in ms] == sorted(m["time"] for m in ms)
    runs = {r.name for s in result.snapshots for r in s.analysis_runs}
    assert {m["run"] for m in ms} <= runs
    assert {m["metric"] for m in ms} == {"error-rate"}
    # the tallies of the final snapshot count exactly these measurements
    failed = sum(r.failed for r in result.final.analysis_runs)
    assert failed == sum(m["phase"] == "Failed" for m in ms)
    # value strings as Argo stores a vector result: "[...]"
    assert all(m["value"].startswith("[") for m in ms if m["phase"] != "Error")
    data = result.to_json()
    assert list(data["measurements"][0]) == [
        "time",
        "started",
        "run",
        "metric",
        "phase",
        "value",
        "message",
    ]
    again = Result.from_json(json.loads(result.dumps()))
    assert again.measurements == data["measurements"]
    assert again == result


def test_to_json_orders_measurements_by_time_whatever_the_input_order():
    a = {"time": 30.0, "started": 30.0, "run": "r", "metric": "m", "phase": "Successful"}
    b = {**a, "time": 10.0, "started": 10.0, "phase": "Failed", "value": "1", "message": "x"}
    result = Result(scenario_name="s", seed=0, until=60.0, mode="aggregate", measurements=[a, b])
    assert [m["time"] for m in result.to_json()["measurements"]] == [10.0, 30.0]
    assert result.to_json()["measurements"][1]["value"] is None  # missing keys are null


def test_a_run_without_analysis_has_no_measurements():
    result = Result(scenario_name="s", seed=0, until=1.0, mode="aggregate")
    assert result.to_json()["measurements"] == []
    assert Result.from_json({**result.to_json()}).measurements == []
