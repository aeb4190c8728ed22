"""Header and mirror routes and their removal (istio.go::SetHeaderRoute, SetMirrorRoute,
RemoveManagedRoutes), the edges ``test_istio_managed.py`` leaves out, one rule a test."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from istiokit import istio_rollout

from canarysim.engine.istio import remove_managed_routes, set_header_route, set_mirror_route
from canarysim.errors import TrafficRoutingError


def dest(host: str, weight: int | None = None, subset: str = "", port: Any = None) -> dict:
    d: dict[str, Any] = {"destination": {"host": host}}
    if subset:
        d["destination"]["subset"] = subset
    if port is not None:
        d["destination"]["port"] = port
    if weight is not None:
        d["weight"] = weight
    return d


PAIR = [dest("stable", 100), dest("canary", 0)]


def vs(http: Any, namespace: str = "default") -> dict:
    return {"metadata": {"name": "vsvc", "namespace": namespace}, "spec": {"http": http}}


def rollout(routes: list | None = None, **given: Any) -> dict:
    return istio_rollout(routes, name="ro", **given)


HEADER = {"name": "h", "match": [{"headerName": "x", "headerValue": {"exact": "1"}}]}
MIRROR = {"name": "m", "match": [{"method": {"exact": "GET"}}]}
DR = {"name": "dr", "canarySubsetName": "c", "stableSubsetName": "s"}
SUBSET_PAIR = [dest("svc", 100, "s"), dest("svc", 0, "c")]


def destrule(host: Any = "dr-host", namespace: str | None = None, name: str = "dr") -> dict:
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    return {"metadata": meta, "spec": {"host": host}}


# ------------------------------------------------------------------------------ canary host


@pytest.mark.parametrize("namespace", [None, "", "default"])
def test_destination_rule_in_the_rollouts_namespace_gives_the_host(namespace):
    ro = rollout(dr=DR, services=False)
    out = set_header_route(
        vs([{"route": SUBSET_PAIR}]), ro, HEADER, [destrule(namespace=namespace)]
    )
    assert out["spec"]["http"][-1]["route"] == [
        {"destination": {"host": "dr-host", "subset": "c"}, "weight": 100}
    ]


def test_destination_rule_in_another_namespace_is_not_found():
    ro = rollout(dr=DR, services=False)
    with pytest.raises(TrafficRoutingError) as err:
        set_mirror_route(
            vs([{"route": SUBSET_PAIR}]), ro, MIRROR, destination_rules=[destrule(namespace="x")]
        )
    assert str(err.value) == (
        "[SetMirrorRoute] failed reconcile virtual service for mirror routes: "
        "[reconcileVirtualServiceMirrorRoutes] failed to get destination rule host: "
        'destinationrules.networking.istio.io "dr" not found'
    )


def test_the_named_destination_rule_is_picked_among_several():
    ro = rollout(dr=DR)
    rules = [destrule("other-host", name="other"), destrule("dr-host")]
    out = set_mirror_route(vs([{"route": SUBSET_PAIR}]), ro, MIRROR, destination_rules=rules)
    assert out["spec"]["http"][0]["mirror"] == {"host": "dr-host", "subset": "c"}


def test_destination_rule_without_host_falls_back_to_the_canary_service():
    ro = rollout(dr=DR)
    out = set_header_route(vs([{"route": SUBSET_PAIR}]), ro, HEADER, [destrule(host=None)])
    assert out["spec"]["http"][-1]["route"][0]["destination"]["host"] == "canary"


@pytest.mark.parametrize(
    ("route", "host"),
    [
        ([dest("svc", 100, "s"), dest("inferred", 0, "c")], "inferred"),
        ([dest("svc", 100, "s"), {"destination": {"subset": "c"}, "weight": 0}], "canary"),
        ([dest("svc", 100, "s"), dest("svc", 0, "x")], "canary"),
    ],
)
def test_host_inferred_from_the_canary_subset_destination(route, host):
    ro = rollout(dr=DR)
    out = set_header_route(vs([{"route": route}]), ro, HEADER)
    assert out["spec"]["http"][-1]["route"][0]["destination"]["host"] == host


def test_inferred_host_reads_only_the_setweight_route():
    ro = rollout(["primary"], dr=DR)
    http = [
        {"name": "other", "route": [dest("svc", 100, "s"), dest("wrong", 0, "c")]},
        {"name": "primary", "route": [dest("svc", 100, "s"), dest("right", 0, "c")]},
    ]
    out = set_header_route(vs(http), ro, HEADER)
    assert out["spec"]["http"][-1]["route"][0]["destination"]["host"] == "right"


def test_inferred_host_with_no_setweight_route_is_the_canary_service():
    ro = rollout([], dr=DR)
    http = [{"name": "a", "route": SUBSET_PAIR}, {"name": "b", "route": SUBSET_PAIR}]
    out = set_header_route(vs(http), ro, HEADER)
    assert out["spec"]["http"][-1]["route"][0]["destination"]["host"] == "canary"


# ------------------------------------------------------------------------------ header routes


@pytest.mark.parametrize(
    ("port", "expected"),
    [
        ({"number": 8080}, {"host": "canary", "port": {"number": 8080}}),
        ({"number": 1}, {"host": "canary", "port": {"number": 1}}),
        ({"number": 0}, {"host": "canary"}),
        ({}, {"host": "canary"}),
        (None, {"host": "canary"}),
    ],
)
def test_header_route_takes_the_port_of_the_first_setweight_destination(port, expected):
    route = [dest("stable", 100, port=port), dest("canary", 0, port={"number": 9})]
    out = set_header_route(vs([{"route": route}]), rollout(), HEADER)
    assert out["spec"]["http"][-1]["route"] == [{"destination": expected, "weight": 100}]


def test_header_route_without_a_setweight_route_has_no_port():
    http = [{"name": "a", "route": [dest("stable", 100, port={"number": 1})]}]
    http.append({"name": "b", "route": [dest("canary", 0, port={"number": 2})]})
    out = set_header_route(vs(http), rollout(["missing"]), HEADER)
    assert out["spec"]["http"][-1]["route"] == [{"destination": {"host": "canary"}, "weight": 100}]


def test_header_values_keep_only_what_is_set():
    step = {
        "name": "h",
        "match": [
            {"headerName": "a", "headerValue": {"exact": "", "prefix": "p", "regex": ""}},
            {"headerName": "b", "headerValue": {"exact": "e", "regex": "r"}},
            {"headerName": "c"},
        ],
    }
    out = set_header_route(vs([{"route": PAIR}]), rollout(), step)
    assert out["spec"]["http"][-1]["match"] == [
        {"headers": {"a": {"prefix": "p"}}},
        {"headers": {"b": {"exact": "e", "regex": "r"}}},
        {"headers": {"c": {}}},
    ]


def test_header_route_replaces_the_route_of_its_name():
    http = [{"name": "h", "route": [dest("old", 100)]}, {"route": PAIR}]
    out = set_header_route(vs(http), rollout(), HEADER)
    assert [r.get("name") for r in out["spec"]["http"]] == [None, "h"]
    assert out["spec"]["http"][1]["route"][0]["destination"] == {"host": "canary"}


@pytest.mark.parametrize(
    ("step", "what"), [(HEADER, "http route"), ({"name": "h"}, "route")], ids=["add", "remove"]
)
def test_header_route_over_a_non_object_route(step, what):
    with pytest.raises(TrafficRoutingError) as err:
        set_header_route(vs([{"route": PAIR}, "junk"]), rollout(), step)
    assert str(err.value) == (
        "[SetHeaderRoute] failed to reconcile header routes: [reconcileVirtualServiceHeaderRoutes]"
        f" failed to remove {what} from virtual service: Could not cast type to map[string]any"
        " to find route name in Istio Virtual Service"
    )


def test_step_body_given_with_other_keys_is_read_whole():
    out = set_header_route(vs([{"route": PAIR}]), rollout(), {**HEADER, "other": 1})
    assert out["spec"]["http"][-1]["name"] == "h"


# ------------------------------------------------------------------------------ mirror routes


@pytest.mark.parametrize(
    ("step", "what"), [(MIRROR, "http route"), ({"name": "m"}, "route")], ids=["add", "remove"]
)
def test_mirror_route_without_http(step, what):
    with pytest.raises(TrafficRoutingError) as err:
        set_mirror_route(vs(None), rollout(), step)
    assert str(err.value) == (
        "[SetMirrorRoute] failed reconcile virtual service for mirror routes: "
        f"[reconcileVirtualServiceMirrorRoutes] failed to remove {what} from virtual service: "
        "spec.http not found"
    )


def test_mirror_route_with_a_malformed_http_section():
    with pytest.raises(TrafficRoutingError) as err:
        set_mirror_route(vs("junk"), rollout(), MIRROR)
    assert str(err.value).endswith(
        "failed to remove http route from virtual service: [removeRoute] failed to get http "
        "routes from virtual service: .spec.http accessor error: junk is of the type string, "
        "expected []interface{}"
    )


def test_mirror_route_cannot_find_its_setweight_route():
    with pytest.raises(TrafficRoutingError) as err:
        set_mirror_route(vs([{"name": "a", "route": PAIR}]), rollout(["nope"]), MIRROR)
    assert str(err.value) == (
        "[SetMirrorRoute] failed reconcile virtual service for mirror routes: "
        "[reconcileVirtualServiceMirrorRoutes] failed to create mirror route: "
        "[createMirrorRoute] failed to get virtual service http route for keeping non-mirror "
        "weights set: [getVirtualServiceSetWeightRoute] failed to get routes that need to be "
        "patch when set weight is called: HTTP Route 'nope' is not found in the defined Virtual "
        "Service."
    )


@pytest.mark.parametrize(
    ("port", "mirror"),
    [
        ({"number": 8080}, {"host": "canary", "port": {"number": 8080}}),
        ({"number": 0}, {"host": "canary", "port": {}}),
        ({}, {"host": "canary", "port": {}}),
        (None, {"host": "canary"}),
    ],
)
def test_mirror_takes_the_port_of_the_first_setweight_destination(port, mirror):
    route = [dest("stable", 100, port=port), dest("canary", 0, port={"number": 9})]
    out = set_mirror_route(vs([{"route": route}]), rollout(), MIRROR)
    assert out["spec"]["http"][0]["mirror"] == mirror
    first = out["spec"]["http"][0]["route"][0]
    # Go's round trip through a typed destination: a zero port number is omitted
    assert first["destination"] == {
        "host": "stable",
        **{k: v for k, v in mirror.items() if k == "port"},
    }


def test_mirror_route_with_no_setweight_route_has_no_port_and_no_destinations():
    http = [{"name": "a", "route": PAIR}, {"name": "b", "route": PAIR}]
    out = set_mirror_route(vs(http), rollout([]), MIRROR)
    assert out["spec"]["http"][0]["route"] == []
    assert out["spec"]["http"][0]["mirror"] == {"host": "canary"}


def test_mirror_of_a_rollout_without_canary_host_is_empty():
    ro = rollout(services=False)
    out = set_mirror_route(vs([{"route": PAIR}]), ro, MIRROR)
    assert out["spec"]["http"][0]["mirror"] == {}


def test_copied_destinations_keep_host_subset_port_and_a_nonzero_weight_only():
    route = [
        {
            "destination": {"host": "svc", "subset": "s", "port": {"number": 1}, "x": 1},
            "weight": 60,
            "headers": {},
        },
        {"destination": {"host": "svc", "subset": "c"}, "weight": 40},
        {"destination": {"host": "", "subset": ""}, "weight": 0},
    ]
    out = set_mirror_route(vs([{"route": route}]), rollout(dr=DR), MIRROR)
    assert out["spec"]["http"][0]["route"] == [
        {"destination": {"host": "svc", "subset": "s", "port": {"number": 1}}, "weight": 60},
        {"destination": {"host": "svc", "subset": "c"}, "weight": 40},
        {"destination": {}},
    ]


@pytest.mark.parametrize(("percentage", "value"), [(None, 100.0), (0, 0.0), (35, 35.0)])
def test_mirror_percentage(percentage, value):
    step = dict(MIRROR) if percentage is None else {**MIRROR, "percentage": percentage}
    out = set_mirror_route(vs([{"route": PAIR}]), rollout(), step)
    got = out["spec"]["http"][0]["mirrorPercentage"]
    assert got == {"value": value} and type(got["value"]) is float


def test_mirror_match_blocks_keep_only_what_is_given():
    step = {
        "name": "m",
        "match": [
            {"method": {"exact": "GET", "prefix": ""}},
            {"path": {"regex": "/a.*"}},
            {"headers": {"x": {"exact": "1"}, "y": {}}},
            {"headers": {}},
            {},
        ],
    }
    out = set_mirror_route(vs([{"route": PAIR}]), rollout(), step)
    assert out["spec"]["http"][0]["match"] == [
        {"method": {"exact": "GET"}},
        {"uri": {"regex": "/a.*"}},
        {"headers": {"x": {"exact": "1"}, "y": {}}},
        {},
        {},
    ]


def test_mirror_route_is_prepended_and_the_old_one_dropped():
    http = [{"route": PAIR}, {"name": "m", "route": [dest("old", 100)]}]
    out = set_mirror_route(vs(http), rollout(), MIRROR)
    assert [r.get("name") for r in out["spec"]["http"]] == ["m", None]


# ------------------------------------------------------------------------------ removal


def test_removal_keeps_unmanaged_routes_in_order():
    http = [
        {"name": "a", "route": PAIR},
        {"name": "h", "route": PAIR},
        {"name": "b", "route": PAIR},
        {"name": "m", "route": PAIR},
    ]
    steps = [{"setHeaderRoute": {"name": "h"}}, {"setMirrorRoute": {"name": "m"}}]
    out = remove_managed_routes(vs(http), rollout(steps=steps))
    assert [r["name"] for r in out["spec"]["http"]] == ["a", "b"]


def test_removal_of_managed_routes_not_present_changes_nothing():
    http = [{"name": "a", "route": PAIR}]
    assert remove_managed_routes(vs(http), rollout(managed=["x"])) == vs(http)


def test_removal_with_managed_routes_and_a_non_object_route():
    with pytest.raises(TrafficRoutingError) as err:
        remove_managed_routes(vs([{"name": "a"}, 3]), rollout(managed=["a"]))
    assert str(err.value) == (
        "[RemoveManagedRoutes] failed to split managed and non-managed routes: "
        "[splitManagedRoutesAndNonManagedRoutes] failed to unmarsharl http route interface: "
        "json: cannot unmarshal number into Go value of type map[string]interface {}"
    )


def test_removal_over_a_malformed_http_section():
    with pytest.raises(TrafficRoutingError) as err:
        remove_managed_routes(vs(7), rollout())
    assert str(err.value).startswith(
        "[RemoveManagedRoutes] failed to get http routes from virtual service: .spec.http"
    )


def test_removal_refuses_an_unreferenced_virtual_service():
    ro = rollout()
    ro["spec"]["strategy"]["canary"]["trafficRouting"]["istio"] = {
        "virtualServices": [{"name": "a"}, {"name": "b"}]
    }
    with pytest.raises(TrafficRoutingError, match="not referenced"):
        remove_managed_routes(vs([]), ro)


def test_removal_returns_a_copy():
    manifest = vs([{"name": "a", "route": PAIR}])
    out = remove_managed_routes(manifest, rollout())
    assert out == manifest and out is not manifest


def test_removal_leaves_its_input_unchanged():
    steps = [{"setHeaderRoute": {"name": "h"}}]
    manifest = vs([{"name": "h", "route": PAIR}, {"name": "m", "route": PAIR}, {"route": PAIR}])
    before = copy.deepcopy(manifest)
    out = remove_managed_routes(manifest, rollout(managed=["m"], steps=steps))
    assert manifest == before
    assert out["spec"]["http"] == [{"route": PAIR}]


@pytest.mark.parametrize("inferred", [False, True])
def test_mirror_and_header_routes_leave_their_input_unchanged(inferred):
    ro = rollout(dr=DR) if inferred else rollout()
    manifest = vs([{"route": SUBSET_PAIR if inferred else PAIR}, {"name": "m"}, {"name": "h"}])
    before = copy.deepcopy(manifest)
    set_mirror_route(manifest, ro, MIRROR)
    set_header_route(manifest, ro, HEADER)
    assert manifest == before


def test_mirror_step_wrapped_in_its_key_is_accepted():
    out = set_mirror_route(vs([{"route": PAIR}]), rollout(), {"setMirrorRoute": MIRROR})
    assert out["spec"]["http"][0]["name"] == "m"
    assert out["spec"]["http"][0]["match"] == [{"method": {"exact": "GET"}}]


def test_mirror_host_inferred_from_the_setweight_route_only():
    ro = rollout(["primary"], dr=DR)
    http = [
        {"name": "other", "route": [dest("svc", 100, "s"), dest("wrong", 0, "c")]},
        {"name": "primary", "route": [dest("svc", 100, "s"), dest("right", 0, "c")]},
    ]
    out = set_mirror_route(vs(http), ro, MIRROR)
    assert out["spec"]["http"][0]["mirror"] == {"host": "right", "subset": "c"}
