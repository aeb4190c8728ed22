"""Argo's checks of referenced objects (validation_references.go), messages verbatim."""

from __future__ import annotations

from typing import Any

import yaml
from spec_helpers import SERVICES, VSVC, bundle

from canarysim.declarations import first_invalid_message
from canarysim.declarations.argo.references import validate_references


def refs(*objs: Any) -> list[str]:
    b = bundle(*objs)
    return [str(e) for e in validate_references(b.rollout, b)]


def first(*objs: Any) -> str | None:
    b = bundle(*objs)
    return first_invalid_message(b.rollout, b)


def canary(ro: dict[str, Any]) -> dict[str, Any]:
    return ro["spec"]["strategy"]["canary"]


def test_valid_references(base):
    assert refs(base, SERVICES, VSVC) == []


def test_missing_stable_service_is_reported_first_and_alone(base):
    assert refs(base, VSVC) == [
        'spec.strategy.canary.stableService: Invalid value: "demo-stable": '
        'services "demo-stable" not found'
    ]
    assert first(base, VSVC) == (
        'The Rollout "demo" is invalid: spec.strategy.canary.stableService: Invalid value: '
        '"demo-stable": services "demo-stable" not found'
    )


def test_service_in_another_namespace_is_not_found(base):
    base["metadata"]["namespace"] = "team-a"
    assert refs(base, SERVICES, VSVC)[0].endswith('services "demo-stable" not found')


def test_service_selector_label_missing_from_pod_template(base):
    services = SERVICES.replace("selector: {app: demo}", "selector: {app: other, tier: web}")
    assert refs(base, services, VSVC) == [
        'spec.strategy.canary.stableService: Invalid value: "demo-stable": '
        'Service "demo-stable" has unmatch label "app" in rollout',
        'spec.strategy.canary.stableService: Invalid value: "demo-stable": '
        'Service "demo-stable" has unmatch label "tier" in rollout',
        'spec.strategy.canary.canaryService: Invalid value: "demo-canary": '
        'Service "demo-canary" has unmatch label "app" in rollout',
        'spec.strategy.canary.canaryService: Invalid value: "demo-canary": '
        'Service "demo-canary" has unmatch label "tier" in rollout',
    ]


def test_hash_label_in_service_selector_is_ignored(base):
    services = SERVICES.replace(
        "selector: {app: demo}", "selector: {app: demo, rollouts-pod-template-hash: abc}"
    )
    assert refs(base, services, VSVC) == []


def test_service_managed_by_another_rollout(base):
    services = SERVICES.replace(
        "metadata: {name: demo-canary}",
        "metadata: {name: demo-canary, annotations: "
        "{argo-rollouts.argoproj.io/managed-by-rollouts: other}}",
    )
    assert refs(base, services, VSVC) == [
        'spec.strategy.canary.canaryService: Invalid value: "demo-canary": '
        'Service "demo-canary" is managed by another Rollout'
    ]


def test_missing_virtual_service(base):
    assert refs(base, SERVICES) == [
        "spec.strategy.canary.trafficRouting.istio.virtualService.name: Invalid value: "
        '"demo-vsvc": virtualservices.networking.istio.io "demo-vsvc" not found'
    ]


def test_virtual_service_and_virtual_services_are_exclusive(base):
    istio = canary(base)["trafficRouting"]["istio"]
    istio["virtualServices"] = [{"name": "demo-vsvc", "routes": ["primary"]}]
    assert refs(base, SERVICES, VSVC) == [
        "spec.strategy.canary.trafficRouting.istio: Internal error: "
        "either VirtualService or VirtualServices must be configured"
    ]


def test_route_not_found(base):
    canary(base)["trafficRouting"]["istio"]["virtualService"]["routes"] = ["main"]
    assert refs(base, SERVICES, VSVC) == [
        "spec.strategy.canary.trafficRouting.istio.virtualService.name: Invalid value: "
        "\"demo-vsvc\": Istio VirtualService has invalid HTTP routes. Error: HTTP Route 'main' "
        "is not found in the defined Virtual Service."
    ]


def test_canary_service_not_in_route(base):
    vs = VSVC.replace("host: demo-canary", "host: somewhere-else")
    assert refs(base, SERVICES, vs) == [
        "spec.strategy.canary.trafficRouting.istio.virtualService.name: Invalid value: "
        '"demo-vsvc": Istio VirtualService has invalid HTTP routes. Error: Canary Service '
        "'demo-canary' not found in route"
    ]


def test_fully_qualified_hosts_match_by_short_name(base):
    vs = VSVC.replace("host: demo-canary", "host: demo-canary.default.svc.cluster.local")
    assert refs(base, SERVICES, vs) == []


def test_subset_not_in_route(base):
    istio = canary(base)["trafficRouting"]["istio"]
    istio["destinationRule"] = {
        "name": "dr",
        "canarySubsetName": "canary",
        "stableSubsetName": "stable",
    }
    assert refs(base, SERVICES, VSVC) == [
        "spec.strategy.canary.trafficRouting.istio.virtualService.name: Invalid value: "
        '"demo-vsvc": Istio VirtualService has invalid HTTP routes. Error: Canary DestinationRule '
        "subset 'canary' not found in route"
    ]


def test_virtual_service_without_any_routes(base):
    vs = yaml.safe_load(VSVC)
    del vs["spec"]["http"]
    assert refs(base, SERVICES, vs) == [
        "spec.strategy.canary.trafficRouting.istio.virtualService.name: Invalid value: "
        '"demo-vsvc": Unable to get any of the HTTP, TCP or TLS routes for the Istio '
        "VirtualService"
    ]


def test_routes_omitted_with_several_http_routes(base):
    del canary(base)["trafficRouting"]["istio"]["virtualService"]["routes"]
    vs = yaml.safe_load(VSVC)
    vs["spec"]["http"].append({"name": "second", "route": [{"destination": {"host": "x"}}]})
    assert refs(base, SERVICES, vs) == [
        "spec.strategy.canary.trafficRouting.istio.virtualService.name: Invalid value: "
        '"demo-vsvc": Istio VirtualService has invalid HTTP routes. Error: spec.http[] should be '
        "set in VirtualService and it must have exactly one route when omitting "
        "spec.strategy.canary.trafficRouting.istio.virtualService.routes"
    ]


ANALYSIS_TEMPLATE = """
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: success-rate}
spec:
  args:
    - name: service-name
  metrics:
    - name: success-rate
      interval: 1m
      count: 5
      successCondition: result[0] >= 0.95
      provider:
        prometheus:
          address: http://prometheus:9090
          query: sum(rate(istio_requests_total{destination_service=~"{{args.service-name}}"}[1m]))
"""


def with_analysis_step(ro: dict[str, Any], args: list[dict[str, Any]] | None = None) -> None:
    step: dict[str, Any] = {"templates": [{"templateName": "success-rate"}]}
    if args is not None:
        step["args"] = args
    canary(ro)["steps"].insert(1, {"analysis": step})


def test_missing_analysis_template(base):
    with_analysis_step(base)
    assert refs(base, SERVICES, VSVC) == [
        'spec.strategy.canary.steps[1].analysis.templates: Invalid value: "success-rate": '
        "AnalysisTemplate 'success-rate' not found"
    ]


def test_missing_cluster_analysis_template(base):
    canary(base)["analysis"] = {"templates": [{"templateName": "cat", "clusterScope": True}]}
    assert refs(base, SERVICES, VSVC) == [
        'spec.strategy.canary.analysis.templates: Invalid value: "cat": '
        "ClusterAnalysisTemplate 'cat' not found"
    ]


def test_unresolved_analysis_argument(base):
    with_analysis_step(base)
    assert refs(base, SERVICES, VSVC, ANALYSIS_TEMPLATE) == [
        "spec.strategy.canary.steps[1].analysis.templates: Invalid value: "
        '"templateNames: [success-rate]": args.service-name was not resolved'
    ]


def test_analysis_with_its_argument_is_valid(base):
    with_analysis_step(base, [{"name": "service-name", "value": "demo-canary"}])
    assert refs(base, SERVICES, VSVC, ANALYSIS_TEMPLATE) == []


def test_step_analysis_must_not_run_forever(base):
    with_analysis_step(base, [{"name": "service-name", "value": "demo-canary"}])
    template = ANALYSIS_TEMPLATE.replace("      count: 5\n", "")
    assert refs(base, SERVICES, VSVC, template) == [
        'spec.strategy.canary.steps[1].analysis.templates: Invalid value: "success-rate": '
        "AnalysisTemplate success-rate has metric success-rate which runs indefinitely. "
        "Invalid value for count: <nil>"
    ]


def test_background_analysis_may_run_forever(base):
    canary(base)["analysis"] = {
        "templates": [{"templateName": "success-rate"}],
        "args": [{"name": "service-name", "value": "demo-canary"}],
    }
    template = ANALYSIS_TEMPLATE.replace("      count: 5\n", "")
    assert refs(base, SERVICES, VSVC, template) == []


def test_unknown_placeholder_in_metric(base):
    with_analysis_step(base, [{"name": "service-name", "value": "demo-canary"}])
    template = ANALYSIS_TEMPLATE.replace("{{args.service-name}}", "{{args.namespace}}")
    assert refs(base, SERVICES, VSVC, template) == [
        'spec.strategy.canary.steps[1].analysis.templates: Invalid value: "success-rate": '
        "AnalysisTemplate success-rate: failed to resolve {{args.namespace}}"
    ]


def test_conflicting_argument_defaults_across_templates(base):
    canary(base)["steps"].insert(
        1, {"analysis": {"templates": [{"templateName": "a"}, {"templateName": "b"}]}}
    )
    t = """
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {{name: {name}}}
spec:
  args: [{{name: x, value: "{value}"}}]
  metrics:
    - name: m-{name}
      provider: {{web: {{url: "http://x"}}}}
"""
    assert refs(
        base, SERVICES, VSVC, t.format(name="a", value="1"), t.format(name="b", value="2")
    ) == [
        'spec.strategy.canary.steps[1].analysis.templates: Invalid value: "templateNames: [a b]": '
        "Argument `x` specified multiple times with different values: '1', '2'"
    ]


def test_duplicate_measurement_retention_rules(base):
    with_analysis_step(base, [{"name": "service-name", "value": "demo-canary"}])
    step = canary(base)["steps"][1]["analysis"]
    step["measurementRetention"] = [{"metricName": "success-rate", "limit": 5}]
    template = ANALYSIS_TEMPLATE.replace(
        "spec:\n", "spec:\n  measurementRetention:\n    - {metricName: success-rate, limit: 3}\n", 1
    )
    assert refs(base, SERVICES, VSVC, template) == [
        "spec.strategy.canary.steps[1].analysis.templates: Invalid value: "
        '"templateNames: [success-rate]": two Measurement Retention metric rules have the same '
        "name 'success-rate'"
    ]


def test_value_from_argument_counts_as_resolved(base):
    with_analysis_step(base)
    template = ANALYSIS_TEMPLATE.replace(
        "    - name: service-name\n",
        "    - name: service-name\n      valueFrom: {secretKeyRef: {name: s, key: k}}\n",
    )
    assert refs(base, SERVICES, VSVC, template) == []


def test_tls_and_tcp_route_checks(base):
    vsref = canary(base)["trafficRouting"]["istio"]["virtualService"]
    vsref["tlsRoutes"] = [{"port": 3000, "sniHosts": ["demo"]}]
    vs = yaml.safe_load(VSVC)
    vs["spec"]["tls"] = [
        {
            "match": [{"port": 443, "sniHosts": ["demo"]}],
            "route": [{"destination": {"host": "demo-stable"}, "weight": 100}],
        }
    ]
    vs["spec"]["tcp"] = [
        {"match": [{"port": 1}], "route": [{"destination": {"host": "demo-stable"}}]},
        {"match": [{"port": 2}], "route": [{"destination": {"host": "demo-stable"}}]},
    ]
    prefix = (
        "spec.strategy.canary.trafficRouting.istio.virtualService.name: Invalid value: "
        '"demo-vsvc": '
    )
    assert refs(base, SERVICES, vs) == [
        prefix + "Istio VirtualService has invalid TLS routes. Error: No matching TLS routes "
        "found in the defined Virtual Service.",
        prefix + "Istio VirtualService has invalid TCP routes. Error: Canary Service "
        "'demo-canary' not found in route",
    ]


def test_tls_only_virtual_service_skips_the_http_route_name(base):
    vs = yaml.safe_load(VSVC)
    vs["spec"]["tls"] = [
        {
            "match": [{"port": 3000, "sniHosts": ["demo"]}],
            "route": vs["spec"].pop("http")[0]["route"],
        }
    ]
    canary(base)["trafficRouting"]["istio"]["virtualService"]["tlsRoutes"] = [
        {"port": 3000, "sniHosts": ["demo"]}
    ]
    assert refs(base, SERVICES, vs) == []
