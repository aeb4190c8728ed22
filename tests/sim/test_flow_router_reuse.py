"""The traffic flow parses the Istio manifests again only when the mesh changed them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from canarysim.declarations import load_scenario
from canarysim.sim.mesh.router import RequestClass, Router
from canarysim.sim.world import World

SEED = Path(__file__).resolve().parents[2] / "scenarios" / "imesh-canary" / "scenario.yaml"


def test_every_interval_routes_as_a_router_parsed_from_the_manifests_then() -> None:
    world = World.build(load_scenario(SEED))
    flow = world.flow
    replan = flow.replan
    seen: list[tuple[int, bool]] = []

    def checked() -> None:
        replan()
        mesh = world.mesh
        parsed = Router(
            list(mesh.virtual_services.values()),
            list(mesh.destination_rules.values()),
            namespace=world.namespace,
            resolve=flow._resolve,
        )
        for cls, _ in world.classes:
            if not cls.outside:
                assert flow.plans[cls] == parsed.plan(cls)
        assert flow._istio is not None
        seen.append((mesh.version, flow._istio[0] == mesh.version))

    flow.replan = checked  # type: ignore[method-assign]
    world.run()
    versions = [v for v, _ in seen]
    # Both kinds of interval happened: manifests rewritten (weights) and endpoints only.
    assert len(set(versions)) > 1
    assert len(versions) > len(set(versions))
    assert all(current for _, current in seen)


def test_fresh_router_resolves_endpoints_again_and_keeps_plans_if_none_moved() -> None:
    table: dict[str, Any] = {"svc": {"aaa": 2}}
    vs = {
        "metadata": {"name": "v", "namespace": "ns"},
        "spec": {"hosts": ["svc"], "http": [{"route": [{"destination": {"host": "svc"}}]}]},
    }
    first = Router([vs], [], namespace="ns", resolve=lambda s, labels: dict(table.get(s, {})))
    cls = RequestClass(host="svc")
    plan = first.plan(cls)
    assert dict(plan.branches[0].backends) == {"aaa": 2}
    assert first.fresh().plan(cls) is plan  # nothing moved: the plan is kept
    table["svc"] = {"aaa": 1, "bbb": 3}
    assert first.plan(cls) is plan  # cached until fresh
    again = first.fresh()
    assert dict(again.plan(cls).branches[0].backends) == {"aaa": 1, "bbb": 3}
    assert again.fresh().plan(cls) is again.plan(cls)
