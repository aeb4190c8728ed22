"""Argo's ALB reconciler (``rollout/trafficrouting/alb/alb.go``, ``utils/ingress/wrapper.go``),
edge by edge: Go's zero values where a field is missing, the header route's paths in every rule
and their order (``SortHttpPaths``), re-applied and removed routes, the managed annotation
list, and each write's event."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_alb import CANARY, MANAGED, STABLE, forward, header_rollout, ingress, rollout

from canarysim.engine.trafficrouting.alb import reconcile as alb
from canarysim.errors import TrafficRoutingError

ROUTE_ACTION = "alb.ingress.kubernetes.io/actions.header-route"
ROUTE_CONDITION = "alb.ingress.kubernetes.io/conditions.header-route"
MATCH = [{"headerName": "x-canary", "headerValue": {"exact": "yes"}}]


def services(ing: dict[str, Any], rule: int = 0) -> list[str]:
    return [p["backend"]["service"]["name"] for p in ing["spec"]["rules"][rule]["http"]["paths"]]


def annotations(write: alb.IngressWrite) -> dict[str, str]:
    return write.manifest["metadata"]["annotations"]


# -- Go's zero values ---------------------------------------------------------------------------
def test_no_root_nor_stable_service_is_the_empty_name() -> None:
    ro = rollout()
    del ro["spec"]["strategy"]["canary"]["stableService"]
    with pytest.raises(TrafficRoutingError) as err:
        alb.set_weight(ro, {"ingress": ingress()}, 10)
    assert str(err.value) == "ingress does not have service `` in rules"


def test_a_rollout_without_a_name_is_listed_under_the_empty_name() -> None:
    ro = header_rollout()
    del ro["metadata"]["name"]
    w = alb.set_weight(ro, {"ingress": ingress()}, 10)[0]
    assert json.loads(annotations(w)[MANAGED]) == {
        "": [f"{alb.ALB_ANNOTATION_PREFIX}/actions.{STABLE}"]
    }
    h = alb.set_header_route(ro, {"ingress": ingress()}, "header-route", MATCH)[0]
    assert json.loads(annotations(h)[MANAGED]) == {"": [ROUTE_ACTION, ROUTE_CONDITION]}
    r = alb.remove_managed_routes(ro, {"ingress": h.manifest})[0]
    assert json.loads(annotations(r)[MANAGED]) == {"": []}


def test_an_experiment_destination_without_a_weight_takes_none() -> None:
    extra = [{"serviceName": "ex-svc"}]
    assert alb.forward_action(rollout(), 10, extra) == forward(
        (CANARY, 10), ("ex-svc", 0), (STABLE, 90)
    )


def test_set_weight_writes_the_experiment_destinations() -> None:
    extra = [{"serviceName": "ex-svc", "weight": 5}]
    w = alb.set_weight(rollout(), {"ingress": ingress()}, 10, extra)[0]
    assert annotations(w)[f"{alb.ALB_ANNOTATION_PREFIX}/actions.{STABLE}"] == forward(
        (CANARY, 10), ("ex-svc", 5), (STABLE, 85)
    )


def test_a_match_without_a_name_or_an_exact_value_writes_empty_strings() -> None:
    match = [{"headerValue": {"prefix": "a"}}, {"headerName": "x"}]
    w = alb.set_header_route(header_rollout(), {"ingress": ingress()}, "header-route", match)[0]
    assert annotations(w)[ROUTE_CONDITION] == (
        '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"","values":[""]}},'
        '{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x","values":[""]}}]'
    )


def test_a_managed_route_without_a_name_removes_the_bare_keys() -> None:
    ro = rollout()
    ro["spec"]["strategy"]["canary"]["trafficRouting"]["managedRoutes"] = [{}]
    start = ingress(**{"alb.ingress.kubernetes.io/actions.": "{}"})
    w = alb.remove_managed_routes(ro, {"ingress": start})[0]
    assert "alb.ingress.kubernetes.io/actions." not in annotations(w)


# -- the header route's path --------------------------------------------------------------------
def test_the_route_path_goes_first_in_every_rule_also_unmanaged() -> None:
    start = ingress()
    rule = start["spec"]["rules"][0]
    rule["http"]["paths"].append(json.loads(json.dumps(rule["http"]["paths"][0])))
    rule["http"]["paths"][1]["backend"]["service"]["name"] = "other"
    start["spec"]["rules"] += [{"host": "no-http"}, {"http": {"paths": None}}, "not a rule"]
    w = alb.set_header_route(rollout(), {"ingress": start}, "header-route", MATCH)[0]
    assert services(w.manifest) == ["header-route", STABLE, "other"]
    assert services(w.manifest, 1) == ["header-route"]  # a rule without http gets one
    assert services(w.manifest, 2) == ["header-route"]
    assert w.manifest["spec"]["rules"][3] == "not a rule"
    path = w.manifest["spec"]["rules"][0]["http"]["paths"][0]
    assert path is not w.manifest["spec"]["rules"][1]["http"]["paths"][0]  # not one object


def test_managed_routes_paths_come_first_in_managed_routes_order() -> None:
    ro = rollout()
    tr = ro["spec"]["strategy"]["canary"]["trafficRouting"]
    tr["managedRoutes"] = [{"name": "r1"}, {"name": "r2"}]
    first = alb.set_header_route(ro, {"ingress": ingress()}, "r2", MATCH)[0].manifest
    both = alb.set_header_route(ro, {"ingress": first}, "r1", MATCH)[0].manifest
    assert services(both) == ["r1", "r2", STABLE]
    tr["managedRoutes"] = [{"name": "r2"}, {"name": "r1"}]
    again = alb.set_header_route(ro, {"ingress": both}, "r1", MATCH)[0].manifest
    assert services(again) == ["r2", "r1", STABLE]


def test_a_route_listed_twice_sorts_by_its_last_place_like_unmanaged_paths() -> None:
    """``SortHttpPaths`` keeps the last index of a name, and gives unmanaged paths the map's
    size: with ``[r1, r2, r1]`` that is 2 for r1 and for the others alike (a stable sort)."""
    ro = rollout()
    ro["spec"]["strategy"]["canary"]["trafficRouting"]["managedRoutes"] = [
        {"name": "r1"},
        {"name": "r2"},
        {"name": "r1"},
    ]
    start = alb.set_header_route(rollout(), {"ingress": ingress()}, "r1", MATCH)[0].manifest
    start["spec"]["rules"][0]["http"]["paths"].reverse()  # stable first, then r1
    w = alb.set_header_route(ro, {"ingress": start}, "r2", MATCH)[0]
    assert services(w.manifest) == ["r2", STABLE, "r1"]


def test_reapplying_a_route_keeps_its_one_path_and_updates_the_condition() -> None:
    ro = header_rollout()
    first = alb.set_header_route(ro, {"ingress": ingress()}, "header-route", MATCH)[0].manifest
    other = [{"headerName": "x-canary", "headerValue": {"exact": "no"}}]
    w = alb.set_header_route(ro, {"ingress": first}, "header-route", other)[0]
    assert services(w.manifest) == ["header-route", STABLE]
    assert json.loads(annotations(w)[ROUTE_CONDITION])[0]["httpHeaderConfig"]["values"] == ["no"]
    assert alb.set_header_route(ro, {"ingress": first}, "header-route", MATCH) == []


def test_removing_a_route_clears_both_annotations_and_its_path_in_every_rule() -> None:
    ro = header_rollout()
    start = ingress()
    start["spec"]["rules"].append(json.loads(json.dumps(start["spec"]["rules"][0])))
    added = alb.set_header_route(ro, {"ingress": start}, "header-route", MATCH)[0].manifest
    assert services(added, 1) == ["header-route", STABLE]
    w = alb.set_header_route(ro, {"ingress": added}, "header-route", None)[0]
    assert ROUTE_CONDITION not in annotations(w) and ROUTE_ACTION not in annotations(w)
    assert services(w.manifest) == [STABLE] and services(w.manifest, 1) == [STABLE]


def test_an_empty_match_adds_a_route_without_header_conditions() -> None:
    """``headerRoute.Match != nil`` adds the route: an empty list marshals to ``null``
    conditions, so the path forwards every request to the canary."""
    w = alb.set_header_route(header_rollout(), {"ingress": ingress()}, "header-route", [])[0]
    assert annotations(w)[ROUTE_CONDITION] == "null"
    assert ROUTE_ACTION in annotations(w)
    assert services(w.manifest) == ["header-route", STABLE]


def test_removing_a_route_that_is_not_there_only_records_the_rollout() -> None:
    w = alb.set_header_route(header_rollout(), {"ingress": ingress()}, "header-route", None)[0]
    assert annotations(w) == {MANAGED: '{"rollout":[]}'}
    assert w.manifest["spec"] == ingress()["spec"]


def test_the_header_route_event() -> None:
    match = [*MATCH, {"headerValue": {"exact": "x"}}]
    w = alb.set_header_route(header_rollout(), {"ingress": ingress()}, "header-route", match)[0]
    assert (w.name, w.reason) == ("ingress", "PatchingALBIngress")
    assert w.message == (
        "Updating Ingress `ingress` to headerRoute '&{%!d(string=header-route) "
        "[{%!d(string=x-canary) 824634330112} {%!d(string=) 824634330112}]}'"
    )


# -- RemoveManagedRoutes ------------------------------------------------------------------------
def test_remove_managed_routes_takes_every_route_and_its_event() -> None:
    ro = rollout()
    ro["spec"]["strategy"]["canary"]["trafficRouting"]["managedRoutes"] = [
        {"name": "r1"},
        {"name": "r2"},
    ]
    one = alb.set_header_route(ro, {"ingress": ingress()}, "r1", MATCH)[0].manifest
    both = alb.set_header_route(ro, {"ingress": one}, "r2", MATCH)[0].manifest
    w = alb.remove_managed_routes(ro, {"ingress": both})[0]
    assert annotations(w) == {MANAGED: '{"rollout":[]}'}
    assert services(w.manifest) == [STABLE]
    assert (w.name, w.reason) == ("ingress", "PatchingALBIngress")
    # nothing of theirs left (one route never set): only the managed list changes
    fresh = alb.remove_managed_routes(ro, {"ingress": ingress()})
    assert [annotations(x) for x in fresh] == [{MANAGED: '{"rollout":[]}'}]


# -- settings, services and the forward action ------------------------------------------------
def test_go_json_keeps_other_characters_and_escapes_the_line_separators() -> None:
    assert alb.go_json({"a": "é\u2028\u2029"}) == '{"a":"é\\u2028\\u2029"}'


def test_alb_settings_must_be_an_object() -> None:
    ro = rollout()
    assert alb.alb_settings(ro) == ro["spec"]["strategy"]["canary"]["trafficRouting"]["alb"]
    ro["spec"]["strategy"]["canary"]["trafficRouting"]["alb"] = "ingress"
    assert alb.alb_settings(ro) is None
    assert alb.alb_ingresses(ro) == [""]


def test_no_ingress_is_the_empty_name() -> None:
    ro = rollout()
    del ro["spec"]["strategy"]["canary"]["trafficRouting"]["alb"]["ingress"]
    with pytest.raises(TrafficRoutingError) as err:
        alb.set_weight(ro, {}, 10)
    assert str(err.value) == 'ingress.networking.k8s.io "" not found'


def groups(ro: dict[str, Any], weight: int = 10, extra: Any = ()) -> list[dict[str, Any]]:
    return json.loads(alb.forward_action(ro, weight, extra))["ForwardConfig"]["TargetGroups"]


def test_an_empty_service_name_is_left_out_as_go_omits_it() -> None:
    ro = rollout()
    del ro["spec"]["strategy"]["canary"]["canaryService"]
    assert alb.forward_action(ro, 10) == (
        '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServicePort":"443","Weight":10},'
        f'{{"ServiceName":"{STABLE}","ServicePort":"443","Weight":90}}]}}}}'
    )
    ro = rollout()
    del ro["spec"]["strategy"]["canary"]["stableService"]
    assert groups(ro)[1] == {"ServicePort": "443", "Weight": 90}
    assert groups(rollout(), 10, [{"weight": 5}])[1] == {"ServicePort": "443", "Weight": 5}
    header = json.loads(alb._header_forward_action(ro))["ForwardConfig"]["TargetGroups"]
    assert header == [{"ServiceName": CANARY, "ServicePort": "443", "Weight": 100}]


@pytest.mark.parametrize(
    ("ping_pong", "stable_ping_pong", "expected"),
    [
        ({"pingService": "ping"}, "ping", [{"ServicePort": "443", "Weight": 10}]),
        ({"pongService": "pong"}, "pong", [{"ServicePort": "443", "Weight": 10}]),
        (
            {"pingService": "ping"},
            "pong",
            [{"ServiceName": "ping", "ServicePort": "443", "Weight": 10}],
        ),
    ],
)
def test_ping_pong_services_missing(
    ping_pong: dict[str, str], stable_ping_pong: str, expected: list[dict[str, Any]]
) -> None:
    ro = rollout()
    ro["spec"]["strategy"]["canary"]["pingPong"] = ping_pong
    ro["status"] = {"canary": {"stablePingPong": stable_ping_pong}}
    assert groups(ro)[:1] == expected


@pytest.mark.parametrize(("port", "expected"), [(None, "0"), ("http", "0"), (8080, "8080")])
def test_the_service_port(port: Any, expected: str) -> None:
    ro = rollout(servicePort=port)
    assert {g["ServicePort"] for g in groups(ro)} == {expected}


@pytest.mark.parametrize("seconds", [1, 604800])
def test_stickiness_bounds_are_allowed(seconds: int) -> None:
    ro = rollout(stickinessConfig={"enabled": True, "durationSeconds": seconds})
    forward_config = json.loads(alb.forward_action(ro, 10))["ForwardConfig"]
    assert forward_config["TargetGroupStickinessConfig"]["DurationSeconds"] == seconds


# -- the managed annotation ---------------------------------------------------------------------
def test_a_managed_annotation_that_is_not_json_or_not_an_object_is_an_error() -> None:
    with pytest.raises(TrafficRoutingError) as err:
        alb.set_weight(rollout(), {"ingress": ingress(**{MANAGED: "{"})}, 10)
    assert str(err.value).startswith(f"invalid character in {MANAGED}: ")
    with pytest.raises(TrafficRoutingError) as err:
        alb.set_weight(rollout(), {"ingress": ingress(**{MANAGED: "[]"})}, 10)
    assert str(err.value) == (
        "json: cannot unmarshal into Go value of type ingress.ManagedALBAnnotations"
    )


def test_an_empty_managed_annotation_is_an_empty_list() -> None:
    w = alb.set_weight(rollout(), {"ingress": ingress(**{MANAGED: ""})}, 10)[0]
    assert json.loads(annotations(w)[MANAGED]) == {
        "rollout": [f"{alb.ALB_ANNOTATION_PREFIX}/actions.{STABLE}"]
    }


def test_an_ingress_without_metadata_gets_its_annotations() -> None:
    bare = ingress()
    del bare["metadata"]
    w = alb.set_weight(rollout(), {"ingress": bare}, 10)[0]
    assert set(annotations(w)) == {f"{alb.ALB_ANNOTATION_PREFIX}/actions.{STABLE}", MANAGED}
