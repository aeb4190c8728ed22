"""Faults from the scenario: pods and nodes lost, error spikes, and how the world recovers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from worldkit import set_image, write_scenario

import canarysim
from canarysim.result import Result

PODS = {
    "default": {
        "scheduling": "1s",
        "imagePull": "2s",
        "containerStart": "1s",
        "readiness": "2s",
        "termination": "1s",
    }
}
FAULTS = [
    {"at": "3m", "do": "killPod", "target": "canary"},
    {"at": "5m", "do": "killNode", "node": "node-1", "downFor": "2m"},
    {"at": "8m", "do": "errorSpike", "image": "app:v2", "errorRate": 0.5, "duration": "1m"},
]


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Result:
    path = write_scenario(
        tmp_path_factory.mktemp("faults"),
        operator=[set_image("1m")],
        faults=FAULTS,
        until="12m",
        pods=PODS,
    )
    return canarysim.simulate(path)


def _rs(r: Result, t: float, role: str) -> tuple[int, int, int]:
    rs = next(x for x in r.status_at(t).replica_sets if x.role == role)
    return rs.desired, rs.current, rs.available


def test_faults_are_announced_as_warning_events(faulty: Result) -> None:
    injected = [e for e in faulty.events if e["reason"] == "FaultInjected"]
    assert [(e["time"], e["kind"], e["source"]) for e in injected] == [
        (180.0, "Warning", "fault"),
        (300.0, "Warning", "fault"),
        (480.0, "Warning", "fault"),
    ]
    assert injected[0]["object"].startswith("Pod/app-")
    assert injected[1]["object"] == "Node/node-1"
    assert any(e["reason"] == "NodeReady" and e["time"] == 420.0 for e in faulty.events)


def test_a_killed_canary_pod_is_replaced(faulty: Result) -> None:
    assert _rs(faulty, 179, "canary") == (2, 2, 2)
    desired, current, available = _rs(faulty, 181, "canary")
    assert (desired, current) == (2, 2) and available == 1  # replacement still starting
    assert _rs(faulty, 290, "canary") == (2, 2, 2)


def test_a_lost_node_takes_its_pods_and_they_come_back(faulty: Result) -> None:
    before = sum(_rs(faulty, 299, role)[2] for role in ("canary", "stable"))
    after = sum(_rs(faulty, 300.5, role)[2] for role in ("canary", "stable"))
    assert before == 6 and after < before
    assert sum(_rs(faulty, 400, role)[2] for role in ("canary", "stable")) == 6
    assert faulty.status_at(400).phase == "Paused"  # the rollout itself is unaffected


def test_an_error_spike_raises_the_canary_error_rate_for_its_duration(faulty: Result) -> None:
    s = faulty.series
    spike = (s["time"] >= 480) & (s["time"] < 540)
    calm = (s["time"] >= 400) & (s["time"] < 470)
    n = s["requests.canary"][spike].sum()
    rate = s["errors.canary"][spike].sum() / n
    assert abs(rate - 0.5) < 5 * np.sqrt(0.25 / n)
    assert s["errors.canary"][calm].sum() == 0
    assert s["errors.stable"][spike].sum() == 0  # only app:v2 was affected


def test_killing_a_pod_that_does_not_exist_is_a_warning(tmp_path: Path) -> None:
    faults = [{"at": "1m", "do": "killPod", "target": "canary"}]  # no canary yet
    r = canarysim.simulate(write_scenario(tmp_path, faults=faults, until="2m"))
    assert r.warnings == ["t=60s: killPod 'canary': no such pod"]
