"""Replays of Argo's analysis and experiment controller tests (upstream rollout/analysis_test.go,
rollout/experiment_test.go): when runs start and stop, and what their phases do to the rollout.
"""

from __future__ import annotations

from test_steps_world import (
    H1,
    H2,
    NOW,
    condition,
    events,
    make_plan,
    make_status,
    of_type,
    reconcile,
    rs,
)

from canarysim.engine.model import (
    Analysis,
    AnalysisRunView,
    BackgroundAnalysis,
    Experiment,
    ExperimentView,
    PauseCondition,
    RolloutStatus,
    RunStatus,
    SetWeight,
    StartAnalysisRun,
    StartExperiment,
    TerminateAnalysisRun,
    TerminateExperiment,
)

BACKGROUND = BackgroundAnalysis(templates=("bar",))
STEP_RUN = f"foo-{H2}-2-0"
BACKGROUND_RUN = f"foo-{H2}-2"


def step_run(phase: str, message: str = "") -> AnalysisRunView:
    return AnalysisRunView(STEP_RUN, "Step", H2, phase, message, step_index=0)  # type: ignore[arg-type]


def background_run(phase: str, message: str = "") -> AnalysisRunView:
    return AnalysisRunView(BACKGROUND_RUN, "Background", H2, phase, message)  # type: ignore[arg-type]


def test_create_background_analysis_run() -> None:
    """TestCreateBackgroundAnalysisRun: named ``<rollout>-<hash>-<revision>``, status records
    it with no phase yet."""
    plan = make_plan(
        replicas=10,
        max_surge=0,
        max_unavailable=1,
        steps=(SetWeight(10),),
        background_analysis=BACKGROUND,
    )
    d = reconcile(plan, make_status(plan), rs(H1, 10), rs(H2, 0))
    started = of_type(d, StartAnalysisRun)
    assert [(a.name, a.kind, a.templates, a.pod_template_hash) for a in started] == [
        (BACKGROUND_RUN, "Background", ("bar",), H2)
    ]
    assert d.status.current_background_analysis_run == RunStatus(BACKGROUND_RUN, "")


def test_create_analysis_run_on_analysis_step() -> None:
    """TestCreateAnalysisRunOnAnalysisStep: ``<rollout>-<hash>-<revision>-<step>``."""
    plan = make_plan(replicas=1, max_surge=0, max_unavailable=1, steps=(Analysis(("bar",)),))
    d = reconcile(plan, make_status(plan), rs(H1, 1), rs(H2, 0))
    started = of_type(d, StartAnalysisRun)
    assert [(a.name, a.kind, a.step_index) for a in started] == [(STEP_RUN, "Step", 0)]
    assert d.status.current_step_analysis_run == RunStatus(STEP_RUN, "")
    assert d.status.current_step_index == 0


def test_create_analysis_run_with_collision() -> None:
    """TestCreateAnalysisRunWithCollision: a finished run holds the name -> ``.1``."""
    plan = make_plan(
        replicas=10,
        max_surge=0,
        max_unavailable=1,
        steps=(SetWeight(10),),
        background_analysis=BACKGROUND,
    )
    d = reconcile(
        plan, make_status(plan), rs(H1, 10), rs(H2, 0), analysis_runs=(background_run("Failed"),)
    )
    assert [a.name for a in of_type(d, StartAnalysisRun)] == [BACKGROUND_RUN + ".1"]
    assert d.status.current_background_analysis_run == RunStatus(BACKGROUND_RUN + ".1", "")


def test_do_nothing_while_step_run_running() -> None:
    """TestDoNothingWhileStepBasedAnalysisRunRunning: the step blocks, nothing is created."""
    plan = make_plan(replicas=1, max_surge=0, max_unavailable=1, steps=(Analysis(("bar",)),))
    status = make_status(plan, current_step_analysis_run=RunStatus(STEP_RUN, "Running"))
    d = reconcile(plan, status, rs(H1, 1), rs(H2, 0), analysis_runs=(step_run("Running"),))
    assert of_type(d, StartAnalysisRun) == [] and of_type(d, TerminateAnalysisRun) == []
    assert d.status.current_step_index == 0


def test_increment_step_after_successful_analysis_run() -> None:
    """TestIncrementStepAfterSuccessfulAnalysisRun: index 1, step run status cleared."""
    plan = make_plan(replicas=1, max_surge=0, max_unavailable=1, steps=(Analysis(("bar",)),))
    status = make_status(plan, current_step_analysis_run=RunStatus(STEP_RUN))
    d = reconcile(plan, status, rs(H1, 1), rs(H2, 0), analysis_runs=(step_run("Successful"),))
    assert d.status.current_step_index == 1
    assert d.status.current_step_analysis_run is None
    assert ("RolloutStepCompleted", "Rollout step 1/1 completed (analysis)") in events(d)


def test_paused_on_inconclusive_background_run() -> None:
    """TestPausedOnInconclusiveBackgroundAnalysisRun."""
    plan = make_plan(
        replicas=1,
        max_surge=1,
        max_unavailable=1,
        steps=(SetWeight(10), SetWeight(20), SetWeight(30)),
        background_analysis=BACKGROUND,
    )
    status = make_status(plan, current_background_analysis_run=RunStatus(BACKGROUND_RUN))
    d = reconcile(
        plan, status, rs(H1, 1), rs(H2, 0), analysis_runs=(background_run("Inconclusive"),)
    )
    assert d.status.pause_conditions == (PauseCondition("InconclusiveAnalysisRun", NOW),)
    assert d.status.controller_pause is True
    assert (d.status.phase, d.status.message) == ("Paused", "InconclusiveAnalysisRun")
    assert d.status.current_background_analysis_run == RunStatus(BACKGROUND_RUN, "Inconclusive")


def test_paused_step_after_inconclusive_analysis_run() -> None:
    """TestPausedStepAfterInconclusiveAnalysisRun."""
    plan = make_plan(replicas=1, max_surge=0, max_unavailable=1, steps=(Analysis(("bar",)),))
    status = make_status(plan, current_step_analysis_run=RunStatus(STEP_RUN))
    d = reconcile(plan, status, rs(H1, 1), rs(H2, 0), analysis_runs=(step_run("Inconclusive"),))
    assert d.status.pause_conditions == (PauseCondition("InconclusiveAnalysisRun", NOW),)
    assert (d.status.phase, d.status.message) == ("Paused", "InconclusiveAnalysisRun")
    assert d.status.current_step_analysis_run == RunStatus(STEP_RUN, "Inconclusive")
    assert d.status.current_step_index == 0


def test_error_condition_after_error_step_run() -> None:
    """TestErrorConditionAfterErrorAnalysisRunStep: abort with the run's message."""
    plan = make_plan(replicas=1, max_surge=0, max_unavailable=1, steps=(Analysis(("bar",)),))
    status = make_status(plan, current_step_analysis_run=RunStatus(STEP_RUN))
    d = reconcile(plan, status, rs(H1, 1), rs(H2, 0), analysis_runs=(step_run("Error", "Error"),))
    message = "Rollout aborted update to revision 2: Step-based analysis phase error/failed: Error"
    assert d.status.abort is True and d.status.aborted_at == NOW
    assert (d.status.phase, d.status.message) == ("Degraded", f"RolloutAborted: {message}")
    progressing = condition(d.status, "Progressing")
    assert (progressing.status, progressing.reason, progressing.message) == (
        "False",
        "RolloutAborted",
        message,
    )
    assert ("RolloutAborted", message) in events(d)
    assert d.status.current_step_analysis_run == RunStatus(STEP_RUN, "Error", "Error")


def test_error_condition_after_error_background_run() -> None:
    """TestErrorConditionAfterErrorAnalysisRunBackground: no run message -> no suffix."""
    plan = make_plan(
        replicas=10,
        max_surge=0,
        max_unavailable=1,
        steps=(SetWeight(10), SetWeight(20), SetWeight(40)),
        background_analysis=BACKGROUND,
    )
    status = make_status(plan, current_background_analysis_run=RunStatus(BACKGROUND_RUN))
    d = reconcile(plan, status, rs(H1, 9), rs(H2, 1), analysis_runs=(background_run("Error"),))
    assert d.status.message == (
        "RolloutAborted: Rollout aborted update to revision 2: "
        "Background analysis phase error/failed"
    )
    assert d.status.current_step_index == 0


def test_cancel_analysis_runs_when_aborted() -> None:
    """TestCancelAnalysisRunsWhenAborted: current and older runs are terminated; the step run
    status is dropped (so a retry starts a fresh run)."""
    plan = make_plan(replicas=1, max_surge=0, max_unavailable=1, steps=(Analysis(("bar",)),))
    status = make_status(plan, abort=True, current_step_analysis_run=RunStatus(STEP_RUN))
    older = AnalysisRunView("older-analysis-run", "Step", H2, "Running", step_index=0)
    d = reconcile(plan, status, rs(H1, 1), rs(H2, 0), analysis_runs=(step_run("Running"), older))
    assert {a.name for a in of_type(d, TerminateAnalysisRun)} == {"older-analysis-run", STEP_RUN}
    assert len(of_type(d, TerminateAnalysisRun)) == 2
    assert d.status.current_step_analysis_run is None
    assert d.status.aborted_at == NOW
    assert d.status.message == "RolloutAborted: Rollout aborted update to revision 2"


def test_cancel_background_run_when_rollout_completed() -> None:
    """TestCancelBackgroundAnalysisRunWhenRolloutIsCompleted."""
    plan = make_plan(
        replicas=1,
        max_surge=0,
        max_unavailable=1,
        steps=(SetWeight(10),),
        background_analysis=BACKGROUND,
    )
    status = make_status(
        plan, index=1, stable=H2, current_background_analysis_run=RunStatus(BACKGROUND_RUN)
    )
    d = reconcile(plan, status, rs(H1, 0), rs(H2, 1), analysis_runs=(background_run("Running"),))
    assert of_type(d, TerminateAnalysisRun) == [TerminateAnalysisRun(BACKGROUND_RUN)]
    assert d.status.current_background_analysis_run is None


def test_no_background_run_after_inconclusive_pause() -> None:
    """TestDoNotCreateBackgroundAnalysisRunAfterInconclusiveRun: paused Inconclusive, nothing
    is created or scaled."""
    plan = make_plan(
        replicas=1,
        max_surge=1,
        max_unavailable=1,
        steps=(SetWeight(10),),
        background_analysis=BACKGROUND,
    )
    paused = (PauseCondition("InconclusiveAnalysisRun", NOW - 5),)
    d = reconcile(plan, make_status(plan, pause=paused), rs(H1, 1), rs(H2, 0))
    assert of_type(d, StartAnalysisRun) == []
    assert d.status.pause_conditions == paused


def test_no_background_run_on_new_rollout() -> None:
    """TestDoNotCreateBackgroundAnalysisRunOnNewCanaryRollout(StableRSEmpty): first deploy."""
    plan = make_plan(
        replicas=1,
        pod_template_hash=H1,
        max_surge=0,
        max_unavailable=1,
        steps=(SetWeight(10),),
        background_analysis=BACKGROUND,
    )
    first = reconcile(plan, RolloutStatus(current_step_hash=plan.step_hash))
    second = reconcile(plan, first.status, rs(H1, 0))
    assert of_type(first, StartAnalysisRun) == of_type(second, StartAnalysisRun) == []
    assert second.status.stable_rs == H1


def test_background_run_waits_for_starting_step() -> None:
    """``startingStep`` (BeforeStartingStep): no background run before step 1."""
    plan = make_plan(
        replicas=10,
        steps=(SetWeight(10), SetWeight(20)),
        background_analysis=BackgroundAnalysis(("bar",), starting_step=1),
    )
    d = reconcile(plan, make_status(plan), rs(H1, 10), rs(H2, 0))
    assert of_type(d, StartAnalysisRun) == []
    d = reconcile(plan, make_status(plan, index=1), rs(H1, 9), rs(H2, 1))
    assert [a.name for a in of_type(d, StartAnalysisRun)] == [BACKGROUND_RUN]


EXPERIMENT = Experiment(duration=60.0, templates=({"name": "baseline", "specRef": "stable"},))
EXPERIMENT_NAME = f"foo-{H2}-2-0"


def test_experiment_step_creates_experiment() -> None:
    """rollout/experiment_test.go TestRolloutCreateExperiment: named
    ``<rollout>-<hash>-<revision>-<step>``, event ExperimentCreated, step blocks."""
    plan = make_plan(replicas=1, max_surge=1, max_unavailable=0, steps=(EXPERIMENT,))
    d = reconcile(plan, make_status(plan), rs(H1, 1), rs(H2, 0))
    started = of_type(d, StartExperiment)
    assert [(a.name, a.step_index, a.stable_hash) for a in started] == [(EXPERIMENT_NAME, 0, H1)]
    assert ("ExperimentCreated", f"Created Experiment '{EXPERIMENT_NAME}'") in events(d)
    assert d.status.current_experiment == RunStatus(EXPERIMENT_NAME)
    assert d.status.current_step_index == 0


def test_experiment_success_completes_step_and_failure_aborts() -> None:
    """TestRolloutExperimentProcessingDoNothing / TestRolloutExperimentFinishedIncrementStep /
    TestRolloutDegradedExperimentEnterDegraded."""
    plan = make_plan(replicas=1, max_surge=1, max_unavailable=0, steps=(EXPERIMENT, SetWeight(50)))
    status = make_status(plan, current_experiment=RunStatus(EXPERIMENT_NAME, "Running"))

    def run(phase: str, message: str = "") -> ExperimentView:
        return ExperimentView(EXPERIMENT_NAME, H2, 0, phase, message)  # type: ignore[arg-type]

    running = reconcile(plan, status, rs(H1, 1), rs(H2, 0), experiments=(run("Running"),))
    assert running.status.current_step_index == 0
    done = reconcile(plan, status, rs(H1, 1), rs(H2, 0), experiments=(run("Successful"),))
    assert done.status.current_step_index == 1
    failed = reconcile(plan, status, rs(H1, 1), rs(H2, 0), experiments=(run("Failed", "boom"),))
    assert failed.status.message == (
        "RolloutAborted: Rollout aborted update to revision 2: "
        "Experiment analysis phase is error/failed: boom"
    )
    inconclusive = reconcile(plan, status, rs(H1, 1), rs(H2, 0), experiments=(run("Inconclusive"),))
    assert inconclusive.status.pause_conditions == (PauseCondition("InconclusiveExperiment", NOW),)
    # Moving past the step (promote) cancels the experiment.
    past = make_status(plan, index=1, current_experiment=RunStatus(EXPERIMENT_NAME, "Running"))
    skipped = reconcile(plan, past, rs(H1, 1), rs(H2, 0), experiments=(run("Running"),))
    assert of_type(skipped, TerminateExperiment) == [TerminateExperiment(EXPERIMENT_NAME)]


def test_promote_on_inconclusive_background_run_starts_a_new_one() -> None:
    """argo-analysis §5.2: promote clears the pause (controllerPause stays set), and
    ``needsNewAnalysisRun`` then starts a fresh background run."""
    from canarysim.engine.model import Promote

    plan = make_plan(
        replicas=1,
        max_surge=1,
        max_unavailable=1,
        steps=(SetWeight(10), SetWeight(20)),
        background_analysis=BACKGROUND,
    )
    paused = (PauseCondition("InconclusiveAnalysisRun", NOW - 5),)
    status = make_status(
        plan,
        pause=paused,
        current_background_analysis_run=RunStatus(BACKGROUND_RUN, "Inconclusive"),
    )
    runs = (background_run("Inconclusive"),)
    first = reconcile(plan, status, rs(H1, 1), rs(H2, 0), analysis_runs=runs, commands=(Promote(),))
    second = reconcile(plan, first.status, rs(H1, 1), rs(H2, 0), analysis_runs=runs)
    assert [a.name for a in of_type(second, StartAnalysisRun)] == [BACKGROUND_RUN + ".1"]
    assert second.status.pause_conditions == ()


def test_promote_on_inconclusive_step_run_skips_the_step() -> None:
    """promote.go: an Inconclusive step analysis is skipped (index + 1)."""
    from canarysim.engine.model import Promote

    plan = make_plan(
        replicas=1, max_surge=0, max_unavailable=1, steps=(Analysis(("bar",)), SetWeight(50))
    )
    paused = (PauseCondition("InconclusiveAnalysisRun", NOW - 5),)
    status = make_status(
        plan, pause=paused, current_step_analysis_run=RunStatus(STEP_RUN, "Inconclusive")
    )
    runs = (step_run("Inconclusive"),)
    d = reconcile(plan, status, rs(H1, 1), rs(H2, 0), analysis_runs=runs, commands=(Promote(),))
    for _ in range(3):
        d = reconcile(plan, d.status, rs(H1, 1), rs(H2, 0), analysis_runs=runs)
    assert d.status.current_step_index == 1
    assert d.status.pause_conditions == ()
    assert of_type(d, StartAnalysisRun) == []
