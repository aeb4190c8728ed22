"""Ambassador through the whole simulator on ``scenarios/ambassador-canary``: the canary
Mapping as Argo writes it (created, weighted, deleted) and requests split by it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import canarysim

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "ambassador-canary" / "scenario.yaml"


def mappings(r, t: float) -> dict[str, dict]:
    return {m["metadata"]["name"]: m["spec"] for m in r.manifests_at(t)["mappings"]}


def test_canary_mapping_life_and_split() -> None:
    r = canarysim.simulate(SCENARIO)
    assert set(mappings(r, 100)) == {"stable-mapping"}  # no canary Mapping at weight 0
    step = {
        i: next(s.time for s in r.snapshots if s.step_index == i and s.revision == 2)
        for i in (1, 3)
    }
    canary = mappings(r, step[1] + 1)["stable-mapping-canary"]
    assert canary["service"] == "someapp-canary:80" and canary["weight"] == 25
    assert mappings(r, step[3] + 1)["stable-mapping-canary"]["weight"] == 50
    assert r.final.phase == "Healthy"
    assert set(mappings(r, r.until)) == {"stable-mapping"}  # deleted after promotion
    t = r.series["time"]
    held = (t >= step[3] + 1) & (t < step[3] + 58)
    c = r.series["requests.canary"][held].sum()
    n = c + r.series["requests.stable"][held].sum()
    assert abs(c / n - 0.5) < 5 * np.sqrt(0.25 / n)
