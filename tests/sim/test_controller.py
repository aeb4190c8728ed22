"""The controller loop: when it wakes, how it applies decisions, operator verbs, analysis and
error handling."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from worldkit import rollout, service, set_image, virtual_service, write_scenario

import canarysim
from canarysim.errors import TrafficRoutingError
from canarysim.result import Result
from canarysim.sim.controller.loop import RESYNC_PERIOD
from canarysim.sim.world import World


def _rollout_events(r: Result) -> list[tuple[float, str, str]]:
    return [
        (e["time"], e["reason"], e["message"]) for e in r.events if e["object"] == "Rollout/app"
    ]


def _manifests(steps: list[dict[str, Any]] | None = None, extra: list | None = None) -> list:
    return [
        rollout(steps=steps),
        service("canary-svc"),
        service("stable-svc"),
        virtual_service(),
        *(extra or []),
    ]


def test_an_idle_rollout_is_only_woken_by_the_resync(tmp_path: Path) -> None:
    world = World.build(write_scenario(tmp_path, until="3h"))
    world.run(until=RESYNC_PERIOD - 1)
    settled = world.controller.reconciles
    assert world.controller.status.phase == "Healthy"
    assert settled < 30  # a handful of reconciles while pods come up, then quiet
    world.run(until=4 * RESYNC_PERIOD - 1)
    assert world.controller.reconciles - settled == 3  # one per resync period, no polling


def test_a_timed_pause_wakes_the_controller_without_polling(tmp_path: Path) -> None:
    steps = [{"setWeight": 10}, {"pause": {"duration": "7m"}}, {"setWeight": 20}]
    path = write_scenario(
        tmp_path, manifests=_manifests(steps), operator=[set_image("1m")], until="20m"
    )
    world = World.build(path)
    world.run(until=61)
    before = world.controller.reconciles
    world.run(until=60 + 7 * 60 - 1)
    assert world.controller.reconciles == before  # nothing to do while paused
    world.run()
    r = world.collect()
    done = next(t for t, reason, m in _rollout_events(r) if "2/3 completed" in m)
    assert done == pytest.approx(60 + 7 * 60, abs=0.01)


def test_abort_retry_and_promote(tmp_path: Path) -> None:
    ops = [
        set_image("1m"),
        {"at": "3m", "do": "abort"},
        {"at": "6m", "do": "retry"},
        {"at": "9m", "do": "promote"},
    ]
    r = canarysim.simulate(
        write_scenario(tmp_path, manifests=_manifests(), operator=ops, until="12m")
    )
    aborted = r.status_at(200)
    assert aborted.phase == "Degraded"
    assert aborted.message == "RolloutAborted: Rollout aborted update to revision 2"
    assert (aborted.step_index, aborted.set_weight, aborted.actual_weight) == (0, 0, 0)
    assert r.series_at("weight.canary", 200) == 0
    # The canary keeps its pods for abortScaleDownDelaySeconds (30 s), then goes to 0.
    canary = {rs.role: rs for rs in r.status_at(205).replica_sets}["canary"]
    assert canary.desired == 2
    canary = {rs.role: rs for rs in r.status_at(215).replica_sets}["canary"]
    assert canary.desired == 0
    retried = r.status_at(400)
    assert (retried.phase, retried.step_index, retried.actual_weight) == ("Paused", 1, 50)
    assert r.final.phase == "Healthy"
    assert r.summary["promoted_at"] == pytest.approx(540.0)


def test_spec_verbs_pause_resume_scale_and_promote_full(tmp_path: Path) -> None:
    steps = [{"setWeight": 25}, {"pause": {"duration": "1m"}}, {"setWeight": 50}, {"pause": {}}]
    ops = [
        set_image("1m"),
        {"at": "2m", "do": "pause"},
        {"at": "4m", "do": "resume"},
        {"at": "5m", "do": "scale", "replicas": 6},
        {"at": "7m", "do": "promoteFull"},
    ]
    r = canarysim.simulate(
        write_scenario(tmp_path, manifests=_manifests(steps), operator=ops, until="10m")
    )
    manual = r.status_at(200)
    assert (manual.phase, manual.message, manual.step_index) == ("Paused", "manually paused", 1)
    # The timed pause ran out while manually paused: it completes right after resume.
    resumed = [t for t, reason, m in _rollout_events(r) if "2/4 completed" in m]
    assert resumed == [240.0]
    scaled = r.status_at(350)
    assert scaled.desired == 6
    assert {rs.role: rs.desired for rs in scaled.replica_sets} == {"canary": 3, "stable": 6}
    assert r.final.phase == "Healthy"
    assert any("Full promotion requested" in m for _, _, m in _rollout_events(r))
    assert r.final.replica_sets[0].desired == 6


def test_undo_rolls_back_to_the_previous_template(tmp_path: Path) -> None:
    ops = [set_image("1m"), {"at": "3m", "do": "promoteFull"}, {"at": "6m", "do": "undo"}]
    r = canarysim.simulate(
        write_scenario(tmp_path, manifests=_manifests(), operator=ops, until="10m")
    )
    final = r.final
    canary = next(rs for rs in final.replica_sets if rs.role == "canary")
    assert canary.image == "app:v1"
    assert canary.revision == 3  # the old ReplicaSet reused under a new revision


def test_operator_commands_are_recorded_as_events(tmp_path: Path) -> None:
    r = canarysim.simulate(
        write_scenario(tmp_path, manifests=_manifests(), operator=[set_image("1m")], until="2m")
    )
    cmd = next(e for e in r.events if e["reason"] == "OperatorCommand")
    assert cmd["time"] == 60.0
    assert cmd["message"] == "kubectl argo rollouts set image app main=app:v2"
    assert cmd["source"] == "operator"


def test_a_failing_router_write_is_retried_with_backoff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World.build(
        write_scenario(tmp_path, manifests=_manifests(), operator=[set_image("1m")], until="5m")
    )
    real = world.mesh.set_weight
    calls: list[float] = []

    def flaky(canary: int, additional: Any = ()) -> None:
        if canary == 50:
            calls.append(world.env.now)
            if len(calls) <= 4:
                raise TrafficRoutingError("the server could not find the requested resource")
        real(canary, additional)

    monkeypatch.setattr(world.mesh, "set_weight", flaky)
    world.run()
    r = world.collect()
    failures = [e for e in r.events if e["reason"] == "TrafficRoutingError"]
    assert len(failures) == 4
    assert failures[0]["kind"] == "Warning"
    # Retries back off (Argo's workqueue: 1 ms doubling) instead of spinning at one instant.
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(calls)][:4]
    assert gaps == [0.001, 0.002, 0.004, 0.008]
    assert [e["message"] for e in r.summary["controller_errors"]] == [
        "the server could not find the requested resource"
    ] * 4
    assert r.series_at("weight.canary", 200) == 50
    assert r.final.step_index == 1


ANALYSIS = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "AnalysisTemplate",
    "metadata": {"name": "success-rate", "namespace": "ns"},
    "spec": {
        "args": [{"name": "service"}],
        "metrics": [
            {
                "name": "success-rate",
                "interval": "1m",
                "count": 3,
                "successCondition": "result[0] >= 0.95",
                "failureLimit": 0,
                "provider": {
                    "prometheus": {
                        "address": "http://prometheus:9090",
                        "query": (
                            'sum(rate(istio_requests_total{reporter="source",'
                            'destination_service_name="{{args.service}}",'
                            'response_code!~"5.*"}[1m])) / '
                            'sum(rate(istio_requests_total{reporter="source",'
                            'destination_service_name="{{args.service}}"}[1m]))'
                        ),
                    }
                },
            }
        ],
    },
}
ANALYSIS_STEPS = [
    {"setWeight": 20},
    {
        "analysis": {
            "templates": [{"templateName": "success-rate"}],
            "args": [{"name": "service", "value": "canary-svc"}],
        }
    },
    {"setWeight": 60},
]


@pytest.mark.parametrize(("error_rate", "phase"), [(0.001, "Healthy"), (0.3, "Degraded")])
def test_step_analysis_queries_the_simulated_prometheus(
    tmp_path: Path, error_rate: float, phase: str
) -> None:
    path = write_scenario(
        tmp_path,
        manifests=_manifests(ANALYSIS_STEPS, [ANALYSIS]),
        operator=[set_image("1m")],
        until="10m",
        versions={"app:v2": {"errorRate": error_rate}},
    )
    r = canarysim.simulate(path)
    assert r.final.phase == phase
    (run,) = r.final.analysis_runs
    assert run.phase == ("Successful" if phase == "Healthy" else "Failed")
    assert r.summary["analysis"][0]["phase"] == run.phase
    measured = r.series["analysis.success-rate"]
    values = measured[~np.isnan(measured)]
    assert len(values) > 0
    assert (values.min() >= 0.95) == (phase == "Healthy")
    if phase == "Degraded":
        assert r.final.message.startswith("RolloutAborted: Rollout aborted update to revision 2")
        assert r.series_at("weight.canary", r.until - 1) == 0


def test_a_canary_sees_its_destination_rules_subsets_a_blue_green_none() -> None:
    """``isReplicaSetReferencedByIstioDestinationRule``: the hashes the canary's Istio
    DestinationRule subsets select are part of what the controller observes (an old
    ReplicaSet they still select is not scaled down); blue-green has no such rule."""
    scenarios = Path(__file__).resolve().parents[2] / "scenarios"
    subsets = World.build(scenarios / "subset-split" / "scenario.yaml").run(60.0)
    seen = subsets.controller.observation().destination_rule_hashes
    status = subsets.controller.status
    assert seen and set(seen) == {status.stable_rs, status.current_pod_hash}
    assert seen == subsets.mesh.destination_rule_hashes()
    blue_green = World.build(scenarios / "blue-green" / "scenario.yaml").run(60.0)
    assert blue_green.controller.observation().destination_rule_hashes == ()
