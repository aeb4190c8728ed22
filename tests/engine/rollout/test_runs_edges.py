"""Edges of ``engine/rollout/runs/`` the mutation run found unpinned.

Each test names the Argo function it pins (rollout/analysis.go, rollout/experiment.go). The
stages are called on a reconcile context built from the fixtures of ``test_steps_world`` and
``test_bluegreen``, so each rule is checked on its own.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_bluegreen import bg_plan, bg_status
from test_steps_world import H1, H2, H3, NOW, make_plan, make_status, rs

from canarysim.engine.model import (
    Analysis,
    AnalysisRunView,
    BackgroundAnalysis,
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
from canarysim.engine.rollout.runs import (
    is_fast_rollback,
    is_rollback,
    reconcile_analysis_runs,
    reconcile_experiments,
    reconcile_promotion_runs,
    rollback_within_window,
    skip_post_promotion,
)

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
    from canarysim.engine.rollout.runs.analysis import _emit_phase_change

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


@pytest.mark.parametrize(
    ("phase", "message", "status", "paused", "abort_message"),
    [
        ("Pending", "", RunStatus(EX_NAME, "Pending"), False, None),
        ("Running", "m", RunStatus(EX_NAME, "Running", "m"), False, None),
        ("Successful", "", None, False, None),  # no longer the status's experiment
        ("Inconclusive", "", None, True, None),
        ("Failed", "m", None, False, "Experiment analysis phase is error/failed: m"),
        ("Error", "", None, False, "Experiment analysis phase is error/failed"),
    ],
)
def test_experiment_phase(
    phase: str, message: str, status: RunStatus | None, paused: bool, abort_message: str | None
) -> None:
    """``reconcileExperiments``' switch on the current experiment's phase."""
    view = ExperimentView(EX_NAME, H2, 1, phase, message)  # type: ignore[arg-type]
    ctx = experiment_ctx(view)
    reconcile_experiments(ctx)
    assert ctx.experiment == status
    assert ctx.pause.add_reasons == (["InconclusiveExperiment"] if paused else [])
    assert ctx.pause.add_abort is (abort_message is not None)
    if abort_message is not None:
        assert ctx.pause.abort_message == abort_message
    assert ctx.actions == []


def test_experiment_created_cancels_the_other_experiments() -> None:
    """After creating the step's experiment the others still going are cancelled in the same
    reconcile (``cancelExperiments(otherExs)`` follows the creation)."""
    ctx = experiment_ctx(ex("old-running"), ex("old-done", "Successful"), current=None)
    reconcile_experiments(ctx)
    assert [a.name for a in ctx.actions if isinstance(a, StartExperiment)] == [EX_NAME]
    assert terminated_experiments(ctx) == ["old-running"]


def test_no_experiment_without_a_stable_replica_set() -> None:
    """``reconcileExperiments``: no experiment before the stable ReplicaSet exists, and
    nothing cancelled that reconcile."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), EXPERIMENT, SetWeight(20)))
    status = make_status(plan, index=1, stable="")
    ctx = ctx_of(plan, status, rs(H2, 1), experiments=(ex("old-running"),))
    reconcile_experiments(ctx)
    assert ctx.actions == [] and ctx.experiment is None


def test_finished_experiment_step_cancels_the_status_experiment() -> None:
    """Past the experiment step the status's experiment, still going, is cancelled."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), EXPERIMENT, SetWeight(20)))
    status = make_status(plan, index=2, current_experiment=RunStatus(EX_NAME, "Running"))
    ctx = ctx_of(plan, status, rs(H1, 10), rs(H2, 1), experiments=(ex(EX_NAME),))
    reconcile_experiments(ctx)
    assert terminated_experiments(ctx) == [EX_NAME]
    assert ctx.experiment is None


# --------------------------------------------------------------------------------------------
# isRollback, isRollbackWithinWindow, isFastRollback (rollout/sync.go)
# --------------------------------------------------------------------------------------------


def rollback_ctx(
    new_at: float,
    *between: float,
    stable_at: float = 5.0,
    window: int | None = None,
    stable: str = H1,
    blue_green: bool = False,
    deadline: float | None = None,
) -> Context:
    """The new template H2 (created at ``new_at``), the stable H1 (at ``stable_at``) and
    other ReplicaSets created at ``between``."""
    if blue_green:
        plan = replace(bg_plan(3), rollback_window_revisions=window)
        status = bg_status(plan, stable=stable)
    else:
        plan = make_plan(replicas=3, rollback_window_revisions=window)
        status = make_status(plan, stable=stable)
    others = [rs(f"o{i}", 0, revision=10 + i, created=t) for i, t in enumerate(between)]
    rss = [rs(H1, 3, created=stable_at), rs(H2, 0, created=new_at, deadline=deadline), *others]
    return ctx_of(plan, status, *rss)


@pytest.mark.parametrize(
    ("ctx", "expected"),
    [
        (lambda: rollback_ctx(7.0), False),  # the new template is younger than stable
        (lambda: rollback_ctx(3.0), True),  # back to an older ReplicaSet
        (lambda: rollback_ctx(5.0), False),  # created in the same instant: not before
        (lambda: rollback_ctx(7.0, stable=H2), True),  # back to the stable template itself
        (lambda: rollback_ctx(3.0, stable="o9"), False),  # no stable ReplicaSet
    ],
    ids=["newer", "older", "same instant", "to stable", "no stable"],
)
def test_is_rollback(ctx: Any, expected: bool) -> None:
    assert is_rollback(ctx()) is expected


@pytest.mark.parametrize(
    ("between", "window", "expected"),
    [
        ((2.0, 3.0), 3, True),  # 2 ReplicaSets between, fewer than 3
        ((2.0, 3.0), 2, False),  # 2 is not fewer than 2
        ((), 1, True),
        ((), 0, False),  # a window of 0 revisions is no window
        ((), -1, False),
        ((), None, False),  # no rollbackWindow
        ((1.0, 5.0), 1, True),  # created with new or with stable: not between them
        ((0.5, 6.0), 1, True),  # before new, after stable: not between
    ],
)
def test_rollback_within_window(
    between: tuple[float, ...], window: int | None, expected: bool
) -> None:
    """``isRollbackWithinWindow``: fewer than ``rollbackWindow.revisions`` ReplicaSets were
    created strictly between the target (at 1) and the stable (at 5)."""
    assert rollback_within_window(rollback_ctx(1.0, *between, window=window)) is expected


@pytest.mark.parametrize(
    ("new_at", "stable_at"),
    [(7.0, 5.0), (5.0, 5.0)],
    ids=["forward", "same instant"],
)
def test_no_window_without_going_back(new_at: float, stable_at: float) -> None:
    """Only a target created before the stable is a rollback within the window."""
    assert not rollback_within_window(rollback_ctx(new_at, stable_at=stable_at, window=5))


def test_no_window_without_a_stable_replica_set() -> None:
    assert not rollback_within_window(rollback_ctx(1.0, stable="o9", window=5))


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"new_at": 7.0, "stable": H2}, True),  # rollback to stable
        ({"new_at": 1.0, "window": 1}, True),  # within the window
        ({"new_at": 1.0, "window": 1, "between": (2.0,)}, False),  # outside it
        ({"new_at": 1.0}, False),  # an older ReplicaSet, no window
        ({"new_at": 1.0, "blue_green": True, "deadline": NOW + 1}, True),  # within its delay
        ({"new_at": 1.0, "blue_green": True, "deadline": NOW}, False),  # the delay ran out
        ({"new_at": 1.0, "blue_green": True}, False),  # no delay
        ({"new_at": 1.0, "deadline": NOW + 1}, False),  # the delay counts for blue-green only
        ({"new_at": 7.0, "blue_green": True, "deadline": NOW + 1}, False),  # not a rollback
    ],
)
def test_is_fast_rollback(kw: dict[str, Any], expected: bool) -> None:
    """``isFastRollback``: a rollback to stable, within the window, or (blue-green) to a
    ReplicaSet whose scale-down deadline is still ahead (``newRSWithinDelay``)."""
    kw = dict(kw)  # the table's dict is shared between runs
    between = kw.pop("between", ())
    assert is_fast_rollback(rollback_ctx(kw.pop("new_at"), *between, **kw)) is expected


# --------------------------------------------------------------------------------------------
# Canary: reconcileAnalysisRuns, reconcileStepBasedAnalysisRun, reconcileBackgroundAnalysisRun
# --------------------------------------------------------------------------------------------

STEP = Analysis(templates=("check",), args=({"name": "x", "value": "1"},))
STEP_NAME = f"foo-{H2}-2-1"
BG = BackgroundAnalysis(templates=("bar",))
BG_NAME = f"foo-{H2}-2"


def canary_ctx(
    *runs: AnalysisRunView,
    index: int = 1,
    step_run: RunStatus | None = None,
    bg_run: RunStatus | None = None,
    background: BackgroundAnalysis | None = BG,
    **kw: Any,
) -> Context:
    """Steps setWeight 10, analysis, setWeight 20; at step ``index``, H2 over the stable H1."""
    plan = make_plan(
        replicas=10, steps=(SetWeight(10), STEP, SetWeight(20)), background_analysis=background
    )
    status = make_status(
        plan,
        index=index,
        current_step_analysis_run=step_run,
        current_background_analysis_run=bg_run,
        **kw,
    )
    return ctx_of(plan, status, rs(H1, 9), rs(H2, 1), analysis_runs=runs)


def step_ar(phase: str = "Running", name: str = STEP_NAME, **kw: Any) -> AnalysisRunView:
    return run(name, "Step", phase, step_index=kw.pop("step_index", 1), **kw)


def test_step_and_background_runs_created_with_their_names() -> None:
    ctx = canary_ctx()
    reconcile_analysis_runs(ctx)
    assert started(ctx) == [
        StartAnalysisRun(STEP_NAME, "Step", STEP.templates, STEP.args, H2, 2, 1, H1),
        StartAnalysisRun(BG_NAME, "Background", BG.templates, (), H2, 2, None, H1),
    ]
    assert (ctx.step_run, ctx.background_run) == (RunStatus(STEP_NAME), RunStatus(BG_NAME))
    assert reasons(ctx) == []


@pytest.mark.parametrize(
    "kw",
    [
        {"abort": True},
        {"promote_full": True},
        {"stable": ""},
        {"index": 3},  # past the last step: fully promoted
    ],
    ids=["aborted", "promote full", "no stable", "fully promoted"],
)
def test_canary_runs_cancelled(kw: dict[str, Any]) -> None:
    """``reconcileAnalysisRuns``: aborted, a full promotion, no stable ReplicaSet yet, or
    fully promoted: both current runs are cancelled and forgotten, nothing starts."""
    runs = (run("old-1", "Step"), step_ar(), run(BG_NAME, "Background"))
    kw = dict(kw)  # the table's dict is shared between runs
    stable = kw.pop("stable", H1)
    ctx = canary_ctx(
        *runs,
        step_run=RunStatus(STEP_NAME, "Running"),
        bg_run=RunStatus(BG_NAME, "Running"),
        stable=stable,
        **kw,
    )
    if kw.get("index") == 3:
        ctx = replace_stable(ctx)
    reconcile_analysis_runs(ctx)
    assert terminated(ctx) == [STEP_NAME, BG_NAME, "old-1"]  # the current runs first
    assert started(ctx) == []
    assert (ctx.step_run, ctx.background_run) == (None, None)


def replace_stable(ctx: Context) -> Context:
    """The same context with H2 as the stable ReplicaSet (a completed rollout)."""
    status = replace(ctx.status, stable_rs=H2)
    return Context(ctx.plan, status, ctx.obs)


def test_canary_runs_cancelled_on_a_fast_rollback() -> None:
    """A rollback to a ReplicaSet within the rollback window cancels the runs."""
    plan = make_plan(
        replicas=10,
        steps=(SetWeight(10), STEP, SetWeight(20)),
        background_analysis=BG,
        rollback_window_revisions=2,
    )
    status = make_status(
        plan,
        index=1,
        current_step_analysis_run=RunStatus(STEP_NAME, "Running"),
        stable=H3,
    )
    rss = (rs(H1, 0, created=1.0), rs(H2, 1, created=2.0), rs(H3, 9, created=3.0))
    ctx = ctx_of(plan, status, *rss, analysis_runs=(step_ar(),))
    reconcile_analysis_runs(ctx)
    assert terminated(ctx) == [STEP_NAME]
    assert started(ctx) == []


def test_canary_other_runs_cancelled_once() -> None:
    """Runs the status does not name are cancelled, each once; finished or terminated ones
    are left alone; the current ones are kept."""
    runs = (
        step_ar(),
        run(BG_NAME, "Background"),
        run("old-1", "Step"),
        run("old-2", "Background", "Failed"),
        run("old-3", "Step", terminated=True),
    )
    ctx = canary_ctx(
        *runs, step_run=RunStatus(STEP_NAME, "Running"), bg_run=RunStatus(BG_NAME, "Running")
    )
    reconcile_analysis_runs(ctx)
    assert terminated(ctx) == ["old-1"]
    assert (ctx.step_run, ctx.background_run) == (
        RunStatus(STEP_NAME, "Running"),
        RunStatus(BG_NAME, "Running"),
    )


def test_step_run_from_a_previous_step_is_cancelled() -> None:
    """``analysisRunFromPreviousStep``: the status's step run was made for another step."""
    old = step_ar(step_index=0)
    ctx = canary_ctx(old, step_run=RunStatus(STEP_NAME, "Running"), background=None)
    reconcile_analysis_runs(ctx)
    assert terminated(ctx) == [STEP_NAME]
    assert ctx.step_run is None


@pytest.mark.parametrize(
    ("label", "phase", "message", "abort_message"),
    [
        ("Step", "Failed", "m", "Step-based analysis phase error/failed: m"),
        ("Step", "Error", "", "Step-based analysis phase error/failed"),
        ("Background", "Failed", "", "Background analysis phase error/failed"),
        ("Background", "Error", "m", "Background analysis phase error/failed: m"),
    ],
)
def test_canary_run_failure_aborts(
    label: str, phase: str, message: str, abort_message: str
) -> None:
    if label == "Step":
        ar = step_ar(phase, message=message)
        ctx = canary_ctx(ar, step_run=RunStatus(STEP_NAME, "Running"), background=None)
    else:
        ar = run(BG_NAME, "Background", phase, message=message)
        ctx = canary_ctx(ar, index=0, bg_run=RunStatus(BG_NAME, "Running"))
    reconcile_analysis_runs(ctx)
    assert ctx.pause.add_abort is True
    assert ctx.pause.abort_message == abort_message
    assert reasons(ctx) == [
        (
            "Warning",
            "AnalysisRun" + phase,
            f"{label} Analysis Run '{ar.name}' Status New: '{phase}' Previous: 'Running'",
        )
    ]


def test_canary_run_inconclusive_pauses() -> None:
    ar = step_ar("Inconclusive")
    ctx = canary_ctx(ar, step_run=RunStatus(STEP_NAME, "Running"), background=None)
    reconcile_analysis_runs(ctx)
    assert ctx.pause.add_reasons == ["InconclusiveAnalysisRun"]
    assert not ctx.pause.add_abort


@pytest.mark.parametrize(
    ("kw", "starts"),
    [
        ({"current_pod_hash": ""}, False),  # just created
        ({"index": 0}, False),  # before the starting step
        ({"index": 1}, True),  # at the starting step
        ({"index": 2}, True),
    ],
)
def test_background_run_start(kw: dict[str, Any], starts: bool) -> None:
    """``reconcileBackgroundAnalysisRun``: not before the rollout has a pod hash, nor before
    ``startingStep``."""
    bg = BackgroundAnalysis(templates=("bar",), starting_step=1)
    ctx = canary_ctx(background=bg, **kw)
    reconcile_analysis_runs(ctx)
    assert (BG_NAME in [s.name for s in started(ctx)]) is starts


def test_background_run_without_templates_is_cancelled() -> None:
    ar = run(BG_NAME, "Background")
    ctx = canary_ctx(ar, bg_run=RunStatus(BG_NAME, "Running"), background=BackgroundAnalysis())
    reconcile_analysis_runs(ctx)
    assert BG_NAME in terminated(ctx)
    assert ctx.background_run is None


def test_recorded_promotion_run_that_no_longer_exists_is_replaced() -> None:
    """``currentArs`` finds runs by the status's names; a name with no run is no run."""
    ctx = pre_ctx(recorded=RunStatus(PRE_NAME, "Running"))
    pre, _ = reconcile_promotion_runs(ctx, False)
    assert [s.name for s in started(ctx)] == [PRE_NAME]
    assert pre == AnalysisRunView(PRE_NAME, "PrePromotion", H2)


def test_cancelled_promotion_runs_both_terminated() -> None:
    """Cancelling (here on abort) terminates the post-promotion run too."""
    plan = bg_plan(3, pre_promotion_analysis=PRE, post_promotion_analysis=POST)
    status = bg_status(plan, abort=True)
    recorded = replace(
        status.blue_green,
        pre_promotion_run=RunStatus(PRE_NAME, "Successful"),
        post_promotion_run=RunStatus(POST_NAME, "Running"),
    )
    status = replace(status, blue_green=recorded)
    runs = (run(PRE_NAME, "PrePromotion", "Successful"), run(POST_NAME, "PostPromotion"))
    ctx = ctx_of(plan, status, rs(H1, 3), rs(H2, 3), analysis_runs=runs)
    pre, post = reconcile_promotion_runs(ctx, False)
    assert terminated(ctx) == [POST_NAME]
    assert (pre, post) == runs


def test_promotion_run_dropped_with_its_templates_is_cancelled_first() -> None:
    """``reconcilePrePromotionAnalysisRun`` cancels a run whose spec lost its templates
    before the post-promotion run is reconciled (the API calls keep Argo's order)."""
    plan = bg_plan(3, pre_promotion_analysis=PromotionAnalysis(), post_promotion_analysis=POST)
    status = bg_status(plan, active=H2)
    status = replace(
        status, blue_green=replace(status.blue_green, pre_promotion_run=RunStatus(PRE_NAME))
    )
    ctx = ctx_of(plan, status, rs(H1, 3), rs(H2, 3), analysis_runs=(run(PRE_NAME, "PrePromotion"),))
    reconcile_promotion_runs(ctx, False)
    kinds = [type(a).__name__ for a in ctx.actions if not isinstance(a, EmitEvent)]
    assert kinds == ["TerminateAnalysisRun", "StartAnalysisRun"]


@pytest.mark.parametrize(
    ("kw", "current", "skip"),
    [
        ({}, None, False),  # switched, saturated: post-promotion analysis may start
        ({"active": H1}, None, True),  # not switched yet
        ({"stable": H2}, None, True),  # already stable
        ({"new": (3, 2)}, None, True),  # not saturated, not started
        ({"new": (3, 2)}, "Running", False),  # not saturated, but started: keep it
        ({"active": H1}, "Running", True),
    ],
)
def test_skip_post_promotion(kw: dict[str, Any], current: str | None, skip: bool) -> None:
    """``skipPostPromotionAnalysisRun`` (asked by the blue-green scale-down too)."""
    ctx = post_ctx(**kw)
    ar = None if current is None else run(POST_NAME, "PostPromotion", current)
    assert skip_post_promotion(ctx, ar) is skip


def test_background_run_starting_step_without_steps() -> None:
    """``BeforeStartingStep``: without steps there is no current step to be before."""
    bg = BackgroundAnalysis(templates=("bar",), starting_step=1)
    plan = make_plan(replicas=10, background_analysis=bg)
    status = make_status(plan, index=None)
    ctx = ctx_of(plan, status, rs(H1, 9), rs(H2, 1))
    reconcile_analysis_runs(ctx)
    assert [s.name for s in started(ctx)] == [BG_NAME]


def test_run_created_while_the_stable_replica_set_is_gone() -> None:
    """The status names a stable hash whose ReplicaSet no longer exists: the run still
    starts, with an empty stable hash for its args (``GetPodTemplateHash(nil)``)."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), STEP, SetWeight(20)))
    status = make_status(plan, index=1)
    ctx = ctx_of(plan, status, rs(H2, 1))
    reconcile_analysis_runs(ctx)
    assert started(ctx) == [
        StartAnalysisRun(STEP_NAME, "Step", STEP.templates, STEP.args, H2, 2, 1, "")
    ]


def test_previous_step_run_cancelled_before_the_background_run_starts() -> None:
    """``reconcileStepBasedAnalysisRun`` cancels the stale step run before
    ``reconcileBackgroundAnalysisRun`` creates its run (Argo's call order)."""
    ctx = canary_ctx(step_ar(step_index=0), step_run=RunStatus(STEP_NAME, "Running"))
    reconcile_analysis_runs(ctx)
    kinds = [type(a).__name__ for a in ctx.actions if not isinstance(a, EmitEvent)]
    assert kinds == ["TerminateAnalysisRun", "StartAnalysisRun"]


def test_background_run_without_templates_cancelled_before_the_others() -> None:
    runs = (run("old-1", "Step"), run(BG_NAME, "Background"))
    ctx = canary_ctx(*runs, bg_run=RunStatus(BG_NAME, "Running"), background=BackgroundAnalysis())
    reconcile_analysis_runs(ctx)
    assert terminated(ctx) == [BG_NAME, "old-1"]


def test_step_run_left_alone_while_paused() -> None:
    """``reconcileStepBasedAnalysisRun``: with any pause condition the run is kept as it
    is; its failure is not acted on yet."""
    pause = (PauseCondition("CanaryPauseStep", NOW - 5),)
    ar = step_ar("Failed")
    ctx = canary_ctx(ar, step_run=RunStatus(STEP_NAME, "Failed"), background=None, pause=pause)
    reconcile_analysis_runs(ctx)
    assert ctx.step_run == RunStatus(STEP_NAME, "Failed")
    assert not ctx.pause.add_abort
    assert ctx.actions == []
