"""The scenario's ``analysis:`` section: Jobs, web answers and Prometheus latency as the
simulated providers answer AnalysisRuns."""

from __future__ import annotations

import math

import pytest

from canarysim import simulate
from canarysim.declarations import load_scenario, scenario_json_schema
from canarysim.errors import ScenarioError
from canarysim.sim.analysis.webanswer import JsonPathError, select, value_string
from canarysim.sim.world import World

JOB = {
    "name": "smoke",
    "provider": {
        "job": {
            "spec": {
                "backoffLimit": 0,
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "t", "image": "busybox"}],
                    }
                },
            }
        }
    },
}
SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "app"},
    "spec": {"selector": {"app": "app"}, "ports": [{"port": 80}]},
}


def scenario(metrics, analysis=None, *, seed=0, set_image_at="30s", versions=None, pause=None):
    """A Rollout with one step analysis (template ``checks``) between two setWeight steps
    (after a pause of ``pause``, when given)."""
    waits = [{"pause": {"duration": pause}}] if pause else []
    return load_scenario(
        {
            "name": "analysis-providers",
            "seed": seed,
            "until": "6m",
            "namespace": "ns",
            "traffic": {"rate": 20, "host": "app"},
            "analysis": analysis or {},
            "versions": versions or {},
            "manifests": [
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "AnalysisTemplate",
                    "metadata": {"name": "checks"},
                    "spec": {"metrics": metrics},
                },
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Rollout",
                    "metadata": {"name": "app"},
                    "spec": {
                        "replicas": 2,
                        "selector": {"matchLabels": {"app": "app"}},
                        "template": {
                            "metadata": {"labels": {"app": "app"}},
                            "spec": {"containers": [{"name": "app", "image": "app:1"}]},
                        },
                        "strategy": {
                            "canary": {
                                "steps": [
                                    {"setWeight": 50},
                                    *waits,
                                    {"analysis": {"templates": [{"templateName": "checks"}]}},
                                    {"setWeight": 100},
                                ]
                            }
                        },
                    },
                },
                SERVICE,
            ],
            "operator": [{"at": set_image_at, "do": "setImage", "image": "app:2"}],
        }
    )


def measurements(s):
    world = World.build(s)
    world.run()
    result = world.collect()
    return result, [m for _, m in world.analysis.measurements]


# ------------------------------------------------------------------------------ jobs
def test_a_job_failing_with_probability_p_aborts_about_a_p_share_of_runs():
    p_fail, runs = 0.3, 48
    analysis = {"jobs": {"smoke": {"successProbability": 1 - p_fail, "duration": "20s"}}}
    base = scenario([JOB], analysis)
    aborted = sum(simulate(base.with_changes(seed=seed)).final.aborted for seed in range(runs))
    # Aborts ~ Binomial(48, 0.3): mean 14.4, sd 3.17; 4 sd either side never fails by chance
    # (p < 1e-4) yet catches a chance that is ignored (0 or 48) or inverted (33.6).
    mean, sd = runs * p_fail, math.sqrt(runs * p_fail * (1 - p_fail))
    assert mean - 4 * sd <= aborted <= mean + 4 * sd


def test_job_duration_and_a_chance_that_changes_over_time():
    analysis = {
        "job": {"duration": "1m"},
        "jobs": {
            "smoke": {"successProbability": [{"at": 0, "value": 1}, {"at": "3m", "value": 0}]}
        },
    }
    early, ms = measurements(scenario([JOB], analysis, set_image_at="30s"))
    assert early.final.phase == "Healthy"
    (job,) = ms
    assert job.phase.value == "Successful"
    # the Job ran for its minute (started when created): the step could not finish before it
    assert job.finished - job.started == pytest.approx(60) and job.started >= 30
    late, ms = measurements(scenario([JOB], analysis, set_image_at="2m30s"))
    assert late.final.aborted  # finished after 3m, when every Job fails
    assert [m.phase.value for m in ms] == ["Failed"]


def test_a_job_still_running_when_its_background_run_ends_counts_as_terminated():
    data = scenario([JOB], {"job": {"duration": "10m"}}).data
    canary = data["manifests"][1]["spec"]["strategy"]["canary"]
    canary["steps"] = [{"setWeight": 50}, {"pause": {"duration": "1m"}}]
    canary["analysis"] = {"templates": [{"templateName": "checks"}]}
    result, ms = measurements(load_scenario(data))
    assert result.final.phase == "Healthy"  # promoted long before the Job would finish
    (job,) = ms
    # job provider's Terminate: Inconclusive, "Metric Terminated", finished at the promotion
    assert (job.phase.value, job.message) == ("Inconclusive", "Metric Terminated")
    assert job.started == pytest.approx(30, abs=1) and job.finished < job.started + 600
    assert result.summary["analysis"][0]["phase"] == "Inconclusive"


def test_default_job_still_succeeds_after_ten_seconds():
    _, ms = measurements(scenario([JOB]))
    (job,) = ms
    assert job.phase.value == "Successful"


# ------------------------------------------------------------------------------ web
def web_metric(name="check", condition="result == true", json_path="{$.ok}", url="http://c/ok"):
    web = {"url": url}
    if json_path is not None:
        web["jsonPath"] = json_path
    return {"name": name, "successCondition": condition, "provider": {"web": web}}


def test_a_web_metric_answering_from_the_table_passes():
    result, ms = measurements(scenario([web_metric()], {"web": {"check": {"value": {"ok": True}}}}))
    assert result.final.phase == "Healthy"
    assert [(m.phase.value, m.value) for m in ms] == [("Successful", "true")]


def test_web_answers_by_url_and_failing_values():
    result, ms = measurements(
        scenario([web_metric()], {"web": {"http://c/ok": {"value": {"ok": False}}}})
    )
    assert result.final.aborted and [m.phase.value for m in ms] == ["Failed"]


def test_web_path_missing_from_the_body_is_an_error_measurement():
    _, ms = measurements(scenario([web_metric()], {"web": {"check": {"value": {"status": 1}}}}))
    assert ms and all(m.phase.value == "Error" for m in ms)
    assert "Could not find JSONPath in body" in ms[0].message


def test_web_without_an_answer_is_an_error_naming_the_url():
    _, ms = measurements(scenario([web_metric()]))
    assert ms[0].phase.value == "Error" and "http://c/ok" in ms[0].message


def test_web_success_rate_is_computed_from_the_simulated_requests():
    metric = web_metric(name="sr", condition="result >= 0.9", json_path=None)
    analysis = {"web": {"sr": {"successRate": {"service": "app", "window": "1m"}}}}
    good, ms = measurements(scenario([metric], analysis))
    assert good.final.phase == "Healthy" and ms[0].value == "1"
    bad, ms = measurements(
        scenario([metric], analysis, versions={"app:2": {"errorRate": 0.6}}, pause="90s")
    )
    # after 90 s at weight 50 (one pod of each), half the requests of the last minute reached
    # app:2 (60 % errors): about 70 % succeeded, below 0.9
    assert bad.final.aborted
    assert 0.5 < float(ms[0].value) < 0.9


# ------------------------------------------------------------------------------ prometheus
def prom_metric(timeout=None):
    prom = {"address": "http://prom:9090", "query": "sum(rate(istio_requests_total[1m]))"}
    if timeout is not None:
        prom["timeout"] = timeout
    return {"name": "p", "successCondition": "result[0] >= 0", "provider": {"prometheus": prom}}


def test_prometheus_latency_delays_the_measurement():
    result, ms = measurements(scenario([prom_metric()], {"prometheus": {"latency": "12s"}}))
    assert result.final.phase == "Healthy"
    assert [round(m.finished - m.started, 6) for m in ms] == [12.0]


def test_a_query_slower_than_the_timeout_is_an_error():
    result, ms = measurements(scenario([prom_metric(timeout=5)], {"prometheus": {"latency": "8s"}}))
    assert result.final.aborted
    assert ms[0].phase.value == "Error" and ms[0].finished - ms[0].started == pytest.approx(5)
    assert ms[0].message == 'Post "http://prom:9090/api/v1/query": context deadline exceeded'


# ------------------------------------------------------------------------------ the format
@pytest.mark.parametrize(
    ("analysis", "field"),
    [
        ({"jobs": {"smoke": {"sucessProbability": 1}}}, "analysis.jobs.smoke.sucessProbability"),
        ({"job": {"successProbability": 1.5}}, "analysis.job.successProbability"),
        ({"web": {"x": {"vaule": 1}}}, "analysis.web.x"),
        ({"web": {"x": {"value": 1, "query": "up"}}}, "analysis.web.x"),
        ({"web": {"x": {"successRate": {"service": "a", "windw": "1m"}}}}, "analysis.web.x"),
        ({"prometheus": {"timeot": "1s"}}, "analysis.prometheus.timeot"),
        ({"jbs": {}}, "analysis.jbs"),
    ],
)
def test_unknown_or_bad_keys_name_the_field(analysis, field):
    with pytest.raises(ScenarioError) as err:
        scenario([JOB], analysis)
    assert err.value.file == "<memory>"
    assert err.value.field.startswith(field)


def test_the_json_schema_describes_the_section():
    schema = scenario_json_schema()
    assert "analysis" in schema["properties"]
    text = str(schema)
    for key in ("successProbability", "successRate", "jobs", "latency"):
        assert f"'{key}'" in text


def test_json_path_subset():
    body = {"data": {"items": [{"v": 0.5}], "ok": True}}
    assert select(body, "{$}") is body
    assert select(body, "{$.data.items[0].v}") == 0.5
    assert select(body, "{.data.ok}") is True
    with pytest.raises(JsonPathError):
        select(body, "{$.data.missing}")
    with pytest.raises(JsonPathError):
        select(body, "{$..v}")
    # as Go's json.Marshal writes the selected value (webmetric.go::getValue)
    values = (True, 0.5, 3, 1.0, "up", None, {"b": 1, "a": [1e-7]}, 1e21, "<&>")
    assert [value_string(v) for v in values] == [
        "true",
        "0.5",
        "3",
        "1",
        '"up"',
        "null",
        '{"a":[1e-7],"b":1}',
        "1e+21",
        '"\\u003c\\u0026\\u003e"',
    ]
    with pytest.raises(ValueError, match="unsupported value: NaN"):
        value_string(math.nan)


# ------------------------------------------------------------------------------ lint
def analysis_findings(s):
    from canarysim.declarations import validate_scenario

    return sorted(
        (f.rule, f.message)
        for f in validate_scenario(s)
        if f.rule in ("scenario/unused-analysis", "scenario/web-answer")
    )


def test_lint_names_analysis_keys_that_match_no_metric():
    s = scenario([JOB, web_metric()], {"jobs": {"smoke-tst": {}}, "web": {"chek": {"value": 1}}})
    found = analysis_findings(s)
    assert [rule for rule, _ in found] == [
        "scenario/unused-analysis",
        "scenario/unused-analysis",
        "scenario/web-answer",
    ]
    assert "analysis.jobs.smoke-tst: no job metric of that name" in found[0][1]
    assert "(job metrics: smoke)" in found[0][1]
    assert 'web metric "check" (http://c/ok) has no answer' in found[2][1]


def test_lint_is_quiet_when_every_key_names_a_metric():
    by_name = scenario([JOB, web_metric()], {"jobs": {"smoke": {}}, "web": {"check": {"value": 1}}})
    by_url = scenario([web_metric()], {"web": {"http://c/ok": {"value": 1}}})
    assert analysis_findings(by_name) == analysis_findings(by_url) == []
