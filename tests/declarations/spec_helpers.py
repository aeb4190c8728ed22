"""Helpers for the spec tests: build manifests in memory from YAML text or dicts."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from canarysim.declarations.load import add_document
from canarysim.declarations.manifests.bundle import Manifests
from canarysim.declarations.yamlio import parse_documents

BASE_ROLLOUT = """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: demo
spec:
  replicas: 4
  selector:
    matchLabels:
      app: demo
  template:
    metadata:
      labels:
        app: demo
    spec:
      containers:
        - name: app
          image: demo:v1
          ports:
            - name: http
              containerPort: 8080
  strategy:
    canary:
      canaryService: demo-canary
      stableService: demo-stable
      trafficRouting:
        istio:
          virtualService:
            name: demo-vsvc
            routes: [primary]
      steps:
        - setWeight: 20
        - pause: {duration: 30s}
        - setWeight: 60
        - pause: {}
"""

SERVICES = """
apiVersion: v1
kind: Service
metadata: {name: demo-canary}
spec:
  selector: {app: demo}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: demo-stable}
spec:
  selector: {app: demo}
  ports: [{port: 80, targetPort: http}]
"""

VSVC = """
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: demo-vsvc}
spec:
  hosts: [demo]
  http:
    - name: primary
      route:
        - destination: {host: demo-stable}
          weight: 100
        - destination: {host: demo-canary}
          weight: 0
"""


def rollout_dict() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(BASE_ROLLOUT))


def bundle(*texts: str | dict[str, Any], namespace: str = "default") -> Manifests:
    """Manifests from YAML texts (multi-document allowed) and/or dicts."""
    out = Manifests(namespace=namespace)
    for i, item in enumerate(texts):
        text = item if isinstance(item, str) else yaml.safe_dump(item, sort_keys=False)
        for doc in parse_documents(text, f"m{i}.yaml"):
            add_document(out, doc)
    return out
