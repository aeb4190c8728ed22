"""When AnalysisRuns and Experiments start, stop, pause or abort the rollout.

``reconcile_experiments`` is ``reconcileExperiments`` (rollout/experiment.go) and
``reconcile_analysis_runs`` is ``reconcileAnalysisRuns`` with its step and background halves
(rollout/analysis.go). The runs themselves are executed by the simulator; the engine only
names them, starts and terminates them, and reacts to their phase: Failed/Error abort the
rollout, Inconclusive pauses it (argo-analysis §5).
"""

from __future__ import annotations

from typing import Literal

from canarysim.engine.model import (
    Analysis,
    AnalysisRunView,
    BackgroundAnalysis,
    BlueGreen,
    Experiment,
    ExperimentView,
    PromotionAnalysis,
    ReplicaSetView,
    RunKind,
    RunStatus,
    StartAnalysisRun,
    StartExperiment,
    TerminateAnalysisRun,
    TerminateExperiment,
    step_part,
)
from canarysim.engine.rollout.context import COMPLETED_PHASES, Context
from canarysim.engine.rollout.pause import (
    BLUE_GREEN_PAUSE,
    CANARY_PAUSE_STEP,
    INCONCLUSIVE_ANALYSIS,
    INCONCLUSIVE_EXPERIMENT,
)

# --------------------------------------------------------------------------------------------
# Experiments
# --------------------------------------------------------------------------------------------


def reconcile_experiments(ctx: Context) -> None:
    """Create the experiment of an ``experiment`` step, follow its phase, cancel the rest."""
    if not ctx.obs.experiments and step_part(ctx.current_step()[0], Experiment) is None:
        return  # nothing to follow or cancel (a current one is one observed), nor to create
    status = ctx.status
    current = ctx.current_ex
    others = [e for e in ctx.obs.experiments if e is not current]
    if ctx.pause.is_aborted() or status.promote_full:
        for ex in [*others, *([current] if current else [])]:
            _terminate_experiment(ctx, ex)
        return
    if ctx.pause.condition(INCONCLUSIVE_ANALYSIS) is not None:
        # Argo returns before SetCurrentExperiment, so the status forgets the experiment
        # (left running); on resume, creating it again finds it by name and adopts it.
        return
    whole, index = ctx.current_step()
    step = step_part(whole, Experiment)
    if step is not None and index is not None:
        assert ctx.new_rs is not None  # created before any stage runs
        if current is None:
            if ctx.stable_rs is None:
                return
            current = _create_experiment(ctx, step, index, ctx.new_rs.hash, ctx.stable_rs.hash)
            others = [e for e in others if e is not current]
        if current is not None:  # None: created just now, no phase yet
            _follow_experiment(ctx, current)
    elif current is not None:
        others.append(current)
    for ex in others:
        _terminate_experiment(ctx, ex)


def _follow_experiment(ctx: Context, current: ExperimentView) -> None:
    """Inconclusive pauses the rollout, Failed/Error abort it; Successful is no longer
    the status's experiment."""
    phase = current.phase
    if phase == "Inconclusive":
        ctx.pause.add_pause(INCONCLUSIVE_EXPERIMENT)
    elif phase in ("Error", "Failed"):
        message = "Experiment analysis phase is error/failed"
        if current.message:
            message += ": " + current.message
        ctx.pause.abort(message)
    elif phase != "Successful":
        ctx.experiment = RunStatus(current.name, phase, current.message)


def _create_experiment(
    ctx: Context, step: Experiment, index: int, new_hash: str, stable_hash: str
) -> ExperimentView | None:
    """``createExperimentWithCollisionHandling``: ``<rollout>-<hash>-<revision>-<step>``, then
    ``-1``, ``-2``... past a name taken, except that an experiment of that name still going
    (not finished, not terminated: its spec equals the new one) is adopted and returned. A new
    one has no phase yet (None). ``ExperimentCreated`` is emitted either way
    (rollout/experiment.go)."""
    base = f"{ctx.plan.name}-{new_hash}-{ctx.revision}-{index}"
    by_name = {e.name: e for e in ctx.obs.experiments}
    name, n, adopted = base, 0, None
    while (taken := by_name.get(name)) is not None:
        if not taken.terminated and taken.phase not in COMPLETED_PHASES:
            adopted = taken
            break
        n += 1
        name = f"{base}-{n}"
    if adopted is None:
        ctx.actions.append(StartExperiment(name, index, step, new_hash, stable_hash, ctx.revision))
        ctx.experiment = RunStatus(name)
    ctx.event("ExperimentCreated", f"Created Experiment '{name}'")
    return adopted


def _terminate_experiment(ctx: Context, ex: ExperimentView) -> None:
    """``cancelExperiments``: terminate an experiment still going."""
    if not ex.terminated and ex.phase not in COMPLETED_PHASES:
        ctx.actions.append(TerminateExperiment(ex.name))


def experiment_successful(ctx: Context) -> bool:
    return ctx.current_ex is not None and ctx.current_ex.phase == "Successful"


# --------------------------------------------------------------------------------------------
# AnalysisRuns
# --------------------------------------------------------------------------------------------


def is_rollback(ctx: Context) -> bool:
    """``isRollback``: back to the stable template, or to a ReplicaSet older than stable."""
    new, stable = ctx.new_rs, ctx.stable_rs
    if new is None or stable is None:
        return False
    return ctx.status.stable_rs == new.hash or new.created < stable.created


def rollback_within_window(ctx: Context) -> bool:
    """``isRollbackWithinWindow``: fewer than ``rollbackWindow.revisions`` ReplicaSets were
    created between the target and the current stable."""
    new, stable = ctx.new_rs, ctx.stable_rs
    if new is None or stable is None or not new.created < stable.created:
        return False
    # Argo counts only for revisions > 0; a count is never below 0, so `<` says that too.
    between = sum(1 for rs in ctx.obs.replica_sets if new.created < rs.created < stable.created)
    return between < (ctx.plan.rollback_window_revisions or 0)


def is_fast_rollback(ctx: Context) -> bool:
    """``isFastRollback``: a rollback to stable, within the window, or (blue-green only) to
    a ReplicaSet still inside its scale-down delay (``newRSWithinDelay``)."""
    if not is_rollback(ctx):
        return False
    new = ctx.new_rs
    assert new is not None
    within_delay = (
        ctx.plan.blue_green is not None
        and new.scale_down_deadline is not None
        and new.scale_down_deadline > ctx.now
    )
    return rollback_within_window(ctx) or within_delay or ctx.status.stable_rs == new.hash


def reconcile_analysis_runs(ctx: Context) -> None:
    """Start, follow or cancel the step and background runs; cancel every other run."""
    bg = ctx.plan.background_analysis
    if not ctx.obs.analysis_runs and (bg is None or not bg.templates):
        step = step_part(ctx.current_step()[0], Analysis)
        if step is None or not step.templates:
            # Nothing to follow, cancel or report (a current run is one observed), nor to start.
            ctx.step_run = ctx.background_run = None
            return
    status = ctx.status
    cancel_all = (
        ctx.fully_promoted
        or ctx.pause.is_aborted()
        or status.promote_full
        or is_fast_rollback(ctx)
        or not status.stable_rs
    )
    step_ar: AnalysisRunView | None = None
    bg_ar: AnalysisRunView | None = None
    if cancel_all:
        for ar in (ctx.current_step_ar, ctx.current_background_ar):
            _terminate_run(ctx, ar)
    else:
        step_ar = _reconcile_step_run(ctx)
        bg_ar = _reconcile_background_run(ctx)
    ctx.step_run = run_status(ctx, step_ar)
    ctx.background_run = run_status(ctx, bg_ar)
    if ctx.obs.analysis_runs:  # (most reconciles observe none: no set to build)
        current_names = {ar.name for ar in (step_ar, bg_ar) if ar is not None}
        for ar in ctx.obs.analysis_runs:
            if ar.name not in current_names:
                _terminate_run(ctx, ar)
    _emit_phase_change(ctx, status.current_step_analysis_run, step_ar, "Step")
    _emit_phase_change(ctx, status.current_background_analysis_run, bg_ar, "Background")


def run_status(ctx: Context, ar: AnalysisRunView | None) -> RunStatus | None:
    """``status.canary.current*AnalysisRunStatus``; a run created just now has no phase."""
    if ar is None:
        return None
    if ar.name in ctx.created_runs:
        return RunStatus(ar.name)
    return RunStatus(ar.name, ar.phase, ar.message)


def _terminate_run(ctx: Context, ar: AnalysisRunView | None) -> None:
    """``cancelAnalysisRuns``: patch ``terminate`` on a run that is still going (once)."""
    if ar is None or ar.terminated or ar.phase in COMPLETED_PHASES:
        return
    if TerminateAnalysisRun(ar.name) not in ctx.actions:
        ctx.actions.append(TerminateAnalysisRun(ar.name))


def _needs_new_run(ctx: Context, current: AnalysisRunView | None) -> bool:
    """``needsNewAnalysisRun``: no run yet; a resumed rollout whose run was Inconclusive
    (a pause for a canary step or the BlueGreenPause, which also set controllerPause, is no
    resume); or the first reconcile after a retry (abortedAt still set)."""
    if current is None:
        return True
    st = ctx.status
    if (
        st.controller_pause
        and ctx.pause.condition(CANARY_PAUSE_STEP) is None
        and ctx.pause.condition(BLUE_GREEN_PAUSE) is None
    ):
        return current.phase == "Inconclusive"
    return st.aborted_at is not None


def _create_run(
    ctx: Context,
    kind: RunKind,
    spec: Analysis | BackgroundAnalysis | PromotionAnalysis,
    index: int | None = None,
    suffix: str = "",
) -> AnalysisRunView:
    """Name the run as Argo does (``<rollout>-<hash>-<revision>[-<step>|-pre|-post]``, ``.N``
    on a collision) and ask the world to start it."""
    assert ctx.new_rs is not None
    parts = [ctx.plan.name, ctx.new_rs.hash, str(ctx.revision)]
    if index is not None:
        parts.append(str(index))
    if suffix:
        parts.append(suffix)
    name = _free_name("-".join(parts), {a.name for a in ctx.obs.analysis_runs}, ".")
    stable_hash = ctx.stable_rs.hash if ctx.stable_rs is not None else ""
    ctx.actions.append(
        StartAnalysisRun(
            name, kind, spec.templates, spec.args, ctx.new_rs.hash, ctx.revision, index, stable_hash
        )
    )
    ctx.created_runs.add(name)
    return AnalysisRunView(name, kind, ctx.new_rs.hash)


def _free_name(base: str, taken: set[str], sep: str) -> str:
    if base not in taken:
        return base
    n = 1
    while f"{base}{sep}{n}" in taken:
        n += 1
    return f"{base}{sep}{n}"


def _react(ctx: Context, ar: AnalysisRunView, label: str) -> None:
    """Inconclusive pauses the rollout; Failed/Error abort it with Argo's message."""
    if ar.phase == "Inconclusive":
        ctx.pause.add_pause(INCONCLUSIVE_ANALYSIS)
    elif ar.phase in ("Error", "Failed"):
        message = f"{label} analysis phase error/failed"
        if ar.message:
            message += ": " + ar.message
        ctx.pause.abort(message)


def _reconcile_step_run(ctx: Context) -> AnalysisRunView | None:
    """``reconcileStepBasedAnalysisRun``."""
    whole, index = ctx.current_step()
    step = step_part(whole, Analysis)
    current = ctx.current_step_ar
    # Argo also returns here on status.abort, which never reaches this far (it cancels all).
    if ctx.status.pause_conditions:
        return current
    # A step implies its index; a run made for another step is "from a previous step".
    if step is None or not step.templates or (current is not None and current.step_index != index):
        _terminate_run(ctx, current)
        return None
    if _needs_new_run(ctx, current):
        return _create_run(ctx, "Step", step, index)
    assert current is not None
    _react(ctx, current, "Step-based")
    return current


def _before_starting_step(ctx: Context, bg: BackgroundAnalysis) -> bool:
    """``BeforeStartingStep`` (an unset ``startingStep`` is 0, which no index is before)."""
    _, index = ctx.current_step()
    return index is not None and index < bg.starting_step


def _reconcile_background_run(ctx: Context) -> AnalysisRunView | None:
    """``reconcileBackgroundAnalysisRun``: runs beside the steps and never blocks them."""
    bg = ctx.plan.background_analysis
    current = ctx.current_background_ar
    if bg is None or not bg.templates:
        _terminate_run(ctx, current)
        return None
    # Argo also returns None when fully promoted or without a stable ReplicaSet: both cancel
    # every run before this is reached.
    if not ctx.status.current_pod_hash or _before_starting_step(ctx, bg):
        return None
    if ctx.pause.condition(INCONCLUSIVE_ANALYSIS) is not None:
        return current
    if _needs_new_run(ctx, current):
        return _create_run(ctx, "Background", bg)
    assert current is not None
    _react(ctx, current, "Background")
    return current


def _emit_phase_change(
    ctx: Context, previous: RunStatus | None, ar: AnalysisRunView | None, label: str
) -> None:
    """``emitAnalysisRunStatusChanges``: "<Step|Background> Analysis Run '<name>' Status New:
    '<phase>' Previous: '<phase>'" with reason ``AnalysisRun<Phase>``."""
    if ar is None or ar.name in ctx.created_runs:
        return
    if previous is None or (previous.name == ar.name and previous.phase != ar.phase):
        before = "NoPreviousStatus" if previous is None else previous.phase
        ctx.event(
            "AnalysisRun" + ar.phase,
            f"{label} Analysis Run '{ar.name}' Status New: '{ar.phase}' Previous: '{before}'",
            warning=ar.phase in ("Failed", "Error"),
        )


# --------------------------------------------------------------------------------------------
# Blue-green: pre- and post-promotion analysis (rollout/analysis.go)
# --------------------------------------------------------------------------------------------


def _named_run(ctx: Context, run: RunStatus | None) -> AnalysisRunView | None:
    if run is None:
        return None
    return next((a for a in ctx.obs.analysis_runs if a.name == run.name), None)


def current_promotion_runs(ctx: Context) -> tuple[AnalysisRunView | None, AnalysisRunView | None]:
    """The pre- and post-promotion runs the status names (``currentArs``), if they exist."""
    bg = ctx.status.blue_green
    return _named_run(ctx, bg.pre_promotion_run), _named_run(ctx, bg.post_promotion_run)


def _is_saturated(ctx: Context) -> bool:
    """``annotations.IsSaturated`` of the new ReplicaSet."""
    new, r = ctx.new_rs, ctx.plan.replicas
    return (
        new is not None and new.replicas == r and new.rollout_replicas == r and new.available == r
    )


def _skip_pre(
    ctx: Context, bg: BlueGreen, new: ReplicaSetView, current: AnalysisRunView | None
) -> bool:
    """``skipPrePromotionAnalysisRun``: promoted already, first deploy, or (before it started)
    the preview is not at its size yet."""
    active = ctx.status.blue_green.active_selector
    if ctx.status.stable_rs == new.hash or not active or active == new.hash:
        return True
    if current is not None:
        return False
    if bg.preview_replica_count is not None:
        want = bg.preview_replica_count
        return new.replicas != want or new.available != want
    return not _is_saturated(ctx)


def skip_post_promotion(ctx: Context, current: AnalysisRunView | None) -> bool:
    """``skipPostPromotionAnalysisRun``: stable already, or the active Service has not been
    switched to the new pods yet, or (before it started) they are not saturated."""
    assert ctx.new_rs is not None
    pod_hash = ctx.new_rs.hash
    if ctx.status.stable_rs == pod_hash or ctx.status.blue_green.active_selector != pod_hash:
        return True
    if current is not None:
        return False
    return not _is_saturated(ctx)


def _promotion_run(
    ctx: Context, current: AnalysisRunView | None, which: Literal["pre", "post"]
) -> AnalysisRunView | None:
    """``reconcilePrePromotionAnalysisRun`` / ``reconcilePostPromotionAnalysisRun``."""
    post = which == "post"
    bg, new = ctx.plan.blue_green, ctx.new_rs
    assert bg is not None
    assert new is not None
    spec = bg.post_promotion_analysis if post else bg.pre_promotion_analysis
    if spec is None or not spec.templates:
        _terminate_run(ctx, current)
        return None
    if post:  # areTargetsVerified
        skip = skip_post_promotion(ctx, current) or ctx.targets_verified is False
    else:
        skip = _skip_pre(ctx, bg, new, current)
    if skip:
        _terminate_run(ctx, current)
        return current
    if ctx.pause.condition(INCONCLUSIVE_ANALYSIS) is not None:
        return current
    if not _needs_new_run(ctx, current):
        return current
    return _create_run(ctx, "PostPromotion" if post else "PrePromotion", spec, suffix=which)


def _pause_or_abort_blue_green(ctx: Context, ar: AnalysisRunView | None, which: str) -> None:
    """``setPauseOrAbortForBlueGreen``."""
    if ar is not None and ar.name not in ctx.created_runs:
        _react(ctx, ar, f"Blue/green {which}-promotion")


def reconcile_promotion_runs(
    ctx: Context, fast_rollback: bool
) -> tuple[AnalysisRunView | None, AnalysisRunView | None]:
    """``reconcileAnalysisRuns`` for blue-green: start, follow or cancel the pre- and
    post-promotion runs (kept in the status once cancelled), cancel every other run. Returns
    the current (pre, post) runs."""
    status = ctx.status
    pre, post = current_promotion_runs(ctx)
    cancel_all = (
        ctx.fully_promoted
        or ctx.pause.is_aborted()
        or status.promote_full
        or fast_rollback
        or not status.stable_rs
    )
    if cancel_all:
        _terminate_run(ctx, pre)
        _terminate_run(ctx, post)
    else:
        pre = _promotion_run(ctx, pre, "pre")
        _pause_or_abort_blue_green(ctx, pre, "pre")
        post = _promotion_run(ctx, post, "post")
        _pause_or_abort_blue_green(ctx, post, "post")
    current = {ar.name for ar in (pre, post) if ar is not None}
    for ar in ctx.obs.analysis_runs:
        if ar.name not in current:
            _terminate_run(ctx, ar)
    bg = status.blue_green
    _emit_phase_change(ctx, bg.post_promotion_run, post, "PostPromotion")
    _emit_phase_change(ctx, bg.pre_promotion_run, pre, "PrePromotion")
    return pre, post
