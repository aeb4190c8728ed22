"""Edges of ``engine/rollout/runs.py`` the mutation run found unpinned.

Each test names the Argo function it pins (rollout/analysis.go, rollout/experiment.go). The
stages are called on a reconcile context built from the fixtures of ``test_steps_world`` and
``test_bluegreen``, so each rule is checked on its own.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_bluegreen import bg_plan, bg_status
from test_steps_world import H1, H2, NOW, make_plan, make_status, rs

from canarysim.engine.model import (
    AnalysisRunView,
    EmitEvent,
    Experiment,
    ExperimentView,
    Observation,
    PauseCondition,
    Plan,
    PromotionAnalysis,
    RolloutStatus,
    RunStatus,
    SetWeight,
    StartAnalysisRun,
    StartExperiment,
    TerminateAnalysisRun,
    TerminateExperiment,
)
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.runs import reconcile_experiments, reconcile_promotion_runs

PRE = PromotionAnalysis(templates=("smoke",), args=({"name": "a", "value": "1"},))
POST = PromotionAnalysis(templates=("after",))
PRE_NAME = f"foo-{H2}-2-pre"
POST_NAME = f"foo-{H2}-2-post"


def ctx_of(plan: Plan, status: RolloutStatus, *rss: Any, **obs: Any) -> Context:
    views = tuple(
        r if r.rollout_replicas is not None else replace(r, rollout_replicas=plan.replicas)
        for r in rss
    )
    return Context(plan, status, Observation(now=NOW, replica_sets=views, **obs))


def run(name: str, kind: str, phase: str = "Running", **kw: Any) -> AnalysisRunView:
    return AnalysisRunView(name, kind, H2, phase, **kw)  # type: ignore[arg-type]


def reasons(ctx: Context) -> list[tuple[str, str, str]]:
    return [(a.type, a.reason, a.message) for a in ctx.actions if isinstance(a, EmitEvent)]


def started(ctx: Context) -> list[StartAnalysisRun]:
    return [a for a in ctx.actions if isinstance(a, StartAnalysisRun)]


def terminated(ctx: Context) -> list[str]:
    return [a.name for a in ctx.actions if isinstance(a, TerminateAnalysisRun)]


# --------------------------------------------------------------------------------------------
# Pre-promotion: skipPrePromotionAnalysisRun, reconcilePrePromotionAnalysisRun
# --------------------------------------------------------------------------------------------


def pre_ctx(
    *,
    preview: int | None = None,
    new: tuple[int, int] = (3, 3),
    active: str = H1,
    stable: str = H1,
    runs: tuple[AnalysisRunView, ...] = (),
    recorded: RunStatus | None = None,
    **kw: Any,
) -> Context:
    """Three replicas, the preview (H2) of ``new`` = (replicas, available), before the switch."""
    plan = bg_plan(3, pre_promotion_analysis=PRE, preview_replica_count=preview)
    status = bg_status(plan, active=active, stable=stable, **kw)
    status = replace(status, blue_green=replace(status.blue_green, pre_promotion_run=recorded))
    replicas, available = new
    return ctx_of(plan, status, rs(H1, 3), rs(H2, replicas, available), analysis_runs=runs)


def test_pre_promotion_run_starts_on_a_saturated_preview() -> None:
    ctx = pre_ctx()
    pre, post = reconcile_promotion_runs(ctx, False)
    assert started(ctx) == [
        StartAnalysisRun(PRE_NAME, "PrePromotion", PRE.templates, PRE.args, H2, 2, None, H1)
    ]
    assert pre == AnalysisRunView(PRE_NAME, "PrePromotion", H2)
    assert post is None
    assert ctx.created_runs == {PRE_NAME}
    assert reasons(ctx) == []  # a run created now has no phase to report


def test_pre_promotion_run_name_collision() -> None:
    taken = (run(PRE_NAME, "PrePromotion", "Failed"), run(PRE_NAME + ".1", "PrePromotion", "Error"))
    ctx = pre_ctx(runs=taken)
    reconcile_promotion_runs(ctx, False)
    assert [s.name for s in started(ctx)] == [PRE_NAME + ".2"]


@pytest.mark.parametrize(
    ("kw", "starts"),
    [
        ({"new": (3, 2)}, False),  # not all available
        ({"new": (2, 2)}, False),  # not all replicas
        ({"stable": H2}, False),  # promoted already
        ({"active": ""}, False),  # first deploy: nothing active yet
        ({"active": H2}, False),  # the active Service is already on the new pods
        ({"preview": 1, "new": (1, 1)}, True),  # previewReplicaCount reached
        ({"preview": 1, "new": (1, 0)}, False),
        ({"preview": 1, "new": (2, 1)}, False),
        ({"preview": 1, "new": (3, 3)}, False),  # previewReplicaCount is what counts
    ],
)
def test_skip_pre_promotion_analysis(kw: dict[str, Any], starts: bool) -> None:
    """``skipPrePromotionAnalysisRun``: promoted already, first deploy, active already on the
    new pods; before it started, the preview must be at its size (previewReplicaCount) and
    all available, or saturated without one."""
    ctx = pre_ctx(**kw)
    reconcile_promotion_runs(ctx, False)
    assert bool(started(ctx)) is starts


def test_pre_promotion_run_once_started_is_followed_whatever_the_size() -> None:
    """Once it exists the run is kept even while the preview is not saturated."""
    current = run(PRE_NAME, "PrePromotion")
    ctx = pre_ctx(new=(3, 1), runs=(current,), recorded=RunStatus(PRE_NAME, "Running"))
    pre, _ = reconcile_promotion_runs(ctx, False)
    assert pre == current
    assert started(ctx) == [] and terminated(ctx) == []


def test_skipped_pre_promotion_run_is_terminated_but_kept() -> None:
    """Skipped (here: the active Service is already on the new pods) a running run is
    terminated, and stays the status's run."""
    current = run(PRE_NAME, "PrePromotion")
    ctx = pre_ctx(active=H2, runs=(current,), recorded=RunStatus(PRE_NAME, "Running"))
    pre, _ = reconcile_promotion_runs(ctx, False)
    assert pre == current
    assert terminated(ctx) == [PRE_NAME]


@pytest.mark.parametrize(
    ("phase", "aborted", "paused"),
    [
        ("Successful", False, False),
        ("Running", False, False),
        ("Inconclusive", False, True),
        ("Failed", True, False),
        ("Error", True, False),
    ],
)
def test_pre_promotion_phase_pauses_or_aborts(phase: str, aborted: bool, paused: bool) -> None:
    """``setPauseOrAbortForBlueGreen``: Inconclusive pauses, Failed/Error abort with
    Argo's message, with the run's message after a colon."""
    current = run(PRE_NAME, "PrePromotion", phase, message="metric x")
    ctx = pre_ctx(runs=(current,), recorded=RunStatus(PRE_NAME, "Running"))
    reconcile_promotion_runs(ctx, False)
    assert ctx.pause.add_abort is aborted
    assert ctx.pause.add_reasons == (["InconclusiveAnalysisRun"] if paused else [])
    if aborted:
        assert ctx.pause.abort_message == (
            "Blue/green pre-promotion analysis phase error/failed: metric x"
        )


def test_failed_pre_promotion_run_without_message() -> None:
    current = run(PRE_NAME, "PrePromotion", "Failed")
    ctx = pre_ctx(runs=(current,), recorded=RunStatus(PRE_NAME, "Running"))
    reconcile_promotion_runs(ctx, False)
    assert ctx.pause.abort_message == "Blue/green pre-promotion analysis phase error/failed"


def test_pre_promotion_phase_change_event() -> None:
    """``emitAnalysisRunStatusChanges``: a new phase of the recorded run is an event,
    a warning for Failed/Error."""
    current = run(PRE_NAME, "PrePromotion", "Failed")
    ctx = pre_ctx(runs=(current,), recorded=RunStatus(PRE_NAME, "Running"))
    reconcile_promotion_runs(ctx, False)
    assert reasons(ctx) == [
        (
            "Warning",
            "AnalysisRunFailed",
            f"PrePromotion Analysis Run '{PRE_NAME}' Status New: 'Failed' Previous: 'Running'",
        )
    ]
    ctx = pre_ctx(
        runs=(replace(current, phase="Running"),), recorded=RunStatus(PRE_NAME, "Running")
    )
    reconcile_promotion_runs(ctx, False)
    assert reasons(ctx) == []


@pytest.mark.parametrize(
    ("pauses", "controller_pause", "aborted_at", "phase", "new_run"),
    [
        ((), False, None, "Running", False),
        ((), False, NOW - 5, "Running", True),  # the first reconcile after a retry
        ((), True, None, "Inconclusive", True),  # resumed after an Inconclusive run
        ((), True, None, "Running", False),
        (("BlueGreenPause",), True, None, "Inconclusive", False),
        (("CanaryPauseStep",), True, None, "Inconclusive", False),
    ],
)
def test_needs_new_promotion_run(
    pauses: tuple[str, ...],
    controller_pause: bool,
    aborted_at: float | None,
    phase: str,
    new_run: bool,
) -> None:
    """``needsNewAnalysisRun``: a run exists; it is replaced after a retry (``abortedAt``
    still set) or when a resumed rollout's run was Inconclusive; a pause for the
    BlueGreenPause (or a canary step) is not a resume."""
    current = run(PRE_NAME, "PrePromotion", phase)
    conditions = tuple(PauseCondition(p, NOW - 10) for p in pauses)
    ctx = pre_ctx(
        runs=(current,),
        recorded=RunStatus(PRE_NAME, phase),
        pause_conditions=conditions,
        controller_pause=controller_pause,
        aborted_at=aborted_at,
    )
    reconcile_promotion_runs(ctx, False)
    assert [s.name for s in started(ctx)] == ([PRE_NAME + ".1"] if new_run else [])


def test_no_new_promotion_run_while_paused_on_inconclusive() -> None:
    """A rollout paused on an Inconclusive run keeps that run."""
    current = run(PRE_NAME, "PrePromotion", "Inconclusive")
    pause = (PauseCondition("InconclusiveAnalysisRun", NOW - 10),)
    ctx = pre_ctx(
        runs=(current,),
        recorded=RunStatus(PRE_NAME, "Inconclusive"),
        pause_conditions=pause,
        controller_pause=True,
        aborted_at=NOW - 20,
    )
    pre, _ = reconcile_promotion_runs(ctx, False)
    assert pre == current
    assert started(ctx) == []


def test_promotion_run_without_templates_is_terminated() -> None:
    """A spec without templates (or none): the recorded run is terminated and forgotten."""
    plan = bg_plan(3, pre_promotion_analysis=PromotionAnalysis())
    status = bg_status(plan)
    status = replace(
        status, blue_green=replace(status.blue_green, pre_promotion_run=RunStatus(PRE_NAME))
    )
    current = run(PRE_NAME, "PrePromotion")
    ctx = ctx_of(plan, status, rs(H1, 3), rs(H2, 3), analysis_runs=(current,))
    pre, post = reconcile_promotion_runs(ctx, False)
    assert (pre, post) == (None, None)
    assert terminated(ctx) == [PRE_NAME]


@pytest.mark.parametrize(
    "kw",
    [{"abort": True}, {"promote_full": True}, {"stable": ""}, {"fast": True}],
    ids=["aborted", "promote full", "no stable", "fast rollback"],
)
def test_promotion_runs_cancelled(kw: dict[str, Any]) -> None:
    """``reconcileAnalysisRuns`` cancels both runs (kept in the status) when aborted, on a
    full promotion, without a stable ReplicaSet, or on a fast rollback."""
    status = {k: v for k, v in kw.items() if k != "fast"}
    fast = bool(kw.get("fast"))
    current = run(PRE_NAME, "PrePromotion")
    ctx = pre_ctx(runs=(current,), recorded=RunStatus(PRE_NAME, "Running"), **status)
    pre, _ = reconcile_promotion_runs(ctx, fast)
    assert pre == current
    assert terminated(ctx) == [PRE_NAME]
    assert started(ctx) == []


def test_other_runs_are_terminated_once() -> None:
    """Runs the status does not name are cancelled; finished or already terminated ones are
    left alone."""
    others = (
        run("old-1", "PrePromotion"),
        run("old-2", "PrePromotion", "Successful"),
        run("old-3", "PostPromotion", terminated=True),
    )
    ctx = pre_ctx(runs=others)
    reconcile_promotion_runs(ctx, False)
    assert terminated(ctx) == ["old-1"]


# --------------------------------------------------------------------------------------------
# Post-promotion: skipPostPromotionAnalysisRun, reconcilePostPromotionAnalysisRun
# --------------------------------------------------------------------------------------------


def post_ctx(
    *,
    active: str = H2,
    stable: str = H1,
    new: tuple[int, int] = (3, 3),
    runs: tuple[AnalysisRunView, ...] = (),
    recorded: RunStatus | None = None,
    **kw: Any,
) -> Context:
    plan = bg_plan(3, post_promotion_analysis=POST)
    status = bg_status(plan, active=active, stable=stable, **kw)
    status = replace(status, blue_green=replace(status.blue_green, post_promotion_run=recorded))
    replicas, available = new
    return ctx_of(plan, status, rs(H1, 3), rs(H2, replicas, available), analysis_runs=runs)


def test_post_promotion_run_starts_after_the_switch() -> None:
    ctx = post_ctx()
    _, post = reconcile_promotion_runs(ctx, False)
    assert started(ctx) == [
        StartAnalysisRun(POST_NAME, "PostPromotion", ("after",), (), H2, 2, None, H1)
    ]
    assert post == AnalysisRunView(POST_NAME, "PostPromotion", H2)


@pytest.mark.parametrize(
    "kw",
    [{"active": H1}, {"stable": H2}, {"new": (3, 2)}, {"new": (2, 2)}],
    ids=["not switched", "promoted", "not available", "not sized"],
)
def test_skip_post_promotion_analysis(kw: dict[str, Any]) -> None:
    """``skipPostPromotionAnalysisRun``: stable already, the active Service not on the new
    pods yet, or (before it started) the new pods not saturated."""
    ctx = post_ctx(**kw)
    reconcile_promotion_runs(ctx, False)
    assert started(ctx) == []


def test_post_promotion_run_once_started_is_followed_whatever_the_size() -> None:
    current = run(POST_NAME, "PostPromotion")
    ctx = post_ctx(new=(3, 1), runs=(current,), recorded=RunStatus(POST_NAME, "Running"))
    _, post = reconcile_promotion_runs(ctx, False)
    assert post == current
    assert started(ctx) == [] and terminated(ctx) == []


def test_post_promotion_waits_for_verified_target_groups() -> None:
    """``areTargetsVerified``: not verified, no post-promotion run (a running one is
    terminated)."""
    current = run(POST_NAME, "PostPromotion")
    ctx = post_ctx(runs=(current,), recorded=RunStatus(POST_NAME, "Running"))
    ctx.targets_verified = False
    _, post = reconcile_promotion_runs(ctx, False)
    assert post == current
    assert terminated(ctx) == [POST_NAME]
    ctx = post_ctx()
    ctx.targets_verified = True
    reconcile_promotion_runs(ctx, False)
    assert [s.name for s in started(ctx)] == [POST_NAME]


def test_post_promotion_failure_aborts_with_its_message() -> None:
    current = run(POST_NAME, "PostPromotion", "Error", message="boom")
    ctx = post_ctx(runs=(current,), recorded=RunStatus(POST_NAME, "Running"))
    reconcile_promotion_runs(ctx, False)
    assert ctx.pause.abort_message == (
        "Blue/green post-promotion analysis phase error/failed: boom"
    )
    assert reasons(ctx) == [
        (
            "Warning",
            "AnalysisRunError",
            f"PostPromotion Analysis Run '{POST_NAME}' Status New: 'Error' Previous: 'Running'",
        )
    ]


def test_post_promotion_success_event_is_normal() -> None:
    current = run(POST_NAME, "PostPromotion", "Successful")
    ctx = post_ctx(runs=(current,), recorded=RunStatus(POST_NAME, "Running"))
    reconcile_promotion_runs(ctx, False)
    assert not ctx.pause.add_abort and not ctx.pause.add_reasons
    assert reasons(ctx) == [
        (
            "Normal",
            "AnalysisRunSuccessful",
            f"PostPromotion Analysis Run '{POST_NAME}' Status New: 'Successful' "
            "Previous: 'Running'",
        )
    ]


def test_phase_change_event_without_previous_status() -> None:
    """A run the status does not record yet (but that exists): ``NoPreviousStatus``."""
    current = run(POST_NAME, "PostPromotion", "Running")
    ctx = post_ctx(runs=(current,), recorded=RunStatus(POST_NAME, "Running"))
    ctx.status = replace(
        ctx.status, blue_green=replace(ctx.status.blue_green, post_promotion_run=None)
    )
    # the run is found through the status as read above; the event compares with None
    from canarysim.engine.rollout.runs import _emit_phase_change

    _emit_phase_change(ctx, None, current, "PostPromotion")
    assert reasons(ctx) == [
        (
            "Normal",
            "AnalysisRunRunning",
            f"PostPromotion Analysis Run '{POST_NAME}' Status New: 'Running' "
            "Previous: 'NoPreviousStatus'",
        )
    ]


# --------------------------------------------------------------------------------------------
# reconcileExperiments
# --------------------------------------------------------------------------------------------

EXPERIMENT = Experiment(duration=60.0, templates=({"name": "baseline", "specRef": "stable"},))
EX_NAME = f"foo-{H2}-2-1"


def ex(name: str, phase: str = "Running", terminated: bool = False) -> ExperimentView:
    return ExperimentView(name, H2, 1, phase, terminated=terminated)  # type: ignore[arg-type]


def experiment_ctx(
    *experiments: ExperimentView, current: str | None = EX_NAME, **kw: Any
) -> Context:
    plan = make_plan(replicas=10, steps=(SetWeight(10), EXPERIMENT, SetWeight(20)))
    recorded = None if current is None else RunStatus(current, "Running")
    status = make_status(plan, index=1, current_experiment=recorded, **kw)
    return ctx_of(plan, status, rs(H1, 10), rs(H2, 1), experiments=experiments)


def terminated_experiments(ctx: Context) -> list[str]:
    return [a.name for a in ctx.actions if isinstance(a, TerminateExperiment)]


@pytest.mark.parametrize("kw", [{"abort": True}, {"promote_full": True}], ids=["abort", "full"])
def test_experiments_cancelled_on_abort_or_full_promotion(kw: dict[str, Any]) -> None:
    """Aborted or fully promoted: every experiment still going is cancelled, the current one
    included; finished or already terminated ones are left alone."""
    views = (
        ex(EX_NAME),
        ex("old-running"),
        ex("old-done", "Successful"),
        ex("old-terminated", terminated=True),
    )
    ctx = experiment_ctx(*views, **kw)
    reconcile_experiments(ctx)
    assert terminated_experiments(ctx) == ["old-running", EX_NAME]
    assert ctx.experiment is None


def test_other_experiments_cancelled_at_an_experiment_step() -> None:
    """At the experiment step the current one is followed; any other is cancelled."""
    ctx = experiment_ctx(ex(EX_NAME), ex("old-running"))
    reconcile_experiments(ctx)
    assert terminated_experiments(ctx) == ["old-running"]
    assert ctx.experiment == RunStatus(EX_NAME, "Running")


def test_experiment_forgotten_but_left_running_while_paused_on_inconclusive_analysis() -> None:
    """Paused on an Inconclusive analysis, ``reconcileExperiments`` returns before
    ``SetCurrentExperiment``: the status names no experiment, and none is cancelled."""
    pause = (PauseCondition("InconclusiveAnalysisRun", NOW - 5),)
    ctx = experiment_ctx(ex(EX_NAME), ex("old-running"), pause=pause)
    reconcile_experiments(ctx)
    assert ctx.experiment is None
    assert ctx.actions == []


def test_experiment_still_going_is_adopted_on_resume() -> None:
    """``createExperimentWithCollisionHandling``: the step's experiment, still running but
    forgotten by the status, is taken back under its name (an event, no new experiment),
    and not cancelled."""
    ctx = experiment_ctx(ex(EX_NAME, "Running"), ex("old-running"), current=None)
    reconcile_experiments(ctx)
    assert [a for a in ctx.actions if isinstance(a, StartExperiment)] == []
    assert ctx.experiment == RunStatus(EX_NAME, "Running")
    assert terminated_experiments(ctx) == ["old-running"]
    assert reasons(ctx) == [("Normal", "ExperimentCreated", f"Created Experiment '{EX_NAME}'")]


@pytest.mark.parametrize(
    ("taken", "name"),
    [
        ((ex(EX_NAME, "Pending"),), EX_NAME),  # not started yet: still going
        ((ex(EX_NAME, "Running", terminated=True),), EX_NAME + "-1"),
        ((ex(EX_NAME, "Inconclusive"), ex(EX_NAME + "-1", "Running")), EX_NAME + "-1"),
        ((ex(EX_NAME, "Successful"), ex(EX_NAME + "-1", "Error")), EX_NAME + "-2"),
    ],
    ids=["pending", "terminated", "second name going", "both finished"],
)
def test_experiment_name_collision(taken: tuple[ExperimentView, ...], name: str) -> None:
    """A finished or terminated experiment holds its name; one still going is adopted."""
    ctx = experiment_ctx(*taken, current=None)
    reconcile_experiments(ctx)
    adopted = name in {e.name for e in taken}
    assert bool([a for a in ctx.actions if isinstance(a, StartExperiment)]) is not adopted
    assert ctx.experiment is not None and ctx.experiment.name == name
    assert reasons(ctx) == [("Normal", "ExperimentCreated", f"Created Experiment '{name}'")]


def test_experiment_created_with_a_free_name() -> None:
    """``reconcileExperiments`` creates the step's experiment as
    ``<rollout>-<hash>-<revision>-<step>``, ``-N`` after a name already taken."""
    ctx = experiment_ctx(ex(EX_NAME, "Failed"), ex(EX_NAME + "-1", "Failed"), current=None)
    reconcile_experiments(ctx)
    name = EX_NAME + "-2"
    assert [a for a in ctx.actions if isinstance(a, StartExperiment)] == [
        StartExperiment(name, 1, EXPERIMENT, H2, H1, 2)
    ]
    assert ctx.experiment == RunStatus(name)
    assert reasons(ctx) == [("Normal", "ExperimentCreated", f"Created Experiment '{name}'")]
