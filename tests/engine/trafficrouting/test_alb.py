"""Argo's ALB reconciler as pure rewrites, with the expected values of upstream's
rollout/trafficrouting/alb/alb_test.go and test/e2e/aws_test.go (transcribed as data), and the
ALB's own request matching over what it writes."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from canarysim.engine.model import LoadBalancerView, TargetGroupView, WeightDestination
from canarysim.engine.trafficrouting.alb import reconcile as alb
from canarysim.engine.trafficrouting.alb.match import route
from canarysim.engine.trafficrouting.alb.verify import resource_id, verify_weight
from canarysim.errors import TrafficRoutingError

STABLE, CANARY = "stable-svc", "canary-svc"
ACTION = "alb.ingress.kubernetes.io/actions.stable-svc"
MANAGED = "rollouts.argoproj.io/managed-alb-annotations"


def rollout(**alb_extra: Any) -> dict[str, Any]:
    settings = {"ingress": "ingress", "servicePort": 443, **alb_extra}
    return {
        "metadata": {"name": "rollout", "namespace": "default"},
        "spec": {
            "strategy": {
                "canary": {
                    "stableService": STABLE,
                    "canaryService": CANARY,
                    "trafficRouting": {"alb": settings},
                }
            }
        },
    }


def ingress(name: str = "ingress", service: str = STABLE, **annotations: str) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": "default", "annotations": dict(annotations)},
        "spec": {
            "rules": [
                {
                    "http": {
                        "paths": [
                            {
                                "path": "/*",
                                "pathType": "ImplementationSpecific",
                                "backend": {
                                    "service": {"name": service, "port": {"name": "use-annotation"}}
                                },
                            }
                        ]
                    }
                }
            ]
        },
    }


def forward(*groups: tuple[str, int], port: int = 443) -> str:
    """upstream's actionTemplate, compacted as json.Marshal writes it."""
    tgs = ",".join(
        f'{{"ServiceName":"{s}","ServicePort":"{port}","Weight":{w}}}' for s, w in groups
    )
    return f'{{"Type":"forward","ForwardConfig":{{"TargetGroups":[{tgs}]}}}}'


# -- the forward action ---------------------------------------------------------------------
def test_forward_action_canary_first_then_stable_with_the_rest() -> None:
    assert alb.forward_action(rollout(), 10) == forward((CANARY, 10), (STABLE, 90))
    assert '"Weight":0' in alb.forward_action(rollout(), 0)  # zero is written, not omitted


def test_experiment_destinations_sit_between_canary_and_stable() -> None:
    extra = [{"serviceName": "ex-svc-1", "weight": 2}, {"serviceName": "ex-svc-2", "weight": 3}]
    assert alb.forward_action(rollout(), 10, extra) == forward(
        (CANARY, 10), ("ex-svc-1", 2), ("ex-svc-2", 3), (STABLE, 85)
    )


def test_stickiness_config_is_written_after_the_target_groups_and_checked() -> None:
    got = alb.forward_action(
        rollout(stickinessConfig={"enabled": True, "durationSeconds": 300}), 10
    )
    assert got == forward((CANARY, 10), (STABLE, 90))[:-2] + (
        ',"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":300}}}'
    )
    disabled = rollout(stickinessConfig={"enabled": False, "durationSeconds": 0})
    assert "Stickiness" not in alb.forward_action(disabled, 0)
    for seconds in (0, 604801):
        bad = rollout(stickinessConfig={"enabled": True, "durationSeconds": seconds})
        with pytest.raises(TrafficRoutingError) as err:
            alb.forward_action(bad, 0)
        assert str(err.value) == (
            "TargetGroupStickinessConfig's duration must be between 1 and 604800 seconds (7 days)!"
        )


def test_go_json_escapes_html_characters_as_go_does() -> None:
    assert alb.go_json({"a": "<&>"}) == '{"a":"\\u003c\\u0026\\u003e"}'


# -- SetWeight ----------------------------------------------------------------------------------
def test_initial_weight_writes_the_action_and_the_managed_annotation() -> None:
    writes = alb.set_weight(rollout(), {"ingress": ingress()}, 10)
    assert len(writes) == 1
    w = writes[0]
    annotations = w.manifest["metadata"]["annotations"]
    assert annotations[ACTION] == forward((CANARY, 10), (STABLE, 90))
    assert annotations[MANAGED] == '{"rollout":["' + ACTION + '"]}'
    assert (w.reason, w.message) == (
        "PatchingALBIngress",
        "Updating Ingress `ingress` to desiredWeight '10'",
    )
    assert w.manifest["spec"] == ingress()["spec"]  # the weight lives in the annotation only
    # written again: nothing to patch
    assert alb.set_weight(rollout(), {"ingress": w.manifest}, 10) == []


def test_multiple_ingresses_each_get_the_action() -> None:
    ro = rollout(ingresses=["ingress", "multi-ingress"])
    del ro["spec"]["strategy"]["canary"]["trafficRouting"]["alb"]["ingress"]
    found = {"ingress": ingress(), "multi-ingress": ingress("multi-ingress")}
    writes = alb.set_weight(ro, found, 5)
    assert [w.name for w in writes] == ["ingress", "multi-ingress"]
    # upstream returns on the first Ingress that needs no change: the next is not looked at
    found["ingress"] = writes[0].manifest
    assert alb.set_weight(ro, found, 5) == []


def test_ping_pong_uses_ping_and_pong_services_under_the_root_service() -> None:
    ro = rollout(rootService="root-service")
    canary = ro["spec"]["strategy"]["canary"]
    canary.pop("stableService"), canary.pop("canaryService")
    canary["pingPong"] = {"pingService": "ping-service", "pongService": "pong-service"}
    ro["status"] = {"canary": {"stablePingPong": "ping"}}
    writes = alb.set_weight(ro, {"ingress": ingress(service="root-service")}, 25)
    key = "alb.ingress.kubernetes.io/actions.root-service"
    got = writes[0].manifest["metadata"]["annotations"][key]
    assert got == forward(("pong-service", 25), ("ping-service", 75))
    ro["status"]["canary"]["stablePingPong"] = "pong"  # after a promotion, pong is stable
    got = alb.set_weight(ro, {"ingress": ingress(service="root-service")}, 25)[0]
    assert json.loads(got.manifest["metadata"]["annotations"][key])["ForwardConfig"][
        "TargetGroups"
    ] == [
        {"ServiceName": "ping-service", "ServicePort": "443", "Weight": 25},
        {"ServiceName": "pong-service", "ServicePort": "443", "Weight": 75},
    ]


def test_errors_carry_argos_text() -> None:
    with pytest.raises(TrafficRoutingError) as missing:
        alb.set_weight(rollout(), {}, 10)
    assert str(missing.value) == 'ingress.networking.k8s.io "ingress" not found'
    with pytest.raises(TrafficRoutingError) as err:
        alb.set_weight(rollout(), {"ingress": ingress(service="other")}, 10)
    assert str(err.value) == "ingress does not have service `stable-svc` in rules"


def test_custom_annotation_prefix_names_the_action() -> None:
    ro = rollout(annotationPrefix="custom.alb.io")
    writes = alb.set_weight(ro, {"ingress": ingress()}, 10)
    assert "custom.alb.io/actions.stable-svc" in writes[0].manifest["metadata"]["annotations"]


# -- header routes ------------------------------------------------------------------------------
def header_rollout() -> dict[str, Any]:
    ro = rollout()
    ro["spec"]["strategy"]["canary"]["trafficRouting"]["managedRoutes"] = [{"name": "header-route"}]
    return ro


def test_header_route_adds_action_condition_and_a_first_path() -> None:
    match = [
        {"headerName": "origin", "headerValue": {"exact": "https://www.fake-origin1.com"}},
        {"headerName": "origin", "headerValue": {"exact": "https://www.fake-origin2.com"}},
        {"headerName": "Agent", "headerValue": {"exact": "Chrome"}},
    ]
    start = ingress(service="action1")
    writes = alb.set_header_route(header_rollout(), {"ingress": start}, "header-route", match)
    assert len(writes) == 1
    out = writes[0].manifest
    a = out["metadata"]["annotations"]
    assert a["alb.ingress.kubernetes.io/actions.header-route"] == forward((CANARY, 100))
    assert a["alb.ingress.kubernetes.io/conditions.header-route"] == (
        '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"origin","values":'
        '["https://www.fake-origin1.com","https://www.fake-origin2.com"]}},'
        '{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"Agent","values":'
        '["Chrome"]}}]'
    )
    assert json.loads(a[MANAGED]) == {
        "rollout": [
            "alb.ingress.kubernetes.io/actions.header-route",
            "alb.ingress.kubernetes.io/conditions.header-route",
        ]
    }
    paths = out["spec"]["rules"][0]["http"]["paths"]
    assert [p["backend"]["service"]["name"] for p in paths] == ["header-route", "action1"]
    assert paths[0] == {
        "path": "/*",
        "pathType": "ImplementationSpecific",
        "backend": {"service": {"name": "header-route", "port": {"name": "use-annotation"}}},
    }
    # the step without a match takes it all away again (the managed list keeps the rollout)
    removed = alb.set_header_route(header_rollout(), {"ingress": out}, "header-route", None)
    back = removed[0].manifest
    assert back["spec"] == start["spec"]
    assert "alb.ingress.kubernetes.io/actions.header-route" not in back["metadata"]["annotations"]
    assert json.loads(back["metadata"]["annotations"][MANAGED]) == {"rollout": []}
    assert removed[0].message == (
        "Updating Ingress `ingress` to headerRoute '&{%!d(string=header-route) []}'"
    )


def test_remove_managed_routes_drops_their_annotations_and_paths() -> None:
    start = ingress(service="action1")
    start["metadata"]["annotations"].update(
        {
            "alb.ingress.kubernetes.io/actions.header-route": "{}",
            "alb.ingress.kubernetes.io/conditions.header-route": "{}",
            MANAGED: json.dumps(
                {
                    "rollout": [
                        "alb.ingress.kubernetes.io/actions.action1",
                        "alb.ingress.kubernetes.io/actions.header-route",
                        "alb.ingress.kubernetes.io/conditions.header-route",
                    ]
                }
            ),
        }
    )
    second = copy.deepcopy(start["spec"]["rules"][0])
    second["http"]["paths"][0]["backend"]["service"]["name"] = "header-route"
    start["spec"]["rules"].append(second)
    writes = alb.remove_managed_routes(header_rollout(), {"ingress": start})
    assert [w.message for w in writes] == ["Updating Ingress `ingress` removing managed routes"]
    out = writes[0].manifest
    assert out["spec"]["rules"][1]["http"]["paths"] == []
    assert json.loads(out["metadata"]["annotations"][MANAGED]) == {
        "rollout": ["alb.ingress.kubernetes.io/actions.action1"]
    }
    assert alb.remove_managed_routes(rollout(), {"ingress": start}) == []  # none managed


# -- VerifyWeight ---------------------------------------------------------------------------------
def lb(*groups: tuple[str, int | None], hostname: str = "alb.example") -> LoadBalancerView:
    return LoadBalancerView(
        "ingress",
        hostname,
        "lb",
        "arn:lb" if hostname else "",
        tuple(
            TargetGroupView(resource_id("default", "ingress", s, 443), f"arn:tg/{s}", s, w)
            for s, w in groups
        ),
    )


def test_verify_weight_compares_the_canary_target_group() -> None:
    ok = verify_weight(
        "default", CANARY, 443, 10, (), [lb((CANARY, 10), (STABLE, 90))], stable_service=STABLE
    )
    assert ok.verified is True
    assert ok.events == (
        (
            "Normal",
            "TargetGroupVerified",
            f"Service {CANARY} (TargetGroup arn:tg/{CANARY}) verified: canary weight 10 set",
        ),
    )
    late = verify_weight(
        "default", CANARY, 443, 10, (), [lb((CANARY, 0), (STABLE, 100))], stable_service=STABLE
    )
    assert late.verified is False
    assert late.events[0][:2] == ("Warning", "TargetGroupUnverified")
    assert late.events[0][2].endswith("not verified: canary weight 10 not yet set (current: 0)")


def test_verify_weight_needs_every_ingress_and_experiment_service() -> None:
    extra = (WeightDestination(20, "abc", "ex-svc"),)
    both = lb((CANARY, 10), ("ex-svc", 20), (STABLE, 70))
    assert (
        verify_weight("default", CANARY, 443, 10, extra, [both], stable_service=STABLE).verified
        is True
    )
    stale = lb((CANARY, 10), ("ex-svc", 0), (STABLE, 90))
    assert (
        verify_weight("default", CANARY, 443, 10, extra, [stale], stable_service=STABLE).verified
        is False
    )
    # a second Ingress without a load balancer yet: not verified, nothing recorded for it
    two = [lb((CANARY, 10)), lb(hostname="")]
    assert (
        verify_weight("default", CANARY, 443, 10, (), two, stable_service=STABLE).verified is False
    )


# -- the ALB's routing ------------------------------------------------------------------
def test_alb_routes_by_rule_order_conditions_and_forward_weights() -> None:
    start = ingress(service="action1")
    ro = header_rollout()
    ro["spec"]["strategy"]["canary"]["trafficRouting"]["alb"]["rootService"] = "action1"
    ing = alb.set_weight(ro, {"ingress": start}, 20)[0].manifest
    match = [{"headerName": "Custom-Header", "headerValue": {"exact": "Mozilla*"}}]
    ing = alb.set_header_route(ro, {"ingress": ing}, "header-route", match)[0].manifest
    plain = route([ing], "any.example.com", "/cart")
    assert plain is not None and dict(plain.backends) == pytest.approx({CANARY: 0.2, STABLE: 0.8})
    # the condition value is an ALB wildcard, matched case-insensitively
    tester = route([ing], "x", "/", {"custom-header": "mozilla/5.0"})
    assert tester is not None and tester.backends == ((CANARY, 1.0),)
    assert tester.action == "header-route"
    other = route([ing], "x", "/", {"custom-header": "curl/8"})
    assert other is not None and other.action == "action1"


def test_alb_host_and_path_patterns() -> None:
    ing = ingress(service="web")
    ing["spec"]["rules"][0]["host"] = "shop.example.com"
    ing["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/api/*"
    ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] = {"number": 80}
    assert route([ing], "other.example.com", "/api/x") is None  # not this load balancer
    hit = route([ing], "shop.example.com", "/api/orders?id=1")
    assert hit is not None and hit.backends == (("web", 1.0),)
    miss = route([ing], "shop.example.com", "/static/app.js")
    assert miss is not None and miss.backends == ()  # the default action: 404
