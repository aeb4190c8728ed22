"""Lint rules: what Argo accepts but a cluster would only reveal at run time."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from spec_helpers import SERVICES, VSVC, bundle

from canarysim.declarations.lint.rules import lint


def messages(*objs: Any) -> list[tuple[str, str, str]]:
    return sorted((f.rule, f.severity, f.message) for f in lint(bundle(*objs)))


def canary(ro: dict[str, Any]) -> dict[str, Any]:
    return ro["spec"]["strategy"]["canary"]


def test_clean(base):
    assert messages(base, SERVICES, VSVC) == []


def test_unknown_field_with_did_you_mean(base):
    base["spec"]["minReadySecond"] = 10
    assert messages(base, SERVICES, VSVC) == [
        (
            "lint/unknown-field",
            "warning",
            'unknown field "spec.minReadySecond" in Rollout "demo" (did you mean '
            "'minReadySeconds'?): kubectl apply rejects it (strict field validation) and a "
            "lenient apply drops it",
        )
    ]


def test_real_fields_we_do_not_model_are_quiet(base):
    container = base["spec"]["template"]["spec"]["containers"][0]
    container["resources"] = {"requests": {"cpu": "10m"}}
    container["env"] = [{"name": "A", "value": "1"}]
    base["spec"]["template"]["spec"]["tolerations"] = []
    assert messages(base, SERVICES, VSVC) == []


def test_named_target_port_without_container_port(base):
    del base["spec"]["template"]["spec"]["containers"][0]["ports"][0]["name"]
    got = messages(base, SERVICES, VSVC)
    assert got == [
        (
            "lint/target-port",
            "error",
            f'Service "{name}" targets port "http" but no container of Rollout "demo" names a '
            "port so (named ports: none): its endpoints get no port and requests fail",
        )
        for name in ("demo-canary", "demo-stable")
    ]


def test_numeric_target_port_nobody_listens_on(base):
    services = SERVICES.replace("targetPort: http", "targetPort: 9090")
    assert messages(base, services, VSVC) == [
        (
            "lint/target-port",
            "warning",
            f'Service "{name}" sends to port 9090, which no container of Rollout "demo" declares',
        )
        for name in ("demo-canary", "demo-stable")
    ]


def test_weights_must_sum_to_100(base):
    vs = VSVC.replace("weight: 0", "weight: 10")
    assert messages(base, SERVICES, vs) == [
        (
            "lint/vs-weights",
            "warning",
            'http route primary of VirtualService "demo-vsvc" has weights summing to 110, not '
            "100: Istio (1.13+) splits in proportion, older Istio rejects it, and Argo's "
            "weights assume 100",
        )
    ]
    vs = VSVC.replace("weight: 100", "weight: 0")
    assert messages(base, SERVICES, vs) == [
        (
            "lint/vs-weights",
            "error",
            'http route primary of VirtualService "demo-vsvc" has several destinations and total '
            "weight 0: Istio rejects it",
        )
    ]


def test_destination_that_is_neither_canary_nor_stable(base):
    vs = yaml.safe_load(VSVC)
    vs["spec"]["http"][0]["route"].append({"destination": {"host": "legacy"}, "weight": 0})
    assert messages(base, SERVICES, vs) == [
        (
            "lint/vs-destination",
            "warning",
            'route "primary" of VirtualService "demo-vsvc" sends traffic to legacy, which is '
            "neither canary nor stable (demo-canary or demo-stable); Argo never changes its weight",
        )
    ]


def subset_rollout(ro: dict[str, Any]) -> None:
    canary(ro)["trafficRouting"]["istio"]["destinationRule"] = {
        "name": "demo-dr",
        "canarySubsetName": "canary",
        "stableSubsetName": "stable",
    }


DR = """
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: demo-dr}
spec:
  host: demo
  subsets:
    - name: stable
      labels: {app: demo}
"""


def test_missing_destination_rule(base):
    subset_rollout(base)
    assert ("lint/destination-rule", "error") in {
        (r, s) for r, s, _ in messages(base, SERVICES, VSVC)
    }
    assert any(
        m == 'destinationrules.networking.istio.io "demo-dr" not found: the controller fails '
        "every reconcile with traffic routing (DestinationRuleNotFound)"
        for _, _, m in messages(base, SERVICES, VSVC)
    )


def test_missing_destination_rule_subset(base):
    subset_rollout(base)
    vs = yaml.safe_load(VSVC)
    for dest, subset in zip(vs["spec"]["http"][0]["route"], ("stable", "canary"), strict=True):
        dest["destination"] = {"host": "demo", "subset": subset}
    got = messages(base, SERVICES, vs, DR)
    assert got == [
        (
            "lint/destination-rule",
            "error",
            'DestinationRule "demo-dr" has no subset "canary" (the canary subset of Rollout '
            '"demo"); requests to it fail with no healthy upstream',
        ),
        (
            "lint/destination-rule",
            "error",
            'VirtualService "demo-vsvc" routes to subset "canary" that DestinationRule "demo-dr" '
            "does not define",
        ),
    ]


def test_steps_after_full_weight(base):
    canary(base)["steps"] = [{"setWeight": 100}, {"pause": {"duration": "1m"}}]
    assert messages(base, SERVICES, VSVC) == [
        (
            "lint/after-full-weight",
            "warning",
            "steps after steps[0] (setWeight: 100) only delay promotion: the canary already "
            "takes all traffic",
        )
    ]


def test_lowering_the_weight_again_is_fine(base):
    canary(base)["steps"] = [{"setWeight": 100}, {"pause": {}}, {"setWeight": 20}]
    assert messages(base, SERVICES, VSVC) == []


TEMPLATE = """
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: rate}
spec:
  metrics:
    - name: rate
      interval: 2m
      provider:
        prometheus: {address: "http://p:9090", query: "vector(1)"}
"""


def test_pause_shorter_than_background_interval(base):
    canary(base)["analysis"] = {"templates": [{"templateName": "rate"}]}
    assert messages(base, SERVICES, VSVC, TEMPLATE) == [
        (
            "lint/pause-shorter-than-interval",
            "warning",
            "steps[1] pauses 30s, less than the background analysis interval (120s): no "
            "measurement may fall in it",
        )
    ]


def test_unsupported_features(base):
    canary(base)["antiAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": {}}
    canary(base)["trafficRouting"]["nginx"] = {"stableIngress": "x"}
    got = [m for r, _, m in messages(base, SERVICES, VSVC) if r == "lint/unsupported"]
    # a router that is not simulated is no warning: the run refuses it (test_support.py)
    assert got == [
        "spec.strategy.canary.antiAffinity (CanaryStrategy) is not supported yet; canarysim "
        "ignores it",
    ]


def bad_template(metric: dict[str, Any]) -> dict[str, Any]:
    base = {"name": "m", "provider": {"prometheus": {"address": "http://p", "query": "q"}}}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "t"},
        "spec": {"metrics": [{**base, **metric}]},
    }


def analysis_message(metric: dict[str, Any]) -> list[str]:
    return [m for r, _, m in messages(bad_template(metric)) if r == "lint/analysis-spec"]


def test_analysis_spec_errors_use_argo_text():
    prefix = (
        'AnalysisTemplate "t": an AnalysisRun from it ends in phase Error with '
        '"Analysis spec invalid: '
    )
    cases = [
        ({"count": 3}, "metrics[0]: interval must be specified when count > 1"),
        (
            {"count": 2, "interval": "10s", "failureLimit": 3},
            "metrics[0]: count (2) must be >= failureLimit + consecutiveSuccessLimit "
            "(3 + 0) if both >= 0",
        ),
        (
            {"failureLimit": -1},
            "metrics[0]: failureLimit and consecutiveSuccessLimit cannot both be disabled",
        ),
        ({"failureLimit": -2}, "metrics[0]: failureLimit must be >= 0, or -1 to be disabled"),
        (
            {"interval": "5 minutes"},
            "metrics[0]: invalid interval string: "
            'time: unknown unit " minutes" in duration "5 minutes"',
        ),
        (
            {"interval": "30"},
            'metrics[0]: invalid interval string: time: missing unit in duration "30"',
        ),
        (
            {"initialDelay": "soon"},
            'metrics[0]: invalid startDelay string: time: invalid duration "soon"',
        ),
        ({"provider": {}}, "metrics[0]: no provider specified"),
        (
            {"provider": {"web": {"url": "http://x"}, "job": {"spec": {}}}},
            "metrics[0]: multiple providers specified",
        ),
    ]
    for metric, text in cases:
        assert analysis_message(metric) == [prefix + text + '"'], metric


def test_templated_limits_are_left_to_run_time():
    assert analysis_message({"count": "{{args.count}}"}) == []


def promql_findings(query: str) -> list[tuple[str, str]]:
    metric = {"provider": {"prometheus": {"address": "http://p", "query": query}}}
    return [(sev, m) for r, sev, m in messages(bad_template(metric)) if r == "lint/promql"]


def test_a_query_prometheus_refuses_is_named_with_its_parse_error():
    got = promql_findings("sum(rate(x[1m])) +| 1")
    assert [sev for sev, _ in got] == ["warning"]  # the cluster takes it; the run plays it out
    assert [m for _, m in got] == [
        'AnalysisTemplate "t" metric "m": Prometheus refuses the query (1:19: parse error: '
        "unexpected character: '|'): every measurement is an Error"
    ]


def test_placeholders_in_quotes_keep_the_positions_of_the_text():
    # the placeholder stands for a string of its own length: the error is where it is written
    query = 'sum(x{svc="{{args.service-name}}"}) +| 1'
    [(_, message)] = promql_findings(query)
    assert f"(1:{query.index('|') + 1}: parse error:" in message
    assert promql_findings('sum(rate(x{svc="{{args.svc}}"}[1m]))') == []


def test_queries_only_known_at_run_time_are_left_to_it():
    assert promql_findings("sum(rate(x[{{args.window}}]))") == []
    assert promql_findings("{{args.query}}") == []


def condition_findings(**conditions: str) -> list[tuple[str, str]]:
    found = messages(bad_template(conditions))
    return [(sev, m) for r, sev, m in found if r == "lint/condition"]


def test_a_condition_that_does_not_compile_is_named_with_expr_s_message():
    got = condition_findings(successCondition="result[0] <", failureCondition="result[0] > 1")
    assert got == [
        (
            "warning",
            'AnalysisTemplate "t" metric "m": successCondition "result[0] <" does not compile '
            "(unexpected token 'end of input' at position 11): every measurement is an Error",
        )
    ]
    assert condition_findings(failureCondition="result[0] >> 1")[0][1].startswith(
        'AnalysisTemplate "t" metric "m": failureCondition "result[0] >> 1" does not compile'
    )


def test_templated_conditions_and_deep_nesting_never_crash_validate():
    assert condition_findings(successCondition="result[0] < {{args.limit}}") == []
    deep = "(" * 3000 + "true" + ")" * 3000
    [(_, message)] = condition_findings(successCondition=deep)
    assert "nested too deeply" in message
    [(_, message)] = promql_findings("(" * 3000 + "1" + ")" * 3000)
    assert "too deeply nested" in message


def test_gateway_not_among_the_manifests(base):
    vs = VSVC.replace("hosts: [demo]", "hosts: [demo]\n  gateways: [edge, mesh]")
    assert messages(base, SERVICES, vs) == [
        (
            "lint/gateway",
            "warning",
            'VirtualService "demo-vsvc" binds to gateway "edge", which is not among the '
            "manifests: traffic through it is not simulated",
        )
    ]


def test_behaviour_changing_fields_we_do_not_simulate_are_named(base):
    pod = base["spec"]["template"]["spec"]
    pod["initContainers"] = [{"name": "migrate", "image": "demo:migrate"}]
    pod["containers"][0]["livenessProbe"] = {"httpGet": {"path": "/", "port": 8080}}
    base["spec"]["restartAt"] = "2024-01-01T00:00:00Z"
    vs = yaml.safe_load(VSVC)
    vs["spec"]["http"].insert(0, {"name": "old", "redirect": {"uri": "/new"}})
    dr = yaml.safe_load(DR)
    dr["spec"]["trafficPolicy"] = {"outlierDetection": {"consecutive5xxErrors": 3}}
    got = sorted(m for r, _, m in messages(base, SERVICES, vs, dr) if r == "lint/unsupported")
    assert got == [
        "outlier detection (ejecting failing pods) is not supported yet; canarysim ignores it",
        "spec.http[0].redirect (HTTPRoute) is not supported yet; canarysim ignores it",
        "spec.restartAt (RolloutSpec) is not supported yet; canarysim ignores it",
        "spec.template.spec.containers[0].livenessProbe (Container) is not supported yet; "
        "canarysim ignores it",
        "spec.template.spec.initContainers (PodSpec) is not supported yet; canarysim ignores it",
    ]


@pytest.mark.parametrize(
    ("threshold", "want"),
    [
        ({"type": "Percent", "value": 50}, []),
        ({"type": "Pods", "value": 3}, []),
        ({"type": "Percent", "value": 100}, []),
        (
            {"type": "percent", "value": 50},
            [
                'type "percent" is read as "Pods" (only "Percent" means a percentage): '
                "50 available pods complete a step"
            ],
        ),
        (
            {"type": "Percent", "value": 101},
            [
                "101% of a step's canary pods can never be available: steps that scale the "
                "canary up never complete"
            ],
        ),
    ],
)
def test_replica_progress_threshold_is_simulated_and_odd_values_are_named(base, threshold, want):
    """``replicaProgressThreshold`` is simulated (no lint/unsupported); a type other than
    ``Percent``/``Pods`` (read as Pods by ``ReplicaProgressThresholdMet``) or a percentage
    over 100 is accepted by Argo and pointed out here."""
    canary(base)["replicaProgressThreshold"] = threshold
    found = messages(base, SERVICES)
    assert [r for r, _, _ in found if r == "lint/unsupported"] == []
    assert [m for r, _, m in found if r == "lint/progress-threshold"] == want


def test_ttl_strategy_on_a_template_says_runs_from_templates_never_have_one():
    # AnalysisRunSpec has ttlStrategy, AnalysisTemplateSpec not, and Argo's run factory copies
    # metrics, args, dryRun and measurementRetention only: a Rollout's runs are never deleted
    # for age, whatever the template says
    template = bad_template({})
    template["spec"]["ttlStrategy"] = {"secondsAfterCompletion": 60}
    found = [m for r, _, m in messages(template) if r == "lint/unknown-field"]
    assert found == [
        'unknown field "spec.ttlStrategy" in AnalysisTemplate "t": kubectl apply rejects it '
        "(strict field validation) and a lenient apply drops it; ttlStrategy is a field of "
        "AnalysisRun only: the runs a Rollout or an Experiment creates never have one, so "
        "Argo never deletes them for age"
    ]


@pytest.mark.parametrize(
    ("step", "want"),
    [
        (
            {"setHeaderRoute": {"name": "h", "match": []}},
            [
                "an empty match is not a removal: steps[1] adds a route without conditions, "
                "which with Istio, ALB or APISIX sends every request to the canary; leave "
                "match out to remove the route"
            ],
        ),
        (
            {"setMirrorRoute": {"name": "h", "match": [], "percentage": 10}},
            [
                "an empty match is not a removal: steps[1] adds a route without conditions, "
                "which with Istio mirrors every request to the canary; leave match out to "
                "remove the route"
            ],
        ),
        ({"setHeaderRoute": {"name": "h"}}, []),
        ({"setHeaderRoute": {"name": "h", "match": None}}, []),
        ({"setHeaderRoute": {"name": "h", "match": [{"headerName": "a"}]}}, []),
    ],
    ids=["header, empty", "mirror, empty", "header, missing", "header, null", "header, one"],
)
def test_an_empty_route_match_is_named(base, step, want):
    """The routers remove a header or mirror route only for a nil ``match``; ``[]`` adds a
    route for every request, which Argo accepts and canarysim simulates."""
    canary(base)["trafficRouting"]["managedRoutes"] = [{"name": "h"}]
    canary(base)["steps"] = [{"setWeight": 10}, step, {"pause": {}}]
    found = messages(base, SERVICES, VSVC)
    assert [m for r, _, m in found if r == "lint/empty-route-match"] == want
