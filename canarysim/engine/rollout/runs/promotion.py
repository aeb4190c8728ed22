"""``reconcileAnalysisRuns`` for blue-green (rollout/analysis.go): the pre- and post-promotion
runs, and when Argo skips them."""

from __future__ import annotations

from typing import Literal

from canarysim.engine.model import (
    AnalysisRunView,
    BlueGreen,
    ReplicaSetView,
    RunStatus,
)
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.pause import INCONCLUSIVE_ANALYSIS
from canarysim.engine.rollout.runs.analysis import (
    _create_run,
    _emit_phase_change,
    _needs_new_run,
    _react,
    _terminate_run,
)


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
