"""Traefik through the whole simulator on ``scenarios/traefik-canary``: the weighted
TraefikService as Argo writes it at each step, and requests split by it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import canarysim

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "traefik-canary" / "scenario.yaml"


def weights(r, t: float) -> dict[str, int]:
    [svc] = r.manifests_at(t)["traefikservices"]
    return {s["name"]: s.get("weight") for s in svc["spec"]["weighted"]["services"]}


def test_weights_follow_the_steps_and_requests_follow_the_weights() -> None:
    r = canarysim.simulate(SCENARIO)
    paused = next(s for s in r.snapshots if s.phase == "Paused" and s.revision == 2)
    assert weights(r, paused.time + 1) == {"stable-rollout": 70, "canary-rollout": 30}
    sixty = next(s.time for s in r.snapshots if s.step_index == 3 and s.revision == 2)
    assert weights(r, sixty + 1) == {"stable-rollout": 40, "canary-rollout": 60}
    assert weights(r, r.until) == {"stable-rollout": 100, "canary-rollout": 0}
    assert r.final.phase == "Healthy"
    t = r.series["time"]
    held = (t >= paused.time + 2) & (t < 6 * 60 - 2)
    canary = r.series["requests.canary"][held].sum()
    n = canary + r.series["requests.stable"][held].sum()
    assert abs(canary / n - 0.3) < 5 * np.sqrt(0.21 / n)
