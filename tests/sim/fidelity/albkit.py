"""Manifests and readers for the ALB replays (test/e2e/aws_test.go and its fixtures): NodePort
Services on a named ``http`` port, Ingresses of class ``alb`` whose one path goes to a root
Service through ``use-annotation``, and the action annotations Argo writes, read back from
``Result.manifests_at``."""

from __future__ import annotations

import json
from typing import Any

from canarysim.result import Result

ACTION = "alb.ingress.kubernetes.io/actions."


def node_port(name: str, app: str, port: int = 80) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {
            "type": "NodePort",
            "ports": [{"port": port, "targetPort": "http", "protocol": "TCP", "name": "http"}],
            "selector": {"app": app},
        },
    }


def alb_ingress(
    name: str, backend: str, *, path: str = "/*", path_type: str = "ImplementationSpecific"
) -> dict[str, Any]:
    """An Ingress of class alb with one path to ``backend`` on the ``use-annotation`` port."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "annotations": {"kubernetes.io/ingress.class": "alb"}},
        "spec": {
            "rules": [
                {
                    "http": {
                        "paths": [
                            {
                                "path": path,
                                "pathType": path_type,
                                "backend": {
                                    "service": {"name": backend, "port": {"name": "use-annotation"}}
                                },
                            }
                        ]
                    }
                }
            ]
        },
    }


def canary_rollout(
    name: str,
    app: str,
    *,
    canary: dict[str, Any],
    image: str = "nginx:1.19-alpine",
    replicas: int | None = None,
    port: int = 80,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": app}},
        "template": {
            "metadata": {"labels": {"app": app}},
            "spec": {
                "containers": [
                    {
                        "name": app,
                        "image": image,
                        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
                    }
                ]
            },
        },
        "strategy": {"canary": canary},
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name},
        "spec": spec,
    }


def ingresses(r: Result, t: float) -> dict[str, dict[str, Any]]:
    return {i["metadata"]["name"]: i for i in r.manifests_at(t).get("ingresses", [])}


def action(r: Result, t: float, ingress: str, name: str) -> str | None:
    """The raw ``actions.<name>`` annotation of an Ingress at ``t`` (None: not there)."""
    return (ingresses(r, t)[ingress]["metadata"].get("annotations") or {}).get(ACTION + name)


def weights(r: Result, t: float, ingress: str, name: str) -> dict[str, int] | None:
    """``assertAlbActionServiceWeight``: an action's target-group weights by Service."""
    raw = action(r, t, ingress, name)
    if raw is None:
        return None
    return {g["ServiceName"]: g["Weight"] for g in json.loads(raw)["ForwardConfig"]["TargetGroups"]}


def every(r: Result, t: float, names: list[str], name: str) -> list[dict[str, int] | None]:
    """The ``...MultiIngress`` assertions: the same action read on each Ingress."""
    return [weights(r, t, ingress, name) for ingress in names]


def event_time(r: Result, reason: str, after: float = 0.0, text: str = "") -> float:
    return next(
        e["time"]
        for e in r.events
        if e["reason"] == reason and e["time"] >= after and text in e["message"]
    )
