"""Operator actions on conditions (``when:``) and the ``patch`` verb, in whole runs.

Timings are checked against the watcher's contract: a condition is looked at every second
(error rates every 10 s), so an action fires within one look of the instant theory gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import canarysim
from canarysim.result import Result

ROOT = Path(__file__).resolve().parents[2]
IMESH = canarysim.load_scenario(ROOT / "scenarios" / "imesh-canary" / "scenario.yaml")
ABORT = canarysim.load_scenario(ROOT / "scenarios" / "analysis-abort" / "scenario.yaml")


def _with(base: Any, *extra: dict[str, Any], **changes: Any) -> Result:
    scenario = base.with_changes(operator=[*base.data["operator"], *extra], **changes)
    return canarysim.simulate(scenario)


def _commands(r: Result, verb: str) -> list[float]:
    return [e["time"] for e in r.events if e.get("source") == "operator" and verb in e["message"]]


def _first(r: Result, test: Any) -> float:
    return next(s.time for s in r.snapshots if test(s))


def test_promote_after_paused_for_10m() -> None:
    r = _with(IMESH, {"when": {"phase": "Paused", "for": "10m"}, "do": "promote"}, until="30m")
    paused = _first(r, lambda s: s.phase == "Paused")
    (promoted,) = _commands(r, "promote")
    assert 600.0 <= promoted - paused <= 601.0
    assert r.final.phase == "Healthy"
    assert r.summary["promoted_at"] is not None and r.summary["promoted_at"] >= promoted


def test_abort_at_a_step_index() -> None:
    r = _with(IMESH, {"when": {"stepIndex": 1}, "do": "abort"}, until="20m")
    reached = _first(r, lambda s: s.step_index == 1)
    (aborted,) = _commands(r, "abort")
    assert 0.0 <= aborted - reached <= 1.0
    assert r.final.aborted and r.final.phase == "Degraded"


@pytest.mark.parametrize(("rate", "fires"), [(0.12, True), (0.001, False)])
def test_abort_on_the_canary_error_rate(rate: float, fires: bool) -> None:
    # 50 % of 100 requests/s: 3,000 canary requests a minute. At 12 % errors the rate over
    # the last minute is far above 2 %; at 0.1 % it would take >60 failures in 3,000
    # (mean 3): never, for any practical purpose.
    scenario = IMESH.with_changes(
        until="20m",
        versions={"nginx:1.15.5": {"errorRate": rate}},
        operator=[
            *IMESH.data["operator"],
            {"when": {"canaryErrorRate": {"above": 0.02, "over": "1m"}}, "do": "abort"},
        ],
    )
    r = canarysim.simulate(scenario)
    aborts = _commands(r, "abort")
    if not fires:
        assert aborts == [] and r.final.phase == "Paused"
        return
    (aborted,) = aborts
    w = r.series["weight.canary"]
    weighted = float(r.series["time"][next(i for i in range(len(w)) if w[i] > 0)])
    # The first look with canary requests in the window (every 10 s).
    assert weighted <= aborted <= weighted + 10.0 + 1e-6
    assert aborted % 10.0 == pytest.approx(0.0, abs=1e-6)
    assert r.final.aborted


def test_retry_a_minute_after_a_failed_analysis_once_or_every_time() -> None:
    once = _with(ABORT, {"when": {"analysisRun": "Failed"}, "do": "retry", "after": "1m"})
    failed = once.summary["aborted_at"]
    retries = _commands(once, "retry")
    assert retries and 60.0 <= retries[0] - failed <= 61.0
    assert len(retries) == 1
    again = _with(
        ABORT, {"when": {"analysisRun": "Failed"}, "do": "retry", "after": "1m", "repeat": True}
    )
    # Each retry restarts the canary, its analysis fails again, and another retry follows.
    assert len(_commands(again, "retry")) >= 2


def test_patch_replicas_and_template() -> None:
    r = _with(
        IMESH,
        {"at": "8m", "do": "patch", "patch": {"spec": {"replicas": 4}}},
        until="20m",
    )
    assert r.final.desired == 4 and r.final.revision == 2
    line = _commands(r, "kubectl patch")
    assert line == [480.0]
    image = {
        "spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.16"}]}}}
    }
    r = _with(IMESH, {"at": "8m", "do": "patch", "type": "strategic", "patch": image}, until="20m")
    # A new pod template on a cluster is a new revision: a third ReplicaSet, steps from 0.
    assert r.final.revision == 3
    assert r.final.replica_sets[0].image == "nginx:1.16"
    assert any(e["reason"] == "RolloutUpdated" and e["time"] >= 480.0 for e in r.events)


def test_a_patch_refused_at_run_time_changes_nothing() -> None:
    # Valid against the Rollout as loaded (1.15.4), refused once set image changed it.
    test_op = [
        {"op": "test", "path": "/spec/template/spec/containers/0/image", "value": "nginx:1.15.4"},
        {"op": "replace", "path": "/spec/replicas", "value": 5},
    ]
    r = _with(IMESH, {"at": "8m", "do": "patch", "type": "json", "patch": test_op}, until="15m")
    assert r.final.desired == 2
    assert any("refused" in w and "is not 'nginx:1.15.4'" in w for w in r.warnings)


def test_apply_and_delete_on_conditions(tmp_path: Path) -> None:
    """``apply``/``delete`` take ``when:`` as the other verbs do: a Service the Rollout needs
    is deleted once it has been Healthy for 30 s, and applied again once the Rollout is
    Degraded (InvalidSpec at the reconcile the update makes); it validates again at its next
    20 s requeue and goes on."""
    from worldkit import rollout, service, virtual_service, write_scenario

    canary = service("canary-svc")
    path = write_scenario(
        tmp_path,
        manifests=[rollout(), canary, service("stable-svc"), virtual_service()],
        operator=[
            {
                "when": {"phase": "Healthy", "for": "30s"},
                "do": "delete",
                "kind": "Service",
                "name": "canary-svc",
            },
            {"at": "1m", "do": "setImage", "container": "main", "image": "app:v2"},
            {"when": {"phase": "Degraded"}, "do": "apply", "manifest": canary},
        ],
        until="5m",
    )
    r = canarysim.simulate(path)
    (deleted,) = _commands(r, "kubectl delete service canary-svc")
    (applied,) = _commands(r, "kubectl apply")
    assert 30.0 <= deleted <= 31.0  # Healthy from the start, for 30 s
    degraded = _first(r, lambda s: s.phase == "Degraded")
    assert degraded == 60.0  # the setImage wakes the controller: it validates, InvalidSpec
    assert 0.0 <= applied - degraded <= 1.0
    assert "canary-svc" in r.status_at(degraded).message
    assert any(s.phase != "Degraded" for s in r.snapshots if s.time > applied)
