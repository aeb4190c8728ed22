"""An Experiment's AnalysisRuns measure like the rollout's own: their measurements are in the
Result, in time order, under the run's name."""

from __future__ import annotations

from pathlib import Path

import canarysim

ROOT = Path(__file__).resolve().parents[3]


def test_the_experiment_runs_measurements_are_in_the_result() -> None:
    result = canarysim.simulate(
        canarysim.load_scenario(ROOT / "scenarios" / "experiment-step" / "scenario.yaml")
    )
    experiment_runs = {
        run.name for snap in result.snapshots for ex in snap.experiments for run in ex.analysis_runs
    }
    assert experiment_runs, "the bundled scenario's Experiment runs an analysis"
    measured = [m for m in result.measurements if m["run"] in experiment_runs]
    assert measured, "its measurements are reported"
    # every measurement the run's snapshot counted is there, and no more
    last = {run.name: run for snap in result.snapshots for ex in snap.experiments
            for run in ex.analysis_runs}  # fmt: skip
    for name, run in last.items():
        counted = run.successful + run.failed + run.inconclusive + run.errors
        assert len([m for m in measured if m["run"] == name]) == counted
    times = [m["time"] for m in result.measurements]
    assert times == sorted(times)
