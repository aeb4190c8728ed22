"""SMI through the whole simulator, replaying upstream's test/e2e/smi_test.go
(TestSMIExperimentStep) on ``scenarios/smi-experiment``: the TrafficSplit's backends as the
test asserts them at each stage, and requests to the root Service split by its weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import canarysim
from canarysim.result import Result

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "smi-experiment" / "scenario.yaml"


@pytest.fixture(scope="module")
def run() -> Result:
    return canarysim.simulate(SCENARIO)


def backends(r: Result, t: float) -> list[tuple[str, int]]:
    [ts] = r.manifests_at(t)["trafficsplits"]
    assert ts["metadata"]["name"] == "rollout-smi-experiment-trafficsplit"
    assert ts["spec"]["service"] == "rollout-smi-experiment-stable"
    return [(b["service"], int(b["weight"])) for b in ts["spec"]["backends"]]


def test_traffic_split_as_the_e2e_test_asserts(run: Result) -> None:
    r = run
    # Healthy at revision 1: canary 0, stable 100
    assert backends(r, 100) == [
        ("rollout-smi-experiment-canary", 0),
        ("rollout-smi-experiment-stable", 100),
    ]
    # at the experiment step: canary 5, the experiment's Service 5, stable 90
    running = next(
        e["time"]
        for e in r.events
        if e["reason"] == "TrafficWeightUpdated" and "additional: [{" in e["message"]
    )
    got = backends(r, running + 1)
    assert len(got) == 3 and got[0] == ("rollout-smi-experiment-canary", 5)
    assert got[1][0].endswith("-experiment-smi") and got[1][1] == 5
    assert got[2] == ("rollout-smi-experiment-stable", 90)
    # promoted and Healthy: back to two backends, 0 / 100
    done = next(
        e["time"]
        for e in r.events
        if e["reason"] == "RolloutCompleted" and "revision 2" in e["message"]
    )
    assert backends(r, done + 1) == [
        ("rollout-smi-experiment-canary", 0),
        ("rollout-smi-experiment-stable", 100),
    ]
    final = r.status_at(done + 1)
    assert final.phase == "Healthy"
    old = next(rs for rs in final.replica_sets if rs.revision == 1)
    assert old.desired == 1  # ExpectRevisionPodCount("1", 1): within scaleDownDelay


def test_requests_to_the_root_service_follow_the_split(run: Result) -> None:
    r = run
    running = next(
        e["time"]
        for e in r.events
        if e["reason"] == "TrafficWeightUpdated" and "additional: [{" in e["message"]
    )
    t = r.series["time"]
    held = (t >= running + 2) & (t < 8 * 60 - 2)
    canary = r.series["requests.canary"][held].sum()  # the canary and the canary-spec experiment
    n = canary + r.series["requests.stable"][held].sum()
    p = 0.10
    assert abs(canary / n - p) < 5 * np.sqrt(p * (1 - p) / n)
    # Started Healthy: Argo created the TrafficSplit during the first deploy, before t=0; it is
    # there from the first instant, and its creation is not replayed in the timeline.
    assert backends(r, 0.0) == [
        ("rollout-smi-experiment-canary", 0),
        ("rollout-smi-experiment-stable", 100),
    ]
    assert "TrafficSplitCreated" not in [e["reason"] for e in r.events]


def test_first_deploy_creates_the_traffic_split_once() -> None:
    """``start: empty``: the first deploy creates the TrafficSplit, once."""
    scenario = canarysim.load_scenario(SCENARIO).with_changes(start="empty", until="2m")
    r = canarysim.simulate(scenario)
    created = [e for e in r.events if e["reason"] == "TrafficSplitCreated"]
    healthy = next(s.time for s in r.snapshots if s.phase == "Healthy")
    assert len(created) == 1 and 0.0 < created[0]["time"] <= healthy
    assert r.events[0]["time"] == 0.0
