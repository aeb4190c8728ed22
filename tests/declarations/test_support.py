"""Settings the run refuses (declarations/support.py): never silently ignored.

A Rollout relying on a traffic router canarysim does not simulate used to be accepted and then
never started its canary. Now ``validate`` reports
an error naming the setting and every simulating command refuses the Rollout at load with the
same sentence, on one line, exit 2.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from spec_helpers import SERVICES, VSVC, bundle

from canarysim.cli import main
from canarysim.declarations import to_plan, validate_manifests
from canarysim.declarations.support import SIMULATED_ROUTERS, refusals, refuse_unsupported
from canarysim.errors import ScenarioError

#: A router that stays refused: a traffic router plugin canarysim does not know. Each entry is
#: (the ``trafficRouting`` key, its body, the refused field under ``trafficRouting``, the name
#: the message gives).
PLUGIN = "example.io/other"
NOT_SIMULATED = {
    "plugin": ("plugins", {PLUGIN: {"x": 1}}, f"plugins.{PLUGIN}", f"plugin {PLUGIN}"),
}


def with_router(base: dict[str, Any], router: str, body: Any, keep_istio: bool) -> dict[str, Any]:
    ro = copy.deepcopy(base)
    tr = ro["spec"]["strategy"]["canary"]["trafficRouting"]
    if not keep_istio:
        tr.clear()
    tr[router] = body
    return ro


def unsupported_findings(*objs: Any) -> list[str]:
    found = validate_manifests(bundle(*objs))
    return [f.message for f in found if f.rule == "load/unsupported" and f.severity == "error"]


def test_istio_alone_is_not_refused(base):
    assert {"istio", "nginx", "alb", "smi", "apisix", "traefik", "ambassador", "appMesh"} <= set(
        SIMULATED_ROUTERS
    )
    assert refusals(bundle(base, SERVICES, VSVC).rollout) == []
    assert unsupported_findings(base, SERVICES, VSVC) == []


@pytest.mark.parametrize("keep_istio", [False, True], ids=["alone", "next-to-istio"])
@pytest.mark.parametrize("router", sorted(NOT_SIMULATED))
def test_a_router_not_simulated_is_an_error_and_refused(base, router, keep_istio):
    key, body, where, named = NOT_SIMULATED[router]
    ro = with_router(base, key, body, keep_istio)
    field = f"spec.strategy.canary.trafficRouting.{where}"
    [message] = unsupported_findings(ro, SERVICES, VSVC)
    assert message.startswith(f"{field}: expected a traffic router canarysim simulates")
    assert f"got traffic router {named}, which is not simulated yet" in message
    objs = bundle(ro, SERVICES, VSVC)
    with pytest.raises(ScenarioError) as err:
        refuse_unsupported(objs.rollout)
    assert field in str(err.value) and "\n" not in str(err.value)
    # the plan (what every simulating command builds first) is refused the same way
    with pytest.raises(ScenarioError, match=f"traffic router {named},"):
        to_plan(objs.rollout, pod_template_hash="h")


def test_each_plugin_is_named(base):
    ro = with_router(
        base,
        "plugins",
        {"argoproj-labs/gatewayAPI": {"httpRoute": "r"}, "example.io/other": {"x": 1}},
        keep_istio=False,
    )
    [message] = unsupported_findings(ro, SERVICES, VSVC)
    # the Gateway API plugin is simulated (HTTPRoutes); any other plugin is refused by name
    assert message.startswith("spec.strategy.canary.trafficRouting.plugins.example.io/other")
    assert "traffic router plugin example.io/other" in message


def test_blue_green_is_simulated_now(base):
    base["spec"]["strategy"] = {
        "blueGreen": {"activeService": "demo-stable", "previewService": "demo-canary"}
    }
    assert unsupported_findings(base, SERVICES) == []
    assert refusals(bundle(base, SERVICES).rollout) == []


def test_alb_is_simulated_now(base):
    ro = with_router(base, "alb", {"ingress": "demo-ingress", "servicePort": 80}, False)
    assert refusals(bundle(ro, SERVICES).rollout) == []
    assert unsupported_findings(ro, SERVICES) == []


def test_app_mesh_is_simulated_now(base):
    ro = with_router(
        base,
        "appMesh",
        {
            "virtualService": {"name": "demo-vsvc"},
            "virtualNodeGroup": {
                "canaryVirtualNodeRef": {"name": "vn-canary"},
                "stableVirtualNodeRef": {"name": "vn-stable"},
            },
        },
        keep_istio=False,
    )
    assert refusals(bundle(ro, SERVICES).rollout) == []
    assert unsupported_findings(ro, SERVICES) == []


def test_the_line_points_at_the_router(base, tmp_path):
    key, body, _, _ = NOT_SIMULATED["plugin"]
    ro = with_router(base, key, body, keep_istio=True)
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump_all([ro]) + "---\n" + SERVICES + "---\n" + VSVC)
    lines = path.read_text().splitlines()
    objs = bundle(ro)
    [refusal] = refusals(objs.rollout)
    assert refusal.path[-2:] == ("plugins", PLUGIN)
    from canarysim.declarations import load_manifests

    loaded = load_manifests([path])
    line = loaded.rollout.line_of(*refusal.path)
    assert lines[line - 1].strip().startswith(f"{PLUGIN}:")


def test_run_refuses_in_one_line_and_validate_says_so(base, tmp_path, capsys):
    key, body, _, _ = NOT_SIMULATED["plugin"]
    ro = with_router(base, key, body, keep_istio=False)
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump_all([ro]) + "---\n" + SERVICES)
    code = main(["run", "-f", str(path), "--until", "5m", "--json"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("canarysim: error: ")
    assert f"trafficRouting.plugins.{PLUGIN}" in err and "not simulated yet" in err
    code = main(["validate", str(path)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"error: spec.strategy.canary.trafficRouting.plugins.{PLUGIN}" in out
    assert "[load/unsupported]" in out
