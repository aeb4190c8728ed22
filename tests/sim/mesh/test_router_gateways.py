"""Istio gateways: a VirtualService applies only where it is bound (its ``gateways``; none
means the sidecars, ``mesh``); a match block's ``gateways`` override the VirtualService's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from canarysim import simulate
from canarysim.declarations import load_scenario
from canarysim.sim.mesh.router import (
    MESH,
    RequestClass,
    Router,
    gateway_names,
    qualify_gateway,
    unbound_hint,
)

NS = "deb-ns"
ENDPOINTS = {"stable-svc": {"aaa": 2}, "canary-svc": {"bbb": 1}}
SEED = Path(__file__).resolve().parents[3] / "scenarios" / "imesh-canary" / "scenario.yaml"


def resolve(service: str, labels: Any) -> dict[str, int]:
    return dict(ENDPOINTS.get(service, {}))


def vs(route_to: str, gateways: list[str] | None, name: str = "vs", **route: Any) -> dict:
    spec: dict[str, Any] = {
        "hosts": ["imesh-rollout"],
        "http": [
            {"name": f"to-{route_to}", "route": [{"destination": {"host": route_to}}], **route}
        ],
    }
    if gateways is not None:
        spec["gateways"] = gateways
    return {"metadata": {"name": name, "namespace": NS}, "spec": spec}


def router(*vss: dict) -> Router:
    return Router(list(vss), [], namespace=NS, resolve=resolve)


GATEWAY = RequestClass(host="imesh-rollout", gateway="imesh-gateway")
SIDECAR = RequestClass(host="imesh-rollout")


def served_by(plan) -> list[str]:
    return [b.service for b in plan.branches]


def test_a_gateway_bound_virtual_service_routes_gateway_traffic_only():
    r = router(vs("stable-svc", ["imesh-gateway"]))
    plan = r.plan(GATEWAY)
    assert plan.route_name == "to-stable-svc" and served_by(plan) == ["stable-svc"]
    # A sidecar has no VirtualService for the host: it calls the Service of that name, which
    # does not exist here (503, no endpoint), never the gateway's route.
    side = r.plan(SIDECAR)
    assert side.route_name is None
    assert served_by(side) == ["imesh-rollout"] and not side.branches[0].backends


def test_a_virtual_service_without_gateways_is_mesh_only():
    r = router(vs("stable-svc", None))
    assert served_by(r.plan(SIDECAR)) == ["stable-svc"]
    plan = r.plan(GATEWAY)
    # the gateway has no route for the host: 404 (no fallback to a Service at a gateway)
    assert not plan.matched and plan.route_name is None


def test_gateway_and_mesh_together_serve_both():
    r = router(vs("stable-svc", ["imesh-gateway", "mesh"]))
    assert served_by(r.plan(GATEWAY)) == served_by(r.plan(SIDECAR)) == ["stable-svc"]
    assert served_by(r.plan(RequestClass(host="imesh-rollout", gateway="mesh"))) == ["stable-svc"]


def test_each_entry_point_gets_the_virtual_service_bound_to_it():
    r = router(
        vs("stable-svc", ["imesh-gateway"], name="edge"),
        vs("canary-svc", None, name="internal"),
    )
    assert served_by(r.plan(GATEWAY)) == ["stable-svc"]
    assert served_by(r.plan(SIDECAR)) == ["canary-svc"]


def test_gateway_names_are_qualified_like_istio():
    assert qualify_gateway("imesh-gateway", NS) == "deb-ns/imesh-gateway"
    assert qualify_gateway("istio-system/ingress", NS) == "istio-system/ingress"
    assert qualify_gateway("ingress.istio-system.svc.cluster.local", NS) == "istio-system/ingress"
    assert qualify_gateway(MESH, NS) == MESH
    assert gateway_names(None, NS) == gateway_names([], NS) == frozenset({MESH})
    r = router(vs("stable-svc", ["deb-ns/imesh-gateway"]))
    assert r.plan(GATEWAY).matched
    assert r.plan(RequestClass(host="imesh-rollout", gateway="deb-ns/imesh-gateway")).matched
    # the same name in another namespace is another gateway
    assert not r.plan(
        RequestClass(host="imesh-rollout", gateway="istio-system/imesh-gateway")
    ).matched


def test_a_match_block_gateways_override_the_virtual_service():
    first = {
        "name": "sidecars-to-canary",
        "match": [{"gateways": ["mesh"]}],
        "route": [{"destination": {"host": "canary-svc"}}],
    }
    spec = vs("stable-svc", ["imesh-gateway", "mesh"])
    spec["spec"]["http"].insert(0, first)
    r = router(spec)
    assert r.plan(SIDECAR).route_name == "sidecars-to-canary"
    assert r.plan(GATEWAY).route_name == "to-stable-svc"


@given(
    st.lists(
        st.sampled_from(["mesh", "imesh-gateway", "other", "deb-ns/imesh-gateway"]), max_size=3
    )
)
def test_who_a_virtual_service_serves(gateways):
    r = router(vs("stable-svc", gateways))
    qualified = {qualify_gateway(g, NS) for g in gateways}
    assert r.plan(GATEWAY).matched == ("deb-ns/imesh-gateway" in qualified)
    mesh_served = not gateways or "mesh" in gateways
    assert (r.plan(SIDECAR).route_name == "to-stable-svc") == mesh_served


def test_unbound_hint_says_where_the_routes_are_bound():
    bound = [vs("stable-svc", ["imesh-gateway"])]
    assert unbound_hint(bound, "imesh-rollout", "imesh-gateway", NS) is None
    hint = unbound_hint(bound, "imesh-rollout", None, NS)
    assert hint is not None and "bound to deb-ns/imesh-gateway" in hint and "'mesh'" in hint
    # no VirtualService claims the host: nothing to say (the Service answers)
    assert unbound_hint(bound, "other", None, NS) is None
    assert unbound_hint([vs("stable-svc", None)], "imesh-rollout", None, NS) is None


# ------------------------------------------------------------------------------ the world
@pytest.fixture(scope="module")
def seed():
    return load_scenario(SEED).with_changes(until="20m")


def test_the_seed_enters_through_its_gateway_by_default(seed):
    default = simulate(seed)
    explicit = simulate(seed.with_changes(traffic={"gateway": "imesh-gateway"}))
    assert default.dumps() == explicit.dumps()
    by_image = default.summary["by_image"]
    assert by_image["nginx:1.15.5"]["requests"] > 0  # the canary got its 50 %


def test_the_seed_from_a_sidecar_misses_its_gateway_bound_route(seed):
    result = simulate(seed.with_changes(traffic={"gateway": "mesh"}))
    by_image = result.summary["by_image"]
    # imesh-vsvc is bound to imesh-gateway only: sidecars call Service imesh-rollout,
    # which does not exist, so no pod ever answers
    assert set(by_image) == {"(no endpoint)"}
    assert any("bound to deb-ns/imesh-gateway" in w for w in result.warnings)


def test_the_seed_through_its_own_gateway_warns_nothing(seed):
    assert not any("gateway" in w for w in simulate(seed).warnings)
