"""SetWeight on VirtualServices, against cases transcribed from upstream istio_test.go.

Each test names the upstream test it transcribes (numbers and strings only; the
manifests are rebuilt here with small builders).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from canarysim.engine.istio import (
    referenced_destination_rule,
    referenced_virtual_services,
    set_weight,
)
from canarysim.engine.trafficrouting.istio.routes import ensure_spec, go_type, http_route_indexes
from canarysim.errors import TrafficRoutingError

# ------------------------------------------------------------------------------ builders


def dest(host: str, weight: int | None = None, subset: str = "", port: int = 0) -> dict:
    d: dict[str, Any] = {"destination": {"host": host}}
    if subset:
        d["destination"]["subset"] = subset
    if port:
        d["destination"]["port"] = {"number": port}
    if weight is not None:
        d["weight"] = weight
    return d


def pair(stable: int = 100, canary: int = 0, s: str = "stable", c: str = "canary") -> list:
    return [dest(s, stable), dest(c, canary)]


def http(name: str | None, route: list | None = None, **extra: Any) -> dict:
    r: dict[str, Any] = {} if name is None else {"name": name}
    r["route"] = pair() if route is None else route
    r.update(extra)
    return r


def l4(port: int = 0, sni: list[list[str]] | None = None, route: list | None = None) -> dict:
    """A TLS/TCP route: one match block per SNI list (or one block with just a port)."""
    blocks: list[dict[str, Any]] = []
    for hosts in sni or [[]]:
        block: dict[str, Any] = {}
        if port:
            block["port"] = port
        if hosts:
            block["sniHosts"] = hosts
        blocks.append(block)
    return {"match": blocks, "route": pair() if route is None else route}


def vs(http_: list | None = None, tls: list | None = None, tcp: list | None = None, name="vsvc"):
    spec: dict[str, Any] = {
        "gateways": ["istio-rollout-gateway"],
        "hosts": ["istio-rollout.dev.argoproj.io"],
    }
    for key, value in (("http", http_), ("tls", tls), ("tcp", tcp)):
        if value is not None:
            spec[key] = value
    return {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "VirtualService",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    }


def rollout(
    routes: list[str] | None = None,
    tls: list[dict] | None = None,
    tcp: list[dict] | None = None,
    *,
    stable: str = "stable",
    canary: str = "canary",
    dr: dict | None = None,
    managed: list[str] | None = None,
    vss: list[dict] | None = None,
    ping_pong: str | None = None,
) -> dict:
    ref: dict[str, Any] = {"name": "vsvc"}
    if routes is not None:
        ref["routes"] = routes
    if tls is not None:
        ref["tlsRoutes"] = tls
    if tcp is not None:
        ref["tcpRoutes"] = tcp
    istio: dict[str, Any] = {"virtualServices": vss} if vss is not None else {"virtualService": ref}
    if dr is not None:
        istio["destinationRule"] = dr
    routing: dict[str, Any] = {"istio": istio}
    if managed is not None:
        routing["managedRoutes"] = [{"name": m} for m in managed]
    canary_spec: dict[str, Any] = {"trafficRouting": routing}
    if ping_pong is not None:
        canary_spec["pingPong"] = {"pingService": "ping", "pongService": "pong"}
    else:
        canary_spec.update({"stableService": stable, "canaryService": canary})
    ro: dict[str, Any] = {
        "metadata": {"name": "rollout", "namespace": "default"},
        "spec": {"strategy": {"canary": canary_spec}},
    }
    if ping_pong is not None:
        ro["status"] = {"canary": {"stablePingPong": ping_pong}}
    return ro


def weights(route: dict) -> dict[str, int]:
    """host (or host/subset) -> weight, a missing weight read as 0 like Go does."""
    out = {}
    for d in route["route"]:
        key = d["destination"]["host"]
        if d["destination"].get("subset"):
            key += "/" + d["destination"]["subset"]
        out[key] = d.get("weight", 0)
    return out


TWO_HTTP = [http("primary"), http("secondary")]
TWO_L4 = [l4(3000), l4(3001)]


# ------------------------------------------------------------------------------ HTTP


@pytest.mark.parametrize("extra_tls", [None, [l4(3000)]])
def test_http_weights_base_case(extra_tls):
    """TestHttpReconcileWeightsBaseCase: only the named route moves to 10/90."""
    out = set_weight(vs(TWO_HTTP, tls=extra_tls), rollout(["primary"]), 10)
    assert out["spec"]["http"][0]["name"] == "primary"
    assert weights(out["spec"]["http"][0]) == {"stable": 90, "canary": 10}
    assert weights(out["spec"]["http"][1]) == {"stable": 100, "canary": 0}


def test_input_manifest_is_left_unchanged():
    original = vs(TWO_HTTP)
    before = copy.deepcopy(original)
    out = set_weight(original, rollout(["primary"]), 10)
    assert original == before
    assert out is not original and out["spec"]["http"][0] is not original["spec"]["http"][0]


def test_additional_subset_keeps_its_weight():
    """TestHttpReconcileMultipleDestRule: stable = 100 - 10 - 20 (the extra subset's share)."""
    route = [
        dest("rollout-service", 100, "stable"),
        dest("rollout-service", 0, "canary"),
        dest("additional-service", 20, "stable-subset"),
    ]
    dr = {
        "name": "istio-destrule",
        "canarySubsetName": "canary",
        "stableSubsetName": "stable",
        "additionalSubsetNames": ["stable-subset"],
    }
    out = set_weight(vs([http(None, route)]), rollout(None, stable="", canary="", dr=dr), 10)
    assert weights(out["spec"]["http"][0]) == {
        "rollout-service/stable": 70,
        "rollout-service/canary": 10,
        "additional-service/stable-subset": 20,
    }


def test_subset_level_split_uses_subset_names():
    route = [dest("rollout-service", 100, "stable-subset"), dest("rollout-service", 0, "canary")]
    dr = {"name": "dr", "canarySubsetName": "canary", "stableSubsetName": "stable-subset"}
    out = set_weight(vs([http(None, route)]), rollout(None, stable="", canary="", dr=dr), 25)
    assert weights(out["spec"]["http"][0]) == {
        "rollout-service/stable-subset": 75,
        "rollout-service/canary": 25,
    }


def test_http_route_not_found():
    """TestReconcileInvalidValidation."""
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(vs(TWO_HTTP), rollout(["route-not-found"]), 0)
    assert str(err.value) == (
        "HTTP Route 'route-not-found' is not found in the defined Virtual Service."
    )


def test_http_invalid_virtual_service():
    """TestHttpReconcileInvalidVsvc: the named route does not exist in a subset VS."""
    route = [
        dest("rollout-service", 100, "stable"),
        dest("rollout-service", 0, "canary"),
        dest("example-service", 25, "stable"),
    ]
    with pytest.raises(TrafficRoutingError, match="HTTP Route 'primary' is not found"):
        set_weight(vs([http(None, route)]), rollout(["primary"]), 10)


@pytest.mark.parametrize("kind", ["tls", "tcp"])
def test_l4_invalid_virtual_service(kind):
    """TestTlsReconcileInvalidVsvc / TestTcpReconcileInvalidVsvc: a route that is a string."""
    manifest = vs(**{kind: ["invalid"]})
    with pytest.raises(TrafficRoutingError):
        set_weight(manifest, rollout(None, **{kind: [{"port": 3000}]}), 10)


def test_ambiguous_http_routes():
    """TestReconcileAmbiguousRoutes."""
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(vs(TWO_HTTP), rollout(None), 0)
    assert str(err.value) == (
        "spec.http[] should be set in VirtualService and it must have exactly one route when "
        "omitting spec.strategy.canary.trafficRouting.istio.virtualService.routes"
    )


@pytest.mark.parametrize("kind", ["tls", "tcp"])
def test_ambiguous_l4_routes(kind):
    """TestTlsReconcileAmbiguousRoutes / TestTcpReconcileAmbiguousRoutes."""
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(vs(**{kind: TWO_L4}), rollout(None), 0)
    field = "tlsRoutes" if kind == "tls" else "tcpRoutes"
    assert str(err.value) == (
        f"spec.{kind}[] should be set in VirtualService and it must have exactly one route when "
        f"omitting spec.strategy.canary.trafficRouting.istio.virtualService.{field}"
    )


@pytest.mark.parametrize("kinds", [("http",), ("tls",), ("tcp",), ("http", "tls", "tcp")])
def test_inferred_single_route(kinds):
    """TestHttp/Tls/TcpReconcileInferredSingleRoute and TestReconcileInferredSingleRoute."""
    sections = {"http_": [http(None)]} if "http" in kinds else {}
    sections.update({k: [l4(3000)] for k in kinds if k != "http"})
    out = set_weight(vs(**sections), rollout(None), 10)
    for key in kinds:
        assert weights(out["spec"][key][0]) == {"stable": 90, "canary": 10}


def test_unnamed_route_is_chosen_among_named_ones():
    """TestGetHttpRouteIndexesToPatch, through the public API: the first unnamed route."""
    out = set_weight(vs([http("foo", pair()), http(None)]), rollout(None, managed=["foo"]), 30)
    assert weights(out["spec"]["http"][1]) == {"stable": 70, "canary": 30}
    assert weights(out["spec"]["http"][0]) == {"stable": 100, "canary": 0}


@pytest.mark.parametrize(
    ("names", "routes", "expected"),
    [
        ([], [{"name": "foo"}, {}], [1]),
        (["foo", "bar"], [{"name": "foo"}, {"name": "bar"}], [0, 1]),
        ([], [{"name": "foo"}], [0]),
    ],
)
def test_get_http_route_indexes(names, routes, expected):
    """TestGetHttpRouteIndexesToPatch."""
    assert http_route_indexes(names, routes) == expected


def test_get_http_route_indexes_not_found():
    with pytest.raises(TrafficRoutingError) as err:
        http_route_indexes(["bar"], [{"name": "foo"}])
    assert str(err.value) == "HTTP Route 'bar' is not found in the defined Virtual Service."


# ------------------------------------------------------------------------------ destinations


@pytest.mark.parametrize(
    ("stable", "canary", "message"),
    [
        ("stable", "canary", None),
        ("not-found-stable", "canary", "Stable Service 'not-found-stable' not found in route"),
        ("stable", "not-found-canary", "Canary Service 'not-found-canary' not found in route"),
        ("nope", "nope-either", "Canary Service 'nope-either' not found in route"),
    ],
)
def test_validate_hosts(stable, canary, message):
    """TestValidateHosts (the canary side is reported first)."""
    manifest = vs([http("test")])
    ro = rollout(["test"], stable=stable, canary=canary)
    if message is None:
        set_weight(manifest, ro, 5)
    else:
        with pytest.raises(TrafficRoutingError) as err:
            set_weight(manifest, ro, 5)
        assert str(err.value) == message


def test_validate_hosts_with_namespace_suffix():
    """TestValidateHosts: `stable.namespace` matches service `stable`."""
    route = [dest("stable.namespace", 100), dest("canary.namespace.svc.cluster.local", 0)]
    out = set_weight(vs([http("test", route)]), rollout(["test"]), 40)
    assert weights(out["spec"]["http"][0]) == {
        "stable.namespace": 60,
        "canary.namespace.svc.cluster.local": 40,
    }


@pytest.mark.parametrize(
    ("stable_subset", "canary_subset", "message"),
    [
        ("stable", "canary", None),
        ("doesntexist", "canary", "Stable DestinationRule subset 'doesntexist' not found in route"),
        (
            "doesntexist",
            "doesntexist",
            "Canary DestinationRule subset 'doesntexist' not found in route",
        ),
    ],
)
def test_validate_subsets(stable_subset, canary_subset, message):
    """TestValidateHTTPRoutesSubsets."""
    route = [dest("rollout", None, "stable"), dest("rollout", None, "canary")]
    dr = {"name": "subset", "canarySubsetName": canary_subset, "stableSubsetName": stable_subset}
    ro = rollout(["primary"], stable="", canary="", dr=dr)
    if message is None:
        set_weight(vs([http("primary", route)]), ro, 0)
    else:
        with pytest.raises(TrafficRoutingError) as err:
            set_weight(vs([http("primary", route)]), ro, 0)
        assert str(err.value) == message


# ------------------------------------------------------------------------------ TLS / TCP


@pytest.mark.parametrize("with_http", [False, True])
def test_tls_weights_base_case(with_http):
    """TestTlsReconcileWeightsBaseCase (plain and mixed VS)."""
    sections = {"http_": [http("primary")]} if with_http else {}
    out = set_weight(vs(tls=TWO_L4, **sections), rollout(None, tls=[{"port": 3000}]), 30)
    assert weights(out["spec"]["tls"][0]) == {"stable": 70, "canary": 30}
    assert weights(out["spec"]["tls"][1]) == {"stable": 100, "canary": 0}


SNI_VS = [
    l4(0, sni=[["foo.bar.com", "bar.foo.com"], ["localhost"]]),
    l4(3001, sni=[["localhost"]]),
]


def test_tls_sni_weights():
    """TestTlsSniReconcileWeightsBaseCase: SNI union of all match blocks, no port."""
    ro = rollout(None, tls=[{"sniHosts": ["foo.bar.com", "bar.foo.com", "localhost"]}])
    out = set_weight(vs(tls=SNI_VS), ro, 30)
    assert weights(out["spec"]["tls"][0]) == {"stable": 70, "canary": 30}
    assert weights(out["spec"]["tls"][1]) == {"stable": 100, "canary": 0}


def test_tls_port_and_sni_weights():
    """TestTlsPortAndSniReconcileWeightsBaseCase."""
    ro = rollout(None, tls=[{"port": 3001, "sniHosts": ["localhost"]}])
    out = set_weight(vs(tls=SNI_VS), ro, 30)
    assert weights(out["spec"]["tls"][1]) == {"stable": 70, "canary": 30}
    assert weights(out["spec"]["tls"][0]) == {"stable": 100, "canary": 0}


@pytest.mark.parametrize("with_http", [False, True])
def test_tcp_weights_base_case(with_http):
    """TestTcpReconcileWeightsBaseCase (plain and mixed VS)."""
    sections = {"http_": [http("primary")], "tls": [l4(3000)]} if with_http else {}
    out = set_weight(vs(tcp=TWO_L4, **sections), rollout(None, tcp=[{"port": 3000}]), 30)
    assert weights(out["spec"]["tcp"][0]) == {"stable": 70, "canary": 30}
    assert weights(out["spec"]["tcp"][1]) == {"stable": 100, "canary": 0}


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("tls", "No matching TLS routes found in the defined Virtual Service."),
        ("tcp", "No matching TCP routes found in the defined Virtual Service."),
    ],
)
def test_l4_route_not_found(kind, message):
    """TestTlsReconcileInvalidValidation / TestTcpReconcileInvalidValidation (port 1001)."""
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(vs(**{kind: TWO_L4}), rollout(None, **{kind: [{"port": 1001}]}), 0)
    assert str(err.value) == message


def test_mixed_weights_base_case():
    """TestReconcileWeightsBaseCase: HTTP, TLS and TCP edited in one call."""
    ro = rollout(["primary"], tls=[{"port": 3000}], tcp=[{"port": 3000}])
    out = set_weight(vs(TWO_HTTP, TWO_L4, TWO_L4), ro, 20)
    for key in ("http", "tls", "tcp"):
        assert weights(out["spec"][key][0]) == {"stable": 80, "canary": 20}
        assert weights(out["spec"][key][1]) == {"stable": 100, "canary": 0}


def test_ping_pong_base_case():
    """TestReconcileWeightsPingPongBaseCase: stablePingPong=ping makes pong the canary."""
    ping = pair(s="ping", c="pong")
    manifest = vs(
        [http("primary", ping), http("secondary", copy.deepcopy(ping))],
        [l4(3000, route=copy.deepcopy(ping)), l4(3001, route=copy.deepcopy(ping))],
        [l4(3000, route=copy.deepcopy(ping)), l4(3001, route=copy.deepcopy(ping))],
    )
    ro = rollout(["primary"], tls=[{"port": 3000}], tcp=[{"port": 3000}], ping_pong="ping")
    out = set_weight(manifest, ro, 20)
    for key in ("http", "tls", "tcp"):
        assert weights(out["spec"][key][0]) == {"ping": 80, "pong": 20}
        assert weights(out["spec"][key][1]) == {"ping": 100, "pong": 0}


def test_ping_pong_swapped_roles():
    ro = rollout(["primary"], ping_pong="pong")
    out = set_weight(vs([http("primary", pair(0, 100, s="ping", c="pong"))]), ro, 20)
    assert weights(out["spec"]["http"][0]) == {"ping": 20, "pong": 80}


# ------------------------------------------------------------------------------ no change


@pytest.mark.parametrize(
    ("manifest", "ro"),
    [
        (vs(TWO_HTTP), rollout(["primary"])),
        (vs(tls=TWO_L4), rollout(None, tls=[{"port": 3001}])),
        (vs(tcp=TWO_L4), rollout(None, tcp=[{"port": 3001}])),
    ],
)
def test_no_changes(manifest, ro):
    """TestReconcileNoChanges / TestTlsReconcileNoChanges / TestTcpReconcileNoChanges."""
    assert set_weight(manifest, ro, 0) == manifest


@pytest.mark.parametrize(
    ("manifest", "ro", "key"),
    [
        (vs(TWO_HTTP), rollout(["primary"]), "http"),
        (vs(tls=TWO_L4), rollout(None, tls=[{"port": 3000}]), "tls"),
        (vs(tcp=TWO_L4), rollout(None, tcp=[{"port": 3000}]), "tcp"),
    ],
)
def test_update_virtual_service(manifest, ro, key):
    """TestReconcileUpdateVirtualService and its TLS/TCP variants: weight 10 is written."""
    out = set_weight(manifest, ro, 10)
    assert out != manifest
    assert weights(out["spec"][key][0]) == {"stable": 90, "canary": 10}


def test_unrelated_fields_preserved():
    route = http("primary", timeout="5s", retries={"attempts": 3}, match=[{"uri": {"prefix": "/"}}])
    out = set_weight(vs([route]), rollout(["primary"]), 50)
    assert out["spec"]["http"][0]["timeout"] == "5s"
    assert out["spec"]["http"][0]["retries"] == {"attempts": 3}
    assert out["spec"]["gateways"] == ["istio-rollout-gateway"]


# ------------------------------------------------------------------------------ experiments


def exp(name: str, weight: int, hash_: str = "") -> dict:
    return {"serviceName": name, "podTemplateHash": hash_, "weight": weight}


def test_experiment_step_add_change_remove():
    """TestReconcileVirtualServiceExperimentStep: each of the three calls changes the VS."""
    ro = rollout(["primary"])
    first = set_weight(vs(TWO_HTTP), ro, 10, [exp("exp-svc", 20)])
    assert weights(first["spec"]["http"][0]) == {"stable": 70, "canary": 10, "exp-svc": 20}
    second = set_weight(first, ro, 10, [exp("exp-svc", 10)])
    assert weights(second["spec"]["http"][0]) == {"stable": 80, "canary": 10, "exp-svc": 10}
    third = set_weight(second, ro, 10)
    assert weights(third["spec"]["http"][0]) == {"stable": 90, "canary": 10}


def test_host_split_experiment():
    """TestHostSplitExperimentStep: the experiment destination is appended as a bare host."""
    out = set_weight(vs(TWO_HTTP), rollout(["primary"]), 10, [exp("exp-svc", 20)])
    assert out["spec"]["http"][0]["route"][2] == {"destination": {"host": "exp-svc"}, "weight": 20}
    again = set_weight(vs(TWO_HTTP), rollout(["primary"]), 10)
    assert weights(again["spec"]["http"][0]) == {"stable": 90, "canary": 10}


def test_host_split_two_experiments_removed():
    """TestHostSplitExperimentStepMultipleServicesRemoved."""
    ro = rollout(["primary"])
    extras = [exp("exp-baseline", 20), exp("exp-canary", 20)]
    out = set_weight(vs(TWO_HTTP), ro, 10, extras)
    assert weights(out["spec"]["http"][0]) == {
        "stable": 50,
        "canary": 10,
        "exp-baseline": 20,
        "exp-canary": 20,
    }
    done = set_weight(out, ro, 10)
    assert weights(done["spec"]["http"][0]) == {"stable": 90, "canary": 10}


def test_empty_additional_destination_is_ignored():
    """TestSingleTlsRouteReconcile: an empty WeightDestination adds nothing."""
    out = set_weight(vs(tls=[l4(3000)]), rollout(None, tls=[{"port": 3000}]), 30, [{}])
    assert [d["weight"] for d in out["spec"]["tls"][0]["route"]] == [70, 30]


def test_stable_weight_floors_at_zero():
    out = set_weight(vs(TWO_HTTP), rollout(["primary"]), 90, [exp("exp-svc", 30)])
    assert weights(out["spec"]["http"][0]) == {"stable": 0, "canary": 90, "exp-svc": 30}


def test_unknown_destination_is_deleted_unless_already_zero():
    route = [dest("stable", 80), dest("canary", 0), dest("legacy", 20), dest("zero", 0)]
    out = set_weight(vs([http("primary", route)]), rollout(["primary"]), 10)
    assert weights(out["spec"]["http"][0]) == {"stable": 90, "canary": 10, "zero": 0}


# ------------------------------------------------------------------------------ many VSs


MULTI = [
    {"name": "vsvc1", "routes": ["primary", "secondary"]},
    {"name": "vsvc2", "routes": ["blue-green"]},
]


def test_multiple_virtual_services_weights():
    """TestMultipleVirtualServiceReconcileWeightsBaseCase: the `secondary` route only."""
    ref = {"name": "vsvc", "routes": ["secondary"], "tlsRoutes": [{"port": 3000}]}
    ref["tcpRoutes"] = [{"port": 3000}]
    out = set_weight(vs(TWO_HTTP, TWO_L4, TWO_L4), rollout(vss=[ref]), 20)
    assert weights(out["spec"]["http"][0]) == {"stable": 100, "canary": 0}
    assert weights(out["spec"]["http"][1]) == {"stable": 80, "canary": 20}
    assert weights(out["spec"]["tls"][0]) == {"stable": 80, "canary": 20}


def test_multiple_virtual_services_update_each():
    """TestMultipleVirtualServiceReconcileUpdateVirtualServices / ...NoChanges."""
    ro = rollout(vss=MULTI)
    one = vs(TWO_HTTP, name="vsvc1")
    two = vs([http("blue-green")], name="vsvc2")
    assert set_weight(one, ro, 0) == one and set_weight(two, ro, 0) == two
    out1, out2 = set_weight(one, ro, 10), set_weight(two, ro, 10)
    assert [weights(r) for r in out1["spec"]["http"]] == [{"stable": 90, "canary": 10}] * 2
    assert weights(out2["spec"]["http"][0]) == {"stable": 90, "canary": 10}


def test_multiple_virtual_services_invalid_validation():
    """TestMultipleVirtualServiceReconcileInvalidValidation."""
    ro = rollout(vss=[{"name": "vsvc1", "routes": ["route-not-found"]}, {"name": "vsvc2"}])
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(vs(TWO_HTTP, name="vsvc1"), ro, 0)
    assert str(err.value) == (
        "HTTP Route 'route-not-found' is not found in the defined Virtual Service."
    )


def test_multiple_virtual_services_inferred_and_ambiguous():
    """TestMultipleVirtualServiceReconcileInferredSingleRoute / ...AmbiguousRoutes."""
    ro = rollout(vss=[{"name": "vsvc1"}, {"name": "vsvc2"}])
    for name in ("vsvc1", "vsvc2"):
        out = set_weight(vs([http(None)], name=name), ro, 10)
        assert weights(out["spec"]["http"][0]) == {"stable": 90, "canary": 10}
    with pytest.raises(TrafficRoutingError, match=r"spec.http\[\] should be set"):
        set_weight(vs(TWO_HTTP, name="vsvc1"), ro, 0)


def test_unreferenced_virtual_service_among_several_is_refused():
    with pytest.raises(TrafficRoutingError, match="not referenced"):
        set_weight(vs(TWO_HTTP, name="other"), rollout(vss=MULTI), 10)


def test_rollout_without_istio_is_refused():
    ro = rollout(["primary"])
    del ro["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]
    with pytest.raises(TrafficRoutingError):
        set_weight(vs(TWO_HTTP), ro, 10)


# ------------------------------------------------------------------------------ properties


@given(
    start=st.integers(0, 100),
    desired=st.integers(0, 100),
    extra=st.integers(0, 50),
)
def test_weights_sum_to_100_and_input_untouched(start, desired, extra):
    manifest = vs([http("primary", pair(100 - start, start))])
    before = copy.deepcopy(manifest)
    extras = [exp("exp", extra)] if extra else []
    out = set_weight(manifest, rollout(["primary"]), desired, extras)
    assert manifest == before
    w = weights(out["spec"]["http"][0])
    assert w["canary"] == desired
    assert w["stable"] == max(0, 100 - desired - extra)
    assert w.get("exp", 0) == extra


def test_referenced_manifests():
    ro = rollout(vss=[{"name": "vsvc1"}, {"name": "vsvc2.other-ns"}])
    assert referenced_virtual_services(ro) == [("default", "vsvc1"), ("other-ns", "vsvc2")]
    assert referenced_destination_rule(ro) is None
    dr = {"name": "istio-destrule", "canarySubsetName": "c", "stableSubsetName": "s"}
    assert referenced_destination_rule(rollout(dr=dr)) == ("default", "istio-destrule")


def test_virtual_service_named_with_namespace():
    ro = rollout(vss=[{"name": "vsvc.default", "routes": ["primary"]}, {"name": "vsvc2"}])
    out = set_weight(vs(TWO_HTTP), ro, 10)
    assert weights(out["spec"]["http"][0]) == {"stable": 90, "canary": 10}


def test_section_that_is_not_a_list_is_skipped():
    """GetTlsRoutesI reads a malformed section as absent; SetWeight still edits http."""
    manifest = vs(TWO_HTTP)
    manifest["spec"]["tls"] = "invalid"
    out = set_weight(manifest, rollout(["primary"]), 10)
    assert weights(out["spec"]["http"][0]) == {"stable": 90, "canary": 10}
    assert out["spec"]["tls"] == "invalid"


def test_order_routes_duplicates_unnamed_routes_like_upstream():
    """istio.go::getOrderedVirtualServiceRoutes looks routes up again by name, so two
    unnamed routes each come out twice once a weight change triggers the re-ordering."""
    manifest = vs(
        [http(None, [dest("stable", 100)]), http("primary"), http(None, [dest("stable", 100)])]
    )
    out = set_weight(manifest, rollout(["primary"], managed=["hdr"]), 10)
    assert [r.get("name", "") for r in out["spec"]["http"]] == ["", "", "primary", "", ""]


# ------------------------------------------------------------------------------ edges
# Found unpinned by a mutation run (istio.go: getHost, searchTlsRoute, searchTcpRoute,
# ValidateTlsRoutes, ValidateTcpRoutes, GetHttpRoutes' json.Unmarshal).


def test_one_letter_host_is_its_own_short_name():
    out = set_weight(vs([http(None, pair(s="s.default.svc", c="c.default.svc"))]),
                     rollout(None, stable="s", canary="c"), 10)  # fmt: skip
    assert weights(out["spec"]["http"][0]) == {"s.default.svc": 90, "c.default.svc": 10}


def test_host_starting_with_a_dot_has_no_short_name():
    with pytest.raises(TrafficRoutingError, match=r"Canary Service '\.canary' not found in route"):
        set_weight(vs([http(None, pair(c=".canary"))]), rollout(None, canary=".canary"), 10)


@pytest.mark.parametrize("kind", ["tls", "tcp"])
def test_l4_route_naming_two_ports_never_matches(kind):
    two_ports = {"match": [{"port": 3000}, {"port": 3001}], "route": pair()}
    ro = rollout(None, **{kind: [{"port": 3000}]})
    out = set_weight(vs(**{kind: [two_ports, l4(3000)]}), ro, 30)
    assert weights(out["spec"][kind][0]) == {"stable": 100, "canary": 0}
    assert weights(out["spec"][kind][1]) == {"stable": 70, "canary": 30}


@pytest.mark.parametrize("kind", ["tls", "tcp"])
def test_port_less_l4_match_is_port_zero(kind):
    entry: dict[str, Any] = {"sniHosts": ["localhost"]} if kind == "tls" else {}
    port_less = l4(0, sni=[["localhost"]] if kind == "tls" else None)
    out = set_weight(vs(**{kind: [l4(3000), port_less]}), rollout(None, **{kind: [entry]}), 30)
    assert weights(out["spec"][kind][1]) == {"stable": 70, "canary": 30}


@pytest.mark.parametrize(
    "sni",
    [["localhost", "other"], ["elsewhere"]],
    ids=["entry lists more hosts than the route", "same count, other host"],
)
def test_tls_sni_must_be_the_same_set(sni):
    ro = rollout(None, tls=[{"port": 3001, "sniHosts": sni}])
    with pytest.raises(TrafficRoutingError, match="No matching TLS routes found"):
        set_weight(vs(tls=[l4(3001, sni=[["localhost"]])]), ro, 30)


@pytest.mark.parametrize("kind", ["tls", "tcp"])
def test_explicit_empty_l4_section_is_fine(kind):
    out = set_weight(vs([http(None)], **{kind: []}), rollout(None), 10)
    assert weights(out["spec"]["http"][0]) == {"stable": 90, "canary": 10}
    assert out["spec"][kind] == []


@pytest.mark.parametrize(
    ("route", "kind", "text"),
    [
        (True, "tls", "bool"),
        (3, "tcp", "number"),
        (1.5, "tls", "number"),
        ([], "tcp", "array"),
        ("invalid", "tls", "string"),
    ],
)
def test_non_object_route_is_named_as_json_does(route, kind, text):
    with pytest.raises(TrafficRoutingError) as err:
        set_weight(vs(**{kind: [route]}), rollout(None, **{kind: [{"port": 3000}]}), 10)
    assert str(err.value) == (
        f"json: cannot unmarshal {text} into Go value of type "
        f"istio.VirtualService{kind.upper()}Route"
    )


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (True, "bool"),
        ("x", "string"),
        (3, "int64"),
        (1.5, "float64"),
        ({}, "map[string]interface {}"),
        ([], "[]interface {}"),
    ],
)
def test_go_type_names_decoded_values_as_percent_t(value, name):
    assert go_type(value) == name


def test_ensure_spec_adds_a_missing_spec_in_place():
    manifest: dict[str, Any] = {"kind": "DestinationRule"}
    spec = ensure_spec(manifest)
    assert spec == {} and manifest["spec"] is spec


@pytest.mark.parametrize("kind", ["tls", "tcp"])
def test_l4_route_without_match_is_port_zero(kind):
    no_match = {"route": pair()}
    out = set_weight(vs(**{kind: [l4(3000), no_match]}), rollout(None, **{kind: [{}]}), 30)
    assert weights(out["spec"][kind][1]) == {"stable": 70, "canary": 30}
    assert weights(out["spec"][kind][0]) == {"stable": 100, "canary": 0}


def test_null_route_is_refused_as_null():
    with pytest.raises(TrafficRoutingError, match="cannot unmarshal null into Go value of type"):
        set_weight(vs(tcp=[None]), rollout(None, tcp=[{"port": 3000}]), 10)


# ------------------------------------------------------------------------------ no-op writes


def test_an_unchanged_virtual_service_comes_back_itself_and_a_changed_one_as_a_copy() -> None:
    from canarysim.engine.trafficrouting.istio.rollout import rollout_routing

    ro = rollout(["primary"])
    before = vs([http("primary", pair(70, 30))])
    snapshot = copy.deepcopy(before)
    assert set_weight(before, ro, 30) is before  # Argo writes nothing
    assert set_weight(before, ro, 30, routing=rollout_routing(ro)) is before
    after = set_weight(before, ro, 40, routing=rollout_routing(ro))
    assert after is not before
    assert before == snapshot  # the input is never modified
    weights = [d["weight"] for d in after["spec"]["http"][0]["route"]]
    assert weights == [60, 40]
    assert set_weight(before, ro, 40) == after  # same answer with the routing derived here
