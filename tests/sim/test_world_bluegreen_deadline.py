"""Blue-green and the progress deadline, replaying upstream's test/e2e/bluegreen_test.go
(TestBlueGreenProgressDeadlineExceededWithPause / ...WithoutPause): a 5 s deadline shorter than
the readiness probe's 10 s initial delay makes each deploy Degraded for a while; the rollout
still becomes Healthy, and the update ends with revision 2 active."""

from __future__ import annotations

from pathlib import Path

import pytest

import canarysim
from canarysim.declarations import load_scenario

MANIFESTS = """
kind: Service
apiVersion: v1
metadata: {name: rollout-bluegreen}
spec:
  selector: {app: rollout-bluegreen}
  ports: [{protocol: TCP, port: 80, targetPort: 8080}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: rollout-bluegreen}
spec:
  replicas: 1
  revisionHistoryLimit: 2
  progressDeadlineSeconds: 5
  selector: {matchLabels: {app: rollout-bluegreen}}
  template:
    metadata: {labels: {app: rollout-bluegreen}}
    spec:
      containers:
        - name: rollouts-demo
          image: nginx:1.19-alpine
          ports: [{containerPort: 80}]
          readinessProbe:
            initialDelaySeconds: 10
            httpGet: {path: /, port: 80}
            periodSeconds: 30
  strategy:
    blueGreen:
      autoPromotionEnabled: AUTO
      activeService: rollout-bluegreen
"""

SCENARIO = """
name: bluegreen-deadline
seed: 2
until: 10m
start: empty  # upstream creates the Rollout and watches its first deploy too
manifests: [manifests.yaml]
traffic: {rate: 5, host: rollout-bluegreen}
operator:
  - {at: 3m, do: setImage, container: rollouts-demo, image: "nginx:1.20-alpine"}
PROMOTE
"""


def phases(r, start: float = 0.0, end: float = float("inf")) -> list[str]:
    out: list[str] = []
    for s in r.snapshots:
        if start <= s.time < end and (not out or out[-1] != s.phase):
            out.append(s.phase)
    return out


@pytest.mark.parametrize("paused", [True, False], ids=["WithPause", "WithoutPause"])
def test_progress_deadline_then_healthy(tmp_path: Path, paused: bool) -> None:
    (tmp_path / "manifests.yaml").write_text(MANIFESTS.replace("AUTO", str(not paused).lower()))
    promote = "  - {at: 6m, do: promote}" if paused else ""
    (tmp_path / "scenario.yaml").write_text(SCENARIO.replace("PROMOTE", promote))
    r = canarysim.simulate(load_scenario(tmp_path / "scenario.yaml"))
    first = phases(r, 0, 180)
    assert "Degraded" in first and first[-1] == "Healthy"
    assert first.index("Degraded") < len(first) - 1
    degraded = next(s for s in r.snapshots if s.phase == "Degraded")
    assert degraded.message.startswith("ProgressDeadlineExceeded: ")
    after = phases(r, 180)
    assert after[0] != "Healthy" and "Degraded" in after
    if paused:
        assert "Paused" in phases(r, 180, 360)
        assert r.status_at(359).phase == "Paused"
    assert after[-1] == "Healthy"
    final = r.final
    active = next(rs for rs in final.replica_sets if rs.hash == final.active_hash)
    assert active.revision == 2  # ExpectActiveRevision("2")
