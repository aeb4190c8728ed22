"""NGINX and SMI on one Rollout (Argo allows several routers; it calls each one's SetWeight),
replaying upstream's test/e2e/smi_ingress_test.go (TestSMIIngressCanaryStep): at every stage
the TrafficSplit and the canary Ingress carry the same weight and the stable Ingress is never
annotated."""

from __future__ import annotations

from pathlib import Path

import canarysim
from canarysim.declarations import load_scenario

MANIFESTS = """
apiVersion: v1
kind: Service
metadata: {name: rollout-smi-ingress-canary-canary}
spec:
  ports: [{port: 80, targetPort: http, protocol: TCP, name: http}]
  selector: {app: rollout-smi-ingress-canary}
---
apiVersion: v1
kind: Service
metadata: {name: rollout-smi-ingress-canary-stable}
spec:
  ports: [{port: 80, targetPort: http, protocol: TCP, name: http}]
  selector: {app: rollout-smi-ingress-canary}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: rollout-smi-ingress-canary-stable
  annotations: {kubernetes.io/ingress.class: nginx}
spec:
  rules:
    - host: rollout-smi-ingress-canary.local
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: rollout-smi-ingress-canary-stable, port: {number: 80}}}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: rollout-smi-ingress-canary}
spec:
  replicas: 1
  strategy:
    canary:
      canaryService: rollout-smi-ingress-canary-canary
      stableService: rollout-smi-ingress-canary-stable
      trafficRouting:
        nginx: {stableIngress: rollout-smi-ingress-canary-stable}
        smi: {trafficSplitName: rollout-smi-ingress-canary-trafficsplit}
      steps:
        - setWeight: 5
        - pause: {duration: 15}
        - setWeight: 50
        - pause: {duration: 15}
  revisionHistoryLimit: 2
  selector: {matchLabels: {app: rollout-smi-ingress-canary}}
  template:
    metadata: {labels: {app: rollout-smi-ingress-canary}}
    spec:
      containers:
        - name: rollout-smi-ingress-canary
          image: nginx:1.19-alpine
          ports: [{name: http, containerPort: 80, protocol: TCP}]
"""

SCENARIO = """
name: smi-ingress
seed: 1
until: 5m
manifests: [manifests.yaml]
traffic: {rate: 20, host: rollout-smi-ingress-canary.local}
operator:
  - {at: 60s, do: setImage, container: rollout-smi-ingress-canary, image: "nginx:1.20-alpine"}
"""

CANARY_ING = "rollout-smi-ingress-canary-rollout-smi-ingress-canary-stable-canary"


def test_both_routers_follow_the_steps(tmp_path: Path) -> None:
    (tmp_path / "manifests.yaml").write_text(MANIFESTS)
    (tmp_path / "scenario.yaml").write_text(SCENARIO)
    r = canarysim.simulate(load_scenario(tmp_path / "scenario.yaml"))
    seen = []
    for _, manifests in r.manifest_history:
        if not manifests.get("trafficsplits"):
            continue  # before the first SetWeight (the rollout's first reconcile)
        [ts] = manifests["trafficsplits"]
        ings = {i["metadata"]["name"]: i for i in manifests["ingresses"]}
        split = int(ts["spec"]["backends"][0]["weight"])
        stable_ann = ings["rollout-smi-ingress-canary-stable"]["metadata"]["annotations"]
        assert "nginx.ingress.kubernetes.io/canary" not in stable_ann
        if CANARY_ING in ings:
            ann = ings[CANARY_ING]["metadata"]["annotations"]
            assert ann["nginx.ingress.kubernetes.io/canary"] == "true"
            assert int(ann["nginx.ingress.kubernetes.io/canary-weight"]) == split
        seen.append(split)
    changes = [w for i, w in enumerate(seen) if i == 0 or w != seen[i - 1]]
    # (a 100 between the last step and the stable switch may last no time at all)
    assert changes[:3] == [0, 5, 50] and changes[-1] == 0 and set(changes) <= {0, 5, 50, 100}
    assert r.final.phase == "Healthy"
    old = next(rs for rs in r.final.replica_sets if rs.revision == 1)
    assert r.final.stable_hash != old.hash
