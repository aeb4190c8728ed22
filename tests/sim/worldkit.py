"""Small scenarios for the world tests, written to a temporary directory and loaded through
the real loader (so the tests exercise exactly what a user's files go through)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

import canarysim
from canarysim.declarations import Scenario

INSTANT_PODS = {
    "default": {
        "scheduling": "0s",
        "imagePull": "0s",
        "containerStart": "0s",
        "readiness": "0s",
        "termination": "0s",
    }
}


def rollout(
    *,
    name: str = "app",
    replicas: int = 4,
    steps: list[dict[str, Any]] | None = None,
    routed: bool = True,
    min_ready: int = 0,
    image: str = "app:v1",
    extra_canary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    canary: dict[str, Any] = {
        "steps": steps if steps is not None else [{"setWeight": 50}, {"pause": {}}],
    }
    if routed:
        canary.update(
            canaryService="canary-svc",
            stableService="stable-svc",
            trafficRouting={"istio": {"virtualService": {"name": "vs", "routes": ["primary"]}}},
        )
    canary.update(extra_canary or {})
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {
            "replicas": replicas,
            "minReadySeconds": min_ready,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "image": image,
                            "ports": [{"name": "http", "containerPort": 8080}],
                        }
                    ]
                },
            },
            "strategy": {"canary": canary},
        },
    }


def service(name: str, app: str = "app") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {
            "selector": {"app": app},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }


def virtual_service(routes: list[tuple[str, int]] | None = None) -> dict[str, Any]:
    routes = routes or [("stable-svc", 100), ("canary-svc", 0)]
    return {
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "VirtualService",
        "metadata": {"name": "vs", "namespace": "ns"},
        "spec": {
            "hosts": ["app.example"],
            "http": [
                {
                    "name": "primary",
                    "route": [{"destination": {"host": h}, "weight": w} for h, w in routes],
                }
            ],
        },
    }


def write_scenario(
    tmp_path: Path,
    *,
    manifests: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Path:
    """A scenario file (manifests embedded); ``fields`` are scenario keys (camelCase)."""
    if manifests is None:
        manifests = [rollout(), service("canary-svc"), service("stable-svc"), virtual_service()]
    data: dict[str, Any] = {
        "name": "test",
        "seed": 1,
        "until": "30m",
        "namespace": "ns",
        "pods": INSTANT_PODS,
        "traffic": {"rate": 100},
    }
    data.update(fields)
    data["manifests"] = manifests
    path = tmp_path / f"scenario-{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def load(tmp_path: Path, **kwargs: Any) -> Scenario:
    return canarysim.load_scenario(write_scenario(tmp_path, **kwargs))


def set_image(at: str, image: str = "app:v2") -> dict[str, Any]:
    return {"at": at, "do": "setImage", "container": "main", "image": image}
