"""Header routes on the routers besides Istio and ALB: APISIX (an ApisixRoute of the Rollout's
per header route) and the Gateway API plugin (HTTPRoute rules). The router objects are written
as Argo writes them and the requests of each class are routed by them as the data plane
would: the class carrying the header reaches only the canary while the route holds, the
others keep the weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import canarysim
from canarysim.declarations import load_scenario
from canarysim.errors import InputRefused

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
VERSIONS = ("stable", "canary", "unserved")


def _class_rows(result: Any, name: str, rows: np.ndarray) -> dict[str, int]:
    return {
        v: int(np.asarray(result.series[f"class[{name}].requests.{v}"])[rows].sum())
        for v in VERSIONS
    }


def _apisix_scenario() -> Any:
    """upstream's test/e2e/apisix/rollout-apisix-canary-set-header.yaml, its first step split
    in two (setCanaryScale, then setHeaderRoute): the header route needs an available canary
    pod, or Argo removes the managed routes in the same reconcile."""
    base = load_scenario(SCENARIOS / "apisix-canary" / "scenario.yaml")
    canary = {
        "canaryService": "rollout-apisix-canary-canary",
        "stableService": "rollout-apisix-canary-stable",
        "trafficRouting": {
            "managedRoutes": [{"name": "set-header"}],
            "apisix": {"route": {"name": "rollouts-apisix-route", "rules": ["rollouts-apisix"]}},
        },
        "steps": [
            {"setCanaryScale": {"replicas": 1}},
            {
                "setHeaderRoute": {
                    "name": "set-header",
                    "match": [{"headerName": "trace", "headerValue": {"exact": "debug"}}],
                }
            },
            {"pause": {"duration": 15}},
            {"pause": {"duration": 15}},
            {"setWeight": 5},
            {"pause": {"duration": 15}},
            {"setWeight": 50},
            {"pause": {"duration": 15}},
        ],
    }
    patch = {"spec": {"strategy": {"canary": canary}}}
    return base.with_manifest("Rollout", "rollout-apisix-canary", patch).with_changes(
        traffic={"headers": [{"name": "debug", "fraction": 0.2, "headers": {"trace": "debug"}}]}
    )


def test_apisix_header_route_is_written_routed_and_removed() -> None:
    r = canarysim.simulate(_apisix_scenario())
    times = np.asarray(r.series["time"])
    weights = np.asarray(r.series["weight.canary"])
    names = [
        (t, [m["metadata"]["name"] for m in r.manifests_at(t).get("apisixroutes", [])])
        for t in (119.0, 200.0)
    ]
    assert names[0][1] == ["rollouts-apisix-route"]  # no header route before the update
    # while the header route holds (weight still 0): its ApisixRoute as Argo writes it
    first_weight = float(times[np.argmax(weights > 0)])
    held = times[(times >= 125) & (times < first_weight)]
    assert len(held), "the rollout never sat at the header route"
    at = float(held[-1])
    routes = {m["metadata"]["name"]: m for m in r.manifests_at(at)["apisixroutes"]}
    header = routes["set-header"]
    assert header["metadata"]["ownerReferences"][0]["kind"] == "Rollout"
    (rule,) = header["spec"]["http"]
    assert rule["priority"] == 1
    assert [b["serviceName"] for b in rule["backends"]] == ["rollout-apisix-canary-canary"]
    assert rule["match"]["exprs"] == [
        {"subject": {"scope": "Header", "name": "trace"}, "op": "Equal", "value": "debug"}
    ]
    # the debug class reaches the canary only; the rest stays on the stable (weight 0)
    window = (times > 130) & (times < at)
    debug, rest = _class_rows(r, "debug", window), _class_rows(r, "default", window)
    assert debug["canary"] > 0 and debug["stable"] == 0 and debug["unserved"] == 0
    assert rest["canary"] == 0 and rest["stable"] > 0
    # promoted: the managed route is gone (RemoveManagedRoutes), traffic by weight again
    final = r.manifests_at(float(times[-1]))["apisixroutes"]
    assert [m["metadata"]["name"] for m in final] == ["rollouts-apisix-route"]
    assert r.final.phase == "Healthy"


def _gateway_scenario(match: list[dict[str, Any]] | None) -> Any:
    base = load_scenario(SCENARIOS / "gatewayapi-httproute" / "scenario.yaml")
    header: dict[str, Any] = {"name": "canary-testers"}
    if match is not None:
        header["match"] = match
    patch = {
        "spec": {
            "strategy": {
                "canary": {
                    "trafficRouting": {"managedRoutes": [{"name": "canary-testers"}]},
                    "steps": [
                        {"setWeight": 20},
                        {"setHeaderRoute": header},
                        {"pause": {"duration": "60s"}},
                        {"setMirrorRoute": {"name": "canary-testers", "percentage": 50}},
                        {"pause": {"duration": "20s"}},
                    ],
                }
            }
        }
    }
    return base.with_manifest("Rollout", "httproute-rollout", patch).with_changes(
        traffic={"headers": [{"name": "testers", "rate": 5, "headers": {"X-Canary": "yes"}}]}
    )


def test_gateway_api_header_route_is_a_managed_rule_the_gateway_prefers() -> None:
    """The plugin appends a rule named after the route with the step's header and the canary
    as its only backend; the Gateway picks it for the requests that carry the header (the
    most header matches win); promotion removes it. The plugin's mirror route does nothing."""
    match = [{"headerName": "X-Canary", "headerValue": {"exact": "yes"}}]
    r = canarysim.simulate(_gateway_scenario(match))
    times = np.asarray(r.series["time"])
    weights = np.asarray(r.series["weight.canary"])
    at20 = times[weights == 20]
    start, end = float(at20[0]), float(at20[-1])
    (route,) = r.manifests_at(start + 30)["httproutes"]
    rules = route["spec"]["rules"]
    assert len(rules) == 2
    assert rules[1] == {
        "name": "canary-testers",
        "matches": [{"headers": [{"type": "Exact", "name": "X-Canary", "value": "yes"}]}],
        "backendRefs": [
            {"group": "", "kind": "Service", "name": "single-httproute-canary-service", "port": 80}
        ],
    }
    # the mirror step (a no-op for the plugin) changes nothing
    assert r.manifests_at(end)["httproutes"] == r.manifests_at(start + 30)["httproutes"]
    window = (times > start + 5) & (times < end)
    testers, rest = _class_rows(r, "testers", window), _class_rows(r, "default", window)
    assert testers["canary"] > 0 and testers["stable"] == 0
    n = rest["canary"] + rest["stable"]
    assert abs(rest["canary"] / n - 0.2) < 5 * np.sqrt(0.2 * 0.8 / n)  # weights for the rest
    (final,) = r.manifests_at(float(times[-1]))["httproutes"]
    assert len(final["spec"]["rules"]) == 1  # RemoveManagedRoutes at the end of the update
    assert r.final.phase == "Healthy"


def test_gateway_api_empty_header_match_adds_a_rule_that_never_wins() -> None:
    """The plugin, too, removes only for a nil match: ``match: []`` appends a managed rule
    without headers. Unlike Istio's route order, the Gateway API's precedence ties it with
    the route's own rule (no path, no header: the same match), and a tie goes to the rule
    listed first, the route's own: the requests keep the weights."""
    r = canarysim.simulate(_gateway_scenario([]))
    times = np.asarray(r.series["time"])
    weights = np.asarray(r.series["weight.canary"])
    at20 = times[weights == 20]
    start, end = float(at20[0]), float(at20[-1])
    (route,) = r.manifests_at(start + 30)["httproutes"]
    assert route["spec"]["rules"][1]["matches"] == [{}]
    window = (times > start + 5) & (times < end)
    rest = _class_rows(r, "default", window)
    n = rest["canary"] + rest["stable"]
    assert abs(rest["canary"] / n - 0.2) < 5 * np.sqrt(0.2 * 0.8 / n)


def test_gateway_api_routes_without_use_header_routes_get_no_header_rule() -> None:
    """``httpRoutes: [{name}]`` without ``useHeaderRoutes: true``: the plugin skips the route
    for header routes (the single ``httpRoute`` form always takes them)."""
    match = [{"headerName": "X-Canary", "headerValue": {"exact": "yes"}}]
    plugin = {"httpRoutes": [{"name": "httproute-basic"}], "httpRoute": None}
    patch = {
        "spec": {
            "strategy": {
                "canary": {"trafficRouting": {"plugins": {"argoproj-labs/gatewayAPI": plugin}}}
            }
        }
    }
    scenario = _gateway_scenario(match)
    scenario = scenario.with_manifest("Rollout", "httproute-rollout", patch)
    r = canarysim.simulate(scenario)
    times = np.asarray(r.series["time"])
    weights = np.asarray(r.series["weight.canary"])
    start = float(times[weights == 20][0])
    (route,) = r.manifests_at(start + 30)["httproutes"]
    assert len(route["spec"]["rules"]) == 1
    window = (times > start + 5) & (times < start + 60)
    testers = _class_rows(r, "testers", window)
    assert testers["stable"] > 0  # by weight: no rule sends them to the canary only


def _istio_header_route(header: dict[str, Any]) -> Any:
    base = load_scenario(SCENARIOS / "header-route" / "scenario.yaml")
    steps = [{"setWeight": 10}, {"setHeaderRoute": header}, {"pause": {}}]
    patch = {"spec": {"strategy": {"canary": {"steps": steps}}}}
    return base.with_manifest("Rollout", "header-demo", patch)


@pytest.mark.parametrize(
    ("header", "everything_to_the_canary"),
    [
        ({"name": "canary-testers", "match": []}, True),
        ({"name": "canary-testers"}, False),
        ({"name": "canary-testers", "match": None}, False),
    ],
    ids=["empty match", "no match", "null match"],
)
def test_an_empty_header_match_sends_every_request_to_the_canary(
    header: dict[str, Any], everything_to_the_canary: bool
) -> None:
    """istio.go tests ``Match == nil``: an empty list is not nil, so the step adds a route
    without conditions, ahead of the weighted one, and every request reaches the canary
    while the rollout pauses at 10 %. A missing or null match only removes the route."""
    r = canarysim.simulate(_istio_header_route(header))
    times = np.asarray(r.series["time"])
    weights = np.asarray(r.series["weight.canary"])
    paused = times[weights == 10]
    window = (times > float(paused[0]) + 30) & (times < float(paused[-1]))
    rows = _class_rows(r, "default", window)
    (vs,) = r.manifests_at(float(paused[-1]))["virtualservices"]
    route_names = [route.get("name") for route in vs["spec"]["http"]]
    if everything_to_the_canary:
        assert route_names == ["canary-testers", "primary"]
        assert "match" not in vs["spec"]["http"][0]
        assert rows["canary"] > 0 and rows["stable"] == 0
    else:
        assert route_names == ["primary"]
        n = rows["canary"] + rows["stable"]
        assert abs(rows["canary"] / n - 0.1) < 5 * np.sqrt(0.1 * 0.9 / n)


UNSUPPORTED_HEADER = [
    ("nginx-canary", "rollout-nginx-canary"),
    ("smi-experiment", "rollout-smi-experiment"),
    ("traefik-canary", "rollouts-demo"),
    ("ambassador-canary", "someapp"),
    ("appmesh-canary", "my-rollout"),
]
UNSUPPORTED_MIRROR = [
    *UNSUPPORTED_HEADER,
    ("alb-canary", "alb-rollout"),
    ("apisix-canary", "rollout-apisix-canary"),
]


def _with_step(scenario_dir: str, rollout: str, step: dict[str, Any]) -> Any:
    base = load_scenario(SCENARIOS / scenario_dir / "scenario.yaml")
    patch = {
        "spec": {
            "strategy": {
                "canary": {
                    "trafficRouting": {"managedRoutes": [{"name": "r"}]},
                    "steps": [{"setWeight": 20}, step, {"pause": {}}],
                }
            }
        }
    }
    return base.with_manifest("Rollout", rollout, patch)


@pytest.mark.parametrize(("scenario_dir", "rollout"), UNSUPPORTED_HEADER)
def test_header_route_on_a_router_argo_does_not_support_is_argos_invalid_spec(
    scenario_dir: str, rollout: str
) -> None:
    """Argo's validation (pkg/apis/rollouts/validation) allows setHeaderRoute only with Istio,
    ALB, APISIX or a plugin: the others' reconcilers would do nothing."""
    step = {
        "setHeaderRoute": {
            "name": "r",
            "match": [{"headerName": "h", "headerValue": {"exact": "1"}}],
        }
    }
    with pytest.raises(InputRefused) as info:
        _with_step(scenario_dir, rollout, step)
    message = str(info.value)
    assert "spec.strategy.steps[1].setHeaderRoute" in message
    assert "SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix" in message


@pytest.mark.parametrize(("scenario_dir", "rollout"), UNSUPPORTED_MIRROR)
def test_mirror_route_on_a_router_argo_does_not_support_is_argos_invalid_spec(
    scenario_dir: str, rollout: str
) -> None:
    step = {"setMirrorRoute": {"name": "r", "percentage": 50}}
    with pytest.raises(InputRefused) as info:
        _with_step(scenario_dir, rollout, step)
    message = str(info.value)
    assert "spec.strategy.steps[1].setMirrorRoute" in message
    assert "SetMirrorRoute requires TrafficRouting, supports Istio and Plugins" in message
