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
from test_fidelity_job_image_pull import LONG

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
