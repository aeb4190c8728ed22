"""AnalysisRuns in simulated time: Argo's scheduling, limits and messages."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from canarysim.engine.model import StartAnalysisRun
from canarysim.sim.analysis.runs import AnalysisController, ArgContext, JobModel, Providers


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
    measurement, which completes Successful with "Metric Terminated", then the run fails."""
    run, _, events = _two_metric_run(600)
    assert run.phase.value == "Failed"
    assert run.finished == 0
    smoke = run.metrics["smoke"]
    assert smoke.phase.value == "Successful"
    assert [(m.phase.value, m.message) for m in smoke.measurements] == [
        ("Successful", "Metric Terminated")
    ]
    assert smoke.message == "Metric Terminated"
    reasons = [e[3] for e in events]
    assert reasons == ["MetricFailed", "MetricSuccessful", "AnalysisRunFailed"]
    assert run.summary.count == 2 and run.summary.failed == 1 and run.summary.successful == 1


def test_consecutive_success_limit_met_while_terminating_is_successful():
    """The streak check applies while terminating (assessMetricStatus): a Job measurement ended
    by termination counts as Successful, completing count and streak together, so the metric
    is Successful (not Failed for "ConsecutiveSuccessLimit Not Reached")."""
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
    assert [(m.started, m.finished, m.message) for m in metric_state.measurements] == [
        (0, 10, ""),
        (40, 45, "Metric Terminated"),
    ]
    assert metric_state.phase.value == "Successful"
    assert (run.phase.value, run.message) == ("Successful", "Run Terminated")
