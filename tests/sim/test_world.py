"""The world end to end: the seed scenario reproduces the article, runs are deterministic, and
invalid rollouts behave as Argo's do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from worldkit import load, rollout, service, set_image, virtual_service, write_scenario

import canarysim
from canarysim.errors import InputRefused, ScenarioError
from canarysim.result import Result
from canarysim.sim.world import World

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "scenarios" / "imesh-canary" / "scenario.yaml"


@pytest.fixture(scope="module")
def seed_result() -> Result:
    return canarysim.simulate(canarysim.load_scenario(SEED))


def _event(result: Result, reason: str, contains: str = "") -> dict:
    return next(e for e in result.events if e["reason"] == reason and contains in e["message"])


def test_seed_scenario_reproduces_the_article(seed_result: Result) -> None:
    r = seed_result
    update = _event(r, "RolloutUpdated", "revision 2")["time"]
    assert update == 300.0  # set image at 5m

    # Right after the image update: canary 1 pod, stable 2 (Current 3), step 0/2 -> 1/2.
    early = r.status_at(update + 1)
    assert (early.step_index, early.step_count, early.set_weight) == (0, 2, 50)
    roles = {rs.role: rs for rs in early.replica_sets}
    assert roles["canary"].desired == 1 and roles["stable"].desired == 2
    assert early.current == 3
    assert early.actual_weight == 0  # no canary pod available yet

    # The weight moves to 50 when the canary pod is available: Ready + 30 s minReadySeconds.
    weight50 = _event(r, "TrafficWeightUpdated", "to 50")["time"]
    assert update + 30 < weight50 < update + 60
    step1 = _event(r, "RolloutStepCompleted", "1/2")["time"]
    assert step1 == weight50

    # Paused for one hour (pause start stamped to the second).
    paused = r.status_at(3600)
    assert (paused.phase, paused.message) == ("Paused", "CanaryPauseStep")
    assert (paused.step_index, paused.set_weight, paused.actual_weight) == (1, 50, 50)
    assert (paused.desired, paused.current, paused.updated, paused.ready, paused.available) == (
        2,
        3,
        1,
        3,
        3,
    )
    resumed = _event(r, "RolloutStepCompleted", "2/2")["time"]
    assert resumed == pytest.approx(np.floor(step1) + 3600, abs=0.01)
    vs = r.manifests_at(3600)["virtualservices"][0]["spec"]["http"][0]["route"]
    assert {d["destination"]["host"]: d["weight"] for d in vs} == {
        "stable-svc": 50,
        "canary-svc": 50,
    }

    # Then weight 100, promotion, stable Service on the new pods, old RS gone 30 s later.
    w100 = _event(r, "TrafficWeightUpdated", "to 100")["time"]
    promoted = _event(r, "RolloutCompleted", "revision 2")["time"]
    assert resumed < w100 <= promoted
    scaled_down = _event(r, "ScalingReplicaSet", "from 2 to 0")
    assert "revision 1" in scaled_down["message"]
    assert scaled_down["time"] == pytest.approx(np.floor(promoted) + 30, abs=1.0)
    final = r.final
    assert final.phase == "Healthy"
    assert final.stable_hash == final.canary_hash
    assert [(rs.revision, rs.role, rs.desired) for rs in final.replica_sets] == [
        (2, "stable", 2),
        (1, "old", 0),
    ]


def test_seed_scenario_splits_requests_evenly_during_the_pause(seed_result: Result) -> None:
    s = seed_result.series
    step1 = _event(seed_result, "RolloutStepCompleted", "1/2")["time"]
    resumed = _event(seed_result, "RolloutStepCompleted", "2/2")["time"]
    during = (s["time"] >= step1 + 1) & (s["time"] < resumed - 10)
    canary, stable = s["requests.canary"][during].sum(), s["requests.stable"][during].sum()
    n = canary + stable
    assert n > 300_000  # 100 req/s for an hour
    # Binomial(n, 1/2): five standard deviations.
    assert abs(canary / n - 0.5) < 5 * np.sqrt(0.25 / n)
    assert set(s["weight.canary"][during]) == {50}


def test_seed_scenario_summary_and_series_shape(seed_result: Result) -> None:
    r = seed_result
    s = r.series
    assert all(len(v) == len(s["time"]) for v in s.values())
    assert np.all(np.diff(s["time"]) > 0)
    assert r.summary["phase"] == "Healthy"
    assert r.summary["time_to_promotion"] == pytest.approx(
        _event(r, "RolloutCompleted", "revision 2")["time"] - 300.0
    )
    total = r.summary["requests"]["stable"] + r.summary["requests"]["canary"]
    assert total == pytest.approx(100 * r.until, rel=0.01)  # Poisson, 720k expected


def test_same_seed_same_result_and_other_seed_other_traffic(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, operator=[set_image("2m")], until="20m")
    a = canarysim.simulate(path)
    b = canarysim.simulate(path)
    assert a.dumps() == b.dumps()
    other = canarysim.simulate(
        write_scenario(tmp_path, operator=[set_image("2m")], until="20m", seed=2)
    )
    assert not np.array_equal(a.series["requests.stable"], other.series["requests.stable"])
    # ... while the rollout itself (instant pods) does the same thing.
    assert [e["reason"] for e in a.events] == [e["reason"] for e in other.events]


def test_result_survives_a_json_round_trip(tmp_path: Path) -> None:
    r = canarysim.simulate(write_scenario(tmp_path, operator=[set_image("1m")], until="10m"))
    back = Result.from_json(r.to_json())
    assert back.dumps() == r.dumps()
    assert back.final.phase == r.final.phase == "Paused"


def test_invalid_rollout_is_degraded_and_never_progresses(tmp_path: Path) -> None:
    manifests = [
        rollout(),
        service("canary-svc"),
        service("stable-svc", app="nothing"),  # selects a label the pods do not carry
        virtual_service(),
    ]
    with pytest.raises(InputRefused, match=r"\[argo/invalid-spec\]; 1 more error"):
        canarysim.simulate(write_scenario(tmp_path, manifests=manifests, until="5m"))
    accepted = ["argo/invalid-spec", "lint/service-selects-nothing"]
    path = write_scenario(tmp_path, manifests=manifests, until="5m", acceptErrors=accepted)
    r = canarysim.simulate(path)
    final = r.final
    assert final.phase == "Degraded"
    assert final.message.startswith('InvalidSpec: The Rollout "app" is invalid: ')
    assert final.replica_sets == ()
    assert r.summary["requests"]["stable"] == 0  # no pod ever answered: served by no version
    n = r.summary["requests"]["unserved"]
    assert n > 0 and r.summary["errors"]["unserved"] == n
    assert r.summary["by_image"] == {"(no endpoint)": {"requests": n, "errors": n}}


def test_as_published_seed_is_invalid_spec() -> None:
    r = canarysim.simulate(ROOT / "scenarios/imesh-canary/as-published/scenario.yaml", until="2m")
    assert r.final.phase == "Degraded"
    assert "InvalidSpec" in r.final.message


def test_until_and_mode_arguments(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    assert canarysim.simulate(path, until="90s").until == 90.0
    assert canarysim.simulate(path, until=30, mode="exact").mode == "exact"
    with pytest.raises(ScenarioError):
        canarysim.simulate(path, until="soon")
    with pytest.raises(ScenarioError):
        canarysim.simulate(path, mode="fast")


def test_world_can_be_run_in_stages(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, operator=[set_image("1m")], until="10m")
    world = World.build(path)
    world.run(until=120)
    mid = world.collect()
    assert mid.until == 120.0
    world.run()
    full = world.collect()
    assert full.until == 600.0
    # Traffic draws depend on where intervals were cut; the rollout itself does not.
    whole = canarysim.simulate(path)
    assert [(e["time"], e["reason"]) for e in full.events] == [
        (e["time"], e["reason"]) for e in whole.events
    ]


def test_an_experiment_step_runs_and_the_rollout_goes_on(tmp_path: Path) -> None:
    steps = [{"experiment": {"duration": "1m", "templates": [{"name": "x", "specRef": "canary"}]}}]
    manifests = [
        rollout(steps=steps),
        service("canary-svc"),
        service("stable-svc"),
        virtual_service(),
    ]
    path = write_scenario(tmp_path, manifests=manifests, operator=[set_image("1m")], until="10m")
    result = canarysim.simulate(path)
    assert result.final.phase == "Healthy"
    experiments = [e for snap in result.snapshots for e in snap.experiments]
    assert experiments, "the experiment step left no trace in the Result"
    assert experiments[-1].phase == "Successful"


def test_load_helper_builds_scenarios(tmp_path: Path) -> None:
    scenario = load(tmp_path, until="1m")
    assert scenario.until == 60.0


def test_runs_are_identical_across_processes(tmp_path: Path) -> None:
    """String hashing differs between interpreters; the Result must not."""
    path = write_scenario(tmp_path, operator=[set_image("1m")], until="5m")
    code = "import sys, canarysim; sys.stdout.write(canarysim.simulate(sys.argv[1]).dumps())"
    outs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=tmp_path,
        )
        outs.append(done.stdout)
    assert outs[0] == outs[1]
    assert outs[0] == canarysim.simulate(path).dumps()


def test_until_zero_reports_the_initial_state(tmp_path: Path) -> None:
    r = canarysim.simulate(write_scenario(tmp_path), until=0)
    assert r.until == 0.0
    assert r.final.phase == "Healthy"  # instant pods: the initial deploy settles at t=0
    assert r.series["time"].tolist() == [0.0]
    assert r.summary["requests"] == {"stable": 0, "canary": 0, "unserved": 0}


def test_traffic_to_a_host_nobody_serves_is_a_warning(tmp_path: Path) -> None:
    manifests = [rollout(routed=False)]  # no Service, no VirtualService
    r = canarysim.simulate(write_scenario(tmp_path, manifests=manifests, until="1m"))
    assert r.warnings == [
        "traffic: requests go to host 'app', which no VirtualService or Service serves: "
        "every request fails (set traffic.host)"
    ]
    assert r.summary["errors"]["unserved"] == r.summary["requests"]["unserved"] > 0
    assert r.summary["requests"]["stable"] == 0
