"""ReplicaSet writes of one reconcile: scale stable, then new, then the others.

``reconcile_canary_replica_sets`` is ``reconcileCanaryReplicaSets`` (rollout/canary.go): it
stops at the first ReplicaSet whose size it changed, so one reconcile scales one ReplicaSet.
Also here: the scale-down deadlines (``removeScaleDownDeadlines``, ``scaleDownDelayHelper``,
the abort hold of ``reconcileNewReplicaSet``, rollout/replicaset.go) and the revision history
limit (``reconcileRevisionHistoryLimit``, rollout/sync.go).
"""

from __future__ import annotations

from canarysim.engine.model import (
    AnnotateReplicaSet,
    DeleteReplicaSet,
    ReplicaSetView,
    ScaleReplicaSet,
)
from canarysim.engine.rollout.context import Context, floor_second
from canarysim.engine.rollout.pause import INCONCLUSIVE_ANALYSIS
from canarysim.engine.rollout.traffic import aws_verify_target_groups, stable_service_now

SCALING_REASON = "ScalingReplicaSet"
MAX_INT32 = 2**31 - 1
RESYNC_PERIOD = 15 * 60.0
"""``controller.DefaultRolloutResyncPeriod`` (seconds): ``reconcileNewReplicaSet`` holds an
aborted canary only while its deadline is closer than this (the simulated controller's
resync period is the same)."""


def scale(ctx: Context, rs: ReplicaSetView, count: int) -> bool:
    """``scaleReplicaSetAndRecordEvent``: write size and desired-replicas annotation; True
    only when the size changed (an annotation-only write is not a "scale")."""
    size_changes = rs.replicas != count
    if not size_changes and rs.rollout_replicas == ctx.plan.replicas:
        return False
    ctx.actions.append(ScaleReplicaSet(rs.hash, count, ctx.plan.replicas))
    if count == 0 and rs.scale_down_deadline is not None and not should_delay_abort_scale_down(ctx):
        ctx.actions.append(AnnotateReplicaSet(rs.hash, None))
    if size_changes:
        direction = "up" if rs.replicas < count else "down"
        ctx.event(
            SCALING_REASON,
            f"Scaled {direction} ReplicaSet {ctx.rs_name(rs.hash)} (revision {rs.revision}) "
            f"from {rs.replicas} to {count}",
        )
    return size_changes


def abort_scale_down_delay(ctx: Context) -> float | None:
    """``GetAbortScaleDownDelaySecondsOrDefault`` for blue-green and a routed canary (the only
    rollouts that ask, through :func:`should_delay_abort_scale_down`: Argo's 0 for a basic
    canary is never read): 30 s by default, None (never) when explicitly 0."""
    value = ctx.plan.abort_scale_down_delay_seconds
    if value is None:
        return 30.0
    return None if value == 0 else value


def should_delay_abort_scale_down(ctx: Context) -> bool:
    """``shouldDelayScaleDownOnAbort``."""
    plan = ctx.plan
    if not ctx.pause.is_aborted() or ctx.stable_rs is None:
        return False
    if plan.blue_green is None and not plan.traffic_routing:  # basic canary
        return False
    if abort_scale_down_delay(ctx) is None:
        return False
    # HasExplicitAbortScaleDownDelay (an explicit 0 returned above)
    explicit = plan.abort_scale_down_delay_seconds is not None
    return not (plan.dynamic_stable_scale and not explicit)


def reconcile_canary_replica_sets(ctx: Context) -> bool:
    """Scale stable, else new, else the others; True when something was scaled."""
    if ctx.plan.paused or ctx.pause.condition(INCONCLUSIVE_ANALYSIS) is not None:
        return False  # haltProgress
    _remove_scale_down_deadlines(ctx)
    if _reconcile_stable(ctx):
        return True
    if _reconcile_new(ctx):
        return True
    return _reconcile_others(ctx)


def _remove_scale_down_deadlines(ctx: Context) -> None:
    new, stable = ctx.new_rs, ctx.stable_rs
    if (new is None or new.scale_down_deadline is None) and (
        stable is None or stable.scale_down_deadline is None
    ):
        return  # no deadline to remove (most reconciles): the abort hold need not be asked
    todo: list[ReplicaSetView] = []
    if ctx.new_rs is not None and not should_delay_abort_scale_down(ctx):
        todo.append(ctx.new_rs)
    # (by identity: the views of one ReplicaSet are one object in a context, so this is
    # the membership test without comparing two views field by field; todo holds at most
    # the new ReplicaSet)
    if ctx.stable_rs is not None and not (todo and todo[0] is ctx.stable_rs):
        todo.append(ctx.stable_rs)
    for rs in todo:
        if rs.scale_down_deadline is not None:
            ctx.actions.append(AnnotateReplicaSet(rs.hash, None))


def _reconcile_stable(ctx: Context) -> bool:
    """``reconcileCanaryStableReplicaSet``: with traffic routing the stable follows the
    weights persisted *before* this reconcile, so it lags the router by one reconcile."""
    if not ctx.check_stable_rs_exists():
        return False
    assert ctx.stable_rs is not None
    _, want = ctx.desired_counts(ctx.status.canary_weights)
    return scale(ctx, ctx.stable_rs, want)


def _reconcile_new(ctx: Context) -> bool:
    """``reconcileNewReplicaSet``, with the abort hold: after an abort the canary keeps its
    size until the stable is whole, then gets a deadline, then goes to 0."""
    new = ctx.new_rs
    assert new is not None  # decide() creates it first and ends that reconcile
    want, _ = ctx.desired_counts(ctx.new_weights)  # a basic canary's weights go unread
    if should_delay_abort_scale_down(ctx):
        if new.scale_down_deadline is not None:
            remaining = new.scale_down_deadline - ctx.now
            if remaining <= 0:
                want = 0
            elif remaining < RESYNC_PERIOD:
                scale(ctx, new, new.replicas)  # syncNewRSReplicasAnnotation
                return False
            # A deadline a resync period or more ahead holds nothing in Argo: the canary
            # goes straight to its aborted size (reconcileNewReplicaSet, rollout/replicaset.go).
        else:
            # shouldDelayScaleDownOnAbort has ruled out a missing stable and a delay of "never".
            delay = abort_scale_down_delay(ctx)
            assert delay is not None
            assert ctx.stable_rs is not None
            scale(ctx, new, new.replicas)
            if ctx.stable_rs.available >= ctx.plan.replicas:
                _add_deadline(ctx, new, delay)
            return False
    return scale(ctx, new, want)


def _add_deadline(ctx: Context, rs: ReplicaSetView, delay: float) -> None:
    """``addScaleDownDelay``: the annotation is RFC3339, so whole seconds."""
    if delay == 0:
        if rs.scale_down_deadline is not None:
            ctx.actions.append(AnnotateReplicaSet(rs.hash, None))
        return
    ctx.actions.append(AnnotateReplicaSet(rs.hash, floor_second(ctx.now + delay)))


def is_referenced(ctx: Context, rs: ReplicaSetView) -> bool:
    """``isReplicaSetReferenced``: the status, a Service or a DestinationRule subset still
    points at this ReplicaSet."""
    st, obs, plan = ctx.status, ctx.obs, ctx.plan
    refs = {
        st.stable_rs,
        st.current_pod_hash,
        st.blue_green.active_selector,
        st.blue_green.preview_selector,
    }
    if st.canary_weights is not None:
        refs |= {
            st.canary_weights.canary.pod_template_hash,
            st.canary_weights.stable.pod_template_hash,
        }
    bg = plan.blue_green
    services = (
        (
            (plan.canary_service, obs.canary_service_hash),
            (plan.stable_service, obs.stable_service_hash),
        )
        if bg is None
        else (
            (bg.active_service, obs.active_service_hash),
            (bg.preview_service, obs.preview_service_hash),
        )
    )
    refs |= {selected for name, selected in services if name}
    refs |= set(obs.destination_rule_hashes)  # isReplicaSetReferencedByIstioDestinationRule
    return rs.hash in refs


def _reconcile_others(ctx: Context) -> bool:
    """``reconcileOtherReplicaSets`` / ``scaleDownOldReplicaSetsForCanary``."""
    if not ctx.other_rss:  # (most reconciles: no old ReplicaSet, no list to build)
        return False
    plan = ctx.plan
    active = [rs for rs in ctx.other_rss if rs.replicas > 0]
    if not active:
        return False
    # cleanupUnhealthyReplicas (rollout/replicaset.go): first shrink each old RS to what is
    # available, oldest first (as ctx.other_rss is sorted). More available than desired (a
    # scale-down whose pods are not gone yet) is its "invalid request to scale down" error,
    # on which scaleDownOldReplicaSetsForCanary gives up for this reconcile and reports
    # nothing scaled; the shrinks already written stand.
    size = {rs.hash: rs.replicas for rs in active}
    cleaned = False
    for rs in active:
        if rs.available > rs.replicas:
            return False
        if rs.available < rs.replicas:
            scale(ctx, rs, rs.available)
            size[rs.hash] = rs.available
            cleaned = True
    _, unavailable = ctx.fenceposts()
    budget = sum(r.available for r in ctx.obs.replica_sets) - (plan.replicas - unavailable)
    if budget <= 0:
        return False
    if not _can_proceed_with_scale_down_annotation(ctx, active, size):
        return False
    # totalScaledDown > 0: every term of Argo's count is positive, so "did anything shrink",
    # the clean-up included once the loop is reached.
    scaled = cleaned
    delayed = 0
    for rs in sorted(active, key=lambda r: r.revision, reverse=True):
        if plan.traffic_routing and is_referenced(ctx, rs):
            continue
        if budget <= 0:
            break
        current = size[rs.hash]
        if current == 0:
            continue
        want = 0
        if not plan.traffic_routing:
            want = max(0, current - budget)
        elif (
            ctx.fully_promoted or rs.scale_down_deadline is not None
        ) and not plan.dynamic_stable_scale:
            delayed, want = _scale_down_delay(ctx, rs, current, delayed)
        if current == want:
            continue
        scale(ctx, rs, want)
        # Argo takes off what was scaled down (current - want); want is above 0 only in a
        # basic canary's partial scale-down, which spends the whole budget either way.
        budget -= current
        scaled = True
    return scaled


def _can_proceed_with_scale_down_annotation(
    ctx: Context, active: list[ReplicaSetView], size: dict[str, int]
) -> bool:
    """``canProceedWithScaleDownAnnotation`` (rollout/canary.go): an ALB canary with an old
    ReplicaSet still up and without a deadline verifies the stable Service's target groups
    first; nothing is scaled down or annotated until they hold the stable pods."""
    if not ctx.plan.alb:
        return True
    if not any(size[rs.hash] > 0 and rs.scale_down_deadline is None for rs in active):
        return True  # every old one is down or annotated: verified before, no AWS call
    aws_verify_target_groups(ctx, *stable_service_now(ctx))
    return ctx.targets_verified is not False


def _scale_down_delay(
    ctx: Context, rs: ReplicaSetView, current: int, delayed: int
) -> tuple[int, int]:
    """``scaleDownDelayHelper``: annotate an old stable with ``now + scaleDownDelaySeconds``
    and keep it; keep it until the deadline passes; beyond ``scaleDownDelayRevisionLimit``
    delayed ReplicaSets, scale to 0 at once. Returns (delayed count, desired size)."""
    limit = ctx.plan.scale_down_delay_revision_limit
    limit = MAX_INT32 if limit is None else limit
    if rs.scale_down_deadline is None:  # the caller skips ReplicaSets already at 0
        if delayed < limit:
            _add_deadline(ctx, rs, ctx.plan.effective_scale_down_delay)
            return delayed + 1, current
        return delayed, 0
    delayed += 1
    # GetTimeRemainingBeforeScaleDownDeadline: only a deadline strictly after now remains.
    if delayed <= limit and rs.scale_down_deadline - ctx.now > 0:
        return delayed, current
    return delayed, 0


def reconcile_revision_history(ctx: Context) -> None:
    """``reconcileRevisionHistoryLimit``: delete the oldest scaled-down other ReplicaSets
    beyond ``revisionHistoryLimit``."""
    # (other_rss is sorted oldest first already, by creation time then revision)
    excess = len(ctx.other_rss) - ctx.plan.revision_history_limit
    if excess <= 0:  # (most reconciles: nothing to delete, no slice to build)
        return
    for rs in ctx.other_rss[:excess]:
        if rs.status_replicas == 0 and rs.replicas == 0:
            ctx.actions.append(DeleteReplicaSet(rs.hash))


def next_deadline(ctx: Context) -> float | None:
    """The earliest future scale-down deadline on any ReplicaSet (for ``requeue_after``)."""
    future = [
        rs.scale_down_deadline
        for rs in ctx.obs.replica_sets
        if rs.scale_down_deadline is not None and rs.replicas > 0
    ]
    return min(future) if future else None
