"""NGINX ingress through the whole simulator, replaying the NGINX half of upstream's
test/e2e/smi_ingress_test.go (TestSMIIngressCanaryStep) on ``scenarios/nginx-canary``:
the canary Ingress carries ``canary: "true"`` and the step's weight, the stable Ingress is never
annotated, the Services follow the ReplicaSets, and after promotion the weight is back to 0
while the old ReplicaSet keeps its pods for the scale-down delay."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import canarysim
from canarysim.report.files import manifest_files
from canarysim.result import Result

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "nginx-canary" / "scenario.yaml"
CANARY = "rollout-nginx-canary-rollout-nginx-canary-stable-canary"
STABLE = "rollout-nginx-canary-stable"
A = "nginx.ingress.kubernetes.io"


@pytest.fixture(scope="module")
def run() -> Result:
    return canarysim.simulate(SCENARIO)


def ingresses(r: Result, t: float) -> dict[str, dict]:
    return {i["metadata"]["name"]: i for i in r.manifests_at(t)["ingresses"]}


def at_step(r: Result, index: int) -> float:
    return next(s.time for s in r.snapshots if s.step_index == index and s.revision == 2)


def test_first_deploy_creates_the_canary_ingress_once() -> None:
    """``start: empty``: the first deploy creates the canary Ingress at weight 0, once."""
    scenario = canarysim.load_scenario(SCENARIO).with_changes(start="empty", until="2m")
    r = canarysim.simulate(scenario)
    created = [e for e in r.events if e["reason"] == "CreatingCanaryIngress"]
    healthy = next(s.time for s in r.snapshots if s.phase == "Healthy")
    assert len(created) == 1 and 0.0 < created[0]["time"] <= healthy
    assert created[0]["message"] == f"Creating canary ingress `{CANARY}` with weight `0`"


def test_canary_ingress_follows_the_steps(run: Result) -> None:
    r = run
    for index, weight in ((1, "5"), (3, "50")):
        t = at_step(r, index) + 3
        found = ingresses(r, t)
        canary = found[CANARY]["metadata"]["annotations"]
        assert canary[f"{A}/canary"] == "true"
        assert canary[f"{A}/canary-weight"] == weight
        assert canary[f"{A}/canary-by-header"] == "x-canary"  # additionalIngressAnnotations
        assert f"{A}/canary" not in (found[STABLE]["metadata"].get("annotations") or {})
        backend = found[CANARY]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
        assert backend["name"] == "rollout-nginx-canary-canary"
        assert r.series_at("weight.canary", t) == int(weight)


def test_after_promotion_weight_is_zero_and_old_pods_wait(run: Result) -> None:
    r = run
    done = next(
        e["time"]
        for e in r.events
        if e["reason"] == "RolloutCompleted" and "revision 2" in e["message"]
    )
    final = r.status_at(done + 1)
    assert final.phase == "Healthy"
    annotations = ingresses(r, done + 1)[CANARY]["metadata"]["annotations"]
    assert annotations[f"{A}/canary-weight"] == "0"
    old = next(rs for rs in final.replica_sets if rs.revision == 1)
    assert old.desired == 2 and old.scale_down_at is not None  # ExpectRevisionPodCount("1", 1)
    later = r.status_at(done + 40)
    assert next(rs for rs in later.replica_sets if rs.revision == 1).desired == 0


def test_requests_split_as_ingress_nginx_would(run: Result) -> None:
    r = run
    t = r.series["time"]
    start, end = at_step(r, 3) + 2, 10 * 60 - 2
    held = (t >= start) & (t < end)
    canary = r.series["requests.canary"][held].sum()
    n = canary + r.series["requests.stable"][held].sum()
    p = 0.05 + 0.95 * 0.50  # 5 % send x-canary: always, the rest split by canary-weight 50
    assert abs(canary / n - p) < 5 * np.sqrt(p * (1 - p) / n)


def test_events_and_rendered_manifests(run: Result) -> None:
    # Started Healthy: the canary Ingress was created (weight 0) by the first deploy, before
    # t=0, so it is in the first rendered manifests and its creation is not in the timeline.
    reasons = [e["reason"] for e in run.events]
    assert "CreatingCanaryIngress" not in reasons
    first = ingresses(run, 0.0)[CANARY]["metadata"]["annotations"]
    assert first[f"{A}/canary-weight"] == "0"
    files = manifest_files(run.manifest_history)
    names = [k for k in files if k.endswith(f"-Ingress-{CANARY}.yaml")]
    assert len(names) >= 4  # at 0, then 5, 50, 100, 0
    assert "canary-weight: '50'" in "".join(files[k] for k in names)
