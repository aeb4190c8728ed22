"""The blue-green ReplicaSet writes (rollout/bluegreen.go): the preview sized by
``NewRSNewReplicas`` and the old ReplicaSets scaled down by
``scaleDownOldReplicaSetsForBlueGreen`` after their delay."""

from __future__ import annotations

from canarysim.engine.model import (
    ReplicaSetView,
    ScaleReplicaSet,
)
from canarysim.engine.rollout.bluegreen.state import (
    bg_spec,
    new_replicas,
)
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.pause import INCONCLUSIVE_ANALYSIS
from canarysim.engine.rollout.runs import (
    current_promotion_runs,
    skip_post_promotion,
)
from canarysim.engine.rollout.scaling import (
    MAX_INT32,
    _add_deadline,
    _remove_scale_down_deadlines,
    abort_scale_down_delay,
    is_referenced,
    reconcile_revision_history,
    scale,
    should_delay_abort_scale_down,
)


def reconcile_replica_sets(ctx: Context) -> None:
    """``reconcileBlueGreenReplicaSets``: deadlines off the live ReplicaSets, stable to full
    size, the new one to its size (with the abort hold), old ones down after their delay,
    then the revision history."""
    _remove_scale_down_deadlines(ctx)
    if ctx.stable_rs is not None:
        scale(ctx, ctx.stable_rs, ctx.plan.replicas)
    _reconcile_new(ctx)
    _reconcile_others(ctx)
    reconcile_revision_history(ctx)


def _reconcile_new(ctx: Context) -> None:
    """``reconcileNewReplicaSet``; after an abort the preview keeps its size until the stable
    is whole, then gets a deadline, then goes to 0."""
    new = ctx.new_rs
    assert new is not None
    want = new_replicas(ctx)
    if should_delay_abort_scale_down(ctx):
        delay = abort_scale_down_delay(ctx)
        if new.scale_down_deadline is not None:
            if new.scale_down_deadline > ctx.now:
                _scale_once(ctx, new, new.replicas)
                return
            want = 0
        elif delay is not None:
            _scale_once(ctx, new, new.replicas)
            stable = ctx.stable_rs
            assert stable is not None  # shouldDelayScaleDownOnAbort needs one
            if stable.available >= ctx.plan.replicas:
                _add_deadline(ctx, new, delay)
            return
    _scale_once(ctx, new, want)


def _scale_once(ctx: Context, rs: ReplicaSetView, count: int) -> None:
    """Scale, unless this reconcile already wrote that size (the new ReplicaSet is also the
    stable one once promoted: Argo's second write of the same size is a no-op)."""
    if ScaleReplicaSet(rs.hash, count, ctx.plan.replicas) in ctx.actions:
        return
    scale(ctx, rs, count)


def _reconcile_others(ctx: Context) -> None:
    """``scaleDownOldReplicaSetsForBlueGreen``: newest first; a ReplicaSet a Service or the
    status still references is kept; the rest wait out ``scaleDownDelaySeconds`` (at most
    ``scaleDownDelayRevisionLimit`` of them) and are then scaled to 0."""
    active = [rs for rs in ctx.other_rss if rs.replicas > 0]
    if not active or ctx.pause.condition(INCONCLUSIVE_ANALYSIS) is not None:
        return
    bg, plan = bg_spec(ctx), ctx.plan
    _, post = current_promotion_runs(ctx)
    if (
        bg.post_promotion_analysis is not None
        and plan.scale_down_delay_seconds is None
        and not skip_post_promotion(ctx, post)
        and (post is None or post.phase != "Successful")
    ):
        return  # without a delay, old pods stay until post-promotion analysis succeeds
    limit = plan.scale_down_delay_revision_limit
    limit = MAX_INT32 if limit is None else limit
    annotated = 0
    for rs in sorted(active, key=lambda r: r.revision, reverse=True):
        if is_referenced(ctx, rs):
            continue
        want = 0
        if rs.scale_down_deadline is None:
            if annotated < limit:  # scaleDownDelayHelper: start the delay, keep the pods
                annotated += 1
                want = rs.replicas
                _add_deadline(ctx, rs, plan.effective_scale_down_delay)
        else:
            annotated += 1
            if annotated <= limit and rs.scale_down_deadline > ctx.now:
                want = plan.replicas
        if rs.replicas != want:
            scale(ctx, rs, want)
