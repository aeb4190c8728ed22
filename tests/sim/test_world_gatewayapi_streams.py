"""The Gateway API plugin's TCPRoutes and TLSRoutes through the whole simulator, replaying the
plugin's e2e tests test/e2e/chainsaw/single-tcproute and single-tlsroute (their manifests, with
a readiness probe): 70/30 and the in-progress label while the 30 s pause runs, 100/0 and no
label once Healthy; and the streams split by those weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import canarysim
from canarysim.result import Result

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "gatewayapi-grpc" / "scenario.yaml"
LABEL = "rollouts.argoproj.io/gatewayapi-canary"


def manifests(kind: str) -> list[dict]:
    name = f"single-{kind.lower()}"
    stable, canary = f"{name}-stable-service", f"{name}-canary-service"
    services = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": svc},
            "spec": {
                "ports": [{"port": 80, "targetPort": "http", "protocol": "TCP", "name": "http"}],
                "selector": {"app": name},
            },
        }
        for svc in (stable, canary)
    ]
    spec: dict = {
        "parentRefs": [{"name": "traefik-gateway", "namespace": "default"}],
        "rules": [{"backendRefs": [{"name": stable, "port": 80}, {"name": canary, "port": 80}]}],
    }
    if kind == "TLSRoute":
        spec["hostnames"] = ["grpc.example.com"]
    route = {
        "apiVersion": "gateway.networking.k8s.io/v1alpha2",
        "kind": kind,
        "metadata": {"name": f"{kind.lower()}-basic", "namespace": "default"},
        "spec": spec,
    }
    key = "tcpRoute" if kind == "TCPRoute" else "tlsRoute"
    container = {
        "name": "rollouts-demo",
        "image": "argoproj/rollouts-demo:red",
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 5},
    }
    rollout = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": f"{kind.lower()}-rollout", "namespace": "default"},
        "spec": {
            "replicas": 2,
            "strategy": {
                "canary": {
                    "canaryService": canary,
                    "stableService": stable,
                    "trafficRouting": {
                        "plugins": {
                            "argoproj-labs/gatewayAPI": {
                                key: f"{kind.lower()}-basic",
                                "namespace": "default",
                            }
                        }
                    },
                    "steps": [{"setWeight": 30}, {"pause": {"duration": "30s"}}],
                }
            },
            "revisionHistoryLimit": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [container]},
            },
        },
    }
    return [*services, route, rollout]


def simulate(kind: str, tmp_path: Path) -> Result:
    (tmp_path / "manifests.yaml").write_text(yaml.safe_dump_all(manifests(kind), sort_keys=False))
    scenario = yaml.safe_load(SCENARIO.read_text())
    scenario["name"] = f"gatewayapi-{kind.lower()}"
    scenario["traffic"] = {"rate": 60, "host": "grpc.example.com"}
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False))
    return canarysim.simulate(tmp_path / "scenario.yaml")


@pytest.mark.parametrize("kind", ["TCPRoute", "TLSRoute"])
def test_single_route_e2e(kind: str, tmp_path: Path) -> None:
    r = simulate(kind, tmp_path)
    store = f"{kind.lower()}s"
    stable = f"single-{kind.lower()}-stable-service"
    canary = f"single-{kind.lower()}-canary-service"

    def route_at(t: float) -> tuple[dict, dict]:
        [route] = r.manifests_at(t)[store]
        weights = {b["name"]: b.get("weight") for b in route["spec"]["rules"][0]["backendRefs"]}
        return weights, route["metadata"].get("labels") or {}

    weights, labels = route_at(100)  # -initial: canary 0
    assert weights[canary] == 0 and LABEL not in labels
    [paused] = [e["time"] for e in r.events if e["reason"] == "RolloutPaused"]
    weights, labels = route_at(paused + 1)  # -canary: 70/30
    assert weights == {stable: 70, canary: 30} and labels[LABEL] == "in-progress"
    t = r.series["time"]
    held = (t >= paused + 2) & (t < paused + 28)
    n_canary = r.series["requests.canary"][held].sum()
    n = n_canary + r.series["requests.stable"][held].sum()
    assert n > 0 and abs(n_canary / n - 0.3) < 5 * np.sqrt(0.3 * 0.7 / n)
    assert r.final.phase == "Healthy"  # rollout-healthy
    weights, labels = route_at(r.until)  # -after-cleanup
    assert weights == {stable: 100, canary: 0} and LABEL not in labels
    assert r.summary["controller_errors"] == []
