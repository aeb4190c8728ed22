"""Argo's rollout spec validation: every message verbatim, in Argo's order.

Expected strings are transcribed from upstream validation.go's constants and the k8s
field.Error format ("<path>: Invalid value: <v>: <detail>").
"""

from __future__ import annotations

from typing import Any

import pytest
from spec_helpers import SERVICES, VSVC, bundle, rollout_dict

from canarysim.declarations import first_invalid_message
from canarysim.declarations.argo.validation import validate_rollout_spec


def errors(ro: dict[str, Any]) -> list[str]:
    objs = bundle(ro)
    return [str(e) for e in validate_rollout_spec(objs.rollout)]


def canary(ro: dict[str, Any]) -> dict[str, Any]:
    return ro["spec"]["strategy"]["canary"]


def test_the_base_rollout_is_valid(base):
    assert errors(base) == []
    assert (
        first_invalid_message(bundle(base, SERVICES, VSVC).rollout, bundle(base, SERVICES, VSVC))
        is None
    )


def test_negative_replicas(base):
    base["spec"]["replicas"] = -1
    assert errors(base)[0] == "spec.replicas: Invalid value: -1: must be greater than or equal to 0"


def test_missing_selector_also_fails_the_template_labels_check(base):
    del base["spec"]["selector"]
    assert errors(base)[:2] == [
        "spec.selector: Required value: Rollout has missing field '.spec.selector'",
        'spec.template.metadata.labels: Invalid value: {"app":"demo"}: '
        "`selector` does not match template `labels`",
    ]


def test_empty_selector(base):
    base["spec"]["selector"] = {}
    assert errors(base) == [
        "spec.selector: Invalid value: {}: empty selector is invalid for deployment"
    ]


def test_selector_not_matching_template(base):
    base["spec"]["selector"]["matchLabels"] = {"app": "other"}
    assert errors(base) == [
        'spec.template.metadata.labels: Invalid value: {"app":"demo"}: '
        "`selector` does not match template `labels`"
    ]


def test_containers_and_images_are_required(base):
    base["spec"]["template"]["spec"]["containers"] = []
    assert errors(base) == ["spec.template.spec.containers: Required value"]
    base = rollout_dict()
    del base["spec"]["template"]["spec"]["containers"][0]["image"]
    assert errors(base) == ["spec.template.spec.containers[0].image: Required value"]


def test_container_port_range_and_name(base):
    port = base["spec"]["template"]["spec"]["containers"][0]["ports"][0]
    port["containerPort"] = 70000
    port["name"] = "a-very-long-port-name"
    assert errors(base) == [
        'spec.template.spec.containers[0].ports[0].name: Invalid value: "a-very-long-port-name": '
        "must be no more than 15 characters",
        "spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: "
        "must be between 1 and 65535, inclusive",
    ]


def test_progress_deadline_must_exceed_min_ready(base):
    base["spec"]["minReadySeconds"] = 600
    assert errors(base) == [
        "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"
    ]


def test_negative_min_ready_and_history(base):
    base["spec"]["minReadySeconds"] = -5
    base["spec"]["revisionHistoryLimit"] = -1
    assert errors(base) == [
        "spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0",
        "spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
    ]


def test_missing_and_multiple_strategies(base):
    base["spec"]["strategy"] = {}
    assert errors(base) == [
        "spec.strategy.strategy: Required value: Rollout has missing field "
        "'.spec.strategy.canary or .spec.strategy.blueGreen'"
    ]
    base = rollout_dict()
    base["spec"]["strategy"]["blueGreen"] = {"activeService": "a", "previewService": "b"}
    assert errors(base) == [
        'spec.strategy.strategy: Invalid value: "blueGreen: true canary: true": '
        "Multiple Strategies can not be listed"
    ]


@pytest.mark.parametrize(
    ("surge", "unavailable", "shown"),
    [(0, 0, "0"), ("0%", 0, '"0%"'), ("0", "0%", '"0"')],
)
def test_max_surge_and_unavailable_both_zero(base, surge, unavailable, shown):
    canary(base).update(maxSurge=surge, maxUnavailable=unavailable)
    assert errors(base) == [
        f"spec.strategy.maxSurge: Invalid value: {shown}: "
        "MaxSurge and MaxUnavailable both can not be zero"
    ]


def test_same_stable_and_canary_service(base):
    canary(base)["canaryService"] = "demo-stable"
    assert errors(base) == [
        'spec.strategy.stableService: Invalid value: "demo-stable": This rollout uses the same '
        "service for the stable and canary services, but two different services are required."
    ]


def test_istio_host_routing_needs_both_services(base):
    del canary(base)["canaryService"]
    assert errors(base) == [
        'spec.strategy.canaryService: Invalid value: "": Canary service and Stable service must '
        "to be set to use Traffic Routing"
    ]


def test_subset_routing_does_not_need_services(base):
    c = canary(base)
    del c["canaryService"], c["stableService"]
    c["trafficRouting"]["istio"]["destinationRule"] = {
        "name": "dr",
        "canarySubsetName": "canary",
        "stableSubsetName": "stable",
    }
    assert errors(base) == []


def test_scale_down_delay_and_dynamic_scale_need_traffic_routing(base):
    c = canary(base)
    del c["trafficRouting"]
    c["scaleDownDelaySeconds"] = 30
    c["dynamicStableScale"] = True
    assert errors(base) == [
        "spec.strategy.scaleDownDelaySeconds: Invalid value: 30: "
        "Canary scaleDownDelaySeconds can only be used with traffic routing",
        "spec.strategy.dynamicStableScale: Invalid value: true: "
        "Canary dynamicStableScale can only be used with traffic routing",
    ]


def test_dynamic_scale_with_scale_down_delay(base):
    canary(base).update(scaleDownDelaySeconds=10, dynamicStableScale=True)
    assert errors(base) == [
        "spec.strategy.dynamicStableScale: Invalid value: true: "
        "Canary dynamicStableScale cannot be used with scaleDownDelaySeconds"
    ]


def test_max_traffic_weight_is_not_for_istio(base):
    canary(base)["trafficRouting"]["maxTrafficWeight"] = 1000
    assert errors(base) == [
        "spec.strategy.trafficRouting.maxTrafficWeight: Invalid value: 1000: "
        "Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins"
    ]


def test_set_weight_out_of_range(base):
    canary(base)["steps"] = [{"setWeight": 101}, {"setWeight": -1}]
    assert errors(base) == [
        "spec.strategy.steps[0].setWeight: Invalid value: 101: "
        "SetWeight needs to be between 0 and 100",
        "spec.strategy.steps[1].setWeight: Invalid value: -1: "
        "SetWeight needs to be between 0 and 100",
    ]


@pytest.mark.parametrize("duration", ["soon", "-5s", -3])
def test_bad_pause_durations(base, duration):
    canary(base)["steps"] = [{"pause": {"duration": duration}}]
    shown = -3 if duration == -3 else -1 if duration == "soon" else -5
    assert errors(base) == [
        f"spec.strategy.steps[0].pause.duration: Invalid value: {shown}: "
        "Duration needs to be greater than 0"
    ]


def test_zero_pause_is_accepted(base):
    canary(base)["steps"] = [{"pause": {"duration": 0}}, {"pause": {"duration": "0s"}}]
    assert errors(base) == []


def test_step_with_two_kinds_and_step_with_none(base):
    canary(base)["steps"] = [{"setWeight": 10, "pause": {}}, {"pause": None}]
    assert errors(base) == [
        'spec.strategy.steps[0]: Invalid value: "step.Experiment: false step.Pause: true '
        'step.SetWeight: true step.Analysis: false": Step must have one of the following set: '
        "experiment, setWeight, setCanaryScale, plugin or pause",
        'spec.strategy.steps[1]: Invalid value: "step.Experiment: true step.Pause: true '
        "step.SetWeight: true step.Analysis: true step.SetCanaryScale: true step.SetHeaderRoute: "
        'true step.SetMirrorRoute: true step.Plugin: true": Step must have one of the following '
        "set: experiment, setWeight, setCanaryScale, plugin or pause",
    ]


def test_set_canary_scale_requires_traffic_routing(base):
    del canary(base)["trafficRouting"]
    canary(base)["steps"] = [{"setCanaryScale": {"replicas": 1}}]
    assert errors(base) == [
        "spec.strategy.trafficRouting: Required value: "
        "SetCanaryScale requires TrafficRouting to be set"
    ]


def test_header_route_needs_managed_routes_and_known_name(base):
    c = canary(base)
    c["steps"] = [
        {
            "setHeaderRoute": {
                "name": "hdr",
                "match": [{"headerName": "x", "headerValue": {"exact": "1"}}],
            }
        }
    ]
    assert errors(base) == [
        "spec.strategy.trafficRouting.managedRoutes: Required value: Rollout has missing field "
        "'spec.strategy.canary.trafficRouting.managedRoutes'"
    ]
    c["trafficRouting"]["managedRoutes"] = [{"name": "other"}]
    assert errors(base) == [
        'spec.strategy.steps[0].setHeaderRoute: Invalid value: "hdr": Steps define a route that '
        "does not exist in spec.strategy.canary.trafficRouting.managedRoutes"
    ]


def test_header_route_match_values(base):
    c = canary(base)
    c["trafficRouting"]["managedRoutes"] = [{"name": "hdr"}]
    c["steps"] = [
        {
            "setHeaderRoute": {
                "name": "hdr",
                "match": [
                    {"headerName": "a", "headerValue": {"exact": "1", "prefix": "2"}},
                    {"headerName": "b", "headerValue": {}},
                ],
            }
        }
    ]
    assert errors(base) == [
        "spec.strategy.steps[0].setHeaderRoute.match[0]: "
        'Invalid value: {"exact":"1","prefix":"2"}: '
        "StringMatch match value must have exactly one of the following: exact, regex, prefix",
        "spec.strategy.steps[0].setHeaderRoute.match[1]: Invalid value: {}: "
        "StringMatch value missed, match value must have one of the following: "
        "exact, regex, prefix",
    ]


def test_header_and_mirror_routes_without_istio(base):
    del canary(base)["trafficRouting"]
    canary(base)["steps"] = [{"setHeaderRoute": {"name": "h"}}, {"setMirrorRoute": {"name": "m"}}]
    assert errors(base) == [
        'spec.strategy.steps[0].setHeaderRoute: Invalid value: {"name":"h"}: '
        "SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix",
        'spec.strategy.steps[1].setMirrorRoute: Invalid value: {"name":"m"}: '
        "SetMirrorRoute requires TrafficRouting, supports Istio and Plugins",
    ]


def test_experiment_weight_without_traffic_routing(base):
    del canary(base)["trafficRouting"]
    canary(base)["steps"] = [
        {"experiment": {"templates": [{"name": "baseline", "specRef": "stable", "weight": 10}]}}
    ]
    assert errors(base) == [
        "spec.strategy.steps[0].experiment.templates[0].weight: Invalid value: 10: "
        "Experiment template weight cannot be set unless TrafficRouting is enabled"
    ]


def test_anti_affinity(base):
    canary(base)["antiAffinity"] = {}
    assert errors(base) == [
        'spec.strategy.antiAffinity: Invalid value: "antiAffinity.PreferredDuringScheduling'
        "IgnoredDuringExecution: false "
        "antiAffinity.RequiredDuringSchedulingIgnoredDuringExecution: "
        'false": AntiAffinity must have exactly one strategy listed'
    ]
    canary(base)["antiAffinity"] = {
        "preferredDuringSchedulingIgnoredDuringExecution": {"weight": 0}
    }
    assert errors(base) == [
        "spec.strategy.antiAffinity.weight: Invalid value: 0: "
        "AntiAffinity weight must be between 1-100"
    ]


def test_only_the_first_error_becomes_the_invalid_spec_message(base):
    base["spec"]["replicas"] = -2
    canary(base)["steps"] = [{"setWeight": 120}]
    objs = bundle(base, SERVICES, VSVC)
    assert first_invalid_message(objs.rollout, objs) == (
        'The Rollout "demo" is invalid: spec.replicas: Invalid value: -2: '
        "must be greater than or equal to 0"
    )


def test_replica_set_pod_rules(base):
    pod = base["spec"]["template"]["spec"]
    pod["restartPolicy"] = "Never"
    pod["activeDeadlineSeconds"] = 30
    assert errors(base) == [
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
        "spec.template.spec.activeDeadlineSeconds: Invalid value: 30: "
        "activeDeadlineSeconds in ReplicaSet is not Supported",
    ]


def test_route_step_values_print_as_go_json(base):
    del canary(base)["trafficRouting"]
    canary(base)["steps"] = [
        {"setHeaderRoute": {"name": "h", "match": [{"headerName": "x"}]}},
        {"setMirrorRoute": {"name": "m", "match": [], "percentage": 0}},
    ]
    assert errors(base) == [
        'spec.strategy.steps[0].setHeaderRoute: Invalid value: {"name":"h","match":'
        '[{"headerName":"x","headerValue":null}]}: '
        "SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix",
        'spec.strategy.steps[1].setMirrorRoute: Invalid value: {"name":"m","percentage":0}: '
        "SetMirrorRoute requires TrafficRouting, supports Istio and Plugins",
    ]
