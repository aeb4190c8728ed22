"""Background and step analysis of a canary, on the templates of Argo's end-to-end suite:
``web-background`` and ``web-background-inconclusive`` (web metrics every 5 s), ``sleep-job``
and ``multiple-job-fail`` (Job metrics). canarysim runs no container and calls no URL: the
scenario's ``analysis.web`` gives the endpoint's answer (what the real one returns: the API
server's ``/version`` has ``major: "1"``, dns.google's ``Status`` is 0) and
``analysis.jobs`` what a Job does (``exit 1`` is ``successProbability: 0``).

Replays upstream ``test/e2e/analysis_test.go``: ``TestCanaryBackgroundAnalysis``,
``TestCanaryInconclusiveBackgroundAnalysis``, ``TestCanaryInlineAnalysis`` and
``TestCanaryFailInlineMultipleAnalysis`` (fixtures ``rollout-background-analysis``,
``rollout-background-analysis-inconclusive``, ``rollout-inline-analysis``,
``rollout-degraded-inline-multiple-analysis``). Each ``UpdateSpec()`` is the suite's
template-annotation patch; each wait is read from the Result at the first time it holds.
"""

from __future__ import annotations

from e2ekit import canary_rollout, first, job_spec, sleep_job, update_spec
from fidelitykit import op, simulate

K8S_VERSION = "https://kubernetes.default.svc/version"
DNS = "https://dns.google/resolve?name=google.com"


def web_template(name, url, **metric):
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": name},
        "spec": {
            "args": [{"name": "url-val", "value": url}],
            "metrics": [
                {
                    "name": "web",
                    "interval": "5s",
                    **metric,
                    "provider": {"web": {"url": "{{args.url-val}}"}},
                }
            ],
        },
    }


def runs(r, t):
    return [(a.name, a.phase) for a in r.status_at(t).analysis_runs]


def test_canary_background_analysis_replay(tmp_path):
    """Healthy with no run; updated: Paused (setWeight 10, pause {}) with one background run,
    Running; promoted: Healthy, and the background run Successful (terminated with all its
    measurements successful)."""
    ro = canary_rollout(
        "rollout-background-analysis",
        replicas=None,
        steps=[{"setWeight": 10}, {"pause": {}}],
        analysis={"templates": [{"templateName": "web-background"}]},
    )
    tpl = web_template("web-background", K8S_VERSION, successCondition="result.major == '1'")
    tpl["spec"]["metrics"][0]["provider"]["web"]["insecure"] = True
    r = simulate(
        tmp_path,
        [ro, tpl],
        [update_spec("1m"), op("2m", "promote")],
        analysis={"web": {K8S_VERSION: {"value": {"major": "1", "minor": "30"}}}},
        until="3m",
    )
    assert r.status_at(59).phase == "Healthy"
    assert runs(r, 59) == []
    paused = first(r, 60, "Paused")
    assert paused < 120
    assert [phase for _, phase in runs(r, paused)] == ["Running"]
    assert [phase for _, phase in runs(r, 119)] == ["Running"]
    healthy = first(r, 120, "Healthy")
    (run,) = r.status_at(healthy).analysis_runs
    assert run.phase == "Successful" and run.failed == run.errors == run.inconclusive == 0
    assert run.successful >= 10  # one measurement every 5 s for a minute
    assert r.final.analysis_runs[0].phase == "Successful"


def test_canary_inconclusive_background_analysis_replay(tmp_path):
    """2 replicas, setWeight 10 then a 30 s pause, the background run from step 1: Paused
    with one run, Running; the answer meets neither condition, so after inconclusiveLimit 3
    is exceeded the run is Inconclusive and the rollout reads Paused, InconclusiveAnalysisRun
    (and stays so)."""
    ro = canary_rollout(
        "rollout-background-analysis-inconclusive",
        replicas=2,
        steps=[{"setWeight": 10}, {"pause": {"duration": "30s"}}],
        analysis={
            "templates": [{"templateName": "web-background-inconclusive"}],
            "startingStep": 1,
        },
    )
    tpl = web_template(
        "web-background-inconclusive",
        DNS,
        inconclusiveLimit=3,
        successCondition="result.Status == 999",
        failureCondition="result.Status == -1",
    )
    r = simulate(
        tmp_path,
        [ro, tpl],
        [update_spec("1m")],
        analysis={"web": {DNS: {"value": {"Status": 0, "TC": False}}}},
        until="4m",
    )
    assert runs(r, 59) == []
    paused = first(r, 60, "Paused")
    assert [phase for _, phase in runs(r, paused)] == ["Running"]
    message_at = next(
        s.time for s in r.snapshots if s.time >= 60 and s.message == "InconclusiveAnalysisRun"
    )
    snap = r.status_at(message_at)
    (run,) = snap.analysis_runs
    assert (run.phase, run.inconclusive, run.successful, run.failed) == ("Inconclusive", 4, 0, 0)
    assert snap.phase == "Paused"
    assert (r.final.phase, r.final.message) == ("Paused", "InconclusiveAnalysisRun")
    assert len(r.final.analysis_runs) == 1


def test_canary_inline_analysis_replay(tmp_path):
    """setWeight 10, sleep-job, pause {}, sleep-job, sleep-job: updated, it runs the first
    step analysis and pauses with one run, Successful; promoted, it runs the other two and is
    Healthy with 3 runs."""
    analysis = {"analysis": {"templates": [{"templateName": "sleep-job"}]}}
    ro = canary_rollout(
        "rollout-inline-analysis",
        replicas=None,
        steps=[{"setWeight": 10}, analysis, {"pause": {}}, analysis, analysis],
    )
    r = simulate(
        tmp_path,
        [ro, sleep_job()],
        [update_spec("1m"), op("2m", "promote")],
        analysis={"job": {"duration": "2s"}},
        until="4m",
    )
    assert runs(r, 59) == []
    paused = first(r, 60, "Paused")
    assert paused < 120
    assert [phase for _, phase in runs(r, paused)] == ["Successful"]
    assert r.status_at(paused).step_index == 2
    healthy = first(r, 120, "Healthy")
    assert [phase for _, phase in runs(r, healthy)] == ["Successful"] * 3
    assert len({name for name, _ in runs(r, healthy)}) == 3


def test_canary_fail_inline_multiple_analysis_replay(tmp_path):
    """setWeight 10, pause {}, then ``multiple-job-fail`` (a Job metric delayed 10000 s and
    one whose two Jobs, a second apart, exit 1 with failureLimit 1): promoted from the pause,
    the rollout is Progressing a second later; the step's run turns Failed and the rollout
    Degraded."""
    ro = canary_rollout(
        "rollout-inline-analysis",
        replicas=None,
        steps=[
            {"setWeight": 10},
            {"pause": {}},
            {"analysis": {"templates": [{"templateName": "multiple-job-fail"}]}},
        ],
    )
    tpl = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "multiple-job-fail"},
        "spec": {
            "args": [
                {"name": "duration", "value": "0s"},
                {"name": "exit-code", "value": "0"},
                {"name": "count", "value": "1"},
            ],
            "metrics": [
                {
                    "name": "sleep-job",
                    "initialDelay": "10000s",
                    "count": 1,
                    "provider": {
                        "job": {
                            "spec": job_spec("sleep {{args.duration}} && exit {{args.exit-code}}")
                        }
                    },
                },
                {
                    "name": "sleep-job-rep",
                    "count": 2,
                    "interval": "1s",
                    "failureLimit": 1,
                    "provider": {"job": {"spec": job_spec("sleep {{args.duration}} && exit 1")}},
                },
            ],
        },
    }
    r = simulate(
        tmp_path,
        [ro, tpl],
        [update_spec("1m"), op("2m", "promote")],
        analysis={"job": {"duration": "2s"}, "jobs": {"sleep-job-rep": {"successProbability": 0}}},
        until="4m",
    )
    assert runs(r, 59) == []
    assert r.status_at(119).phase == "Paused"
    assert r.status_at(121).phase == "Progressing"
    degraded = first(r, 120, "Degraded")
    (run,) = r.status_at(degraded).analysis_runs
    assert run.phase == "Failed"
    assert run.failed == 2
    assert r.final.phase == "Degraded"
    assert r.final.aborted
