"""The Gateway API plugin's GRPCRoutes through the whole simulator: ``scenarios/gatewayapi-grpc``
replays the plugin's e2e test test/e2e/chainsaw/advanced-header-based-grpcroute (its resources,
its assertions on the GRPCRoute after each stage), and its gRPC calls reach the backends the
route's rules give them; single-grpcroute is the same manifests with its two steps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import canarysim
from canarysim.declarations import load_scenario
from canarysim.result import Result

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "gatewayapi-grpc" / "scenario.yaml"
ROLLOUT = "grpcroute-header-advanced-rollout"
STABLE = "advanced-header-based-grpcroute-stable-service"
CANARY = "advanced-header-based-grpcroute-canary-service"
LABEL = "rollouts.argoproj.io/gatewayapi-canary"


@pytest.fixture(scope="module")
def run() -> Result:
    return canarysim.simulate(SCENARIO)


def the_route(r: Result, t: float) -> dict:
    [route] = r.manifests_at(t)["grpcroutes"]
    return route


def weights(route: dict) -> dict[str, int | None]:
    return {b["name"]: b.get("weight") for b in route["spec"]["rules"][0]["backendRefs"]}


def header_rules(route: dict) -> list[tuple[str, list, list]]:
    return [
        (
            rule["name"],
            [(h["name"], h["type"], h["value"]) for m in rule["matches"] for h in m["headers"]],
            [(b["name"], b.get("weight")) for b in rule["backendRefs"]],
        )
        for rule in route["spec"]["rules"][1:]
    ]


def pauses(r: Result) -> list[float]:
    """When each pause step starts (its RolloutPaused event)."""
    return [e["time"] for e in r.events if e["reason"] == "RolloutPaused"]


ROUTE1 = ("canary-route1", [("X-Test", "Exact", "test")], [(CANARY, None)])
ROUTE2 = ("canary-route2", [("X-Version", "Exact", "v2")], [(CANARY, None)])


def test_the_route_after_each_stage_as_the_e2e_assertions(run: Result) -> None:
    r = run
    first, second, third = pauses(r)
    route = the_route(r, 100)  # grpcroute-initial: one rule, canary 0
    assert len(route["spec"]["rules"]) == 1 and weights(route)[CANARY] == 0
    route = the_route(r, first + 1)  # grpcroute-after-first-header
    assert weights(route) == {STABLE: 70, CANARY: 30} and header_rules(route) == [ROUTE1]
    assert route["metadata"]["labels"] == {LABEL: "in-progress"}
    route = the_route(r, second + 1)  # grpcroute-after-second-header
    assert weights(route) == {STABLE: 40, CANARY: 60}
    assert header_rules(route) == [ROUTE1, ROUTE2]
    route = the_route(r, third + 1)  # grpcroute-after-weight-90: header rules unchanged
    assert weights(route) == {STABLE: 10, CANARY: 90}
    assert header_rules(route) == [ROUTE1, ROUTE2]
    assert r.final.phase == "Healthy"  # rollout-healthy
    route = the_route(r, r.until)  # grpcroute-after-cleanup
    assert len(route["spec"]["rules"]) == 1 and weights(route)[CANARY] == 0
    assert LABEL not in (route["metadata"].get("labels") or {})


def canary_share(r: Result, cls: str, start: float, end: float) -> tuple[float, int]:
    t = r.series["time"]
    held = (t >= start) & (t < end)
    canary = r.series[f"class[{cls}].requests.canary"][held].sum()
    n = canary + r.series[f"class[{cls}].requests.stable"][held].sum()
    return canary / n, int(n)


def test_calls_follow_the_rules_of_each_stage(run: Result) -> None:
    r = run
    first, second, _ = pauses(r)
    for start, weight, header_classes in (
        (first, 0.3, {"testers"}),
        (second, 0.6, {"testers", "v2-clients"}),
    ):
        for cls in ("default", "testers", "v2-clients"):
            share, n = canary_share(r, cls, start + 2, start + 28)
            if cls in header_classes:  # the header rule sends all of them to the canary
                assert share == 1.0
            else:
                assert abs(share - weight) < 5 * np.sqrt(weight * (1 - weight) / n)
    assert r.summary["controller_errors"] == []


def test_single_grpcroute_e2e() -> None:
    """single-grpcroute: a grpcRoute (single form), setWeight 30 then a 30 s pause: 70/30
    while paused, labelled, then 100/0 and no label once Healthy."""
    scenario = load_scenario(SCENARIO)
    patch = {
        "spec": {
            "strategy": {
                "canary": {
                    "trafficRouting": {
                        "managedRoutes": None,
                        "plugins": {
                            "argoproj-labs/gatewayAPI": {
                                "grpcRoutes": None,
                                "grpcRoute": "grpcroute-header-advanced",
                            }
                        },
                    },
                    "steps": [{"setWeight": 30}, {"pause": {"duration": "30s"}}],
                }
            }
        }
    }
    r = canarysim.simulate(scenario.with_manifest("Rollout", ROLLOUT, patch))
    [paused] = pauses(r)
    route = the_route(r, paused + 1)
    assert weights(route) == {STABLE: 70, CANARY: 30} and len(route["spec"]["rules"]) == 1
    assert route["metadata"]["labels"] == {LABEL: "in-progress"}
    assert r.final.phase == "Healthy"
    route = the_route(r, r.until)
    assert weights(route) == {STABLE: 100, CANARY: 0} and "labels" not in route["metadata"]


@pytest.mark.parametrize(
    ("header_routes", "verb"),
    # with header routes, Argo's reconcile first removes the managed routes, and that fails
    [(False, "set weight"), (True, "remove managed routes")],
)
def test_a_missing_grpcroute_is_the_plugins_error_wrapped_by_argo(
    header_routes: bool, verb: str
) -> None:
    scenario = load_scenario(SCENARIO)
    plugin = {"grpcRoutes": [{"name": "missing", "useHeaderRoutes": header_routes}]}
    patch = {
        "spec": {
            "strategy": {
                "canary": {"trafficRouting": {"plugins": {"argoproj-labs/gatewayAPI": plugin}}}
            }
        }
    }
    r = canarysim.simulate(scenario.with_manifest("Rollout", ROLLOUT, patch))
    messages = {e["message"] for e in r.summary["controller_errors"]}
    assert messages == {
        f'failed to {verb} via plugin: grpcroutes.gateway.networking.k8s.io "missing" not found'
    }
    assert r.final.phase != "Healthy"


def test_a_grpcroute_without_the_canary_backend_is_the_plugins_error() -> None:
    scenario = load_scenario(SCENARIO)
    route = {"spec": {"rules": [{"backendRefs": [{"name": STABLE, "port": 80}]}]}}
    r = canarysim.simulate(scenario.with_manifest("GRPCRoute", "grpcroute-header-advanced", route))
    messages = {e["message"] for e in r.summary["controller_errors"]}
    assert messages == {"failed to set weight via plugin: backendRef was not found in grpcRoute"}


def test_a_class_that_is_not_a_grpc_call_is_warned_about(run: Result) -> None:
    assert not [w for w in run.warnings if "GRPCRoute" in w]  # every class is a gRPC call
    scenario = load_scenario(SCENARIO)
    r = canarysim.simulate(scenario.with_changes(traffic={"path": "/healthz"}), until="1m")
    warned = [w for w in r.warnings if "GRPCRoute" in w]
    assert len(warned) == 3  # one per class, each naming it
    assert warned[0].startswith(
        "traffic: class 'testers' asks host 'grpc.example.com', which GRPCRoute "
        "'grpcroute-header-advanced' serves, with path '/healthz': a gRPC call is a POST to "
        "/<service>/<method>"
    )
    # the route's only rule has no method match: the calls are still served
    assert r.series["requests.unserved"].sum() == 0
