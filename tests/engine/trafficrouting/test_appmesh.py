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
    out = reconcile.set_weight(vr, rollout(), 55, NS)
    assert weights(out, kind) == {"mysvc-canary-vn": 55, "mysvc-stable-vn": 45}
    assert weights(vr, kind) == {"mysvc-canary-vn": 0, "mysvc-stable-vn": 100}  # not mutated


def test_set_weight_at_the_current_weight_changes_nothing() -> None:
    vr = router(canary=55, stable=45)
    assert reconcile.set_weight(vr, rollout(), 55, NS) == vr


@pytest.mark.parametrize(
    ("filters", "updated"),
    [(["primary"], True), (["unknown"], False), (["unknown", "primary"], True), ([], True)],
)
def test_route_filter_limits_the_routes_argo_edits(filters: list[str], updated: bool) -> None:
    out = reconcile.set_weight(router(), rollout(filters), 55, NS)
    assert (weights(out)["mysvc-canary-vn"] == 55) is updated


def test_targets_of_another_namespace_or_node_are_left_alone() -> None:
    vr = router()
    targets = vr["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"]
    targets[0]["virtualNodeRef"]["namespace"] = "elsewhere"
    targets.append({"virtualNodeRef": {"name": "third"}, "weight": 7})
    out = reconcile.set_weight(vr, rollout(), 30, NS)
    got = out["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"]
    assert [t["weight"] for t in got] == [0, 70, 7]


def test_float_weights_read_as_numbers() -> None:
    vr = router(canary=0.0, stable=100.0)  # type: ignore[arg-type]
    assert weights(reconcile.set_weight(vr, rollout(), 20, NS)) == {
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
        reconcile.set_weight(vr, rollout(), 55, NS)
    detail = "No routes found" if routes is None else "not well-formed"
    assert str(err.value) == f'{path}: Invalid value: "mysvc-vrouter": {detail}'


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


def test_update_virtual_node_sets_the_hash_and_leaves_the_annotations() -> None:
    vn = {
        "metadata": {"name": "mysvc-canary-vn", "annotations": {"keep": "me"}},
        "spec": {"podSelector": {"matchLabels": {"app": "x", "rollouts-pod-template-hash": "old"}}},
    }
    out = reconcile.update_virtual_node(vn, "abc")
    assert out["spec"]["podSelector"]["matchLabels"] == {
        "app": "x",
        "rollouts-pod-template-hash": "abc",
    }
    # Argo sets the managed-by annotation on a copy it never writes back
    assert out["metadata"] == vn["metadata"]
    assert vn["spec"]["podSelector"]["matchLabels"]["rollouts-pod-template-hash"] == "old"


def test_update_virtual_node_creates_missing_match_labels() -> None:
    # TestUpdateHashWithVirtualNodeMissingMatchLabels
    out = reconcile.update_virtual_node({"metadata": {"name": "vn"}, "spec": {}}, "h1")
    assert out["spec"]["podSelector"]["matchLabels"] == {"rollouts-pod-template-hash": "h1"}
    for bare in (
        {},
        {"spec": None},
        {"spec": {"podSelector": 1}},
        {"spec": {"podSelector": {"matchLabels": []}}},
    ):
        out = reconcile.update_virtual_node(bare, "h2")
        assert out["spec"] == {"podSelector": {"matchLabels": {"rollouts-pod-template-hash": "h2"}}}


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


# ------------------------------------------------------ data plane: one route at a time
def vr_of(*routes: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"routes": list(routes)}}


def http(node: str, kind: str = "httpRoute", priority: Any = None, **match: Any) -> dict[str, Any]:
    r: dict[str, Any] = {
        "name": node,
        kind: {
            "match": match,
            "action": {"weightedTargets": [{"virtualNodeRef": {"name": node}, "weight": 1}]},
        },
    }
    if priority is not None:
        r["priority"] = priority
    return r


def header(rule: dict[str, Any]) -> dict[str, Any]:
    return {"prefix": "/", "headers": [rule]}


@pytest.mark.parametrize(
    ("rule", "headers", "ok"),
    [
        ({"name": "X-V", "match": {"exact": "a"}}, {"x-v": "a"}, True),
        ({"name": "x-v", "match": {"exact": "a"}}, {"X-V": "a"}, True),
        ({"name": "x-v", "match": {"exact": "a"}}, {"x-v": "ab"}, False),
        ({"name": "x-v", "match": {"exact": 7}}, {"x-v": "7"}, True),
        ({"name": "x-v", "match": {"prefix": "ab"}}, {"x-v": "abc"}, True),
        ({"name": "x-v", "match": {"prefix": "ab"}}, {"x-v": "cab"}, False),
        ({"name": "x-v", "match": {"suffix": "bc"}}, {"x-v": "abc"}, True),
        ({"name": "x-v", "match": {"suffix": "bc"}}, {"x-v": "bca"}, False),
        ({"name": "x-v", "match": {"regex": "a.c"}}, {"x-v": "abc"}, True),
        ({"name": "x-v", "match": {"regex": "b"}}, {"x-v": "abc"}, False),  # a full match
        ({"name": "x-v", "match": {"regex": "("}}, {"x-v": "("}, False),
        ({"name": "x-v", "match": {"range": {"start": 2, "end": 5}}}, {"x-v": "2"}, True),
        ({"name": "x-v", "match": {"range": {"start": 2, "end": 5}}}, {"x-v": "4"}, True),
        ({"name": "x-v", "match": {"range": {"start": 2, "end": 5}}}, {"x-v": "5"}, False),
        ({"name": "x-v", "match": {"range": {"start": 2, "end": 5}}}, {"x-v": "1"}, False),
        ({"name": "x-v", "match": {"range": {"start": 2, "end": 5}}}, {"x-v": "x"}, False),
        ({"name": "x-v", "match": {"range": {"end": 5}}}, {"x-v": "0"}, False),
        ({"name": "x-v", "match": {"range": {"start": 0}}}, {"x-v": "0"}, False),
        ({"name": "x-v", "match": {"range": {"start": None, "end": 5}}}, {"x-v": "0"}, False),
        ({"name": "x-v"}, {"x-v": ""}, True),  # no match: present
        ({"name": "x-v"}, {}, False),
        ({"name": "x-v", "match": {"exact": "a"}}, {}, False),
        ({"match": {"exact": "a"}}, {"": "a", "none": "a"}, False),
        # invert
        ({"name": "x-v", "match": {"exact": "a"}, "invert": True}, {"x-v": "b"}, True),
        ({"name": "x-v", "match": {"exact": "a"}, "invert": True}, {"x-v": "a"}, False),
        ({"name": "x-v", "match": {"exact": "a"}, "invert": True}, {}, True),
        ({"name": "x-v", "invert": True}, {"x-v": "a"}, False),
        ({"name": "x-v", "match": {"exact": "a"}, "invert": False}, {"x-v": "a"}, True),
    ],
)
def test_one_header_rule(rule: dict[str, Any], headers: dict[str, str], ok: bool) -> None:
    vr = vr_of(http("hdr", priority=0, **header(rule)), http("rest", priority=1))
    assert match.route(vr, "/", headers=headers) == ((("hdr" if ok else "rest"), 1.0),)


def test_every_header_rule_must_match() -> None:
    rules = [{"name": "a", "match": {"exact": "1"}}, {"name": "b", "match": {"exact": "2"}}]
    vr = vr_of(http("both", priority=0, prefix="/", headers=rules), http("rest", priority=1))
    assert match.route(vr, headers={"a": "1", "b": "2"}) == (("both", 1.0),)
    assert match.route(vr, headers={"a": "1"}) == (("rest", 1.0),)
    assert match.route(vr, headers={"b": "2"}) == (("rest", 1.0),)


@pytest.mark.parametrize(
    ("m", "uri", "method", "ok"),
    [
        ({}, "/anything", "GET", True),
        ({"prefix": "/api"}, "/api/x", "GET", True),
        ({"prefix": "/api"}, "/other", "GET", False),
        ({"prefix": "/api"}, "/api?q=1", "GET", True),
        ({"prefix": "/api"}, "/x?q=/api", "GET", False),
        ({"prefix": "/"}, "?q=1", "GET", True),
        ({"path": {"exact": "/api"}}, "/api", "GET", True),
        ({"path": {"exact": "/api"}}, "/api/", "GET", False),
        ({"path": {"exact": "/api"}, "prefix": "/"}, "/x", "GET", False),
        ({"path": {"regex": "/a.*"}}, "/abc", "GET", True),
        ({"path": {"regex": "b"}}, "/abc", "GET", False),
        ({"path": {"regex": "["}}, "/[", "GET", False),
        ({"path": {"exact": "/a", "regex": ".*"}}, "/b", "GET", False),
        ({"path": {}, "prefix": "/p"}, "/p", "GET", True),
        ({"method": "POST"}, "/", "POST", True),
        ({"method": "POST"}, "/", "post", False),
        ({"method": "POST"}, "/", "GET", False),
    ],
)
def test_one_http_match(m: dict[str, Any], uri: str, method: str, ok: bool) -> None:
    vr = vr_of(http("it", priority=0, **m))
    assert match.route(vr, uri, method) == ((("it", 1.0),) if ok else None)


@pytest.mark.parametrize(
    ("routes", "uri", "want"),
    [
        # the most specific path of one priority: exact, regex, the longest prefix, tcp
        ([http("pre", prefix="/api"), http("ex", path={"exact": "/api"})], "/api", "ex"),
        ([http("ex", path={"exact": "/api"}), http("pre", prefix="/api")], "/api", "ex"),
        ([http("re", path={"regex": "/a.*"}), http("ex", path={"exact": "/api"})], "/api", "ex"),
        ([http("pre", prefix="/api"), http("re", path={"regex": "/a.*"})], "/api", "re"),
        ([http("re", path={"regex": "/a.*"}), http("pre", prefix="/api")], "/api", "re"),
        ([http("short", prefix="/"), http("long", prefix="/api")], "/api/x", "long"),
        ([http("long", prefix="/api"), http("short", prefix="/")], "/api/x", "long"),
        ([http("tcp", kind="tcpRoute"), http("slash", prefix="/")], "/x", "slash"),
        ([http("slash", prefix="/"), http("tcp", kind="tcpRoute")], "/x", "slash"),
        ([http("tcp", kind="tcpRoute"), http("api", prefix="/api")], "/x", "tcp"),
        # priority before specificity: the lowest number, any number before none
        ([http("ex", path={"exact": "/api"}), http("p", priority=5)], "/api", "p"),
        ([http("one", priority=1), http("zero", priority=0)], "/", "zero"),
        ([http("zero", priority=0), http("one", priority=1)], "/", "zero"),
        ([http("tcp", kind="tcpRoute", priority=0), http("ex", path={"exact": "/"})], "/", "tcp"),
        # ties: the first listed
        ([http("a"), http("b")], "/", "a"),
        ([http("a", priority=3), http("b", priority=3)], "/", "a"),
        ([http("a", path={"regex": "/.*"}), http("b", path={"regex": "/.+"})], "/x", "a"),
        ([http("a", path={"exact": "/x"}), http("b", path={"exact": "/x"})], "/x", "a"),
        # kinds: http2 like http; gRPC takes nothing; an unknown shape is skipped
        ([http("g", kind="grpcRoute"), http("h2", kind="http2Route")], "/", "h2"),
        (["junk", {"name": "x"}, http("h", prefix="/")], "/", "h"),
        # a route that does not match lets the later ones be tried
        ([http("api", prefix="/api"), http("b", prefix="/b")], "/b", "b"),
    ],
)
def test_which_route_wins(routes: list[Any], uri: str, want: str) -> None:
    assert match.route(vr_of(*routes), uri) == ((want, 1.0),)


def test_a_request_is_a_get_unless_told() -> None:
    vr = vr_of(http("get", priority=0, method="GET"), http("post", priority=1, method="POST"))
    assert match.route(vr) == (("get", 1.0),)
    assert match.route(vr, method="POST") == (("post", 1.0),)


def test_no_route_of_a_kind_canarysim_sends_is_none() -> None:
    assert match.route(vr_of(http("g", kind="grpcRoute"))) is None
    assert match.route(vr_of()) is None
    assert match.route({}) is None


@pytest.mark.parametrize(
    ("targets", "want"),
    [
        ([("a", 1), ("b", 3)], (("a", 0.25), ("b", 0.75))),
        ([("a", 0.5), ("b", 1.5)], (("a", 0.25), ("b", 0.75))),
        ([("a", 0), ("b", 2)], (("b", 1.0),)),
        ([("a", -1), ("b", 2)], (("b", 1.0),)),
        ([("a", "50"), ("b", 2)], (("b", 1.0),)),
        ([("a", None), ("b", 2)], (("b", 1.0),)),
        ([(None, 1)], (("", 1.0),)),
        ([("a", 0)], ()),
        ([], ()),
    ],
)
def test_weighted_targets_share_by_weight(targets: list[tuple[Any, Any]], want: Any) -> None:
    wts = [
        {"weight": w} | ({"virtualNodeRef": {"name": n}} if n else {"virtualNodeARN": "arn"})
        for n, w in targets
    ]
    vr = vr_of({"name": "r", "tcpRoute": {"action": {"weightedTargets": wts}}})
    assert match.route(vr) == want


# ------------------------------------------------------------------ settings and references
def test_settings_names_and_route_filter() -> None:
    assert reconcile.virtual_service_name(rollout()) == "mysvc"
    assert reconcile.virtual_service_name({}) == ""
    assert reconcile.appmesh_settings({}) is None
    no_map = {"spec": {"strategy": {"canary": {"trafficRouting": {"appMesh": "m"}}}}}
    assert reconcile.appmesh_settings(no_map) is None
    assert reconcile.appmesh_settings(rollout())["virtualService"] == {"name": "mysvc"}
    assert reconcile.virtual_node_names(rollout()) == ("mysvc-canary-vn", "mysvc-stable-vn")
    assert reconcile.virtual_node_names({}) == ("", "")


@pytest.mark.parametrize(
    ("vs", "want"),
    [
        (
            {"spec": {"provider": {"virtualRouter": {"virtualRouterRef": {"name": "vr"}}}}},
            (NS, "vr"),
        ),
        (
            {
                "metadata": {"namespace": "vs-ns"},
                "spec": {"provider": {"virtualRouter": {"virtualRouterRef": {"name": "vr"}}}},
            },
            ("vs-ns", "vr"),
        ),
        (
            {
                "metadata": {"namespace": "vs-ns"},
                "spec": {
                    "provider": {
                        "virtualRouter": {"virtualRouterRef": {"name": "vr", "namespace": ""}}
                    }
                },
            },
            ("vs-ns", "vr"),
        ),
        (
            {
                "metadata": {"namespace": ""},
                "spec": {"provider": {"virtualRouter": {"virtualRouterRef": {"namespace": "x"}}}},
            },
            ("x", ""),
        ),
        ({"spec": {"provider": {"virtualRouter": {"virtualRouterRef": {}}}}}, (NS, "")),
    ],
)
def test_virtual_router_ref_namespaces(vs: dict[str, Any], want: tuple[str, str]) -> None:
    assert reconcile.virtual_router_ref(vs, NS) == want


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"provider": None},
        {"provider": {"virtualRouter": None}},
        {"provider": {"virtualRouter": {"virtualRouterRef": "vr"}}},
    ],
)
def test_a_virtual_service_without_a_router_reference(spec: dict[str, Any]) -> None:
    with pytest.raises(TrafficRoutingError) as err:
        reconcile.virtual_router_ref({"spec": spec}, NS)
    assert str(err.value) == "Virtual-service is not associated with virtual-router"


def test_route_rule_takes_the_first_supported_type_and_fails_on_a_malformed_one() -> None:
    tcp = {"action": {}}
    assert reconcile.route_rule({"tcpRoute": tcp, "grpcRoute": {}}) == (tcp, "tcpRoute")
    assert reconcile.route_rule({"http2Route": tcp, "grpcRoute": {}}) == (tcp, "http2Route")
    assert reconcile.route_rule({"grpcRoute": tcp}) == (tcp, "grpcRoute")
    assert reconcile.route_rule({"other": tcp}) is None
    # unstructured.NestedMap fails on a type that is there but not a mapping
    assert reconcile.route_rule({"httpRoute": None, "tcpRoute": tcp}) is None


# ------------------------------------------------------------------ SetWeight, target by target
def one_route(*targets: dict[str, Any], name: Any = "primary") -> dict[str, Any]:
    route = {"httpRoute": {"action": {"weightedTargets": list(targets)}}}
    if name is not None:
        route["name"] = name
    return {"metadata": {"name": "vr"}, "spec": {"routes": [route]}}


def target(name: Any, weight: Any, namespace: Any = None) -> dict[str, Any]:
    ref: dict[str, Any] = {} if name is None else {"name": name}
    if namespace is not None:
        ref["namespace"] = namespace
    return {"virtualNodeRef": ref, "weight": weight}


def set_targets(
    vr: dict[str, Any], ro: dict[str, Any] | None = None, weight: int = 30
) -> list[Any]:
    out = reconcile.set_weight(vr, ro or rollout(), weight, NS)
    return [t["weight"] for t in out["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"]]


@pytest.mark.parametrize(
    ("targets", "want"),
    [
        ([target("mysvc-stable-vn", 100), target("mysvc-canary-vn", 0)], [70, 30]),
        ([target("mysvc-stable-vn", 100, NS), target("mysvc-canary-vn", 0, "")], [70, 30]),
        (
            [target("mysvc-stable-vn", 100, "other"), target("mysvc-canary-vn", 0, "other")],
            [100, 0],
        ),
        ([target("mysvc-stable-vn", 100, 5), target("mysvc-canary-vn", 0)], [70, 30]),
        ([target("x", 9), target(7, 9), target(None, 9)], [9, 9, 9]),
        # a weight that reads as the wanted one is left as written (Argo: no update)
        ([target("mysvc-stable-vn", 70.9), target("mysvc-canary-vn", 30.2)], [70.9, 30.2]),
        ([target("mysvc-stable-vn", 71.0), target("mysvc-canary-vn", 29.9)], [70, 30]),
        ([target("mysvc-canary-vn", 30), target("mysvc-stable-vn", 70)], [30, 70]),
    ],
)
def test_set_weight_per_target(targets: list[dict[str, Any]], want: list[Any]) -> None:
    got = set_targets(one_route(*targets))
    assert got == want
    assert [type(g) for g in got] == [type(w) for w in want]


def test_set_weight_when_the_stable_and_canary_nodes_are_one() -> None:
    ro = rollout()
    group = ro["spec"]["strategy"]["canary"]["trafficRouting"]["appMesh"]["virtualNodeGroup"]
    group["canaryVirtualNodeRef"]["name"] = "mysvc-stable-vn"
    # the stable branch wins, even when its weight is already right
    assert set_targets(one_route(target("mysvc-stable-vn", 70)), ro) == [70]
    assert set_targets(one_route(target("mysvc-stable-vn", 30)), ro) == [70]


def test_set_weight_with_unnamed_node_references() -> None:
    ro = rollout()
    group = ro["spec"]["strategy"]["canary"]["trafficRouting"]["appMesh"]["virtualNodeGroup"]
    del group["canaryVirtualNodeRef"]
    # Go: a target without a name is "" and so is the missing canary reference
    assert set_targets(one_route(target(None, 5), target("mysvc-stable-vn", 5)), ro) == [30, 70]


def test_set_weight_counts_targets_in_the_namespace_it_is_given() -> None:
    # Argo's rollout.Namespace is the namespace the Rollout lives in, written in its
    # manifest or not: the caller passes it
    ro = rollout()
    del ro["metadata"]["namespace"]
    targets = [target("mysvc-stable-vn", 100), target("mysvc-canary-vn", 0, NS)]
    out = reconcile.set_weight(one_route(*targets), ro, 30, NS)
    assert [
        t["weight"] for t in out["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"]
    ] == [70, 30]
    out = reconcile.set_weight(one_route(*targets), ro, 30, "other")
    assert [
        t["weight"] for t in out["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"]
    ] == [70, 0]


@pytest.mark.parametrize(
    ("targets", "path"),
    [
        (["x"], "spec.routes[0].httpRoute.action.weightedTargets[0]"),
        (
            [target("a", 1), {"weight": 1}],
            "spec.routes[0].httpRoute.action.weightedTargets[1].virtualNodeRef",
        ),
        (
            [{"virtualNodeRef": "a", "weight": 1}],
            "spec.routes[0].httpRoute.action.weightedTargets[0].virtualNodeRef",
        ),
        ([target("a", None)], "spec.routes[0].httpRoute.action.weightedTargets[0].weight"),
        ([target("a", True)], "spec.routes[0].httpRoute.action.weightedTargets[0].weight"),
        ([target("a", "5")], "spec.routes[0].httpRoute.action.weightedTargets[0].weight"),
    ],
)
def test_set_weight_target_errors(targets: list[Any], path: str) -> None:
    with pytest.raises(TrafficRoutingError) as err:
        reconcile.set_weight(one_route(*targets), rollout(), 30, NS)
    assert str(err.value) == f'{path}: Invalid value: "vr": not well-formed'


def test_set_weight_errors_name_the_router_and_skip_filtered_routes_only_after_the_name() -> None:
    vr = one_route(target("a", 1), name=5)
    with pytest.raises(TrafficRoutingError) as err:
        reconcile.set_weight(vr, rollout(["other"]), 30, NS)
    assert str(err.value) == 'spec.routes[0].name: Invalid value: "vr": not well-formed'
    bad = one_route("x")
    assert reconcile.set_weight(bad, rollout(["other"]), 30, NS) == bad  # filtered out: unread
    del vr["metadata"]
    vr["spec"]["routes"] = {}
    with pytest.raises(TrafficRoutingError) as err:
        reconcile.set_weight(vr, rollout(), 30, NS)
    assert str(err.value) == 'spec.routes: Invalid value: "": No routes found'


def test_set_weight_edits_every_route_in_order() -> None:
    vr = one_route(target("mysvc-canary-vn", 0))
    second = {
        "name": "second",
        "tcpRoute": {"action": {"weightedTargets": [target("mysvc-canary-vn", 0)]}},
    }
    vr["spec"]["routes"].append(second)
    out = reconcile.set_weight(vr, rollout(), 10, NS)
    assert out["spec"]["routes"][1]["tcpRoute"]["action"]["weightedTargets"][0]["weight"] == 10
    assert out["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"][0]["weight"] == 10


@pytest.mark.parametrize(
    ("routes", "want"),
    [
        ("x", ("spec.routes", "No routes defined for AppMesh virtual-router mysvc-vrouter")),
        (
            ["x"],
            (
                "spec.routes[0]",
                "Invalid route was found for AppMesh virtual-router mysvc-vrouter at index 0",
            ),
        ),
        (
            [{"httpRoute": {"action": {"weightedTargets": [1, 2]}}}, {"tcpRoute": None}],
            (
                "spec.routes[1]",
                "Error getting route details for AppMesh virtual-router mysvc-vrouter and route "
                "%!s(<nil>). Error: Route has unsupported route type",
            ),
        ),
        (
            [{"name": 5, "tcpRoute": {"action": {"weightedTargets": {}}}}],
            (
                "spec.routes[0].tcpRoute.action.weightedTargets",
                "Invalid route action found for AppMesh virtual-router mysvc-vrouter and route 5",
            ),
        ),
        (
            [{"name": "r", "grpcRoute": {"action": {"weightedTargets": [1, 2, 3]}}}],
            (
                "spec.routes[0].grpcRoute.action.weightedTargets",
                "Invalid number of weightedTargets (3) for AppMesh virtual-router mysvc-vrouter "
                "and route r, expected 2",
            ),
        ),
        ([{"name": "r", "http2Route": {"action": {"weightedTargets": [1, 2]}}}], None),
    ],
)
def test_validate_virtual_router_rows(routes: Any, want: Any) -> None:
    vr = {"metadata": {"name": "mysvc-vrouter"}, "spec": {"routes": routes}}
    assert reconcile.validate_virtual_router(vr) == want


def test_validate_an_unnamed_router() -> None:
    assert reconcile.validate_virtual_router({}) == (
        "spec.routes",
        "No routes defined for AppMesh virtual-router ",
    )


@pytest.mark.parametrize(
    ("canary", "stable", "want"),
    [
        ("c", "", ("c", "stable-hash")),
        ("", "s", ("canary-hash", "s")),
        ("stable-hash", "", ("canary-hash", "stable-hash")),
    ],
)
def test_update_hashes_defaults(canary: str, stable: str, want: tuple[str, str]) -> None:
    assert reconcile.update_hashes(canary, stable) == want


def test_a_route_filter_naming_a_later_route() -> None:
    vr = one_route(target("mysvc-canary-vn", 0), name="first")
    second = {
        "name": "second",
        "tcpRoute": {"action": {"weightedTargets": [target("mysvc-canary-vn", 0)]}},
    }
    vr["spec"]["routes"].append(second)
    out = reconcile.set_weight(vr, rollout(["second"]), 10, NS)
    assert out["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"][0]["weight"] == 0
    assert out["spec"]["routes"][1]["tcpRoute"]["action"]["weightedTargets"][0]["weight"] == 10
