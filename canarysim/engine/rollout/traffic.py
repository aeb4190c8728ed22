"""Services and router weights of one reconcile.

``reconcile_services`` is ``reconcileStableAndCanaryService`` (rollout/service.go);
``reconcile_traffic_routing`` is ``reconcileTrafficRouting`` (rollout/trafficrouting.go): which
weight the router gets this reconcile, and what ``status.canary.weights`` then records.
Router actions are emitted on every reconcile, as Argo calls the router every time; they are
idempotent writes and the world applies them as such.
"""

from __future__ import annotations

import math

from canarysim.engine.model import (
    Experiment,
    Plan,
    RemoveManagedRoutes,
    ReplicaSetView,
    SetHeaderRoute,
    SetMirrorRoute,
    SetServiceSelector,
    SetTrafficHeaderRoute,
    SetTrafficMirrorRoute,
    SetTrafficWeight,
    SetWeight,
    TrafficWeights,
    UpdateTrafficHash,
    WeightDestination,
    step_part,
)
from canarysim.engine.rollout.context import Context, prior_set_weights
from canarysim.engine.trafficrouting.alb.targets import (
    should_verify_target_group,
    verify_target_groups,
)
from canarysim.engine.trafficrouting.alb.verify import verify_weight

TRAFFIC_WEIGHT_UPDATED = "TrafficWeightUpdated"


def _ensure_service(
    ctx: Context, role: str, service: str, current: str, rs: ReplicaSetView | None, check: bool
) -> None:
    """``ensureSVCTargets``: point a Service at ``rs``. A Service the rollout has never
    switched (no selector yet) is adopted only once ``rs`` is fully available; afterwards
    one available pod is enough.

    Argo edits its cached Service in place, so a second call in the same reconcile sees the
    first one's switch (after an abort with traffic routing the canary Service goes to the
    canary and straight back to stable). Only the net switch of the reconcile is emitted."""
    current = ctx.services.get(role, current)
    if rs is None or not service or current == rs.hash:
        return
    if check and not current and rs.available < rs.replicas:
        return
    if check and rs.available <= 0:
        return
    ctx.services[role] = rs.hash
    ctx.actions[:] = [
        a for a in ctx.actions if not (isinstance(a, SetServiceSelector) and a.role == role)
    ]
    seen = ctx.obs.canary_service_hash if role == "canary" else ctx.obs.stable_service_hash
    if rs.hash != seen:
        ctx.actions.append(SetServiceSelector("canary" if role == "canary" else "stable", rs.hash))


def reconcile_services(ctx: Context) -> None:
    """``reconcilePingAndPongService``, then ``reconcileStableAndCanaryService``."""
    plan, obs = ctx.plan, ctx.obs
    if plan.ping_service and not ctx.fully_promoted and ctx.new_rs is not None:
        # The canary side of GetStableAndCanaryServices(preferPingPong): pong while ping is
        # stable, else ping; pointed at the new ReplicaSet without an availability check.
        if ctx.status.stable_ping_pong == "ping":
            if obs.pong_service_hash != ctx.new_rs.hash:
                ctx.actions.append(SetServiceSelector("pong", ctx.new_rs.hash))
        elif obs.ping_service_hash != ctx.new_rs.hash:
            ctx.actions.append(SetServiceSelector("ping", ctx.new_rs.hash))
    _ensure_service(
        ctx, "stable", plan.stable_service, obs.stable_service_hash, ctx.stable_rs, True
    )
    if ctx.pause.is_aborted() and not plan.traffic_routing:
        _ensure_service(
            ctx, "canary", plan.canary_service, obs.canary_service_hash, ctx.stable_rs, True
        )
        return
    if dynamically_rolling_back(ctx) is not None:
        return
    _ensure_service(ctx, "canary", plan.canary_service, obs.canary_service_hash, ctx.new_rs, True)


def dynamically_rolling_back(ctx: Context) -> str | None:
    """``IsDynamicallyRollingBackToStable``: fully promoted back to an older ReplicaSet
    while the router still points the canary at the previous hash (dynamicStableScale).
    Returns that previous canary hash."""
    plan, status, new = ctx.plan, ctx.status, ctx.new_rs
    if not ctx.fully_promoted or not plan.traffic_routing or not plan.dynamic_stable_scale:
        return None
    if status.canary_weights is None or new is None:
        return None
    previous = status.canary_weights.canary.pod_template_hash
    if previous == new.hash or new.available >= plan.replicas:
        return None
    return previous


def _desired_canary_weight_on_abort(plan: Plan, new: ReplicaSetView, stable: ReplicaSetView) -> int:
    """``GetDesiredCanaryWeight`` (utils/replicaset/canary.go) when aborted with
    dynamicStableScale: walk back through the setWeight steps to the first one whose replica
    count is below what the canary holds. An explicit ``abortScaleDownDelaySeconds`` (not 0:
    ``HasExplicitAbortScaleDownDelay``) keeps the canary up, so only the stable's shortfall
    counts then."""
    r, mw = plan.replicas, plan.max_weight
    expected = r - stable.available
    canary = max(expected, new.available)
    if plan.abort_scale_down_delay_seconds not in (None, 0):
        canary = expected
    for step in reversed(plan.steps):
        weight = step_part(step, SetWeight)
        if weight is not None and math.ceil(weight.weight * r / mw) < canary:
            return weight.weight
    return 0


def weight_on_abort(ctx: Context) -> int:
    """``calculateDesiredWeightOnAbortOrStableRollback``: 0, or with dynamicStableScale a
    weight that steps down as the stable ReplicaSet becomes available, never increasing."""
    plan, new, stable = ctx.plan, ctx.new_rs, ctx.stable_rs
    if not plan.dynamic_stable_scale or stable is None or new is None or plan.replicas == 0:
        return 0
    mw, r = plan.max_weight, plan.replicas
    if ctx.status.abort:
        desired = _desired_canary_weight_on_abort(plan, new, stable)
    else:
        desired = ctx.current_set_weight()
    expected = max(0, mw - (mw * stable.available) // r)
    weights = ctx.status.canary_weights
    if weights is None:
        return max(expected, desired)
    current = weights.canary.weight
    if desired <= 0:
        return min(expected, current)
    # Argo: (maxWeight * stableAvailable) / replicas < maxWeight - desired, in integers; the
    # same comparison without the division (floor(a / r) < b  <=>  a < b * r for an integer b).
    if mw * stable.available < (mw - desired) * r:
        return current
    return min(desired, current)


def _experiment_weights(ctx: Context) -> tuple[WeightDestination, ...]:
    """``calculateWeightDestinationsFromExperiment``: the running experiment's destinations."""
    step, index = ctx.current_step()
    if step is None or ctx.current_ex is None or ctx.current_ex.phase != "Running":
        return ()  # (GetCurrentExperimentStep: no current step, no experiment step)
    # (a current step always has its index)
    if not any(step_part(s, Experiment) for s in ctx.plan.steps[: (index or 0) + 1]):
        return ()
    return ctx.current_ex.weights


def _stable_can_carry(ctx: Context, stable_weight: int) -> bool:
    """``checkReplicasAvailable`` (rollout/trafficrouting.go): the stable has floor(weight *
    R / max) pods available, or the Rollout's ``replicaProgressThreshold`` of that many."""
    rs = ctx.stable_rs
    if rs is None:
        return False
    desired = (stable_weight * ctx.plan.replicas) // ctx.plan.max_weight
    return rs.available >= desired or ctx.progress_threshold_met(rs, desired)


def reconcile_traffic_routing(ctx: Context) -> None:
    """``reconcileTrafficRouting``: the desired canary weight, first match wins; nothing is
    written while the stable cannot carry the rest of the traffic."""
    plan, status, new = ctx.plan, ctx.status, ctx.new_rs
    if not plan.traffic_routing:
        ctx.new_weights = None
        return
    step, index = ctx.current_step()
    desired = 0
    extra: tuple[WeightDestination, ...] = ()
    stable_hash = ctx.stable_rs.hash if ctx.stable_rs is not None else ""
    canary_hash = new.hash if new is not None else ""
    remove_routes = False
    previous_hash = dynamically_rolling_back(ctx)
    if previous_hash is not None:
        desired = weight_on_abort(ctx)
        canary_hash = previous_hash
    elif ctx.fully_promoted:
        remove_routes = True
    elif ctx.pause.is_aborted():
        desired = weight_on_abort(ctx)
        if desired == 0 or not plan.dynamic_stable_scale:
            _ensure_service(
                ctx,
                "canary",
                plan.canary_service,
                ctx.obs.canary_service_hash,
                ctx.stable_rs,
                False,
            )
        remove_routes = True
    elif new is None or new.available == 0:
        extra = _experiment_weights(ctx)
        remove_routes = True
    elif status.promote_full:
        if plan.dynamic_stable_scale:
            desired = (plan.max_weight * new.available) // plan.replicas
        elif status.canary_weights is not None:
            desired = status.canary_weights.canary.weight
        remove_routes = True
    elif index is not None:
        if not ctx.at_desired_replica_counts(None):
            # Keep the previous step's weight while the canary is still scaling: the nearest
            # setWeight before the current step.
            before = min(index, ctx.step_count)
            prior = prior_set_weights(plan.steps)[before - 1] if before > 0 else None
            desired = 0 if prior is None else prior
            extra = _experiment_weights(ctx)
        elif index != ctx.step_count:
            desired = ctx.current_set_weight()
            extra = _experiment_weights(ctx)
        else:
            desired = plan.max_weight
    if remove_routes and plan.managed_routes:
        ctx.actions.append(RemoveManagedRoutes())
    if not _stable_can_carry(ctx, plan.max_weight - desired):
        return
    if step is not None and ctx.revision > 1:
        if (header := step_part(step, SetHeaderRoute)) is not None:
            ctx.actions.append(SetTrafficHeaderRoute(header.name, header.match))
        if (mirror := step_part(step, SetMirrorRoute)) is not None:
            ctx.actions.append(SetTrafficMirrorRoute(mirror.name, mirror.match, mirror.percentage))
    stable_weight = plan.max_weight - desired - (sum(e.weight for e in extra) if extra else 0)
    # trafficrouting.go hands UpdateHash the same weightDestinations as SetWeight.
    ctx.actions += _router_writes(canary_hash, stable_hash, desired, stable_weight, extra)
    previous = status.canary_weights
    if (
        previous is not None
        and _same_destination(previous.canary, desired, canary_hash, plan.canary_service)
        and _same_destination(previous.stable, stable_weight, stable_hash, plan.stable_service)
        and previous.additional == extra
    ):
        # The recorded weights again (no event): they are kept rather than built anew, and
        # only ``verified``, set afresh here, may differ.
        verified = _verify_weight(ctx, desired, extra)
        if previous.verified is not verified:
            previous = TrafficWeights(
                previous.canary, previous.stable, previous.additional, verified
            )
        ctx.new_weights = previous
        return
    canary = WeightDestination(desired, canary_hash, plan.canary_service)
    stable = WeightDestination(stable_weight, stable_hash, plan.stable_service)
    # Recorded weights equal to these (``verified`` aside) were kept above: these are an update.
    ctx.event(
        TRAFFIC_WEIGHT_UPDATED, _weight_message(previous, TrafficWeights(canary, stable, extra))
    )
    ctx.new_weights = TrafficWeights(canary, stable, extra, _verify_weight(ctx, desired, extra))


_ROUTER_WRITES: dict[
    tuple[str, str, int, int, tuple[WeightDestination, ...]],
    tuple[UpdateTrafficHash, SetTrafficWeight],
] = {}
"""The router's two writes of a reconcile by their values: immutable actions, the same ones
reconcile after reconcile while the weights hold (cleared whole past a few dozen; entries
are facts of their keys alone, so threads may share them)."""


def _router_writes(
    canary_hash: str,
    stable_hash: str,
    desired: int,
    stable_weight: int,
    extra: tuple[WeightDestination, ...],
) -> tuple[UpdateTrafficHash, SetTrafficWeight]:
    """``UpdateTrafficHash(canary_hash, stable_hash, extra)`` and
    ``SetTrafficWeight(desired, stable_weight, extra)``, built once per set of values."""
    key = (canary_hash, stable_hash, desired, stable_weight, extra)
    writes = _ROUTER_WRITES.get(key)
    if writes is None:
        writes = (
            UpdateTrafficHash(canary_hash, stable_hash, extra),
            SetTrafficWeight(desired, stable_weight, extra),
        )
        if len(_ROUTER_WRITES) >= 64:
            _ROUTER_WRITES.clear()
        _ROUTER_WRITES[key] = writes
    return writes


def _same_destination(dest: WeightDestination, weight: int, rs_hash: str, service: str) -> bool:
    """``dest == WeightDestination(weight, rs_hash, service)``, without building it."""
    return (
        dest.weight == weight and dest.pod_template_hash == rs_hash and dest.service_name == service
    )


VERIFY_RETRY_SECONDS = 10.0
"""``defaults.GetRolloutVerifyRetryInterval``: the look after an unverified weight."""


def _verify_weight(ctx: Context, desired: int, extra: tuple[WeightDestination, ...]) -> bool | None:
    """``reconciler.VerifyWeight`` and what ``reconcileTrafficRouting`` does with its answer
    (rollout/trafficrouting.go; the ALB side in rollout/trafficrouting/alb/alb.go).

    Off (no ``--alb-verify-weight``): ``weights.verified`` is nil. On, it is checked while a
    ``setWeight`` step is current or at the end of an update (``ShouldVerifyWeight``, on the
    status as read), and once regardless before ``status.alb`` exists. Not verified: look
    again in 10 s, and at the end of the update the reconcile fails (``end of rollout, desired
    weight N not yet verified``) so the old ReplicaSets are not scaled down yet. Returns
    ``weights.verified``."""
    plan, status, obs = ctx.plan, ctx.status, ctx.obs
    verified: bool | None = None
    if obs.alb is not None:
        step, _ = ctx.current_step()
        # (ShouldVerifyWeight also asks for a stable ReplicaSet: always there by now, as a
        # reconcile without one returned before the weight was written)
        should = not ctx.fully_promoted and (
            step_part(step, SetWeight) is not None or (step is None and desired == plan.max_weight)
        )
        if should or not status.alb:
            ctx.alb = True
            canary, stable = plan.canary_service, plan.stable_service
            if plan.ping_service:  # GetStableAndCanaryServices(rollout, true)
                ping = status.stable_ping_pong == "ping"
                canary = plan.pong_service if ping else plan.ping_service
                stable = plan.ping_service if ping else plan.pong_service
            result = verify_weight(
                obs.alb.namespace,
                canary,
                obs.alb.service_port,
                desired,
                extra,
                obs.alb.load_balancers,
                stable_service=stable,
                alb=ctx.alb_status,
                albs=ctx.albs,
            )
            ctx.alb_status, ctx.albs = result.alb, result.albs
            for kind, reason, message in result.events:
                ctx.event(reason, message, warning=kind == "Warning")
            verified = result.verified
            if not verified:
                ctx.verify_retry = True
                # (Argo also asks len(steps) >= currentStepIndex: always so, as the index
                # never passes the end of the steps)
                if desired == plan.max_weight:
                    ctx.error = f"end of rollout, desired weight {desired} not yet verified"
    return verified


def _weight_message(previous: TrafficWeights | None, new: TrafficWeights) -> str:
    """``trafficWeightUpdatedMessage``: "Traffic weight updated to N" / "from A to B"."""
    details = []
    if previous is None:
        details.append(f"to {new.canary.weight}")
    elif previous.canary.weight != new.canary.weight:
        details.append(f"from {previous.canary.weight} to {new.canary.weight}")
    if previous is not None and previous.additional != new.additional:
        shown = " ".join(
            f"{{{d.weight} {d.service_name} {d.pod_template_hash}}}" for d in new.additional
        )
        details.append(f"additional: [{shown}]")
    return "Traffic weight updated " + ", ".join(details)


def aws_verify_target_groups(ctx: Context, service: str, service_hash: str) -> None:
    """``awsVerifyTargetGroups`` (rollout/service.go) for ``service``, whose selector picks
    ``service_hash`` after this reconcile's switches: with ``--aws-verify-target-group``
    (``obs.target_groups``) and when ``shouldVerifyTargetGroup`` says so, compare the target
    groups bound to it with its Endpoints (:mod:`canarysim.engine.trafficrouting.alb.targets`);
    sets ``ctx.targets_verified``, records the events, and asks for a look in 10 s while not
    verified."""
    view, new = ctx.obs.target_groups, ctx.new_rs
    if view is None or new is None:
        return  # (a Service named "" never exists: verify_target_groups finds none)
    if not should_verify_target_group(
        blue_green=ctx.plan.blue_green is not None,
        alb_canary=ctx.plan.alb,
        stable_rs=ctx.status.stable_rs,
        desired_hash=new.hash,
        service_hash=service_hash,
        post_promotion_started=ctx.status.blue_green.post_promotion_run is not None,
    ):
        return
    check = verify_target_groups(view, service, service_hash)
    for kind, reason, message in check.events:
        ctx.event(reason, message, warning=kind == "Warning")
    if check.verified is not None:
        ctx.targets_verified = check.verified
    if check.retry:
        ctx.verify_retry = True


def stable_service_now(ctx: Context) -> tuple[str, str]:
    """``GetStableAndCanaryServices(rollout, true)``'s stable Service and the hash its
    selector picks after this reconcile's switches."""
    plan, obs = ctx.plan, ctx.obs
    if plan.ping_service:
        if ctx.status.stable_ping_pong == "ping":
            return plan.ping_service, obs.ping_service_hash
        return plan.pong_service, obs.pong_service_hash
    return plan.stable_service, ctx.services.get("stable", obs.stable_service_hash)
