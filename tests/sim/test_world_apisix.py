"""APISIX through the whole simulator, replaying upstream's test/e2e/apisix_test.go
(TestAPISIXCanaryStep) on ``scenarios/apisix-canary``: the backend weights at each stage and
requests split by them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import canarysim

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "apisix-canary" / "scenario.yaml"


def weights(r, t: float) -> tuple[int, int]:
    [ar] = r.manifests_at(t)["apisixroutes"]
    [rule] = [h for h in ar["spec"]["http"] if h["name"] == "rollouts-apisix"]
    w = {b["serviceName"]: b["weight"] for b in rule["backends"]}
    return w["rollout-apisix-canary-stable"], w["rollout-apisix-canary-canary"]


def test_weights_as_the_e2e_test_checks_them() -> None:
    r = canarysim.simulate(SCENARIO)
    at = {
        i: next(s.time for s in r.snapshots if s.step_index == i and s.revision == 2)
        for i in (1, 3)
    }
    assert weights(r, at[1] + 1) == (95, 5)
    assert weights(r, at[3] + 1) == (50, 50)
    done = next(
        e["time"]
        for e in r.events
        if e["reason"] == "RolloutCompleted" and "revision 2" in e["message"]
    )
    assert weights(r, done + 1) == (100, 0)
    final = r.status_at(done + 1)
    assert final.phase == "Healthy"
    assert next(rs for rs in final.replica_sets if rs.revision == 1).desired == 1  # scaleDownDelay
    t = r.series["time"]
    held = (t >= at[3] + 1) & (t < at[3] + 14)
    canary = r.series["requests.canary"][held].sum()
    n = canary + r.series["requests.stable"][held].sum()
    assert abs(canary / n - 0.5) < 5 * np.sqrt(0.25 / n)
