"""Argo's App Mesh reconciler as pure rewrites (engine/trafficrouting/appmesh), with the
expected values of upstream's ``appmesh_test.go`` transcribed as data, and the sidecar's route
choice over a VirtualRouter."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from canarysim.engine.trafficrouting.appmesh import match, reconcile
from canarysim.errors import TrafficRoutingError

NS = "myns"


def rollout(routes: list[str] | None = None) -> dict[str, Any]:
    vs: dict[str, Any] = {"name": "mysvc"}
    if routes is not None:
        vs["routes"] = routes
    return {
        "metadata": {"name": "myapp", "namespace": NS},
        "spec": {
            "strategy": {
                "canary": {
                    "trafficRouting": {
                        "appMesh": {
                            "virtualService": vs,
                            "virtualNodeGroup": {
                                "canaryVirtualNodeRef": {"name": "mysvc-canary-vn"},
                                "stableVirtualNodeRef": {"name": "mysvc-stable-vn"},
                            },
                        }
                    }
                }
            }
        },
    }


def router(kind: str = "httpRoute", canary: int = 0, stable: int = 100) -> dict[str, Any]:
    return {
        "metadata": {"name": "mysvc-vrouter", "namespace": NS},
        "spec": {
            "routes": [
                {
                    "name": "primary",
                    kind: {
                        "match": {"prefix": "/"},
                        "action": {
                            "weightedTargets": [
                                {"virtualNodeRef": {"name": "mysvc-canary-vn"}, "weight": canary},
                                {"virtualNodeRef": {"name": "mysvc-stable-vn"}, "weight": stable},
                            ]
                        },
                    },
                }
            ]
        },
    }


def weights(vr: dict[str, Any], kind: str = "httpRoute") -> dict[str, int]:
    targets = vr["spec"]["routes"][0][kind]["action"]["weightedTargets"]
    return {t["virtualNodeRef"]["name"]: t["weight"] for t in targets}


# ---------------------------------------------------------------- SetWeight (TestSetWeight*)
@pytest.mark.parametrize("kind", ["httpRoute", "tcpRoute", "http2Route", "grpcRoute"])
def test_set_weight_writes_canary_and_stable_targets_for_every_route_type(kind: str) -> None:
    vr = router(kind)
    out = reconcile.set_weight(vr, rollout(), 55)
    assert weights(out, kind) == {"mysvc-canary-vn": 55, "mysvc-stable-vn": 45}
    assert weights(vr, kind) == {"mysvc-canary-vn": 0, "mysvc-stable-vn": 100}  # not mutated


def test_set_weight_at_the_current_weight_changes_nothing() -> None:
    vr = router(canary=55, stable=45)
    assert reconcile.set_weight(vr, rollout(), 55) == vr


@pytest.mark.parametrize(
    ("filters", "updated"),
    [(["primary"], True), (["unknown"], False), (["unknown", "primary"], True), ([], True)],
)
def test_route_filter_limits_the_routes_argo_edits(filters: list[str], updated: bool) -> None:
    out = reconcile.set_weight(router(), rollout(filters), 55)
    assert (weights(out)["mysvc-canary-vn"] == 55) is updated


def test_targets_of_another_namespace_or_node_are_left_alone() -> None:
    vr = router()
    targets = vr["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"]
    targets[0]["virtualNodeRef"]["namespace"] = "elsewhere"
    targets.append({"virtualNodeRef": {"name": "third"}, "weight": 7})
    out = reconcile.set_weight(vr, rollout(), 30)
    got = out["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"]
    assert [t["weight"] for t in got] == [0, 70, 7]


def test_float_weights_read_as_numbers() -> None:
    vr = router(canary=0.0, stable=100.0)  # type: ignore[arg-type]
    assert weights(reconcile.set_weight(vr, rollout(), 20)) == {
        "mysvc-canary-vn": 20,
        "mysvc-stable-vn": 80,
    }


@pytest.mark.parametrize(
    ("routes", "path"),
    [
        (None, "spec.routes"),
        (["malformed-content"], "spec.routes[0]"),
        ([{"httpRoute": {}}], "spec.routes[0].name"),
        ([{"name": "primary", "badRoute": {}}], "spec.routes[0]"),
        ([{"name": "primary", "httpRoute": {}}], "spec.routes[0].httpRoute.action.weightedTargets"),
    ],
    ids=["missing", "malformed", "no-name", "bad-type", "no-targets"],
)
def test_invalid_routes_fail_with_argos_field_path(routes: Any, path: str) -> None:
    vr = router()
    if routes is None:
        del vr["spec"]["routes"]
    else:
        vr["spec"]["routes"] = routes
    with pytest.raises(TrafficRoutingError) as err:
        reconcile.set_weight(vr, rollout(), 55)
    assert str(err.value).startswith(f'{path}: Invalid value: "mysvc-vrouter": ')


def test_a_virtual_service_without_a_virtual_router_is_argos_error() -> None:
    vs = {"metadata": {"name": "mysvc"}, "spec": {"provider": {"virtualNode": {}}}}
    with pytest.raises(TrafficRoutingError, match=r"^Virtual-service is not associated with"):
        reconcile.virtual_router_ref(vs, NS)
    vs["spec"] = {"provider": {"virtualRouter": {"virtualRouterRef": {"name": "vr"}}}}
    assert reconcile.virtual_router_ref(vs, NS) == (NS, "vr")
    vs["spec"]["provider"]["virtualRouter"]["virtualRouterRef"]["namespace"] = "other"
    assert reconcile.virtual_router_ref(vs, NS) == ("other", "vr")


# ------------------------------------------------------------------- UpdateHash (TestUpdateHash)
@pytest.mark.parametrize(
    ("canary", "stable", "want"),
    [
        ("canary-new", "stable-new", ("canary-new", "stable-new")),
        ("", "", ("canary-hash", "stable-hash")),
        ("12345", "12345", ("canary-hash", "12345")),
    ],
    ids=["new", "cleared", "same"],
)
def test_update_hashes_as_upstream(canary: str, stable: str, want: tuple[str, str]) -> None:
    assert reconcile.update_hashes(canary, stable) == want


def test_update_virtual_node_sets_the_hash_and_the_managed_by_annotation() -> None:
    vn = {
        "metadata": {"name": "mysvc-canary-vn", "annotations": {"keep": "me"}},
        "spec": {"podSelector": {"matchLabels": {"app": "x", "rollouts-pod-template-hash": "old"}}},
    }
    out = reconcile.update_virtual_node(vn, "myapp", "abc")
    assert out["spec"]["podSelector"]["matchLabels"] == {
        "app": "x",
        "rollouts-pod-template-hash": "abc",
    }
    assert out["metadata"]["annotations"] == {
        "keep": "me",
        "argo-rollouts.argoproj.io/managed-by-rollouts": "myapp",
    }
    assert vn["spec"]["podSelector"]["matchLabels"]["rollouts-pod-template-hash"] == "old"


def test_update_virtual_node_creates_missing_match_labels() -> None:
    # TestUpdateHashWithVirtualNodeMissingMatchLabels
    out = reconcile.update_virtual_node({"metadata": {"name": "vn"}, "spec": {}}, "ro", "h1")
    assert out["spec"]["podSelector"]["matchLabels"] == {"rollouts-pod-template-hash": "h1"}


# ------------------------------------------------------ ValidateAppMeshVirtualRouter (references)
def test_validate_virtual_router_messages() -> None:
    assert reconcile.validate_virtual_router(router()) is None
    vr = router()
    vr["spec"]["routes"] = []
    assert reconcile.validate_virtual_router(vr) == (
        "spec.routes",
        "No routes defined for AppMesh virtual-router mysvc-vrouter",
    )
    vr = router()
    vr["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"].pop()
    assert reconcile.validate_virtual_router(vr) == (
        "spec.routes[0].httpRoute.action.weightedTargets",
        "Invalid number of weightedTargets (1) for AppMesh virtual-router mysvc-vrouter and "
        "route primary, expected 2",
    )
    vr = router()
    vr["spec"]["routes"] = [{"name": "r", "badRoute": {}}]
    assert reconcile.validate_virtual_router(vr) == (
        "spec.routes[0]",
        "Error getting route details for AppMesh virtual-router mysvc-vrouter and route r. "
        "Error: Route has unsupported route type",
    )
    vr["spec"]["routes"] = [{"name": "r", "httpRoute": {}}]
    assert reconcile.validate_virtual_router(vr) == (
        "spec.routes[0].httpRoute.action.weightedTargets",
        "Invalid route action found for AppMesh virtual-router mysvc-vrouter and route r",
    )


# ------------------------------------------------------------------------------ data plane
def test_route_shares_follow_the_weights() -> None:
    assert match.route(router(canary=25, stable=75)) == (
        ("mysvc-canary-vn", 0.25),
        ("mysvc-stable-vn", 0.75),
    )
    assert match.route(router(canary=0, stable=100)) == (("mysvc-stable-vn", 1.0),)
    assert match.route(router(canary=0, stable=0)) == ()


def test_route_choice_by_path_header_method_and_priority() -> None:
    vr = router()
    header = copy.deepcopy(vr["spec"]["routes"][0])
    header["name"] = "testers"
    header["httpRoute"]["match"] = {
        "prefix": "/",
        "headers": [{"name": "X-Canary", "match": {"exact": "yes"}}],
    }
    header["httpRoute"]["action"]["weightedTargets"] = [
        {"virtualNodeRef": {"name": "mysvc-canary-vn"}, "weight": 1}
    ]
    header["priority"] = 0
    api = copy.deepcopy(vr["spec"]["routes"][0])
    api["name"] = "api"
    api["httpRoute"]["match"] = {"prefix": "/api", "method": "POST"}
    api["httpRoute"]["action"]["weightedTargets"] = [
        {"virtualNodeRef": {"name": "api-vn"}, "weight": 1}
    ]
    vr["spec"]["routes"] += [header, api]
    assert match.route(vr, "/x", headers={"x-canary": "yes"}) == (("mysvc-canary-vn", 1.0),)
    assert match.route(vr, "/x", headers={"x-canary": "no"}) == (("mysvc-stable-vn", 1.0),)
    assert match.route(vr, "/api/v1", "POST") == (("api-vn", 1.0),)  # the longer prefix
    assert match.route(vr, "/api/v1", "GET") == (("mysvc-stable-vn", 1.0),)
    vr["spec"]["routes"] = [api]
    assert match.route(vr, "/other") is None
