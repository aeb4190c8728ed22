"""Step and background analysis driving the rollout, as Argo's end-to-end suite pins them
(test/e2e/analysis_test.go, functional_test.go upstream; rollout/analysis.go)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fidelitykit import basic, desired, events, op, routed, set_image, simulate, weights

STEPS = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 50}, {"pause": {}}]


def template(name: str, value: float, *, failure: str | None = None) -> dict[str, Any]:
    """A template whose one metric measures ``value`` every 10 s: success when below 0.5
    (and, with ``failure``, failed only when that holds: otherwise Inconclusive)."""
    metric: dict[str, Any] = {
        "name": "level",
        "interval": "10s",
        "successCondition": "result[0] < 0.5",
        "provider": {
            "prometheus": {"address": "http://prometheus:9090", "query": f"vector({value})"}
        },
    }
    if failure is not None:
        metric["failureCondition"] = failure
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {"metrics": [metric]},
    }


def background(name: str, starting_step: int = 1) -> dict[str, Any]:
    return {"analysis": {"templates": [{"templateName": name}], "startingStep": starting_step}}


def test_background_analysis_starts_at_its_step_and_ends_successful(tmp_path: Path) -> None:
    # CanaryBackgroundAnalysis: no run before the update nor before startingStep; Running while
    # paused; Successful once the rollout is promoted (the run is terminated).
    manifests = [*routed(STEPS, **background("ok")), template("ok", 0.1)]
    ops = [set_image(60), op(120, "promote"), op(180, "promote")]
    r = simulate(tmp_path, manifests, ops, until="5m")
    assert r.status_at(59).analysis_runs == ()
    assert r.status_at(64).analysis_runs == ()  # index 0 < startingStep 1
    run = r.status_at(100).analysis_runs
    assert [(a.phase, a.revision) for a in run] == [("Running", 2)]
    assert r.status_at(100).phase == "Paused"
    assert r.final.phase == "Healthy"
    assert [a.phase for a in r.final.analysis_runs] == ["Successful"]


def test_failing_background_analysis_aborts_the_rollout(tmp_path: Path) -> None:
    manifests = [*routed(STEPS, **background("bad")), template("bad", 1)]
    r = simulate(tmp_path, manifests, [set_image(60)], until="4m")
    snap = r.final
    assert snap.aborted and snap.phase == "Degraded"
    detail = (
        'Background analysis phase error/failed: Metric "level" assessed Failed due to '
        "failed (1) > failureLimit (0)"
    )
    assert snap.message == f"RolloutAborted: Rollout aborted update to revision 2: {detail}"
    assert [a.phase for a in snap.analysis_runs] == ["Failed"]
    aborted_at = next(t for t, _, _ in events(r, "RolloutAborted"))
    # The run starts when step 1 is reached (65 s) and its first measurement fails at once.
    assert aborted_at == 65.0
    assert weights(r, aborted_at)["canary-svc"] == 0


def test_inconclusive_background_analysis_pauses_then_promote_resumes(tmp_path: Path) -> None:
    # CanaryInconclusiveBackgroundAnalysis (2 replicas, setWeight 10, a 30 s pause, a metric
    # every 5 s with inconclusiveLimit 3): the run ends Inconclusive at its 4th measurement
    # during the pause; the message reads the first pause condition (CanaryPauseStep) until
    # the timer ends, then InconclusiveAnalysisRun. Promote clears it and starts a new run.
    unsure = template("unsure", 1, failure="result[0] > 2")
    unsure["spec"]["metrics"][0].update(interval="5s", inconclusiveLimit=3)
    steps = [{"setWeight": 10}, {"pause": {"duration": "30s"}}]
    manifests = [*routed(steps, replicas=2, **background("unsure")), unsure]
    r = simulate(tmp_path, manifests, [set_image(60), op(150, "promote")], until="4m")
    during = r.status_at(85)
    assert [(a.phase, a.inconclusive) for a in during.analysis_runs] == [("Inconclusive", 4)]
    assert (during.phase, during.message) == ("Paused", "CanaryPauseStep")
    assert r.status_at(80).analysis_runs[0].phase == "Inconclusive"
    after = r.status_at(100)
    assert (after.phase, after.message) == ("Paused", "InconclusiveAnalysisRun")
    assert desired(r, 149)[2] == 1  # scaling is halted while the inconclusive pause holds
    resumed = r.status_at(151)
    assert [a.phase for a in resumed.analysis_runs] == ["Inconclusive", "Running"]
    assert r.final.phase == "Healthy"
    assert [a.phase for a in r.final.analysis_runs] == ["Inconclusive", "Successful"]


def test_inconclusive_step_analysis_pauses_and_promote_skips_the_step(tmp_path: Path) -> None:
    steps = [
        {"setWeight": 25},
        {"analysis": {"templates": [{"templateName": "unsure"}]}},
        {"setWeight": 50},
        {"pause": {}},
    ]
    unsure = template("unsure", 1, failure="result[0] > 2")
    unsure["spec"]["metrics"][0]["count"] = 3
    manifests = [*routed(steps), unsure]
    r = simulate(tmp_path, manifests, [set_image(60), op(120, "promote")], until="4m")
    snap = r.status_at(100)
    assert (snap.phase, snap.message, snap.step_index) == ("Paused", "InconclusiveAnalysisRun", 1)
    # Scaling is halted while the inconclusive pause holds; promote moves past the step.
    assert r.status_at(120).step_index == 2
    assert weights(r, 125)["canary-svc"] == 50
    assert r.status_at(125).phase == "Paused"


def test_failing_step_analysis_aborts_with_the_run_message(tmp_path: Path) -> None:
    # CanaryFailInlineMultipleAnalysis: the step's run fails and the rollout is Degraded.
    steps = [{"setWeight": 25}, {"analysis": {"templates": [{"templateName": "bad"}]}}]
    bad = template("bad", 1)
    bad["spec"]["metrics"][0]["count"] = 3
    r = simulate(tmp_path, [*routed(steps), bad], [set_image(60)], until="3m")
    snap = r.final
    assert snap.phase == "Degraded"
    assert snap.message == (
        "RolloutAborted: Rollout aborted update to revision 2: Step-based analysis phase "
        'error/failed: Metric "level" assessed Failed due to failed (1) > failureLimit (0)'
    )


def test_promote_full_skips_steps_and_creates_no_new_analysis(tmp_path: Path) -> None:
    # CanaryPromoteFull: promote --full while a step analysis runs: the rollout goes Healthy
    # and no further run is created (the background one starts at a step never reached).
    steps = [
        {"pause": {"duration": "24h"}},
        {"analysis": {"templates": [{"templateName": "slow"}]}},
        {"pause": {}},
        {"analysis": {"templates": [{"templateName": "slow"}]}},
    ]
    slow = template("slow", 0.1)
    slow["spec"]["metrics"][0].update(interval="1h", count=24)
    manifests = [*routed(steps, **background("slow", starting_step=4)), slow]
    r = simulate(tmp_path, manifests, [set_image(60), op(70, "promote"), op(90, "promoteFull")])
    running = r.status_at(80)
    assert (running.phase, running.step_index) == ("Progressing", 1)
    assert [a.phase for a in running.analysis_runs] == ["Running"]
    assert r.status_at(96).phase == "Healthy"
    assert len(r.final.analysis_runs) == 1
    assert events(r, "RolloutCompleted")[-1][2].endswith(": Full promotion requested")


def _window_run(tmp_path: Path, images: list[str]) -> Any:
    steps = [{"setWeight": 50}, {"analysis": {"templates": [{"templateName": "quick"}]}}]
    quick = template("quick", 0.1)
    quick["spec"]["metrics"][0]["count"] = 1
    manifests = basic(steps, replicas=2)
    manifests[0]["spec"]["rollbackWindow"] = {"revisions": 2}
    ops = [set_image(60 * (i + 1), image) for i, image in enumerate(images)]
    return simulate(tmp_path, [*manifests, quick], ops, until=f"{60 * len(images) + 60}s")


def test_rollback_within_the_window_skips_steps_and_analysis(tmp_path: Path) -> None:
    # RollbackAnalysisWithinWindow: revisions 2, 3, 4 each run the analysis step; going back
    # to revision 2's template (one RS created between it and the stable) is a fast rollback:
    # Healthy without a new run.
    r = _window_run(tmp_path, ["app:v2", "app:v3", "app:v4", "app:v2"])
    assert len(r.status_at(239).analysis_runs) == 3
    assert r.status_at(239).phase == "Healthy"
    assert r.final.phase == "Healthy"
    assert len(r.final.analysis_runs) == 3
    assert r.final.revision == 5
    completed = events(r, "RolloutCompleted")[-1]
    assert completed[0] >= 240
    assert completed[2].endswith(": Rollback within window")


def test_rollback_outside_the_window_runs_the_steps(tmp_path: Path) -> None:
    # RollbackAnalysisOutsideWindow: with two RSs between the target and the stable the
    # rollback is a regular update: the analysis step runs again.
    r = _window_run(tmp_path, ["app:v2", "app:v3", "app:v4", "app:v5", "app:v2"])
    assert len(r.status_at(299).analysis_runs) == 4
    assert r.final.phase == "Healthy"
    assert len(r.final.analysis_runs) == 5
    assert events(r, "RolloutCompleted")[-1][2].endswith(": Completed all 2 canary steps")


def _web_template(name: str, metrics: list[str], defaults: dict[str, str]) -> dict[str, Any]:
    args: list[dict[str, Any]] = [
        {"name": arg, **({"value": defaults[arg]} if arg in defaults else {})}
        for arg in ("host", "repo")
    ]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {
            "args": args,
            "metrics": [
                {
                    "name": metric,
                    "count": 1,
                    "provider": {"web": {"url": "https://{{args.host}}/repos/{{args.repo}}"}},
                }
                for metric in metrics
            ],
        },
    }


def test_multiple_analysis_replay(tmp_path: Path) -> None:
    # TestMultipleAnalysis: one analysis step over two templates whose arguments the step
    # overrides (each template's SHOULD-NOT-USE default loses): one run, four metrics, each
    # measured against the rollout's URL (the web answer exists only for it), Healthy again.
    url = "https://api.github.com/repos/argoproj/argo-rollouts"
    step = {
        "analysis": {
            "templates": [{"templateName": "template-a"}, {"templateName": "template-b"}],
            "args": [
                {"name": "host", "value": "api.github.com"},
                {"name": "repo", "value": "argoproj/argo-rollouts"},
            ],
        }
    }
    r = simulate(
        tmp_path,
        [
            *basic([step], replicas=1),
            _web_template("template-a", ["metric-1", "metric-2"], {"host": "SHOULD-NOT-USE"}),
            _web_template("template-b", ["metric-3", "metric-4"], {"repo": "SHOULD-NOT-USE"}),
        ],
        [set_image("1m")],
        analysis={"web": {url: {"value": {"full_name": "argoproj/argo-rollouts"}}}},
        until="3m",
    )
    assert r.status_at(59).analysis_runs == ()
    final = r.final
    assert final.phase == "Healthy"
    (run,) = final.analysis_runs
    assert (run.phase, run.successful, run.errors) == ("Successful", 4, 0)
    assert sorted(m["metric"] for m in r.measurements) == [
        "metric-1",
        "metric-2",
        "metric-3",
        "metric-4",
    ]
