"""AnalysisRuns in simulated time: Argo's scheduling, limits and messages."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from canarysim.engine.model import StartAnalysisRun
from canarysim.sim.analysis import prometheus
from canarysim.sim.analysis.jobs import JobModel
from canarysim.sim.analysis.providers import Providers
from canarysim.sim.analysis.runs import AnalysisController, ArgContext
from canarysim.sim.cluster.replicasets import EPOCH


def template(name="success-rate", **metric):
    base = {
        "name": "success-rate",
        "provider": {"prometheus": {"address": "http://prom", "query": "{{args.service-name}}"}},
    }
    base.update(metric)
    return {
        "kind": "AnalysisTemplate",
        "metadata": {"name": name},
        "spec": {"args": [{"name": "service-name"}], "metrics": [base]},
    }


def start_run(metric, values, *, until=3600, args=None, providers=None, terminate_at=None):
    """Run one analysis whose prometheus answers come from *values* (a function of time)."""
    env = simpy.Environment()
    seen = []
    events = []
    prom = providers or Providers(
        prometheus=lambda query, now: (seen.append((now, query)), values(now))[1]
    )
    controller = AnalysisController(
        env,
        templates={"success-rate": template(**metric)},
        providers=prom,
        rng=np.random.default_rng(1),
        on_event=lambda *e: events.append(e),
    )
    action = StartAnalysisRun(
        name="r-abc-2-1",
        kind="Step",
        templates=("success-rate",),
        args=tuple(args if args is not None else [{"name": "service-name", "value": "canary"}]),
        pod_template_hash="abc",
        revision=2,
        step_index=1,
    )
    run = controller.start(action, ArgContext(stable_hash="s", latest_hash="abc"))
    if terminate_at is not None:

        def stopper():
            yield env.timeout(terminate_at)
            controller.terminate(run.name)

        env.process(stopper())
    env.run(until=until)
    return run, seen, events


def test_interval_measurements_until_failure_limit_trips():
    metric = {"interval": "60s", "successCondition": "result[0] >= 0.95", "failureLimit": 2}
    run, seen, events = start_run(metric, lambda now: [0.5])
    # measurements at 0, 60, 120: the third failure exceeds failureLimit 2
    assert [t for t, _ in seen] == [0, 60, 120]
    assert run.phase.value == "Failed"
    assert (
        run.message == 'Metric "success-rate" assessed Failed due to failed (3) > failureLimit (2)'
    )
    assert run.finished == 120
    assert ("AnalysisRunFailed", "Analysis Completed. Result: Failed") in [e[3:] for e in events]


def test_args_are_substituted_into_the_query():
    _, seen, _ = start_run({"count": 1}, lambda now: [1.0])
    assert seen[0][1] == "canary"


def test_count_reached_succeeds_with_tolerated_failures():
    metric = {"interval": "30s", "count": 5, "successCondition": "result[0] > 0", "failureLimit": 2}
    answers = iter([[1.0], [0.0], [1.0], [0.0], [1.0]])
    run, seen, _ = start_run(metric, lambda now: next(answers))
    assert len(seen) == 5
    assert run.phase.value == "Successful"
    assert run.finished == 120


def test_errors_retry_every_ten_seconds_and_the_fifth_consecutive_error_fails():
    def broken(now):
        raise RuntimeError("connection refused")

    run, seen, _ = start_run({"interval": "5m", "successCondition": "result[0] > 0"}, broken)
    assert [t for t, _ in seen] == [0, 10, 20, 30, 40]
    assert run.phase.value == "Error"
    assert run.message == (
        'Metric "success-rate" assessed Error due to consecutiveErrors (5) > '
        'consecutiveErrorLimit (4): "Error Message: connection refused"'
    )


def test_empty_vector_is_an_error_measurement():
    run, _seen, _ = start_run(
        {"interval": "1m", "successCondition": "result[0] >= 0.95", "consecutiveErrorLimit": 0},
        lambda now: [],
    )
    assert run.phase.value == "Error"
    assert "metric result is nil or empty" in run.message


def test_initial_delay_postpones_the_first_measurement():
    _, seen, _ = start_run({"initialDelay": "2m", "count": 1}, lambda now: [1.0])
    assert [t for t, _ in seen] == [120]


def test_indefinite_metric_runs_until_terminated_then_succeeds():
    metric = {"interval": "1m", "successCondition": "result[0] >= 0.95"}
    run, seen, _ = start_run(metric, lambda now: [0.99], terminate_at=150)
    assert [t for t, _ in seen] == [0, 60, 120]
    assert run.phase.value == "Successful"
    assert run.message == "Run Terminated"
    assert run.finished == 150


def test_unresolved_argument_errors_the_run_at_once():
    run, seen, _ = start_run({"count": 1}, lambda now: [1.0], args=[])
    assert seen == []
    assert run.phase.value == "Error"
    assert run.message == "Unable to resolve metric arguments: args.service-name was not resolved"


def test_count_above_one_without_interval_is_invalid():
    run, _, _ = start_run({"count": 3}, lambda now: [1.0])
    assert (
        run.message
        == "Analysis spec invalid: metrics[0]: interval must be specified when count > 1"
    )


def test_job_provider_takes_its_duration_and_uses_its_success_probability():
    env = simpy.Environment()
    job_template = {
        "metadata": {"name": "job"},
        "spec": {"metrics": [{"name": "smoke", "provider": {"job": {"spec": {}}}}]},
    }
    outcomes = []
    for seed in range(40):
        env = simpy.Environment()
        controller = AnalysisController(
            env,
            templates={"job": job_template},
            providers=Providers(job=JobModel(duration=25.0, success_probability=0.5)),
            rng=np.random.default_rng(seed),
        )
        action = StartAnalysisRun("r", "Step", ("job",), (), "abc", 2, 1)
        run = controller.start(action, ArgContext("s", "abc"))
        env.run(until=100)
        assert run.finished == pytest.approx(25.0)
        outcomes.append(run.phase.value)
    assert set(outcomes) == {"Successful", "Failed"}


def test_views_report_phase_for_the_engine():
    run, _, _ = start_run({"count": 1}, lambda now: [1.0])
    view = run.view()
    assert (view.name, view.kind, view.phase, view.step_index) == (
        "r-abc-2-1",
        "Step",
        "Successful",
        1,
    )


def _two_metric_run(job_seconds, *, until=3600):
    """A failing prometheus metric beside a slow Job metric (one template)."""
    env = simpy.Environment()
    events = []
    tmpl = {
        "kind": "AnalysisTemplate",
        "metadata": {"name": "pair"},
        "spec": {
            "metrics": [
                {
                    "name": "rate",
                    "provider": {"prometheus": {"address": "http://prom", "query": "q"}},
                    "successCondition": "result[0] >= 0.95",
                },
                {"name": "smoke", "provider": {"job": {"spec": {}}}},
            ]
        },
    }
    controller = AnalysisController(
        env,
        templates={"pair": tmpl},
        providers=Providers(prometheus=lambda q, now: [0.5], job=JobModel(duration=job_seconds)),
        rng=np.random.default_rng(1),
        on_event=lambda *e: events.append(e),
    )
    action = StartAnalysisRun(
        name="r-abc-2-1", kind="Step", templates=("pair",), args=(),
        pod_template_hash="abc", revision=2, step_index=1,
    )  # fmt: skip
    run = controller.start(action, ArgContext(stable_hash="s", latest_hash="abc"))
    env.run(until=until)
    return run, controller, events


def test_failing_metric_stops_an_in_flight_job_sibling_with_metric_terminated():
    """analysis_test.go (terminating in-flight Job): the next reconcile terminates the Job's
    measurement, which completes Inconclusive with "Metric Terminated" (the job provider's
    Terminate), so the Job metric is Inconclusive; the run takes the worst phase, Failed."""
    run, _, events = _two_metric_run(600)
    assert run.phase.value == "Failed"
    assert run.message == 'Metric "rate" assessed Failed due to failed (1) > failureLimit (0)'
    assert run.finished == 0
    smoke = run.metrics["smoke"]
    assert smoke.phase.value == "Inconclusive"
    assert [(m.phase.value, m.message) for m in smoke.measurements] == [
        ("Inconclusive", "Metric Terminated")
    ]
    assert smoke.message == "Metric Terminated"
    reasons = [e[3] for e in events]
    assert reasons == ["MetricFailed", "MetricInconclusive", "AnalysisRunFailed"]
    assert (run.summary.count, run.summary.failed, run.summary.inconclusive) == (2, 1, 1)
    assert run.summary.successful == 0


def test_a_job_terminated_mid_streak_makes_the_metric_inconclusive():
    """Job 1 completes Successful; job 2 is still running when the run is terminated, and the
    job provider's Terminate makes its measurement Inconclusive: one inconclusive measurement
    is over the default inconclusiveLimit 0, which assessMetricFailureInconclusiveOrError
    checks before the streak, so the metric and the run end Inconclusive."""
    metric = {
        "provider": {"job": {"spec": {}}},
        "interval": "30s",
        "count": 2,
        "failureLimit": -1,
        "consecutiveSuccessLimit": 2,
    }
    jobs = Providers(job=JobModel(duration=10))
    run, _, _ = start_run(metric, None, providers=jobs, terminate_at=45)
    # Job 1 runs 0-10 (Successful), job 2 starts at 40 and is terminated at 45
    metric_state = run.metrics["success-rate"]
    assert [
        (m.started, m.finished, m.phase.value, m.message) for m in metric_state.measurements
    ] == [(0, 10, "Successful", ""), (40, 45, "Inconclusive", "Metric Terminated")]
    assert metric_state.phase.value == "Inconclusive"
    assert (run.phase.value, run.message) == (
        "Inconclusive",
        'Metric "success-rate" assessed Inconclusive due to inconclusive (1) > '
        'inconclusiveLimit (0): "Error Message: Metric Terminated"',
    )


def _rollout_run(step_analysis, templates, *, cluster=None, values=lambda now: [1.0], until=600):
    """A step run whose spec comes from the rollout's step analysis (``step_analysis``)."""
    env = simpy.Environment()
    events = []
    controller = AnalysisController(
        env,
        templates=templates,
        cluster_templates=cluster or {},
        providers=Providers(prometheus=lambda q, now: values(now)),
        rng=np.random.default_rng(1),
        on_event=lambda *e: events.append(e),
    )
    rollout = {
        "spec": {
            "strategy": {"canary": {"steps": [{"setWeight": 20}, {"analysis": step_analysis}]}}
        }
    }
    action = StartAnalysisRun(
        name="r-abc-2-1", kind="Step", templates=("ignored",), args=(),
        pod_template_hash="abc", revision=2, step_index=1,
    )  # fmt: skip
    run = controller.start(action, ArgContext(stable_hash="s", latest_hash="abc", rollout=rollout))
    env.run(until=until)
    return run


def _prom_template(name, *metrics, **spec):
    return {"metadata": {"name": name}, "spec": {"metrics": list(metrics), **spec}}


def _prom_metric(name, **fields):
    return {
        "name": name,
        "provider": {"prometheus": {"address": "http://p", "query": "q"}},
        **fields,
    }


def test_dry_run_rule_matching_no_metric_makes_the_run_error():
    run = _rollout_run(
        {"templates": [{"templateName": "t"}], "dryRun": [{"metricName": "latency"}]},
        {"t": _prom_template("t", _prom_metric("rate"))},
    )
    assert run.phase.value == "Error"
    assert run.message == "Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s)"


def test_step_dry_run_and_retention_apply_and_trim_the_history():
    """The step's dryRun makes the failing metric not decide; measurementRetention keeps 3
    measurements of it, the default history limit keeps 10 of the other."""
    run = _rollout_run(
        {
            "templates": [{"templateName": "t"}],
            "dryRun": [{"metricName": "fail.*"}],
            "measurementRetention": [{"metricName": "failing", "limit": 3}],
        },
        {
            "t": _prom_template(
                "t",
                _prom_metric("failing", interval="10s", count=12, successCondition="result[0] > 5",
                             failureLimit=-1, consecutiveSuccessLimit=1),
                _prom_metric("passing", interval="10s", count=12, successCondition="result[0] > 0"),
            )
        },
    )  # fmt: skip
    assert run.phase.value == "Successful"
    failing, passing = run.metrics["failing"], run.metrics["passing"]
    assert failing.dry_run and failing.tally.count == 12 and failing.phase.value == "Failed"
    assert [m.started for m in failing.measurements] == [90, 100, 110]
    assert len(passing.measurements) == 10 and passing.measurements[0].started == 20
    assert run.dry_run_summary.count == 1 and run.summary.successful == 1


def test_nested_and_cluster_templates_in_a_run():
    run = _rollout_run(
        {"templates": [{"templateName": "outer"},
                       {"templateName": "shared", "clusterScope": True}]},
        {
            "outer": _prom_template("outer", _prom_metric("a"),
                                    templates=[{"templateName": "inner"}]),
            "inner": _prom_template("inner", _prom_metric("b")),
            "shared": _prom_template("shared", _prom_metric("namespaced-one")),
        },
        cluster={"shared": _prom_template("shared", _prom_metric("c"))},
    )  # fmt: skip
    assert list(run.metrics) == ["a", "b", "c"]
    assert run.phase.value == "Successful"


def test_unresolved_argument_names_the_last_placeholder():
    run = _rollout_run(
        {"templates": [{"templateName": "t"}]},
        {"t": _prom_template("t", _prom_metric("a", successCondition="{{args.x}} {{ args.y }}"))},
    )
    assert run.phase.value == "Error"
    assert run.message == "Unable to resolve metric arguments: failed to resolve {{ args.y }}"


AUG14 = 1691971200.0  # 2023-08-14T00:00:00Z


def _range_run(range_query, matrix, *, now_at=120):
    """One measurement of a range-query metric at ``now_at``; records what was asked."""
    asked = []

    def prometheus_range(query, start, end, step, now):
        asked.append((query, start, end, step, now))
        return matrix

    metric = {
        "initialDelay": f"{now_at}s",
        "successCondition": "all(result, # > 10)",
        "failureCondition": "all(result, # < 10)",
        "provider": {
            "prometheus": {"address": "http://p", "query": "test", "rangeQuery": range_query}
        },
    }
    run, _, _ = start_run(metric, None, providers=Providers(prometheus_range=prometheus_range))
    return run, asked


def test_range_query_bounds_values_and_errors_as_argo():
    """prometheus_test.go TestRunSuccessfullyWithRangeQuery and TestRunUnparsable*: start and
    end are expr time expressions, step a Go duration; every sample of every series counts."""
    matrix = [({"a": "1"}, [(0.0, 11.0), (60.0, 12.0)]), ({"a": "2"}, [(0.0, 13.0), (60.0, 14.0)])]
    date = 'date("2023-08-14 00:00:00", "2006-01-02 15:04:05", "UTC")'
    run, asked = _range_run(
        {"start": f'{date} - duration("1h")', "end": date, "step": "1m"}, matrix
    )
    m = run.metrics["success-rate"].measurements[0]
    assert (m.phase.value, m.value) == ("Successful", "[11,12,13,14]")
    epoch = prometheus.WALL_CLOCK_EPOCH
    assert asked == [("test", AUG14 - 3600 - epoch, AUG14 - epoch, 60.0, 120)]
    # now() is the simulated wall clock: simulated time 0 is the ReplicaSets' epoch
    assert epoch == EPOCH.timestamp()
    _, asked = _range_run({"start": 'now() - duration("5m")', "end": "now()", "step": "30s"}, [])
    assert asked[0][1:4] == (120 - 300, 120, 30.0)
    bad = {
        "start": ('now() - duration("??")', date, "1m"),
        "end": (f'{date} - duration("1h")', 'now() - duration("??")', "1m"),
        "step": (f'{date} - duration("1h")', date, "??"),
    }
    for which, (start, end, step) in bad.items():
        run, _ = _range_run({"start": start, "end": end, "step": step}, matrix)
        m = run.metrics["success-rate"].measurements[0]
        kind = "duration" if which == "step" else "time"
        assert (m.phase.value, m.value) == ("Error", "")
        assert (
            m.message
            == f'failed to parse rangeQuery.{which} as {kind}: time: invalid duration "??"'
        )


def test_time_zones_come_from_the_system_database():
    import zoneinfo

    if "Europe/Paris" not in zoneinfo.available_timezones():
        pytest.skip("no time-zone database on this machine")
    # 2023-08-14 00:00 UTC as a wall-clock time in Paris (CEST, +2h) and in winter (CET, +1h)
    assert prometheus.zone_offset("Europe/Paris", AUG14) == 7200.0
    assert prometheus.zone_offset("Europe/Paris", 1673654400.0) == 3600.0  # 2023-01-14
    with pytest.raises(KeyError):
        prometheus.zone_offset("Mars/Base", AUG14)
