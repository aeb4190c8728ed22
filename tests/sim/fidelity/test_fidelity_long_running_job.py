"""A background analysis whose Job is still running when the rollout completes: Argo
terminates the run (``rollout/analysis.go::reconcileAnalysisRuns`` cancels current runs once
the rollout is fully promoted), the Job provider's ``Terminate`` deletes the Job and marks its
measurement Inconclusive ("Metric Terminated", ``metricproviders/job/job.go``), so the metric
and the run end Inconclusive while the rollout stays Healthy (a cancelled canary run is no
longer the rollout's current run).

Replays upstream ``test/e2e/analysis_test.go::TestCanaryBackgroundAnalysisLongRunningJob``
(``rollout-background-long-running-job.yaml`` with the ``long-running-job`` template).
"""

from __future__ import annotations

from fidelitykit import basic, events, set_image, simulate
from test_fidelity_job_image_pull import LONG, job_template

STEPS = [{"setWeight": 10}, {"pause": {"duration": "10s"}}]
BACKGROUND = {"templates": [{"templateName": "long-running-job"}]}


def test_canary_background_analysis_long_running_job_replay(tmp_path):
    r = simulate(
        tmp_path,
        [*basic(STEPS, replicas=1, analysis=BACKGROUND), LONG],
        [set_image("1m"), {"when": {"phase": "Paused"}, "do": "promote"}],
        analysis={"jobs": {"long-running-job-metric": {"duration": "6000s"}}},
        until="4m",
    )
    # Healthy before the update, with no AnalysisRun.
    assert r.status_at(59).phase == "Healthy"
    assert r.status_at(59).analysis_runs == ()
    # Updated: paused at the 10 s pause, one background run, Running (its Job sleeps).
    paused = next(s for s in r.snapshots if s.time >= 60 and s.phase == "Paused")
    (run,) = paused.analysis_runs
    assert run.phase == "Running"
    # Promoted: Healthy, and the run (terminated with the Job still running) Inconclusive.
    final = r.final
    assert final.phase == "Healthy"
    (run,) = final.analysis_runs
    assert (run.phase, run.inconclusive, run.successful) == ("Inconclusive", 1, 0)
    (m,) = r.measurements
    assert (m["metric"], m["phase"], m["message"]) == (
        "long-running-job-metric",
        "Inconclusive",
        "Metric Terminated",
    )
    # Ended when the rollout completed, long before the Job's 6000 s.
    healthy_again = next(s.time for s in r.snapshots if s.time > 60 and s.phase == "Healthy")
    assert m["time"] <= healthy_again + 1
    assert m["time"] - m["started"] < 120
    # The rollout never reacted to the Inconclusive run (no InconclusiveAnalysisRun pause).
    assert not any("Inconclusive" in msg for _, _, msg in events(r))
    assert final.message != "InconclusiveAnalysisRun"


DEADLINE = job_template(
    "long-running-job-deadline",
    "long-running-job-deadline-metric",
    "nginx:1.19-alpine",
    ["sleep", "6000"],
)
DEADLINE["spec"]["metrics"][0]["provider"]["job"]["spec"]["activeDeadlineSeconds"] = 10
SLOW_JOBS = {"jobs": {"long-running-job-deadline-metric": {"duration": "6000s"}}}


def _failed_by_deadline(r, name_end):
    """Argo names a background run <rollout>-<hash>-<revision>, a step's run adds -<step>."""
    final = r.final
    assert final.phase == "Degraded"
    assert final.aborted
    (run,) = final.analysis_runs
    assert run.name.endswith(name_end)
    assert (run.phase, run.failed) == ("Failed", 1)
    (m,) = r.measurements
    assert m["phase"] == "Failed"
    # The Job controller fails it 10 s after it started (activeDeadlineSeconds: 10).
    assert m["time"] - m["started"] == 10.0
    return m


def test_canary_inline_analysis_long_running_job_with_deadline_replay(tmp_path):
    steps = [
        {"setWeight": 10},
        {"analysis": {"templates": [{"templateName": "long-running-job-deadline"}]}},
    ]
    r = simulate(
        tmp_path,
        [*basic(steps, replicas=1), DEADLINE],
        [set_image("1m")],
        analysis=SLOW_JOBS,
        until="4m",
    )
    assert r.status_at(59).analysis_runs == ()
    _failed_by_deadline(r, "-2-1")


def test_canary_background_analysis_long_running_job_with_deadline_replay(tmp_path):
    """The 60 s pause keeps the canary busy while the background Job's deadline fires."""
    steps = [{"setWeight": 10}, {"pause": {"duration": "60s"}}]
    background = {"templates": [{"templateName": "long-running-job-deadline"}]}
    r = simulate(
        tmp_path,
        [*basic(steps, replicas=1, analysis=background), DEADLINE],
        [set_image("1m")],
        analysis=SLOW_JOBS,
        until="4m",
    )
    assert r.status_at(59).analysis_runs == ()
    m = _failed_by_deadline(r, "-2")
    assert m["started"] < 60 + 60  # failed during the pause, before the rollout could finish


def test_a_job_done_before_its_deadline_is_not_failed_by_it(tmp_path):
    steps = [
        {"setWeight": 10},
        {"analysis": {"templates": [{"templateName": "long-running-job-deadline"}]}},
    ]
    r = simulate(
        tmp_path,
        [*basic(steps, replicas=1), DEADLINE],
        [set_image("1m")],
        analysis={"jobs": {"long-running-job-deadline-metric": {"duration": "9s"}}},
        until="4m",
    )
    assert r.final.phase == "Healthy"
    (m,) = r.measurements
    assert (m["phase"], m["time"] - m["started"]) == ("Successful", 9.0)


def multiple_job():
    """``analysistemplate-multiple-job.yaml``: two Job metrics, the first after a 10 s
    initialDelay, each counted once."""
    template = job_template("multiple-job", "sleep-job", "nginx:1.19-alpine", ["sh", "-c"])
    first = template["spec"]["metrics"][0]
    first["initialDelay"] = "10s"
    second = {**first, "name": "sleep-job-rep"}
    del second["initialDelay"]
    template["spec"]["metrics"].append(second)
    template["spec"]["args"] = [
        {"name": "duration", "value": "0s"},
        {"name": "exit-code", "value": "0"},
        {"name": "count", "value": "1"},
    ]
    return template


def test_canary_inline_multiple_analysis_replay(tmp_path):
    """``analysis_test.go::TestCanaryInlineMultipleAnalysis``: paused at setWeight 10, promoted;
    5 s later one step run is Running (its first metric waits 10 s); then it is Successful
    and the rollout Healthy, still one run."""
    steps = [
        {"setWeight": 10},
        {"pause": {}},
        {"analysis": {"templates": [{"templateName": "multiple-job"}]}},
    ]
    r = simulate(
        tmp_path,
        [*basic(steps, replicas=1), multiple_job()],
        [set_image("1m"), {"when": {"phase": "Paused"}, "do": "promote"}],
        until="3m",
    )
    assert r.status_at(59).analysis_runs == ()
    promoted = next(
        e["time"]
        for e in r.events
        if e["reason"] == "OperatorCommand" and "promote" in e["message"]
    )
    (run,) = r.status_at(promoted + 5).analysis_runs
    assert run.phase == "Running"
    final = r.final
    assert final.phase == "Healthy"
    (run,) = final.analysis_runs
    assert (run.phase, run.successful) == ("Successful", 2)
    starts = sorted((m["metric"], m["started"] - promoted) for m in r.measurements)
    assert [name for name, _ in starts] == ["sleep-job", "sleep-job-rep"]
    assert starts[0][1] >= 10  # the initialDelay
