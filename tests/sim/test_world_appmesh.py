"""App Mesh through the whole simulator: upstream's e2e test (test/e2e/appmesh_test.go,
TestAppMeshCanaryRollout) replayed on its manifest, the bundled ``scenarios/appmesh-canary``
(VirtualRouter weights at each step, VirtualNode pod selectors, requests split by the weights),
and a missing VirtualNode as Argo reports it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import canarysim
from canarysim.declarations import load_scenario
from canarysim.report.files import manifest_files
from canarysim.result import Result

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "appmesh-canary" / "scenario.yaml"
HASH = "rollouts-pod-template-hash"

# test/e2e/appmesh/appmesh-canary-rollout.yaml (its Mesh object left out: not simulated)
E2E_MANIFESTS = """
apiVersion: v1
kind: Service
metadata: {name: my-svc}
spec:
  ports: [{port: 80, targetPort: http, protocol: TCP, name: http}]
  selector: {app: my-app}
---
apiVersion: v1
kind: Service
metadata: {name: my-svc-canary}
spec:
  ports: [{port: 80, targetPort: http, protocol: TCP, name: http}]
  selector: {app: my-app}
---
apiVersion: v1
kind: Service
metadata: {name: my-svc-stable}
spec:
  ports: [{port: 80, targetPort: http, protocol: TCP, name: http}]
  selector: {app: my-app}
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualService
metadata: {name: my-svc}
spec:
  provider: {virtualRouter: {virtualRouterRef: {name: my-vrouter}}}
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualRouter
metadata: {name: my-vrouter}
spec:
  listeners: [{portMapping: {port: 80, protocol: http}}]
  routes:
    - name: primary
      httpRoute:
        match: {prefix: /}
        action:
          weightedTargets:
            - {virtualNodeRef: {name: my-vn-canary}, weight: 0}
            - {virtualNodeRef: {name: my-vn-stable}, weight: 100}
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualNode
metadata: {name: my-vn-canary}
spec:
  podSelector: {matchLabels: {app: my-app, rollouts-pod-template-hash: canary-tbd}}
  listeners: [{portMapping: {port: 80, protocol: http}}]
  serviceDiscovery: {dns: {hostname: my-svc-canary.appmesh-canary-rollout.svc.cluster.local}}
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualNode
metadata: {name: my-vn-stable}
spec:
  podSelector: {matchLabels: {app: my-app, rollouts-pod-template-hash: stable-tbd}}
  listeners: [{portMapping: {port: 80, protocol: http}}]
  serviceDiscovery: {dns: {hostname: my-svc-stable.appmesh-canary-rollout.svc.cluster.local}}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: my-rollout}
spec:
  replicas: 2
  selector: {matchLabels: {app: my-app}}
  template:
    metadata: {labels: {app: my-app}}
    spec:
      containers:
        - name: demo
          image: argoproj/rollouts-demo:blue
          ports: [{name: http, containerPort: 8080}]
  strategy:
    canary:
      canaryService: my-svc-canary
      stableService: my-svc-stable
      trafficRouting:
        appMesh:
          virtualService: {name: my-svc}
          virtualNodeGroup:
            canaryVirtualNodeRef: {name: my-vn-canary}
            stableVirtualNodeRef: {name: my-vn-stable}
      steps:
        - setWeight: 50
        - pause: {}
"""

E2E_SCENARIO = """
name: appmesh-e2e
seed: 3
until: 6m
namespace: appmesh-canary-rollout
manifests: [manifests.yaml]
traffic: {rate: 20, host: my-svc}
operator:
  - {at: 1m, do: setImage, container: demo, image: "argoproj/rollouts-demo:yellow"}
  - {at: 4m, do: promote}
"""


def simulate(tmp_path: Path, manifests: str, scenario: str) -> Result:
    (tmp_path / "manifests.yaml").write_text(manifests)
    (tmp_path / "scenario.yaml").write_text(scenario)
    return canarysim.simulate(load_scenario(tmp_path / "scenario.yaml"))


def weighted_targets(r: Result, t: float) -> dict[str, dict[str, int]]:
    """``getWeightedTargets`` of the e2e test: per route, canary and stable weights (a
    VirtualNode whose name contains "canary" is the canary)."""
    [vr] = r.manifests_at(t)["virtualrouters"]
    out = {}
    for route in vr["spec"]["routes"]:
        row = {"canary": 0, "stable": 0}
        for wt in route["httpRoute"]["action"]["weightedTargets"]:
            role = "canary" if "canary" in wt["virtualNodeRef"]["name"] else "stable"
            row[role] = wt["weight"]
        out[route["name"]] = row
    return out


def selectors(r: Result, t: float) -> dict[str, str]:
    return {
        n["metadata"]["name"]: n["spec"]["podSelector"]["matchLabels"][HASH]
        for n in r.manifests_at(t)["virtualnodes"]
    }


def hash_of(r: Result, revision: int) -> str:
    return next(rs.hash for s in r.snapshots for rs in s.replica_sets if rs.revision == revision)


def test_e2e_canary_rollout(tmp_path: Path) -> None:
    r = simulate(tmp_path, E2E_MANIFESTS, E2E_SCENARIO)
    # Healthy before the update: the canary holds weight 0
    assert weighted_targets(r, 59) == {"primary": {"canary": 0, "stable": 100}}
    paused = next(s for s in r.snapshots if s.phase == "Paused" and s.revision == 2)
    assert paused.time < 4 * 60
    # Paused on the pause step: the canary holds the first setWeight
    assert weighted_targets(r, paused.time + 1) == {"primary": {"canary": 50, "stable": 50}}
    assert r.final.phase == "Healthy"
    assert weighted_targets(r, r.until) == {"primary": {"canary": 0, "stable": 100}}


def test_e2e_virtual_nodes_select_the_replica_sets(tmp_path: Path) -> None:
    r = simulate(tmp_path, E2E_MANIFESTS, E2E_SCENARIO)
    paused = next(s for s in r.snapshots if s.phase == "Paused" and s.revision == 2)
    old, new = hash_of(r, 1), hash_of(r, 2)
    # while stable and canary are the same ReplicaSet, the canary node gets "canary-hash"
    assert selectors(r, 30) == {"my-vn-canary": "canary-hash", "my-vn-stable": old}
    assert selectors(r, paused.time + 1) == {"my-vn-canary": new, "my-vn-stable": old}
    assert selectors(r, r.until) == {"my-vn-canary": "canary-hash", "my-vn-stable": new}
    # updateVirtualNodeWithHash sets the managed-by annotation on a copy it never writes back
    for vn in r.manifests_at(r.until)["virtualnodes"]:
        annotations = vn["metadata"].get("annotations") or {}
        assert "argo-rollouts.argoproj.io/managed-by-rollouts" not in annotations


@pytest.fixture(scope="module")
def bundled() -> Result:
    return canarysim.simulate(SCENARIO)


def test_bundled_weights_follow_the_steps_and_requests_follow_the_weights(bundled: Result) -> None:
    r = bundled
    paused = next(s for s in r.snapshots if s.phase == "Paused" and s.revision == 2)
    assert weighted_targets(r, paused.time + 1) == {"primary": {"canary": 25, "stable": 75}}
    fifty = next(s.time for s in r.snapshots if s.step_index == 3 and s.revision == 2)
    assert weighted_targets(r, fifty + 1) == {"primary": {"canary": 50, "stable": 50}}
    assert r.final.phase == "Healthy"
    t = r.series["time"]
    held = (t >= paused.time + 2) & (t < 5 * 60 - 2)  # until the operator's promote
    canary = r.series["requests.canary"][held].sum()
    n = canary + r.series["requests.stable"][held].sum()
    assert n > 5000
    assert abs(canary / n - 0.25) < 5 * np.sqrt(0.25 * 0.75 / n)


def test_a_missing_virtual_node_is_argos_warning_and_the_update_stalls(tmp_path: Path) -> None:
    manifests = E2E_MANIFESTS.replace("metadata: {name: my-vn-canary}", "metadata: {name: other}")
    r = simulate(tmp_path, manifests, E2E_SCENARIO)
    warnings = [e for e in r.events if e["reason"] == "VirtualNodeNotFound"]
    assert warnings and warnings[0]["kind"] == "Warning"
    assert warnings[0]["message"] == (
        "VirtualNode `my-vn-canary` not found in namespace `appmesh-canary-rollout`"
    )
    # UpdateHash fails before SetWeight: the canary never gets traffic
    assert all(w["primary"]["canary"] == 0 for w in [weighted_targets(r, r.until)])
    assert r.series["requests.canary"].sum() == 0


def test_rendered_manifests_hold_each_virtual_router_write(bundled: Result) -> None:
    files = manifest_files(bundled.manifest_history)
    routers = sorted(k for k in files if k.endswith("-VirtualRouter-my-vrouter.yaml"))
    # at 0 (weight 0), then 25, 50, 75 and back to 0 after promotion
    assert len(routers) == 5
    weights = [
        yaml.safe_load(files[k])["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"][0][
            "weight"
        ]
        for k in routers
    ]
    assert weights == [0, 25, 50, 75, 0]
    nodes = [k for k in files if k.endswith("-VirtualNode-my-vn-canary.yaml")]
    assert len(nodes) >= 3  # canary-hash, the new hash, canary-hash again
