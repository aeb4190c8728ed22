"""The blue-green Service switches (rollout/service.go): ``reconcilePreviewService`` and
``reconcileActiveService`` through ``switchServiceSelector``."""

from __future__ import annotations

from typing import Literal

from canarysim.engine.model import (
    SetServiceSelector,
)
from canarysim.engine.rollout.bluegreen.state import (
    bg_spec,
    completed_pause,
    completed_pre_promotion,
    fast_tracked,
    halt_progress,
    ready_for_pause,
    saturated,
    selector_of,
)
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.runs import (
    current_promotion_runs,
)

SWITCH_SERVICE_REASON = "SwitchService"


def switch(ctx: Context, role: Literal["active", "preview"], pod_hash: str) -> None:
    """``switchServiceSelector``: the Service now selects ``pod_hash``; Argo's event. Each
    Service is switched at most once a reconcile, so what it selects is what was observed.
    Like Argo, no guard against an empty hash (an abort before any stable ReplicaSet points
    the active Service at ``""``); the Service names are required (``activeService``) or
    checked by the caller (``previewService``)."""
    bg = bg_spec(ctx)
    service = bg.active_service if role == "active" else bg.preview_service
    current = selector_of(ctx, role)
    if current == pod_hash:
        return
    ctx.services[role] = pod_hash
    ctx.actions.append(SetServiceSelector(role, pod_hash))
    ctx.event(
        SWITCH_SERVICE_REASON,
        f"Switched selector for service '{service}' from '{current}' to '{pod_hash}'",
    )


def reconcile_preview_service(ctx: Context) -> None:
    """``reconcilePreviewService``: the preview Service follows the new ReplicaSet at once."""
    if not bg_spec(ctx).preview_service or halt_progress(ctx):
        return
    assert ctx.new_rs is not None
    switch(ctx, "preview", ctx.new_rs.hash)


def reconcile_active_service(ctx: Context) -> None:
    """``reconcileActiveService``: switch once the new ReplicaSet is saturated and the pause
    and pre-promotion analysis are done (or the update is fast-tracked); back to stable on
    abort."""
    assert ctx.new_rs is not None
    if (
        halt_progress(ctx)
        or not ready_for_pause(ctx)
        or not saturated(ctx.new_rs, ctx.plan.replicas)
    ):
        return
    active = selector_of(ctx, "active")
    want = active
    if fast_tracked(ctx, active):
        want = ctx.new_rs.hash
    pre, _ = current_promotion_runs(ctx)
    if completed_pause(ctx) and completed_pre_promotion(pre, bg_spec(ctx)):
        want = ctx.new_rs.hash
    if ctx.status.abort:
        want = ctx.status.stable_rs
    switch(ctx, "active", want)
