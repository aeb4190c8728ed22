"""A Job metric whose pod cannot pull its image ends Inconclusive: the Job provider's
``Resume`` treats a pod waiting in ErrImagePull / ImagePullBackOff / InvalidImageName as a
terminal error (``metricproviders/job/job.go::processJobPods``), so the rollout pauses
(InconclusiveAnalysisRun) instead of failing. The Job's pod follows the scenario's ``pods``
model, as the Rollout's do: an image marked ``imagePullFails`` never pulls.

Replays upstream ``test/e2e/analysis_test.go::TestCanaryInlineAnalysisInvalidImageJob`` and
``TestCanaryBackgroundAnalysisInvalidImageJob`` (templates ``invalid-image-job`` and
``long-running-job`` of ``test/e2e/functional/``).
"""

from __future__ import annotations

from fidelitykit import basic, pods, set_image, simulate

from canarysim.sim.analysis.jobs import job_resume_after

BAD_IMAGE = "nonexistent-image-that-does-not-exist:latest"


def job_template(name, metric, image, command):
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": name},
        "spec": {
            "metrics": [
                {
                    "name": metric,
                    "count": 1,
                    "provider": {
                        "job": {
                            "spec": {
                                "template": {
                                    "spec": {
                                        "containers": [
                                            {"name": name, "image": image, "command": command}
                                        ],
                                        "restartPolicy": "Never",
                                    }
                                },
                                "backoffLimit": 0,
                            }
                        }
                    },
                }
            ]
        },
    }


INVALID = job_template(
    "invalid-image-job", "invalid-image-job-metric", BAD_IMAGE, ["sh", "-c", "echo never"]
)
LONG = job_template(
    "long-running-job", "long-running-job-metric", "nginx:1.19-alpine", ["sleep", "6000"]
)


INLINE_STEPS = [
    {"setWeight": 10},
    {"analysis": {"templates": [{"templateName": "invalid-image-job"}]}},
]


def failing_pulls(pull="3s"):
    p = pods()
    p["images"] = {BAD_IMAGE: {"imagePullFails": True, "imagePull": pull}}
    return p


def test_canary_inline_analysis_invalid_image_job_replay(tmp_path):
    steps = [
        {"setWeight": 10},
        {"analysis": {"templates": [{"templateName": "invalid-image-job"}]}},
    ]
    r = simulate(
        tmp_path,
        [*basic(steps, replicas=1), INVALID],
        [set_image("1m")],
        pods=failing_pulls(),
        until="4m",
    )
    assert r.status_at(59).analysis_runs == ()
    final = r.final
    assert (final.phase, final.message) == ("Paused", "InconclusiveAnalysisRun")
    (run,) = final.analysis_runs
    assert (run.phase, run.inconclusive, run.successful, run.failed) == ("Inconclusive", 1, 0, 0)
    (m,) = r.measurements
    assert m["phase"] == "Inconclusive"
    assert "container invalid-image-job has terminal error (ErrImagePull)" in m["message"]
    assert BAD_IMAGE in m["message"]
    # Seen at the Resume look after the pull failed (3 s in), no earlier.
    assert m["time"] - m["started"] == job_resume_after(3.0) > 3.0


def test_canary_background_analysis_invalid_image_job_replay(tmp_path):
    """The failed pull takes 20 s to surface here, so the canary (ready in 5 s) reaches its
    analysis step first, as on the e2e cluster: then the step's long Job is still Running when
    the background run turns Inconclusive and pauses the rollout."""
    steps = [{"setWeight": 10}, {"analysis": {"templates": [{"templateName": "long-running-job"}]}}]
    background = {"templates": [{"templateName": "invalid-image-job"}]}
    r = simulate(
        tmp_path,
        [*basic(steps, replicas=1, analysis=background), INVALID, LONG],
        [set_image("1m")],
        pods=failing_pulls("20s"),
        analysis={"jobs": {"long-running-job-metric": {"duration": "6000s"}}},
        until="4m",
    )
    final = r.final
    assert (final.phase, final.message) == ("Paused", "InconclusiveAnalysisRun")
    assert len(final.analysis_runs) == 2
    # Argo's run names: <rollout>-<hash>-<revision> (background), then -<step index> (step).
    bg, inline = sorted(final.analysis_runs, key=lambda run: run.name)
    assert inline.name == bg.name + "-1"
    assert inline.phase == "Running"
    assert (bg.phase, bg.inconclusive) == ("Inconclusive", 1)


def test_an_image_that_pulls_runs_the_job_as_before(tmp_path):
    steps = [
        {"setWeight": 10},
        {"analysis": {"templates": [{"templateName": "invalid-image-job"}]}},
    ]
    r = simulate(tmp_path, [*basic(steps, replicas=1), INVALID], [set_image("1m")], until="4m")
    (run,) = r.final.analysis_runs
    assert run.phase == "Successful"
    assert r.final.phase == "Healthy"
