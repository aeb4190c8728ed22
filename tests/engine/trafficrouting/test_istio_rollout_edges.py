"""What the Istio reconciler reads from a Rollout (``istio/rollout.py``), one rule a test.

Sources: istio.go::getVirtualServices, utils/istio::GetVirtualServiceNamespaceName,
trafficrouting/service_helper.go::GetStableAndCanaryServices.
"""

from __future__ import annotations

from typing import Any

import pytest

from canarysim.engine.trafficrouting.istio.rollout import (
    VsRef,
    as_dict,
    as_int,
    as_list,
    as_str,
    rollout_routing,
    split_vs_name,
    stable_and_canary_services,
    vs_ref_for,
)
from canarysim.errors import TrafficRoutingError


def rollout(istio: dict | None = None, *, meta: Any = None, **canary: Any) -> dict:
    body: dict[str, Any] = {"trafficRouting": {"istio": istio or {"virtualService": {}}}}
    body.update(canary)
    return {
        "metadata": {"name": "ro", "namespace": "ns1"} if meta is None else meta,
        "spec": {"strategy": {"canary": body}},
    }


# ------------------------------------------------------------------------------ values


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 0), (True, 0), (False, 0), (7, 7), (-3, -3), (4.0, 4)]
)
def test_as_int_reads_what_go_decodes(value, expected):
    got = as_int(value)
    assert got == expected and type(got) is int


@pytest.mark.parametrize(("value", "shown"), [(1.5, "1.5"), ("3", "'3'"), ([1], "[1]")])
def test_as_int_refuses_other_values_as_go_does(value, shown):
    with pytest.raises(TrafficRoutingError) as err:
        as_int(value)
    assert str(err.value) == f"json: cannot unmarshal {shown} into Go value of type int64"


def test_as_helpers_keep_their_type_and_default_otherwise():
    assert as_dict({"a": 1}) == {"a": 1} and as_dict([1]) == {} and as_dict(None) == {}
    assert as_list([1]) == [1] and as_list({"a": 1}) == [] and as_list(None) == []
    assert as_str("x") == "x" and as_str(3) == "" and as_str(None) == ""


# ------------------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("vsvc", ("", "vsvc")),
        ("vsvc.ns2", ("ns2", "vsvc")),
        ("a.b.ns2", ("ns2", "a.b")),
        ("vsvc.ns2.cluster.local", ("ns2", "vsvc")),
        ("vsvc.cluster.local", ("", "vsvc")),
        ("cluster.local", ("local", "cluster")),
        ("", ("", "")),
    ],
)
def test_split_vs_name(ref, expected):
    assert split_vs_name(ref) == expected


# ------------------------------------------------------------------------------ services


def test_services_as_written():
    ro = rollout(stableService="s", canaryService="c")
    assert stable_and_canary_services(ro) == ("s", "c")


@pytest.mark.parametrize(("side", "stable"), [("ping", "ping-svc"), ("pong", "pong-svc")])
def test_ping_pong_reads_which_side_is_stable(side, stable):
    ro = rollout(pingPong={"pingService": "ping-svc", "pongService": "pong-svc"})
    ro["status"] = {"canary": {"stablePingPong": side}}
    other = "pong-svc" if stable == "ping-svc" else "ping-svc"
    assert stable_and_canary_services(ro) == (stable, other)


def test_ping_pong_unset_means_pong_is_stable():
    ro = rollout(pingPong={"pingService": "ping-svc", "pongService": "pong-svc"})
    assert stable_and_canary_services(ro) == ("pong-svc", "ping-svc")


@pytest.mark.parametrize("given", [{"stableService": "s"}, {"canaryService": "c"}])
def test_ping_pong_is_ignored_when_either_service_is_set(given):
    ro = rollout(pingPong={"pingService": "ping-svc", "pongService": "pong-svc"}, **given)
    assert stable_and_canary_services(ro) == (
        given.get("stableService", ""),
        given.get("canaryService", ""),
    )


def test_ping_pong_that_is_not_a_mapping_is_ignored():
    ro = rollout(pingPong="yes")
    ro["status"] = {"canary": {"stablePingPong": "ping"}}
    assert stable_and_canary_services(ro) == ("", "")


# ------------------------------------------------------------------------------ routing


def test_routing_of_a_full_rollout():
    istio = {
        "virtualService": {
            "name": "vsvc.ns2",
            "routes": ["primary", 3],
            "tlsRoutes": [{"port": 443, "sniHosts": ["a.example", 5]}],
            "tcpRoutes": [{"port": 3000}, {}],
        },
        "destinationRule": {
            "name": "dr",
            "canarySubsetName": "c",
            "stableSubsetName": "s",
            "additionalSubsetNames": ["x", 2],
        },
    }
    steps = [
        {"setHeaderRoute": {"name": "h1"}},
        {"setWeight": 10},
        {"setMirrorRoute": {"name": "m1"}},
        {"setHeaderRoute": {}},
        {"setMirrorRoute": None},
        "junk",
    ]
    ro = rollout(
        istio,
        stableService="stable",
        canaryService="canary",
        steps=steps,
    )
    ro["spec"]["strategy"]["canary"]["trafficRouting"]["managedRoutes"] = [{"name": "h1"}, {}]
    got = rollout_routing(ro)
    assert got.name == "ro" and got.namespace == "ns1"
    assert (got.stable_svc, got.canary_svc) == ("stable", "canary")
    assert (got.dr_name, got.canary_subset, got.stable_subset) == ("dr", "c", "s")
    assert got.additional_subsets == ("x", "")
    assert got.managed_routes == ("h1", "")
    assert got.virtual_services == (
        VsRef(
            name="vsvc",
            namespace="ns2",
            routes=("primary", ""),
            tls_routes=((443, ("a.example", "")),),
            tcp_routes=(3000, 0),
            tls_given=True,
            tcp_given=True,
        ),
    )
    assert got.header_route_names == ("h1", "")
    assert got.mirror_route_names == ("m1",)


def test_routing_defaults():
    got = rollout_routing(rollout(meta={}))
    assert got.name == "" and got.namespace == "default"
    assert got.dr_name is None and (got.canary_subset, got.stable_subset) == ("", "")
    assert got.additional_subsets is None and got.managed_routes is None
    assert got.virtual_services == (VsRef("", "default", (), (), (), False, False),)
    assert got.header_route_names == () and got.mirror_route_names == ()


def test_destination_rule_without_additional_subsets_and_empty_lists():
    istio = {"virtualService": {}, "destinationRule": {"name": "dr", "additionalSubsetNames": []}}
    ro = rollout(istio)
    ro["spec"]["strategy"]["canary"]["trafficRouting"]["managedRoutes"] = []
    got = rollout_routing(ro)
    assert got.additional_subsets == () and got.managed_routes == ()
    got = rollout_routing(rollout({"virtualService": {}, "destinationRule": {"name": "dr"}}))
    assert got.dr_name == "dr" and got.additional_subsets is None


def test_virtual_services_list_wins_even_when_empty():
    istio = {"virtualService": {"name": "single"}, "virtualServices": []}
    assert rollout_routing(rollout(istio)).virtual_services == ()
    istio = {"virtualService": {"name": "single"}, "virtualServices": [{"name": "a"}, "junk"]}
    refs = rollout_routing(rollout(istio)).virtual_services
    assert [(r.namespace, r.name) for r in refs] == [("ns1", "a"), ("ns1", "")]


@pytest.mark.parametrize("istio", [None, "yes", []])
def test_routing_without_istio_is_refused(istio):
    ro = rollout()
    ro["spec"]["strategy"]["canary"]["trafficRouting"]["istio"] = istio
    with pytest.raises(TrafficRoutingError) as err:
        rollout_routing(ro)
    assert str(err.value) == "Rollout has no spec.strategy.canary.trafficRouting.istio to reconcile"


# ------------------------------------------------------------------------------ vs_ref_for


MULTI = rollout({"virtualServices": [{"name": "vs.ns2"}, {"name": "vs"}, {"name": "other"}]})


def vs(name: str, namespace: str | None = None) -> dict:
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    return {"metadata": meta}


def test_name_and_namespace_both_match_first():
    routing = rollout_routing(MULTI)
    assert vs_ref_for(vs("vs", "ns1"), routing).namespace == "ns1"
    assert vs_ref_for(vs("vs", "ns2"), routing).namespace == "ns2"


def test_a_manifest_without_namespace_is_in_the_rollouts():
    assert vs_ref_for(vs("vs"), rollout_routing(MULTI)).namespace == "ns1"


def test_name_alone_matches_when_no_namespace_does():
    ref = vs_ref_for(vs("vs", "ns9"), rollout_routing(MULTI))
    assert (ref.name, ref.namespace) == ("vs", "ns2")


def test_a_single_entry_takes_any_manifest():
    routing = rollout_routing(rollout({"virtualService": {"name": "vs"}}))
    assert vs_ref_for(vs("anything"), routing).name == "vs"
    assert vs_ref_for({}, routing).name == "vs"


def test_an_unreferenced_manifest_among_several_is_refused():
    with pytest.raises(TrafficRoutingError) as err:
        vs_ref_for(vs("nope"), rollout_routing(MULTI))
    assert str(err.value) == (
        "VirtualService `nope` is not referenced by "
        "spec.strategy.canary.trafficRouting.istio.virtualServices"
    )
