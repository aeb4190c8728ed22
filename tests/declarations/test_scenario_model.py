"""The scenario model: defaults, time-varying values, traffic shapes, the documented example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from canarysim.declarations.convert import validate_model
from canarysim.declarations.scenario.behaviour.versions import Version
from canarysim.declarations.scenario.model import Scenario
from canarysim.declarations.scenario.schema import scenario_json_schema
from canarysim.declarations.scenario.traffic import Traffic
from canarysim.declarations.scenario.values import Delay
from canarysim.errors import ScenarioError

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenario-format.md"


def load(data: dict) -> Scenario:
    return validate_model(Scenario, data, file="s.yaml", lines={})


def test_documented_example_is_a_valid_scenario():
    text = DOC.read_text()
    block = re.search(r"## A complete example\n\n```yaml\n(.*?)```", text, re.S)
    assert block is not None
    s = load(yaml.safe_load(block.group(1)))
    assert (s.name, s.seed, s.until, s.namespace) == ("imesh-canary", 1, 7200.0, "deb-ns")
    assert [a.do for a in s.operator] == ["setImage", "promote"]
    assert [f.do for f in s.faults] == ["killPod", "killNode", "errorSpike"]
    v = s.version_for("nginx:1.15.5")
    assert (v.error_rate_at(0), v.error_rate_at(2399), v.error_rate_at(2400)) == (
        0.001,
        0.001,
        0.08,
    )
    assert s.pod_behaviour("nginx:broken").image_pull_fails is True
    assert s.pod_behaviour("nginx:1.15.5").image_pull == Delay(median=8.0, p99=40.0)
    assert s.pod_behaviour("nginx:1.15.5").scheduling == Delay(fixed=1.0)


def test_defaults():
    s = load({})
    assert (s.seed, s.until, s.namespace, s.traffic.rate, s.traffic.arrival) == (
        0,
        7200.0,
        "default",
        100.0,
        "poisson",
    )
    behaviour = s.pod_behaviour("any:image")
    assert [behaviour.scheduling, behaviour.image_pull, behaviour.container_start] == [
        Delay(fixed=0.5),
        Delay(fixed=2.0),
        Delay(fixed=1.0),
    ]
    assert s.version_for("unknown").latency == Delay(median=0.01, p99=0.05)
    assert s.outputs.bucket == 10.0


def test_operator_and_faults_are_sorted_by_time():
    s = load({"operator": [{"at": "10m", "do": "abort"}, {"at": 60, "do": "promote"}]})
    assert [(a.at, a.do) for a in s.operator] == [(60.0, "promote"), (600.0, "abort")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30s", 30.0),
        ("1h30m", 5400.0),
        (90, 90.0),
        ("500ms", 0.5),
        (0.25, 0.25),
        ("0", 0.0),
        ("7d", 604800.0),
        ("1d12h", 129600.0),
    ],
)
def test_durations(value, expected):
    assert load({"operator": [{"at": value, "do": "abort"}]}).operator[0].at == expected


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"until": "0s"}, "until"),
        ({"outputs": {"bucket": "0s"}}, "outputs.bucket"),
        ({"traffic": {"diurnal": {"period": 0}}}, "traffic.diurnal.period"),
        ({"versions": {"a:1": {"crash": {"meanTimeBetween": "0s"}}}}, "versions.a:1.crash"),
        ({"faults": [{"at": 1, "do": "errorSpike", "errorRate": 1, "duration": 0}]}, "faults"),
    ],
)
def test_zero_where_zero_means_nothing(data, field):
    with pytest.raises(
        ScenarioError, match=rf"^s\.yaml: {re.escape(field)}.*expected a duration > 0"
    ):
        load(data)


@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        ({"seed": True}, "seed", "a whole number"),
        ({"traffic": {"rate": True}}, "traffic.rate", "a number"),
        (
            {"pods": {"default": {"imagePullFails": "yes"}}},
            "pods.default.imagePullFails",
            "true or false",
        ),
        ({"pods": {"default": {"imagePullFails": None}}}, "pods.default.imagePullFails", "a value"),
        ({"cluster": {"nodes": "3"}}, "cluster.nodes", "a whole number"),
        (
            {"operator": [{"at": 1, "do": "promote", "full": "yes"}]},
            "operator[0].full",
            "true or false",
        ),
        ({"traffic": {"host": None}}, "traffic.host", "a value"),
    ],
)
def test_no_coercion_and_no_silent_null(data, field, expected):
    """A typo never passes silently: true is not a seed, "3" is not a count, null is not a
    default."""
    with pytest.raises(ScenarioError, match=rf"^s\.yaml: {re.escape(field)}: expected {expected}"):
        load(data)


@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        (
            {"versions": {"a:1": {"errorRate": [{"at": "1m", "value": "x"}]}}},
            "versions.a:1.errorRate[0].value",
            "a number",
        ),
        (
            {"versions": {"a:1": {"errorRate": [{"at": "1m"}]}}},
            "versions.a:1.errorRate[0].value",
            "this field to be set",
        ),
        (
            {"versions": {"a:1": {"latency": [{"at": "soon", "value": {"fixed": 0.1}}]}}},
            "versions.a:1.latency[0].at",
            "a duration",
        ),
        (
            {"analysis": {"job": {"successProbability": [{"at": "1m", "value": 2}]}}},
            "analysis.job.successProbability[0].value",
            "a number <= 1.0",
        ),
        ({"versions": {"a:1": {"errorRate": "x"}}}, "versions.a:1.errorRate", "a number"),
    ],
)
def test_a_list_of_changes_is_checked_where_it_is_wrong(data, field, expected):
    """A field that is a value or a list of ``{at, value}`` changes: a wrong change is named
    by its index and key, not reported as the whole list failing to be a number."""
    with pytest.raises(ScenarioError, match=rf"^s\.yaml: {re.escape(field)}: expected {expected}"):
        load(data)


def test_null_where_it_means_something():
    s = load({"versions": {"a:1": {"crash": None}}})
    assert s.versions["a:1"].crash is None


@pytest.mark.parametrize("value", ["-5s", "soon", True, "1e400h", float("inf")])
def test_bad_durations(value):
    with pytest.raises(ScenarioError, match=r"^s\.yaml: until: expected a duration"):
        load({"until": value})


def test_delay_shapes():
    assert Delay.model_validate("2s").to_spec() == {"fixed": 2.0}
    assert Delay.model_validate({"median": "20ms", "p99": "100ms"}).to_spec(1000) == {
        "median": 20.0,
        "p99": 100.0,
    }
    assert Delay.model_validate({"mean": "5s"}).to_spec() == {"exponential": 5.0}
    for bad in ({"median": "2s"}, {"fixed": 1, "mean": 2}, {"median": 2, "p99": 1}, {}):
        with pytest.raises(ValueError):
            Delay.model_validate(bad)


def test_version_changes_over_time():
    v = Version.model_validate(
        {
            "errorRate": [{"at": "30m", "value": 0.2}, {"at": 0, "value": 0.01}],
            "latency": [{"at": 0, "value": "5ms"}, {"at": "1h", "value": {"median": 1, "p99": 2}}],
            "crash": [{"at": "10m", "value": {"afterStart": "0s"}}, {"at": "20m", "value": None}],
        }
    )
    assert [v.error_rate_at(t) for t in (0, 1799, 1800)] == [0.01, 0.01, 0.2]
    assert v.latency_at(3599) == Delay(fixed=0.005)
    assert v.latency_at(3600) == Delay(median=1.0, p99=2.0)
    assert v.crash_at(0) is not None  # before the first change, the first value holds
    assert v.crash_at(1200) is None
    assert v.change_times() == [0.0, 600.0, 1200.0, 1800.0, 3600.0]


def test_error_rate_bounds():
    with pytest.raises(ScenarioError, match=r"versions\.a\.errorRate: expected a number <= 1"):
        load({"versions": {"a": {"errorRate": 1.5}}})


def test_traffic_patterns():
    assert Traffic(rate=50).rate_at(1e6) == 50
    d = Traffic.model_validate({"rate": 100, "pattern": "diurnal", "diurnal": {"amplitude": 0.5}})
    assert d.rate_at(12 * 3600) == pytest.approx(150.0)
    assert d.rate_at(0) == pytest.approx(50.0)
    p = Traffic.model_validate(
        {"pattern": "piecewise", "points": [{"at": "10m", "rate": 5}, {"at": 0, "rate": 1}]}
    )
    assert [p.rate_at(t) for t in (0, 599, 600)] == [1, 1, 5]
    with pytest.raises(ValueError, match="points"):
        Traffic.model_validate({"pattern": "piecewise"})
    with pytest.raises(ValueError, match="distinct times"):
        Traffic.model_validate(
            {"pattern": "piecewise", "points": [{"at": 0, "rate": 1}, {"at": "0s", "rate": 2}]}
        )
    with pytest.raises(ValueError, match="header fractions"):
        Traffic.model_validate(
            {"headers": [{"fraction": 0.7, "headers": {}}, {"fraction": 0.7, "headers": {}}]}
        )


def test_json_schema_describes_the_format():
    schema = scenario_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["properties"]) == {
        "acceptErrors",
        "name",
        "description",
        "seed",
        "start",
        "until",
        "namespace",
        "rollout",
        "manifests",
        "cluster",
        "pods",
        "versions",
        "traffic",
        "operator",
        "faults",
        "outputs",
        "analysis",
        "metrics",
        "aws",
        "expect",
        "slo",
    }
    assert schema["additionalProperties"] is False
    text = str(schema)
    for verb in ("setImage", "promoteFull", "undo", "scale", "killPod", "errorSpike"):
        assert f"'{verb}'" in text


def test_readme_example_is_a_valid_scenario():
    readme = DOC.parents[1] / "README.md"
    block = re.search(r"## Scenario format\n.*?```yaml\n(.*?)```", readme.read_text(), re.S)
    assert block is not None
    s = load(yaml.safe_load(block.group(1)))
    assert (s.name, s.until, s.traffic.rate, s.operator[0].image) == (
        "imesh-canary",
        7200.0,
        100.0,
        "nginx:1.15.5",
    )


@pytest.mark.parametrize(
    "text",
    [
        "30s",
        "1h30m",
        "500ms",
        "1.5h",
        "0",
        "0s",
        "0.0h",
        "0.5s",
        "90",
        "2m30s",
        "5us",
        "-5s",
        "5x",
        "h",
        "0m1ns",
        "1h 30m",
    ],
)
def test_schema_duration_pattern_agrees_with_the_loader(text):
    schema = scenario_json_schema()
    (string_form,) = [s for s in schema["properties"]["until"]["anyOf"] if s["type"] == "string"]
    matches = re.fullmatch(string_form["pattern"], text) is not None
    try:
        load({"until": text})
        loads = True
    except ScenarioError:
        loads = False
    assert matches == loads


def test_metrics_prometheus_version():
    from canarysim.declarations.scenario.model import Metrics

    assert Metrics().prometheus == "3"
    assert Metrics.model_validate({"prometheus": 2}).prometheus == "2"
    with pytest.raises(ValueError):
        Metrics.model_validate({"prometheus": "4"})


def test_slo_reads_days_and_go_durations_and_refuses_nonsense():
    from canarysim.declarations.scenario.model import Slo

    assert Slo.model_validate({"errorRate": 0.001, "window": "30d"}).window == 30 * 86400
    assert Slo.model_validate({"errorRate": 0.001, "window": "720h"}).window == 30 * 86400
    assert Slo.model_validate({"errorRate": 0.001}).window == 30 * 86400
    for bad in ({"errorRate": 0}, {"errorRate": 0.01, "window": "0d"}, {"errorRate": 2}):
        with pytest.raises(ValueError):
            Slo.model_validate(bad)
