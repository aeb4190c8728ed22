"""Properties of whole runs over generated scenarios: whatever the steps, replicas and operator
timeline, the Result is self-consistent and the world keeps Argo's invariants."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from worldkit import rollout, service, virtual_service, write_scenario

import canarysim
from canarysim.result import Result

step = st.one_of(
    st.integers(0, 100).map(lambda w: {"setWeight": w}),
    st.sampled_from(["20s", "1m", "3m"]).map(lambda d: {"pause": {"duration": d}}),
    st.just({"pause": {}}),
)
verb = st.sampled_from(["promote", "promoteFull", "abort", "retry", "pause", "resume"])


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    routed = draw(st.booleans())
    steps = draw(st.lists(step, min_size=0, max_size=5))
    replicas = draw(st.integers(1, 6))
    ops: list[dict[str, Any]] = [
        {"at": "1m", "do": "setImage", "container": "main", "image": "app:v2"}
    ]
    for at in sorted(draw(st.lists(st.integers(61, 600), max_size=4, unique=True))):
        ops.append({"at": at, "do": draw(verb)})
    return {
        "manifests": [
            rollout(
                steps=steps,
                replicas=replicas,
                routed=routed,
                min_ready=draw(st.sampled_from([0, 10])),
            ),
            service("canary-svc"),
            service("stable-svc"),
            virtual_service(),
        ],
        "operator": ops,
        "seed": draw(st.integers(0, 1000)),
        "until": "12m",
        "traffic": {"rate": 20},
        "pods": {"default": {"scheduling": "1s", "imagePull": {"median": "2s", "p99": "8s"}}},
    }


def _check(r: Result) -> None:
    snaps = r.snapshots
    assert snaps and all(a.time < b.time for a, b in itertools.pairwise(snaps))
    for s in snaps:
        assert s.phase in ("Healthy", "Progressing", "Paused", "Degraded")
        assert 0 <= s.set_weight <= 100 and 0 <= s.actual_weight <= 100
        if s.phase == "Healthy":
            assert s.stable_hash == s.canary_hash
        if s.aborted:
            assert s.set_weight == 0
    series = r.series
    n = len(series["time"])
    assert all(len(v) == n for v in series.values())
    assert np.all(np.diff(series["time"]) > 0)
    w = series["weight.canary"] + series["weight.stable"]
    assert set(np.unique(w).tolist()) <= {100}
    assert np.all(series["errors.stable"] <= series["requests.stable"])
    assert np.all(series["errors.canary"] <= series["requests.canary"])
    times = [e["time"] for e in r.events]
    assert times == sorted(times)
    assert Result.from_json(r.to_json()).dumps() == r.dumps()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_generated_runs_are_consistent_and_deterministic(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_scenario(Path(tmp), **data)
        a = canarysim.simulate(path)
        _check(a)
        assert canarysim.simulate(path).dumps() == a.dumps()
