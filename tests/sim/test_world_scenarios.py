"""Every bundled scenario, run through the whole simulator, tells the story its README line
promises (the seed scenario has its own, finer test in test_world.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import canarysim
from canarysim.result import Result

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _run(name: str) -> Result:
    return canarysim.simulate(SCENARIOS / name / "scenario.yaml")


def _between(r: Result, start: str, end: str) -> np.ndarray:
    """Series rows strictly inside the interval between two event messages."""
    t0 = next(e["time"] for e in r.events if start in e["message"])
    t1 = next(e["time"] for e in r.events if end in e["message"] and e["time"] > t0)
    t = r.series["time"]
    return (t >= t0 + 1) & (t < t1 - 10)


def test_every_bundled_scenario_runs() -> None:
    found = sorted(p.parent.relative_to(SCENARIOS) for p in SCENARIOS.glob("**/scenario.yaml"))
    assert Path("imesh-canary") in found
    for rel in found:
        r = canarysim.simulate(SCENARIOS / rel / "scenario.yaml", until="5m")
        assert r.final.phase in ("Healthy", "Progressing", "Paused", "Degraded"), rel


def test_header_route_sends_every_tagged_request_to_the_canary() -> None:
    r = _run("header-route")
    held = _between(r, "completed (setHeaderRoute", "3/5 completed")
    s = r.series
    canary, stable = s["requests.canary"][held].sum(), s["requests.stable"][held].sum()
    n = canary + stable
    # 5 % carry the header (always canary); the other 95 % split 10/90.
    p = 0.05 + 0.95 * 0.10
    assert abs(canary / n - p) < 5 * np.sqrt(p * (1 - p) / n)
    vs = r.manifests_at(600)["virtualservices"][0]["spec"]["http"]
    assert [route.get("name") for route in vs] == ["canary-testers", "primary"]
    assert r.final.phase == "Healthy"
    final_vs = r.manifests_at(r.until)["virtualservices"][0]["spec"]["http"]
    assert [route.get("name") for route in final_vs] == ["primary"]  # managed route removed


def test_subset_split_rewrites_the_destination_rule_hashes() -> None:
    r = _run("subset-split")
    paused = r.status_at(300)
    (dr,) = r.manifests_at(300)["destinationrules"]
    labels = {s["name"]: s["labels"] for s in dr["spec"]["subsets"]}
    assert labels["canary"]["rollouts-pod-template-hash"] == paused.canary_hash
    assert labels["stable"]["rollouts-pod-template-hash"] == paused.stable_hash
    assert paused.canary_hash != paused.stable_hash
    held = _between(r, "1/4 completed", "2/4 completed")
    s = r.series
    canary, stable = s["requests.canary"][held].sum(), s["requests.stable"][held].sum()
    n = canary + stable
    assert abs(canary / n - 0.1) < 5 * np.sqrt(0.09 / n)
    assert r.final.phase == "Healthy"
    (dr,) = r.manifests_at(r.until)["destinationrules"]
    final = {s["name"]: s["labels"]["rollouts-pod-template-hash"] for s in dr["spec"]["subsets"]}
    assert final == {"canary": r.final.stable_hash, "stable": r.final.stable_hash}


def test_analysis_abort_aborts_the_bad_release() -> None:
    r = _run("analysis-abort")
    final = r.final
    assert final.phase == "Degraded"
    assert final.message.startswith("RolloutAborted: Rollout aborted update to revision 2")
    assert [a.phase for a in final.analysis_runs] == ["Failed"]
    assert r.summary["time_to_abort"] is not None
    assert r.series_at("weight.canary", r.until - 1) == 0
    assert "analysis.error-rate" in r.series


def test_basic_canary_approximates_weights_with_pods() -> None:
    r = _run("basic-canary")
    assert r.final.phase == "Healthy"
    for step, weight in (("1/6", 20), ("3/6", 40), ("5/6", 80)):
        t = next(e["time"] for e in r.events if f"step {step} completed" in e["message"])
        snap = r.status_at(t + 60)
        assert snap.set_weight == weight
        roles = {rs.role: rs.available for rs in snap.replica_sets}
        assert roles["canary"] * 100 // (roles["canary"] + roles["stable"]) == weight


def test_as_published_is_refused_like_argo_refuses_it() -> None:
    r = _run("imesh-canary/as-published")
    assert r.final.phase == "Degraded"
    assert r.final.message.startswith('InvalidSpec: The Rollout "imesh-rollout" is invalid')
    assert r.final.replica_sets == ()
    assert r.summary["requests"]["canary"] == 0
    assert r.summary["errors"]["unserved"] == r.summary["requests"]["unserved"] > 0
    assert r.summary["requests"]["stable"] == 0  # no pod answered: served by no version


@pytest.mark.parametrize("mode", ["aggregate", "exact"])
def test_bundled_scenarios_are_deterministic(mode: str) -> None:
    path = SCENARIOS / "header-route" / "scenario.yaml"
    a = canarysim.simulate(path, until="10m", mode=mode)
    b = canarysim.simulate(path, until="10m", mode=mode)
    assert a.dumps() == b.dumps()
