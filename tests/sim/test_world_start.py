"""How a run begins: ``start: healthy`` (the default) has revision 1 deployed and Healthy when
the clock starts, exactly as the controller leaves it after a first deploy; ``start: empty``
deploys it from nothing at t=0."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from worldkit import rollout, service, virtual_service, write_scenario

import canarysim
from canarysim.engine.model import RolloutStatus
from canarysim.result import Result
from canarysim.sim.build import HISTORY
from canarysim.sim.cluster.templatehash import POD_TEMPLATE_HASH_LABEL
from canarysim.sim.world import World

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "scenarios" / "imesh-canary" / "scenario.yaml"
UPDATE = 300.0  # the seed's setImage at 5m


@pytest.fixture(scope="module")
def seed() -> Result:
    return canarysim.simulate(canarysim.load_scenario(SEED))


def test_seed_starts_healthy_at_revision_one(seed: Result) -> None:
    first = seed.snapshots[0]
    assert first.time == 0.0
    assert first.phase == "Healthy" and first.revision == 1
    assert first.stable_hash == first.canary_hash != ""
    assert first.step_index == first.step_count == 2  # currentStepIndex = len(steps)
    assert (first.desired, first.current, first.updated, first.ready, first.available) == (
        2,
        2,
        2,
        2,
        2,
    )
    assert {(c.type, c.status, c.reason) for c in first.conditions} == {
        ("Progressing", "True", "NewReplicaSetAvailable"),
        ("Available", "True", "AvailableReason"),
        ("Healthy", "True", "RolloutHealthy"),
        ("Completed", "True", "RolloutCompleted"),
    }
    [rs] = first.replica_sets
    assert rs.role == "stable" and rs.revision == 1 and rs.created <= -HISTORY
    assert [p.status for p in rs.pods] == ["Running", "Running"]
    assert all(p.ready and p.available and p.created <= -HISTORY for p in rs.pods)
    assert first.created <= -HISTORY  # the Rollout too was created before the clock started
    # The VirtualService as Argo left it: everything to stable, canary at weight 0.
    [vs] = seed.manifests_at(0.0)["virtualservices"]
    weights = {d["destination"]["host"]: d["weight"] for d in vs["spec"]["http"][0]["route"]}
    assert weights == {"stable-svc": 100, "canary-svc": 0}


def test_the_history_is_not_in_the_timeline(seed: Result) -> None:
    assert min(e["time"] for e in seed.events) >= 0.0
    reasons = [e["reason"] for e in seed.events if e["time"] < UPDATE]
    assert "RolloutAddedToInformer" not in reasons and "NewReplicaSetCreated" not in reasons
    assert not any("Initial deploy" in e["message"] for e in seed.events)
    assert seed.manifest_history[0][0] == 0.0


def test_first_requests_meet_ready_stable_pods(seed: Result) -> None:
    """No start-up errors: before the update every request is served by stable nginx:1.15.4,
    whose errors match its configured 0.1 % (a 5-sigma binomial band)."""
    t = seed.series["time"]
    before = t < UPDATE
    assert seed.series["requests.unserved"].sum() == 0
    n = int(seed.series["requests.stable"][before].sum())
    errors = int(seed.series["errors.stable"][before].sum())
    p = 0.001
    assert n > 25_000
    assert abs(errors / n - p) < 5 * np.sqrt(p * (1 - p) / n)


def _without_times(status: RolloutStatus) -> RolloutStatus:
    duration = status.duration
    if duration is not None:  # status.duration: when the first attempt started and finished
        duration = dataclasses.replace(duration, rollout_started_at=0.0, finished_at=0.0)
    return dataclasses.replace(
        status,
        conditions=tuple(
            dataclasses.replace(c, last_update_time=0.0, last_transition_time=0.0)
            for c in status.conditions
        ),
        duration=duration,
    )


def test_healthy_start_is_the_state_a_first_deploy_reaches() -> None:
    """The controller status, Services and routers at t=0 are those of a deploy from nothing
    once it is Healthy (the same engine made both), apart from the timestamps."""
    scenario = canarysim.load_scenario(SEED)
    warm = World.build(scenario).run(0.0)
    cold = World.build(scenario.with_changes(start="empty")).run(240.0)
    assert cold.controller.status.phase == "Healthy"
    assert _without_times(warm.controller.status) == _without_times(cold.controller.status)
    assert warm.mesh.manifests() == cold.mesh.manifests()
    stable = warm.controller.status.stable_rs
    for world in (warm, cold):
        for name in ("stable-svc", "canary-svc"):
            assert world.cluster.service(name).selector[POD_TEMPLATE_HASH_LABEL] == stable
    assert all(c.last_transition_time < 0 for c in warm.controller.status.conditions)


def test_start_empty_deploys_from_nothing_at_zero() -> None:
    r = canarysim.simulate(canarysim.load_scenario(SEED).with_changes(start="empty", until="4m"))
    assert r.events[0]["time"] == 0.0 and r.events[0]["reason"] == "RolloutAddedToInformer"
    assert any("Initial deploy" in e["message"] for e in r.events)
    assert r.snapshots[0].phase == "Progressing"
    assert r.series["requests.unserved"].sum() > 0  # traffic flows while the pods start
    assert all(p.created >= 0.0 for rs in r.snapshots[-1].replica_sets for p in rs.pods)


def test_a_version_never_ready_cannot_start_healthy(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        manifests=[rollout(), service("canary-svc"), service("stable-svc"), virtual_service()],
        versions={"app:v1": {"ready": False}},
        until="1m",
    )
    r = canarysim.simulate(path)
    assert r.snapshots[0].phase != "Healthy"
    assert any("start: healthy, but pod" in w for w in r.warnings)


def test_min_ready_seconds_lengthens_the_history(tmp_path: Path) -> None:
    slow = rollout(min_ready=7200)
    slow["spec"]["progressDeadlineSeconds"] = 9000
    path = write_scenario(
        tmp_path,
        manifests=[
            slow,
            service("canary-svc"),
            service("stable-svc"),
            virtual_service(),
        ],
        until="1m",
    )
    r = canarysim.simulate(path)
    first = r.snapshots[0]
    assert first.phase == "Healthy" and first.available == 4
    assert first.created == -(HISTORY + 7200)


def test_crashes_wait_for_the_clock(tmp_path: Path) -> None:
    """A stable version that crashes every 10 minutes on average did not crash in the hour
    before t=0 (its pods start with no restarts); from t=0 on it does."""
    path = write_scenario(
        tmp_path,
        versions={"app:v1": {"crash": {"meanTimeBetween": "10m"}}},
        until="1h",
    )
    r = canarysim.simulate(path)
    first = r.snapshots[0]
    assert first.time == 0.0
    assert all(p.restarts == 0 for rs in first.replica_sets for p in rs.pods)
    later = r.snapshots[-1]
    assert any(p.restarts > 0 for rs in later.replica_sets for p in rs.pods)
