"""Run creation and reconcile checks, with Argo's expectations transcribed as data from
``utils/analysis/helpers_test.go`` and ``factory_test.go`` (argo-rollouts 9f8d111)."""

from __future__ import annotations

import re

import pytest

from canarysim.engine.analysis.runspec import (
    DEFAULT_MEASUREMENT_HISTORY_LIMIT,
    RunSpecError,
    TemplateNotFound,
    collect_templates,
    dry_run_metrics,
    new_run_spec,
    resolve_metric_args,
    retention_limits,
    validate_metrics,
)

PROM = {"prometheus": {}}


def metric(name="success-rate", **fields):
    return {"name": name, "provider": PROM, **fields}


def template(name, metrics=(), args=(), dry_run=(), retention=(), includes=()):
    spec = {"metrics": list(metrics), "args": list(args)}
    if dry_run:
        spec["dryRun"] = [{"metricName": d} for d in dry_run]
    if retention:
        spec["measurementRetention"] = list(retention)
    if includes:
        spec["templates"] = list(includes)
    return {"metadata": {"name": name}, "spec": spec}


# TestValidateMetrics: (metric fields, Argo's error or None)
VALIDATE = [
    ({"count": 1, "failureLimit": 2},
     "metrics[0]: count (1) must be >= failureLimit + consecutiveSuccessLimit (2 + 0) "
     "if both >= 0"),
    ({"count": 0, "failureLimit": 2}, None),
    ({"count": 1, "inconclusiveLimit": 2}, "metrics[0]: count must be >= inconclusiveLimit"),
    ({"count": 0, "inconclusiveLimit": 2}, None),
    ({"count": 2, "interval": "60s", "failureLimit": 2}, None),
    ({"count": 2, "interval": "60s-typo", "failureLimit": 2},
     'metrics[0]: invalid interval string: time: unknown unit "s-typo" in duration "60s-typo"'),
    ({"count": 2, "interval": "60s", "initialDelay": "60s-typo", "failureLimit": 2},
     'metrics[0]: invalid startDelay string: time: unknown unit "s-typo" in duration "60s-typo"'),
    ({"count": 2}, "metrics[0]: interval must be specified when count > 1"),
    ({"failureLimit": -2}, "metrics[0]: failureLimit must be >= 0, or -1 to be disabled"),
    ({"inconclusiveLimit": -1}, "metrics[0]: inconclusiveLimit must be >= 0"),
    ({"consecutiveErrorLimit": -1}, "metrics[0]: consecutiveErrorLimit must be >= 0"),
    ({"provider": {}}, "metrics[0]: no provider specified"),
    ({"provider": {"prometheus": {}, "job": {}}}, "metrics[0]: multiple providers specified"),
    ({"consecutiveSuccessLimit": -1}, "metrics[0]: consecutiveSuccessLimit must be >= 0"),
    ({"failureLimit": -1},
     "metrics[0]: failureLimit and consecutiveSuccessLimit cannot both be disabled"),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "error"), VALIDATE)
def test_validate_metrics_as_argo(fields, error):
    if error is None:
        validate_metrics([metric(**fields)])
    else:
        with pytest.raises(RunSpecError) as info:
            validate_metrics([metric(**fields)])
        assert str(info.value) == error


def test_validate_metrics_empty_and_duplicates():
    with pytest.raises(RunSpecError, match=r"^no metrics specified$"):
        validate_metrics([])
    with pytest.raises(RunSpecError, match=re.escape("metrics[1]: duplicate name 'success-rate'")):
        validate_metrics([metric(), metric()])


def test_flatten_and_merge_args():
    """TestFlattenTemplates / TestNewAnalysisRunFromTemplates / TestMergeArgs."""
    a = template("a", [metric("success-rate")], args=[{"name": "foo", "value": "true"}])
    b = template("b", [metric("error-rate")], args=[{"name": "foo", "value": "false"}])
    with pytest.raises(RunSpecError) as info:
        new_run_spec([a, b], [], [])
    assert str(info.value) == (
        "Argument `foo` specified multiple times with different values: 'true', 'false'"
    )
    with pytest.raises(RunSpecError, match=r"^two metrics have the same name 'success-rate'$"):
        new_run_spec([a], [template("c", [metric("success-rate")])], [])
    unresolved = template("u", [metric()], args=[{"name": "unresolved"}])
    with pytest.raises(RunSpecError, match=r"^args.unresolved was not resolved$"):
        new_run_spec([unresolved], [], [])
    # overwrite defaults; an extra rollout arg is ignored; a nil value does not replace a value
    t = template("t", [metric()], args=[{"name": "foo", "value": "bar"}])
    spec = new_run_spec(
        [t], [], [{"name": "foo", "value": "overwrite"}, {"name": "x", "value": "1"}]
    )
    assert spec.args == ({"name": "foo", "value": "overwrite"},)
    nil_then_value = [template("n", [metric("m1")], args=[{"name": "foo"}]), t]
    assert new_run_spec(nil_then_value, [], []).args == ({"name": "foo", "value": "bar"},)
    secret = {"name": "my-secret", "valueFrom": {"secretKeyRef": {"name": "n", "key": "k"}}}
    assert new_run_spec([template("s", [metric()], args=[secret])], [], []).args == (secret,)


def test_dry_run_and_retention_rules():
    """TestGetDryRunMetrics / TestGetMeasurementRetentionMetrics and the duplicate checks."""
    metrics = [metric("success-rate"), metric("error-rate")]
    assert dry_run_metrics([{"metricName": "success-rate"}], metrics) == {"success-rate"}
    assert dry_run_metrics([{"metricName": ".*"}], metrics) == {"success-rate", "error-rate"}
    with pytest.raises(RunSpecError, match=r"^dryRun\[0\]: Rule didn't match any metric name"):
        dry_run_metrics([{"metricName": "latency"}], metrics)
    limits = retention_limits([{"metricName": "success.*", "limit": 3}], metrics)
    assert limits == {
        "success-rate": 3,
        "error-rate": DEFAULT_MEASUREMENT_HISTORY_LIMIT == 10 and 10,
    }
    with pytest.raises(RunSpecError, match=r"^measurementRetention\[0\]: Rule didn't match"):
        retention_limits([{"metricName": "latency", "limit": 3}], metrics)
    t = template("t", metrics, dry_run=["success-rate"])
    with pytest.raises(RunSpecError, match=r"^two Dry-Run metric rules have the same name"):
        new_run_spec([t], [], [], dry_run=[{"metricName": "success-rate"}])
    spec = new_run_spec([t], [], [], dry_run=[{"metricName": "error-rate"}])
    assert [d["metricName"] for d in spec.dry_run] == ["error-rate", "success-rate"]


def test_resolve_metric_args_quotes_and_names_the_last_unresolved_tag():
    """TestResolveMetricArgs / ...WithQuotes; an unresolved tag is named as the last one
    fasttemplate met, spaces kept."""
    args = [{"name": "metric-name", "value": "success-rate"}]
    out = resolve_metric_args(metric(successCondition="result > {{args.metric-name}}"), args)
    assert out["successCondition"] == "result > success-rate"
    quoted = resolve_metric_args(
        metric(successCondition="{{args.rate}}"), [{"name": "rate", "value": 'foo "bar" baz'}]
    )
    assert quoted["successCondition"] == 'foo "bar" baz'
    with pytest.raises(RunSpecError) as info:
        resolve_metric_args(metric(successCondition="{{args.a}} {{ args.b }}"), [])
    assert str(info.value) == "failed to resolve {{ args.b }}"
    with pytest.raises(RunSpecError, match=r'^argument "s" was not supplied$'):
        resolve_metric_args(metric(), [{"name": "s", "valueFrom": {"secretKeyRef": {}}}])


def test_templates_including_templates_and_cluster_scope():
    """getAnalysisTemplatesFromRefs: nested refs after their parent, namespaced and cluster
    kept apart (a cluster and a namespaced template may share a name), duplicates dropped
    (TestAnalysisTemplateFiltering)."""
    namespaced = {
        "parent": template("parent", includes=[{"templateName": "child"},
                                               {"templateName": "shared", "clusterScope": True}]),
        "child": template("child", includes=[{"templateName": "parent"}]),
        "shared": template("shared-namespaced"),
    }  # fmt: skip
    cluster = {"shared": template("shared")}

    def lookup(name, scoped):
        return (cluster if scoped else namespaced).get(name)

    plain, clus = collect_templates([{"templateName": "parent"}, {"templateName": "child"}], lookup)
    assert [t["metadata"]["name"] for t in plain] == ["parent", "child"]
    assert [t["metadata"]["name"] for t in clus] == ["shared"]
    with pytest.raises(TemplateNotFound) as info:
        collect_templates(
            [{"templateName": "parent"}, {"templateName": "nope", "clusterScope": True}], lookup
        )
    assert str(info.value) == "ClusterAnalysisTemplate 'nope' not found"
    assert not info.value.nested
