"""``replicaProgressThreshold`` end to end: from the manifest to a step that completes when
part of the canary is available.

The Rollout gates its pods' readiness on a condition (``readinessGates``) that the operator
opens for one pod of revision 2 at 3m (``markPodsReady``), so exactly one of the step's two
canary pods becomes available and the other never does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from worldkit import load, rollout, service, set_image, virtual_service

import canarysim

GATE = "example.com/warmed-up"


def _manifests(threshold: dict[str, Any] | None) -> list[dict[str, Any]]:
    extra = {} if threshold is None else {"replicaProgressThreshold": threshold}
    ro = rollout(replicas=4, steps=[{"setWeight": 50}, {"pause": {}}], extra_canary=extra)
    ro["spec"]["template"]["spec"]["readinessGates"] = [{"conditionType": GATE}]
    return [ro, service("canary-svc"), service("stable-svc"), virtual_service()]


def _step_one_completed(tmp_path: Path, threshold: dict[str, Any] | None) -> list[float]:
    scenario = load(
        tmp_path,
        manifests=_manifests(threshold),
        until="10m",
        operator=[
            set_image("1m"),
            {"at": "3m", "do": "markPodsReady", "revision": 2, "count": 1, "condition": GATE},
        ],
    )
    result = canarysim.simulate(scenario)
    return [
        e["time"]
        for e in result.events
        if e["reason"] == "RolloutStepCompleted" and "1/2" in e["message"]
    ]


@pytest.mark.parametrize(
    "threshold", [{"type": "Percent", "value": 50}, {"type": "Pods", "value": 1}]
)
def test_step_completes_once_the_threshold_of_canary_pods_is_available(tmp_path, threshold):
    done = _step_one_completed(tmp_path, threshold)
    assert len(done) == 1
    assert 180.0 <= done[0] < 240.0  # after the one pod is marked, within the minute


@pytest.mark.parametrize("threshold", [None, {"type": "Percent", "value": 51}])
def test_step_waits_for_more_than_the_available_canary_pods(tmp_path, threshold):
    assert _step_one_completed(tmp_path, threshold) == []
