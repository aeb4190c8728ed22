"""The Gateway API plugin through the whole simulator, replaying the plugin's e2e tests
(test/e2e/chainsaw/single-httproute and httproute-label) on ``scenarios/gatewayapi-httproute``;
and what the run refuses of the plugin."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import canarysim
from canarysim.declarations import load_scenario
from canarysim.errors import ScenarioError
from canarysim.result import Result

SCENARIO = (
    Path(__file__).resolve().parents[2] / "scenarios" / "gatewayapi-httproute" / "scenario.yaml"
)
LABEL = "rollouts.argoproj.io/gatewayapi-canary"


@pytest.fixture(scope="module")
def run() -> Result:
    return canarysim.simulate(SCENARIO)


def backend_weights(r: Result, t: float) -> tuple[dict, dict]:
    [route] = r.manifests_at(t)["httproutes"]
    assert len(route["spec"]["rules"]) == 1  # (length(rules)): 1
    refs = {b["name"]: b.get("weight") for b in route["spec"]["rules"][0]["backendRefs"]}
    return refs, route["metadata"].get("labels") or {}


def test_weights_and_label_as_the_e2e_assertions(run: Result) -> None:
    r = run
    refs, labels = backend_weights(r, 100)  # httproute-initial: canary 0
    assert refs["single-httproute-canary-service"] == 0 and LABEL not in labels
    paused = next(s.time for s in r.snapshots if s.phase == "Paused")
    refs, labels = backend_weights(r, paused + 1)  # httproute-canary: 70 / 30, labelled
    assert refs == {"single-httproute-stable-service": 70, "single-httproute-canary-service": 30}
    assert labels[LABEL] == "in-progress"
    assert r.final.phase == "Healthy"
    refs, labels = backend_weights(r, r.until)  # httproute-after-cleanup: canary 0, no label
    assert refs["single-httproute-canary-service"] == 0 and LABEL not in labels


def test_requests_follow_the_backend_weights(run: Result) -> None:
    r = run
    paused = next(s for s in r.snapshots if s.phase == "Paused")
    t = r.series["time"]
    held = (t >= paused.time + 1) & (t < paused.time + 28)
    canary = r.series["requests.canary"][held].sum()
    n = canary + r.series["requests.stable"][held].sum()
    assert abs(canary / n - 0.3) < 5 * np.sqrt(0.3 * 0.7 / n)


def test_unsupported_plugin_features_are_refused(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIO)
    selector = {
        "spec": {
            "strategy": {
                "canary": {
                    "trafficRouting": {
                        "plugins": {
                            "argoproj-labs/gatewayAPI": {
                                "httpRouteSelector": {"matchLabels": {"a": "b"}}
                            }
                        }
                    }
                }
            }
        }
    }
    # refused as soon as the scenario is built, with validate's load/unsupported line
    with pytest.raises(
        ScenarioError, match=r"httpRouteSelector.*label selector is not simulated yet"
    ):
        canarysim.simulate(scenario.with_manifest("Rollout", "httproute-rollout", selector))
    # (header routes on HTTPRoutes are simulated: tests/sim/test_world_header_routes.py;
    # GRPCRoutes, TCPRoutes, TLSRoutes: tests/sim/test_world_gatewayapi_grpc.py)


@pytest.mark.parametrize("key", ["httpRoutes", "grpcRoutes", "tcpRoutes", "tlsRoutes"])
def test_a_route_entry_without_a_name_is_refused(key: str) -> None:
    """The plugin validates its settings on every call (``getGatewayAPITrafficRoutingConfig``)
    and refuses the whole configuration for a route entry without a name: refused at load,
    naming the entry, instead of a run that fails looking for a route named ""."""
    scenario = load_scenario(SCENARIO)
    config = {"httpRoute": "argo-rollouts-http-route", key: [{"useHeaderRoutes": True}]}
    nameless = {
        "spec": {
            "strategy": {
                "canary": {"trafficRouting": {"plugins": {"argoproj-labs/gatewayAPI": config}}}
            }
        }
    }
    with pytest.raises(ScenarioError, match=rf"{key}\[0\].*a route with a name.*no name"):
        canarysim.simulate(scenario.with_manifest("Rollout", "httproute-rollout", nameless))


def test_a_missing_httproute_is_the_plugins_error_wrapped_by_argo() -> None:
    # The plugin answers SetWeight with the API server's NotFound; Argo's plugin reconciler
    # (rollout/trafficrouting/plugin/plugin.go) wraps it, and the controller retries.
    scenario = load_scenario(SCENARIO)
    missing = {
        "spec": {
            "strategy": {
                "canary": {
                    "trafficRouting": {
                        "plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "missing"}}
                    }
                }
            }
        }
    }
    r = canarysim.simulate(scenario.with_manifest("Rollout", "httproute-rollout", missing))
    messages = {e["message"] for e in r.summary["controller_errors"]}
    assert messages == {
        'failed to set weight via plugin: httproutes.gateway.networking.k8s.io "missing" not found'
    }
    assert r.final.phase != "Healthy"
