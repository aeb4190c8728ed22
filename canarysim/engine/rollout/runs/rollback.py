"""Rollbacks as the run reconcilers see them: ``isRollback``, ``isRollbackWithinWindow`` and
``isFastRollback`` (rollout/analysis.go, rollout/replicaset.go). A fast rollback cancels every
run and is also what ``status.duration`` records as the attempt's outcome."""

from __future__ import annotations

from canarysim.engine.rollout.context import Context


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
