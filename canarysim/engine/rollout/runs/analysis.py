"""``reconcileAnalysisRuns`` for the canary (rollout/analysis.go): the step and background runs
started, followed and cancelled, and what the blue-green promotion runs share with them:
naming and starting a run, cancelling one, when a new one is needed, how its phase pauses or
aborts the rollout, and the phase-change events."""

from __future__ import annotations

from canarysim.engine.model import (
    Analysis,
    AnalysisRunView,
    BackgroundAnalysis,
    PromotionAnalysis,
    RunKind,
    RunStatus,
    StartAnalysisRun,
    TerminateAnalysisRun,
    step_part,
)
from canarysim.engine.rollout.context import COMPLETED_PHASES, Context
from canarysim.engine.rollout.pause import (
    BLUE_GREEN_PAUSE,
    CANARY_PAUSE_STEP,
    INCONCLUSIVE_ANALYSIS,
)
from canarysim.engine.rollout.runs.rollback import is_fast_rollback


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
