"""The Result contract: queries, immutability and a byte-stable JSON round trip."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from canarysim.errors import ScenarioError
from canarysim.result import (
    SCHEMA,
    AnalysisRunSnapshot,
    ConditionSnapshot,
    DurationSnapshot,
    PodSnapshot,
    ReplicaSetSnapshot,
    Result,
    RolloutSnapshot,
)


def snap(t: float, phase: str = "Healthy", weight: int = 0, **kw: object) -> RolloutSnapshot:
    pod = PodSnapshot("r-abc-x1", "Running", True, True, 0, 1.0 / 3.0)
    rs = ReplicaSetSnapshot("r-abc", "abc", 1, "stable", "nginx:1", 2, 2, 2, 2, 0.0, None, (pod,))
    base = dict(
        time=t,
        name="r",
        namespace="ns",
        phase=phase,
        message="",
        strategy="Canary",
        step_index=None,
        step_count=2,
        set_weight=weight,
        actual_weight=weight,
        paused_remaining=None,
        aborted=False,
        revision=1,
        stable_hash="abc",
        canary_hash="abc",
        desired=2,
        current=2,
        updated=2,
        ready=2,
        available=2,
        replica_sets=(rs,),
        analysis_runs=(AnalysisRunSnapshot("r-abc-1", "Successful", 1, successful=3),),
        conditions=(ConditionSnapshot("Available", "True", "AvailableReason", "ok"),),
    )
    base.update(kw)
    return RolloutSnapshot(**base)  # type: ignore[arg-type]


def sample() -> Result:
    vs = {
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "VirtualService",
        "metadata": {"name": "v"},
        "spec": {"http": [{"route": [{"weight": 100}]}]},
    }
    vs50 = json.loads(json.dumps(vs))
    vs50["spec"]["http"][0]["route"][0]["weight"] = 50
    return Result(
        scenario_name="demo",
        seed=7,
        until=7200.0,
        mode="aggregate",
        events=[
            {
                "time": 0.1 + 0.2,
                "kind": "Normal",
                "object": "Rollout/r",
                "reason": "RolloutUpdated",
                "message": "m",
            }
        ],
        snapshots=[
            snap(0.0),
            snap(300.0, "Progressing", 50),
            snap(3700.5, "Paused", 50, paused_remaining=12.25),
        ],
        series={
            "time": np.array([0.0, 300.0, 3700.5]),
            "weight.canary": np.array([0, 50, 50]),
            "latency_p99.canary": np.array([np.nan, 12.3456789, 1 / 3]),
        },
        manifest_history=[
            (0.0, {"virtualservices": [vs], "destinationrules": []}),
            (330.0, {"virtualservices": [vs50], "destinationrules": []}),
        ],
        summary={"time_to_promotion": None, "requests": {"stable": 10, "canary": 3}},
    )


def test_status_at_returns_last_snapshot_at_or_before_t() -> None:
    r = sample()
    assert r.status_at(299.999).phase == "Healthy"
    assert r.status_at(300.0).phase == "Progressing"
    assert r.status_at(1e9).phase == "Paused"
    assert r.status_at(-5).time == 0.0
    assert r.final is r.snapshots[-1]


def test_manifests_at_is_a_copy_of_the_last_write() -> None:
    r = sample()
    assert r.manifests_at(100)["virtualservices"][0]["spec"]["http"][0]["route"][0]["weight"] == 100
    got = r.manifests_at(400)
    assert got["virtualservices"][0]["spec"]["http"][0]["route"][0]["weight"] == 50
    got["virtualservices"].clear()
    assert r.manifests_at(400)["virtualservices"], "callers must not be able to edit history"


def test_snapshots_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        sample().final.phase = "Degraded"  # type: ignore[misc]


def test_json_round_trip_is_byte_identical() -> None:
    r = sample()
    text = r.dumps()
    back = Result.from_json(json.loads(text))
    assert back.dumps() == text
    assert back == r
    assert back.final.replica_sets[0].pods[0].name == "r-abc-x1"
    assert back.final.analysis_runs[0].successful == 3
    assert back.final.conditions[0].reason == "AvailableReason"
    assert back.series["weight.canary"].dtype.kind == "i"
    assert np.isnan(back.series["latency_p99.canary"][0])
    assert back.status_at(3800).paused_remaining == 12.25


def test_json_is_versioned_ordered_and_rounded() -> None:
    data = sample().to_json()
    assert list(data)[:2] == ["schema", "scenario_name"]
    assert data["schema"] == SCHEMA
    assert data["events"][0]["time"] == 0.3  # 0.30000000000000004 rounded to the microsecond
    assert list(data["events"][0]) == ["time", "kind", "object", "reason", "message"]
    assert data["series"]["latency_p99.canary"] == [None, 12.3457, 0.333333]
    assert data["snapshots"][0]["replica_sets"][0]["pods"][0]["created"] == 0.333333


def test_times_are_always_floats() -> None:
    r = sample()
    r.events.append({"time": 1, "kind": "Normal", "object": "x", "reason": "y", "message": ""})
    data = r.to_json()
    assert all(isinstance(e["time"], float) for e in data["events"])
    assert json.dumps(data["events"][-1]).startswith('{"time": 1.0')


def test_package_exports_what_all_says() -> None:
    import canarysim

    assert sorted(canarysim.__all__) == [
        "Result",
        "Simulation",
        "__version__",
        "compare",
        "load_scenario",
        "simulate",
        "sweep",
        "tune",
    ]
    for name in canarysim.__all__:
        assert getattr(canarysim, name) is not None
    assert canarysim.Result is Result


def test_repr_is_short() -> None:
    text = repr(sample())
    assert text.startswith("Result(scenario_name='demo', seed=7, until=7200")
    assert "final_phase='Paused'" in text and len(text) < 200


def test_other_schema_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ScenarioError, match=r"canarysim\.result/v1"):
        Result.from_json({"schema": "canarysim.result/v0"})


def test_series_at_reads_step_wise_values() -> None:
    r = sample()
    assert r.series_at("weight.canary", 299) == 0
    assert r.series_at("weight.canary", 301) == 50


def test_result_module_never_imports_simpy() -> None:
    code = "import sys, canarysim.result; print('simpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_duration_is_written_under_argos_keys_and_read_back() -> None:
    """``status.duration`` in the JSON as Argo serialises it: camelCase keys, unset fields
    left out (omitempty); snapshots without one keep their v1 shape."""
    d = DurationSnapshot(rollout_started_at=-3600.0, total_manual_pause_duration_seconds=12)
    r = dataclasses.replace(sample(), snapshots=[snap(0.0, duration=d), snap(1.0)])
    data = r.to_json()
    assert data["snapshots"][0]["duration"] == {
        "rolloutStartedAt": -3600.0,
        "totalManualPauseDurationSeconds": 12,
    }
    assert "duration" not in data["snapshots"][1]
    back = Result.from_json(json.loads(json.dumps(data)))
    assert back.snapshots[0].duration == d
    assert back.snapshots[1].duration is None
