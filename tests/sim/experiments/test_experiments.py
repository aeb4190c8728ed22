"""Canary ``experiment`` steps: the Experiment runtime (``sim/experiments.py``) with the engine.

The bundled ``experiment-step`` scenario (baseline from stable, candidate from canary, 10 %
each for 5 minutes, one AnalysisRun on the candidate) and variants of it written to a temp
directory: a failing candidate aborts the rollout with Argo's message, a required analysis
ends the Experiment early, a template that never becomes available fails on its deadline.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

import canarysim
from canarysim.result import Result
from canarysim.sim.world import World

ROOT = Path(__file__).resolve().parents[3]
SCENARIO = ROOT / "scenarios" / "experiment-step" / "scenario.yaml"
EX = "checkout-d8b9c88c5-2-0"  # <rollout>-<canary hash>-<revision>-<step index>


def _events(result: Result, prefix: str, reason: str = "") -> list[dict[str, Any]]:
    return [
        e
        for e in result.events
        if e["object"].startswith(prefix) and (not reason or e["reason"] == reason)
    ]


def _time(result: Result, obj: str, reason: str, contains: str = "") -> float:
    return next(
        e["time"]
        for e in result.events
        if e["object"] == obj and e["reason"] == reason and contains in e["message"]
    )


def _variant(tmp_path: Path, edit_manifests: Any = None, edit_scenario: Any = None) -> Path:
    """A copy of the bundled scenario with its YAML documents edited in place."""
    src = SCENARIO.parent
    for f in src.iterdir():
        shutil.copy(f, tmp_path / f.name)
    if edit_manifests is not None:
        path = tmp_path / "manifests.yaml"
        docs = list(yaml.safe_load_all(path.read_text()))
        for doc in docs:
            edit_manifests(doc)
        path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    if edit_scenario is not None:
        path = tmp_path / "scenario.yaml"
        doc = yaml.safe_load(path.read_text())
        edit_scenario(doc)
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return tmp_path / "scenario.yaml"


def _experiment_step(doc: dict[str, Any]) -> dict[str, Any] | None:
    if doc.get("kind") != "Rollout":
        return None
    return doc["spec"]["strategy"]["canary"]["steps"][0]["experiment"]


@pytest.fixture(scope="module")
def bundled() -> Result:
    return canarysim.simulate(SCENARIO)


def _route(result: Result, t: float) -> dict[str, int]:
    vs = result.manifests_at(t)["virtualservices"][0]
    return {d["destination"]["host"]: d["weight"] for d in vs["spec"]["http"][0]["route"]}


def test_experiment_runs_its_duration_from_availability_and_the_rollout_proceeds(
    bundled: Result,
) -> None:
    r = bundled
    created = _time(r, "Rollout/checkout", "ExperimentCreated")
    assert created == 120.0  # set image at 2m, step 0 is the experiment
    obj = f"Experiment/{EX}"
    assert _time(r, obj, "ExperimentPending") == created
    running = _time(r, obj, "ExperimentRunning")
    assert created < running < created + 60  # both template pods available
    done = _time(r, obj, "ExperimentSuccessful")
    # duration 5m counts from availableAt (PassedDurations is strict: just after the end)
    assert running + 300 <= done < running + 300.01
    step = _time(r, "Rollout/checkout", "RolloutStepCompleted", "1/3 completed (experiment)")
    assert step == done
    # Blocked on the experiment: still at step 0 just before, at step 1 (setWeight) after.
    assert r.status_at(done - 1).step_index == 0
    assert r.final.phase == "Healthy" and r.final.step_index == 3
    # The candidate's AnalysisRun ran while the Experiment was Running, then was terminated.
    analysis = _time(r, obj, "AnalysisRunRunning", "'candidate-errors'")
    assert running <= analysis < running + 1
    assert _time(r, obj, "AnalysisRunTerminating") == done


def test_template_weights_are_in_the_virtual_service_only_while_running(bundled: Result) -> None:
    r = bundled
    running = _time(r, f"Experiment/{EX}", "ExperimentRunning")
    done = _time(r, f"Experiment/{EX}", "ExperimentSuccessful")
    assert _route(r, running - 1) == {"checkout-stable": 100, "checkout-canary": 0}
    assert _route(r, running + 1) == {
        "checkout-stable": 80,
        "checkout-canary": 0,
        f"{EX}-baseline": 10,
        f"{EX}-candidate": 10,
    }
    assert _route(r, done + 1) == {"checkout-stable": 100, "checkout-canary": 0}
    weight = _events(r, "Rollout/checkout", "TrafficWeightUpdated")
    # Go's %v of a []WeightDestination: {weight serviceName podTemplateHash}
    assert any(f"additional: [{{10 {EX}-baseline " in e["message"] for e in weight)


def test_experiment_replica_sets_and_services_and_their_scale_down() -> None:
    world = World.build(SCENARIO)
    world.run(200.0)
    cluster = world.cluster
    base, cand = cluster.replica_sets[f"{EX}-baseline"], cluster.replica_sets[f"{EX}-candidate"]
    assert (base.replicas, cand.replicas) == (1, 1)
    assert (base.status.available, cand.status.available) == (1, 1)
    # Fresh hashes (the templates add labels), images of stable and canary.
    rollout_hashes = {rs.hash for rs in cluster.replica_sets_of("checkout")}
    assert base.hash not in rollout_hashes and cand.hash not in rollout_hashes
    assert base.image == "example/checkout:1.0" and cand.image == "example/checkout:1.1"
    assert base.template["metadata"]["labels"]["experiment-role"] == "baseline"
    # One Service per weighted template, selecting only that template's pods.
    svc = cluster.service(f"{EX}-candidate")
    assert svc.selector == {"rollouts-pod-template-hash": cand.hash}
    assert [p.name for p in cluster.endpoints(svc.name)] == [p.name for p in cand.active_pods()]
    # Traffic reached the experiment's pods as the candidate ("canary") version.
    world.run(430.0)  # available at ~124.5 s, plus 5 minutes
    done = world.experiments.experiments[EX]
    assert done.phase == "Successful"
    assert done.finished_at is not None
    # Scale-down after the experiment's 30 s scale-down delay (whole-second deadline).
    world.run(done.finished_at + 29)
    assert (base.replicas, cand.replicas) == (1, 1)
    world.run(done.finished_at + 31)
    assert (base.replicas, cand.replicas) == (0, 0)
    world.run(done.finished_at + 120)
    assert base.status.replicas == 0 and cand.status.available == 0
    assert f"{EX}-candidate" not in cluster.services  # deleted once nothing is available
    result = world.collect()
    scaled = _events(result, f"Experiment/{EX}", "ScalingReplicaSet")
    assert [e["message"] for e in scaled][-1] == (
        f"Scaled down ReplicaSet {EX}-candidate from 1 to 0"
    )
    assert result.summary["by_image"]["example/checkout:1.1"]["requests"] > 0


def test_failing_experiment_analysis_aborts_the_rollout(tmp_path: Path) -> None:
    def bad_candidate(doc: dict[str, Any]) -> None:
        doc["versions"]["example/checkout:1.1"]["errorRate"] = 0.3

    r = canarysim.simulate(_variant(tmp_path, edit_scenario=bad_candidate))
    failed = _time(r, f"Experiment/{EX}", "ExperimentFailed")
    run_failed = next(
        e for e in _events(r, f"Experiment/{EX}", "AnalysisRunFailed") if e["time"] == failed
    )
    assert run_failed["message"].startswith(
        "AnalysisRun 'candidate-errors' transitioned from Running -> Failed: "
    )
    # The rollout gets the run's warning too (issue #4009) and aborts with Argo's message.
    assert _events(r, "Rollout/checkout", "AnalysisRunFailed")
    run_message = run_failed["message"].split("-> Failed: ", 1)[1]
    aborted = r.status_at(failed + 5)
    assert aborted.phase == "Degraded"
    assert aborted.message == (
        "RolloutAborted: Rollout aborted update to revision 2: "
        f"Experiment analysis phase is error/failed: {run_message}"
    )
    # Failed before its duration; the weights left the VirtualService.
    running = _time(r, f"Experiment/{EX}", "ExperimentRunning")
    assert failed < running + 300
    assert _route(r, failed + 5) == {"checkout-stable": 100, "checkout-canary": 0}


def test_required_analysis_ends_an_experiment_without_duration(tmp_path: Path) -> None:
    def required(doc: dict[str, Any]) -> None:
        step = _experiment_step(doc)
        if step is not None:
            del step["duration"]
            step["analyses"][0]["requiredForCompletion"] = True
        if doc.get("kind") == "AnalysisTemplate":
            doc["spec"]["metrics"][0]["count"] = 2

    r = canarysim.simulate(_variant(tmp_path, edit_manifests=required))
    running = _time(r, f"Experiment/{EX}", "ExperimentRunning")
    done = _time(r, f"Experiment/{EX}", "ExperimentSuccessful")
    # Two measurements 30 s apart: the run succeeds at its second, and so does the Experiment.
    assert running + 30 <= done < running + 31
    assert _time(r, "Rollout/checkout", "RolloutStepCompleted", "(experiment)") == done
    assert r.final.phase == "Healthy"


def test_template_that_never_becomes_available_fails_on_the_progress_deadline(
    tmp_path: Path,
) -> None:
    def short_deadline(doc: dict[str, Any]) -> None:
        if doc.get("kind") == "Rollout":
            doc["spec"]["progressDeadlineSeconds"] = 60  # the Experiment inherits it

    def never_ready(doc: dict[str, Any]) -> None:
        doc["versions"]["example/checkout:1.1"]["ready"] = False

    path = _variant(tmp_path, edit_manifests=short_deadline, edit_scenario=never_ready)
    r = canarysim.simulate(path)
    failed = _time(r, f"Experiment/{EX}", "TemplateFailed")
    msg = next(e["message"] for e in _events(r, f"Experiment/{EX}", "TemplateFailed"))
    assert msg == (
        "Template 'candidate' transitioned from Progressing -> Failed: "
        "Template 'candidate' exceeded its progressDeadlineSeconds (60)"
    )
    assert r.status_at(failed + 5).message == (
        "RolloutAborted: Rollout aborted update to revision 2: Experiment analysis phase is "
        "error/failed: Template 'candidate' exceeded its progressDeadlineSeconds (60)"
    )


def _with_operator(*actions: dict[str, Any]) -> Any:
    def edit(doc: dict[str, Any]) -> None:
        doc["operator"] = [*doc["operator"], *actions]

    return edit


def test_promote_skips_the_experiment_step_and_terminates_the_experiment(tmp_path: Path) -> None:
    r = canarysim.simulate(
        _variant(tmp_path, edit_scenario=_with_operator({"at": "4m", "do": "promote"}))
    )
    obj = f"Experiment/{EX}"
    # Terminated: templates end Successful, so the Experiment does, before its 5 minutes.
    done = _time(r, obj, "ExperimentSuccessful")
    assert 240.0 <= done < 241.0
    assert _time(r, obj, "AnalysisRunTerminating") == done
    assert _route(r, done + 5) == {"checkout-stable": 50, "checkout-canary": 50}
    snap = r.status_at(done + 40).experiments[0]  # scaled down after the 30 s delay
    assert snap.phase == "Successful"
    assert [(rs.role, rs.desired) for rs in snap.replica_sets] == [
        ("baseline", 0),
        ("candidate", 0),
    ]
    assert r.final.phase == "Healthy"


def test_abort_during_the_experiment_terminates_it_and_removes_its_weights(
    tmp_path: Path,
) -> None:
    r = canarysim.simulate(
        _variant(tmp_path, edit_scenario=_with_operator({"at": "4m", "do": "abort"}))
    )
    assert r.status_at(245).phase == "Degraded"
    assert _route(r, 245) == {"checkout-stable": 100, "checkout-canary": 0}
    ex = r.status_at(245).experiments[0]
    assert ex.phase == "Successful"  # terminated, not failed: Argo's template rule
    assert ex.finished_at is not None and 240.0 <= ex.finished_at < 241.0


def test_experiments_round_trip_through_the_result_json_and_show_in_get(bundled: Result) -> None:
    from canarysim.report.getview import render_rollout

    again = Result.from_json(bundled.to_json())
    snap = bundled.status_at(200)
    assert again.status_at(200).experiments == snap.experiments
    (ex,) = snap.experiments
    assert (ex.name, ex.phase, ex.revision) == (EX, "Running", 2)
    assert [a.name for a in ex.analysis_runs] == [f"{EX}-candidate-errors"]
    text = render_rollout(snap)
    assert f"Σ {EX}" in text and "Experiment" in text
    assert f"⧉ {EX}-baseline" in text and f"α {EX}-candidate-errors" in text
    # Results without experiments keep their v1 JSON shape.
    before = bundled.status_at(60)
    assert before.experiments == ()
    assert "experiments" not in bundled.to_json()["snapshots"][0]
