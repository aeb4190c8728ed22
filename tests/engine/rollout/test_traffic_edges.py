"""Edges of ``engine/rollout/traffic.py`` the mutation run found unpinned.

Each test names the Argo function it pins (rollout/trafficrouting.go, rollout/service.go,
utils/replicaset/canary.go). The weight arithmetic on abort is checked on the function itself
(a table per rule); the rest through one ``decide()`` with the fixtures of
``test_steps_world``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_aws_target_groups import NOT_YET, READY, aws
from test_bluegreen import bg_plan, bg_status
from test_steps_world import (
    H1,
    H2,
    H3,
    NOW,
    make_plan,
    make_status,
    reconcile,
    router_weights,
    rs,
)

from canarysim.engine.model import (
    AlbStatus,
    AlbView,
    EmitEvent,
    Experiment,
    ExperimentView,
    LoadBalancerView,
    Observation,
    Pause,
    Plan,
    RemoveManagedRoutes,
    RolloutStatus,
    RunStatus,
    SetMirrorRoute,
    SetServiceSelector,
    SetTrafficMirrorRoute,
    SetTrafficWeight,
    SetWeight,
    TargetGroupView,
    TrafficWeights,
    UpdateTrafficHash,
    WeightDestination,
)
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.traffic import (
    _desired_canary_weight_on_abort,
    _experiment_weights,
    _weight_message,
    aws_verify_target_groups,
    dynamically_rolling_back,
    reconcile_services,
    reconcile_traffic_routing,
    stable_service_now,
    weight_on_abort,
)
from canarysim.engine.trafficrouting.alb.verify import resource_id

TR: dict[str, Any] = {
    "traffic_routing": True,
    "canary_service": "canary-svc",
    "stable_service": "stable-svc",
}


def ctx_of(plan: Plan, status: RolloutStatus, *rss: Any, **obs: Any) -> Context:
    return Context(plan, status, Observation(now=NOW, replica_sets=rss, **obs))


# --------------------------------------------------------------------------------------------
# GetDesiredCanaryWeight on abort with dynamicStableScale
# --------------------------------------------------------------------------------------------

STEPS = (SetWeight(20), Pause(), SetWeight(50), SetWeight(80))  # 2, 5 and 8 of 10 pods


@pytest.mark.parametrize(
    ("stable_available", "canary_available", "abort_delay", "weight"),
    [
        (5, 3, None, 20),  # holds max(10-5, 3) = 5: the step of 5 pods is not below it
        (3, 9, None, 80),  # holds 9: 8 < 9
        (3, 9, 0, 80),  # an explicit 0 is no explicit delay: the canary's pods count
        (3, 9, 30, 50),  # an explicit delay: only the stable's shortfall (7) counts
        (10, 0, None, 0),  # nothing held: no step is below 0
    ],
)
def test_desired_canary_weight_on_abort(
    stable_available: int, canary_available: int, abort_delay: float | None, weight: int
) -> None:
    plan = make_plan(
        replicas=10,
        steps=STEPS,
        dynamic_stable_scale=True,
        abort_scale_down_delay_seconds=abort_delay,
        **TR,
    )
    new, stable = rs(H2, 10, canary_available), rs(H1, 10, stable_available)
    assert _desired_canary_weight_on_abort(plan, new, stable) == weight


def test_desired_canary_weight_on_abort_scales_steps_by_max_traffic_weight() -> None:
    """``trafficWeightToReplicas(replicas, weight, maxWeight)``: with maxTrafficWeight 1000 a
    setWeight of 500 is 5 of 10 pods."""
    plan = make_plan(replicas=10, steps=(SetWeight(200), SetWeight(500)), max_weight=1000, **TR)
    assert _desired_canary_weight_on_abort(plan, rs(H2, 6), rs(H1, 10, 4)) == 500
    assert _desired_canary_weight_on_abort(plan, rs(H2, 5), rs(H1, 10, 5)) == 200


# --------------------------------------------------------------------------------------------
# calculateDesiredWeightOnAbortOrStableRollback
# --------------------------------------------------------------------------------------------


def abort_ctx(
    *,
    stable_available: int,
    canary_available: int = 0,
    replicas: int = 10,
    current: int | None = None,
    abort: bool = False,
    steps: tuple[Any, ...] = (SetWeight(20), SetWeight(80)),
    index: int = 1,
    dynamic: bool = True,
    with_new: bool = True,
    with_stable: bool = True,
) -> Context:
    plan = make_plan(replicas=replicas, steps=steps, dynamic_stable_scale=dynamic, **TR)
    weights = (
        None
        if current is None
        else TrafficWeights(
            WeightDestination(current, H2, "canary-svc"),
            WeightDestination(100 - current, H1, "stable-svc"),
        )
    )
    status = make_status(plan, index=index, abort=abort, canary_weights=weights)
    rss = []
    if with_stable:
        rss.append(rs(H1, replicas, stable_available))
    if with_new:
        rss.append(rs(H2, replicas, canary_available))
    return ctx_of(plan, status, *rss)


@pytest.mark.parametrize(
    "kw",
    [
        {"dynamic": False},
        {"with_new": False},
        {"with_stable": False},
    ],
    ids=["no dynamicStableScale", "no new ReplicaSet", "no stable ReplicaSet"],
)
def test_weight_on_abort_is_zero_without_its_inputs(kw: dict[str, Any]) -> None:
    """The safety checks: each missing input alone gives 0 (the stable half available would
    otherwise ask for 50 or more)."""
    assert weight_on_abort(abort_ctx(stable_available=5, canary_available=5, **kw)) == 0


def test_weight_on_abort_is_zero_without_replicas() -> None:
    assert weight_on_abort(abort_ctx(stable_available=0, replicas=0)) == 0


def test_weight_on_abort_one_replica() -> None:
    """One replica, none of the stable available: everything stays on the canary."""
    ctx = abort_ctx(stable_available=0, canary_available=1, replicas=1)
    assert weight_on_abort(ctx) == 100


def test_weight_on_abort_without_recorded_weights_takes_the_larger() -> None:
    """No ``status.canary.weights``: max(expected, desired). Not aborted, desired is the
    current setWeight (80), not the walk back through the steps (which would give 20)."""
    assert weight_on_abort(abort_ctx(stable_available=5, canary_available=5)) == 80


def test_weight_on_abort_expected_weight_is_floored() -> None:
    """expected = max - floor(max * stableAvailable / replicas): 100 - floor(300 / 7) = 58."""
    ctx = abort_ctx(stable_available=3, replicas=7, steps=(SetWeight(10),), index=0)
    assert weight_on_abort(ctx) == 58


def test_weight_on_abort_desired_one_is_not_zero() -> None:
    """A desired weight of 1 is a weight: min(desired, current), not min(expected, current)."""
    ctx = abort_ctx(stable_available=10, current=5, steps=(SetWeight(1),), index=0)
    assert weight_on_abort(ctx) == 1


@pytest.mark.parametrize(
    ("stable_available", "weight"),
    [(4, 80), (5, 50), (6, 50)],
)
def test_weight_on_abort_holds_while_stable_scales(stable_available: int, weight: int) -> None:
    """Desired 50 (setWeight 50), recorded 80: the weight stays at 80 while the stable's
    share (10 per pod) is below 100 - 50, and drops to 50 once it reaches it."""
    ctx = abort_ctx(
        stable_available=stable_available,
        current=80,
        steps=(SetWeight(50),),
        index=0,
    )
    assert weight_on_abort(ctx) == weight


# --------------------------------------------------------------------------------------------
# IsDynamicallyRollingBackToStable, checkReplicasAvailable
# --------------------------------------------------------------------------------------------


def rolling_back_ctx(
    *,
    available: int = 5,
    recorded: str = H3,
    routed: bool = True,
    dynamic: bool = True,
    stable: str = H2,
) -> Context:
    """Back at H2 (already the stable: fully promoted) while the router still sends the
    canary share to ``recorded``; H2 has ``available`` of 10 pods."""
    kw = dict(TR) if routed else {}
    plan = make_plan(replicas=10, steps=(SetWeight(10),), dynamic_stable_scale=dynamic, **kw)
    weights = TrafficWeights(
        WeightDestination(10, recorded, "canary-svc"), WeightDestination(90, H2, "stable-svc")
    )
    status = make_status(plan, index=1, stable=stable, canary_weights=weights)
    return ctx_of(plan, status, rs(H1, 10), rs(H2, 10, available), rs(H3, 1))


@pytest.mark.parametrize(
    ("kw", "previous"),
    [
        ({}, H3),
        ({"available": 10}, None),  # back at full size: done
        ({"recorded": H2}, None),  # the router already on it
        ({"routed": False}, None),  # no traffic routing (weights left from before)
        ({"dynamic": False}, None),
        ({"stable": H1}, None),  # not fully promoted: an ordinary update
    ],
    ids=["rolling back", "complete", "router on it", "no routing", "not dynamic", "update"],
)
def test_dynamically_rolling_back(kw: dict[str, Any], previous: str | None) -> None:
    assert dynamically_rolling_back(rolling_back_ctx(**kw)) == previous


def test_dynamically_rolling_back_needs_recorded_weights() -> None:
    ctx = rolling_back_ctx()
    ctx.status = replace(ctx.status, canary_weights=None)
    assert dynamically_rolling_back(ctx) is None


def test_weights_wait_for_a_stable_replica_set() -> None:
    """``checkReplicasAvailable(nil, ...)`` is false: without a stable ReplicaSet nothing is
    written to the router."""
    plan = make_plan(replicas=10, steps=(SetWeight(10),), **TR)
    d = reconcile(plan, make_status(plan, stable=H1), rs(H2, 1))
    assert router_weights(d) == []


@pytest.mark.parametrize(("stable_available", "written"), [(2, True), (1, False)])
def test_stable_carries_its_weight_by_whole_pods(stable_available: int, written: bool) -> None:
    """``checkReplicasAvailable``: the stable needs floor(50 * 5 / 100) = 2 available pods
    for 50 of 100, not 2.5."""
    plan = make_plan(replicas=5, steps=(SetWeight(50), Pause()), **TR)
    status = make_status(plan, index=0)
    d = reconcile(plan, status, rs(H1, 5, stable_available), rs(H2, 3))
    assert router_weights(d) == ([(50, 50)] if written else [])


# --------------------------------------------------------------------------------------------
# calculateWeightDestinationsFromExperiment
# --------------------------------------------------------------------------------------------

EX = Experiment(duration=60.0, templates=({"name": "baseline", "specRef": "stable", "weight": 10},))
EX_WEIGHTS = (WeightDestination(10, H3, "foo-baseline"),)


def experiment_ctx(steps: tuple[Any, ...], index: int, phase: str = "Running") -> Context:
    plan = make_plan(replicas=10, steps=steps, **TR)
    status = make_status(plan, index=index, current_experiment=RunStatus("ex", phase))
    view = ExperimentView("ex", H2, 1, phase, weights=EX_WEIGHTS)  # type: ignore[arg-type]
    return ctx_of(plan, status, rs(H1, 10), rs(H2, 1), experiments=(view,))


@pytest.mark.parametrize(
    ("steps", "index", "phase", "expect"),
    [
        ((SetWeight(10), EX), 1, "Running", EX_WEIGHTS),
        ((EX, SetWeight(10)), 1, "Running", EX_WEIGHTS),  # a later step still sees it
        ((SetWeight(10), EX), 0, "Running", ()),  # the experiment step is ahead
        ((SetWeight(10), EX), 2, "Running", ()),  # past the last step: no current step
        ((SetWeight(10), SetWeight(20)), 1, "Running", ()),  # no experiment step at all
        ((SetWeight(10), EX), 1, "Successful", ()),
        ((SetWeight(10), EX), 1, "Pending", ()),
    ],
    ids=["current", "earlier", "ahead", "past the end", "none", "successful", "pending"],
)
def test_experiment_weights(
    steps: tuple[Any, ...], index: int, phase: str, expect: tuple[WeightDestination, ...]
) -> None:
    assert _experiment_weights(experiment_ctx(steps, index, phase)) == expect


def test_experiment_weights_without_an_experiment() -> None:
    plan = make_plan(replicas=10, steps=(SetWeight(10), EX), **TR)
    ctx = ctx_of(plan, make_status(plan, index=1), rs(H1, 10), rs(H2, 1))
    assert _experiment_weights(ctx) == ()


def test_experiment_weights_reach_the_router() -> None:
    """``reconcileTrafficRouting`` hands the experiment's destinations to the router beside
    the canary weight; the stable gets what is left."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), EX), **TR)
    status = make_status(plan, index=1, current_experiment=RunStatus("ex", "Running"))
    view = ExperimentView("ex", H2, 1, "Running", weights=EX_WEIGHTS)
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 1), experiments=(view,))
    assert d.status.canary_weights is not None
    assert d.status.canary_weights.canary.weight == 10
    assert d.status.canary_weights.stable.weight == 80
    assert d.status.canary_weights.additional == EX_WEIGHTS
    assert [a for a in d.actions if isinstance(a, UpdateTrafficHash)] == [
        UpdateTrafficHash(H2, H1, EX_WEIGHTS)
    ]
    assert [a for a in d.actions if isinstance(a, SetTrafficWeight)] == [
        SetTrafficWeight(10, 80, EX_WEIGHTS)
    ]


# --------------------------------------------------------------------------------------------
# trafficWeightUpdatedMessage
# --------------------------------------------------------------------------------------------


def weights(canary: int, *extra: WeightDestination) -> TrafficWeights:
    return TrafficWeights(
        WeightDestination(canary, H2, "canary-svc"),
        WeightDestination(100 - canary, H1, "stable-svc"),
        additional=extra,
    )


@pytest.mark.parametrize(
    ("previous", "new", "message"),
    [
        (None, weights(10), "Traffic weight updated to 10"),
        (weights(10), weights(20), "Traffic weight updated from 10 to 20"),
        (
            weights(10),
            weights(10, *EX_WEIGHTS),
            f"Traffic weight updated additional: [{{10 foo-baseline {H3}}}]",
        ),
        (
            weights(10),
            weights(20, *EX_WEIGHTS, WeightDestination(5, "77", "foo-canary")),
            f"Traffic weight updated from 10 to 20, additional: [{{10 foo-baseline {H3}}} "
            "{5 foo-canary 77}]",
        ),
        (weights(10, *EX_WEIGHTS), weights(10), "Traffic weight updated additional: []"),
    ],
    ids=["first", "changed", "additional", "both", "additional gone"],
)
def test_weight_message(previous: TrafficWeights | None, new: TrafficWeights, message: str) -> None:
    """Go's ``%v`` of a ``[]WeightDestination``: each as ``{weight serviceName hash}`` (the
    struct's field order), space-separated in brackets."""
    assert _weight_message(previous, new) == message


# --------------------------------------------------------------------------------------------
# VerifyWeight (ALB) and ShouldVerifyWeight
# --------------------------------------------------------------------------------------------


def alb(
    canary_weight: int,
    canary: str = "canary-svc",
    stable: str = "stable-svc",
    hostname: str = "lb.example",
    extra: tuple[tuple[str, int], ...] = (),
) -> AlbView:
    """One ALB Ingress whose load balancer forwards ``canary_weight`` to the canary target
    group (and any ``extra`` (service, weight) target groups)."""

    def group(svc: str, weight: int) -> TargetGroupView:
        return TargetGroupView(
            resource_id("default", "ingress", svc, 80), f"arn:{svc}", svc, weight
        )

    groups = (group(canary, canary_weight), group(stable, 100 - canary_weight))
    groups += tuple(group(svc, weight) for svc, weight in extra)
    lb = LoadBalancerView(
        "ingress", hostname=hostname, name="lb", arn="arn:lb", target_groups=groups
    )
    return AlbView("default", 80, (lb,))


def kinds(d: Any) -> list[tuple[str, str]]:
    return [(a.type, a.reason) for a in d.actions if isinstance(a, EmitEvent)]


@pytest.mark.parametrize(
    ("balancer_weight", "verified", "event", "requeue"),
    [
        (10, True, ("Normal", "TargetGroupVerified"), None),
        (20, False, ("Warning", "TargetGroupUnverified"), 10.0),
    ],
)
def test_verify_weight_at_a_set_weight_step(
    balancer_weight: int, verified: bool, event: tuple[str, str], requeue: float | None
) -> None:
    """At a setWeight step (``status.alb`` already recorded) the weight is checked against the
    load balancer, the answer recorded in ``status.canary.weights.verified`` and the target
    groups in ``status.alb``; not verified, the controller looks again in 10 s."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause()), **TR)
    status = make_status(plan, index=0, alb=True)
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 1), alb=alb(balancer_weight))
    assert d.status.canary_weights is not None
    assert d.status.canary_weights.verified is verified
    assert event in kinds(d)
    said = (
        "verified: canary weight 10 set"
        if verified
        else ("not verified: canary weight 10 not yet set (current: 20)")
    )
    assert f"Service canary-svc (TargetGroup arn:canary-svc) {said}" in [
        a.message for a in d.actions if isinstance(a, EmitEvent)
    ]
    assert d.status.alb_status is not None
    assert d.status.alb_status.canary_target_group.name == "canary-svc"
    assert d.status.alb_status.stable_target_group.name == "stable-svc"
    assert d.status.albs == (d.status.alb_status,)
    assert d.error == ""
    # completedCurrentCanaryStep: a setWeight step is not done while its weight is unverified
    assert d.status.current_step_index == (1 if verified else 0)
    # the same reconcile, stage by stage: the retry is asked for only when not verified
    ctx = ctx_of(plan, status, rs(H1, 10), rs(H2, 1), alb=alb(balancer_weight))
    reconcile_traffic_routing(ctx)
    assert ctx.verify_retry is (requeue is not None)


@pytest.mark.parametrize(
    ("steps", "index"),
    [((SetWeight(10), Pause()), 1), ((SetWeight(100), Pause()), 1)],
    ids=["pause after 10", "pause after 100"],
)
def test_no_weight_verification_at_a_pause_step(steps: tuple[Any, ...], index: int) -> None:
    """``ShouldVerifyWeight`` is false at a pause step once ``status.alb`` exists (even when
    the weight is the maximum: only past the last step does that count): no check,
    ``verified`` stays nil."""
    plan = make_plan(replicas=10, steps=steps, **TR)
    status = make_status(plan, index=index, alb=True)
    canary = 1 if steps[0] == SetWeight(10) else 10
    d = reconcile(plan, status, rs(H1, 10), rs(H2, canary), alb=alb(20))
    assert d.status.canary_weights is not None
    assert d.status.canary_weights.verified is None


def test_weight_is_verified_once_before_status_alb_exists() -> None:
    """Without ``status.alb`` the weight is verified whatever the step, and ``status.alb``
    is then set."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause()), **TR)
    status = make_status(plan, index=1, alb=False)
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 1), alb=alb(10))
    assert d.status.alb is True
    assert d.status.canary_weights is not None
    assert d.status.canary_weights.verified is True


def test_a_balancer_without_hostname_keeps_the_recorded_alb_status() -> None:
    """No hostname yet ("LoadBalancer not yet allocated"): not verified, and ``status.alb``
    keeps what it held."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause()), **TR)
    held = AlbStatus(ingress="ingress")
    status = make_status(plan, index=0, alb=True, alb_status=held, albs=(held,))
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 1), alb=alb(10, hostname=""))
    assert d.status.canary_weights is not None
    assert d.status.canary_weights.verified is False
    assert d.status.alb_status == held
    assert d.status.albs == (held,)


END_ERROR = "end of rollout, desired weight 100 not yet verified"


@pytest.mark.parametrize(("balancer_weight", "error"), [(100, ""), (10, END_ERROR)])
def test_weight_at_the_end_of_the_rollout(balancer_weight: int, error: str) -> None:
    """Past the last step the weight is the maximum and is verified; not verified, the
    reconcile fails (``end of rollout, desired weight 100 not yet verified``)."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause()), **TR)
    status = make_status(plan, index=2, alb=True)
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 10), alb=alb(balancer_weight))
    assert d.error == error
    if error:  # rolloutCanary returns the error: no status is written, the one read stays
        assert d.status == status
    if not error:
        assert d.status.canary_weights is not None
        assert d.status.canary_weights.verified is True


@pytest.mark.parametrize(
    ("side", "canary", "stable"), [("ping", "pong", "ping"), ("pong", "ping", "pong")]
)
def test_verify_weight_with_ping_pong(side: str, canary: str, stable: str) -> None:
    """``GetStableAndCanaryServices(rollout, true)``: with ping-pong the canary target group
    is the side that is not stable."""
    plan = make_plan(
        replicas=10,
        steps=(SetWeight(10), Pause()),
        traffic_routing=True,
        ping_service="ping",
        pong_service="pong",
    )
    status = make_status(plan, index=0, alb=True, stable_ping_pong=side)
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 1), alb=alb(10, canary, stable))
    assert d.status.canary_weights is not None
    assert d.status.canary_weights.verified is True
    assert d.status.alb_status is not None
    assert d.status.alb_status.canary_target_group.name == canary
    assert d.status.alb_status.stable_target_group.name == stable


def test_verify_weight_counts_the_experiment_destinations() -> None:
    """The experiment's destinations are verified too (here on the first verification,
    before ``status.alb`` exists): all agree, verified."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), EX), **TR)
    status = make_status(plan, index=1, alb=False, current_experiment=RunStatus("ex", "Running"))
    view = ExperimentView("ex", H2, 1, "Running", weights=EX_WEIGHTS)
    obs = {"experiments": (view,), "alb": alb(10, extra=(("foo-baseline", 10),))}
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 1), **obs)
    assert d.status.canary_weights is not None
    assert d.status.canary_weights.verified is True


# --------------------------------------------------------------------------------------------
# awsVerifyTargetGroups, GetStableAndCanaryServices
# --------------------------------------------------------------------------------------------


def promoted_alb_ctx(**kw: Any) -> Context:
    """A promoted ALB canary (stable == new), as ``shouldVerifyTargetGroup`` wants it."""
    plan = make_plan(replicas=3, steps=(SetWeight(10),), alb=True, **TR)
    status = make_status(plan, index=1, stable=H2, **kw)
    return ctx_of(plan, status, rs(H2, 3), target_groups=aws("stable-svc", READY))


def test_aws_verify_target_groups_reports_normal_and_warning_events() -> None:
    ctx = promoted_alb_ctx()
    aws_verify_target_groups(ctx, "stable-svc", H2)
    assert ctx.targets_verified is True
    assert [(a.type, a.reason) for a in ctx.actions if isinstance(a, EmitEvent)] == [
        ("Normal", "TargetGroupVerified")
    ]
    ctx = ctx_of(
        ctx.plan,
        ctx.status,
        rs(H2, 3),
        target_groups=aws("stable-svc", (("1.2.3.4", 80),)),
    )
    aws_verify_target_groups(ctx, "stable-svc", H2)
    assert ctx.targets_verified is False
    assert [(a.type, a.reason) for a in ctx.actions if isinstance(a, EmitEvent)] == [
        ("Warning", "TargetGroupUnverified")
    ]


def test_no_target_group_check_once_post_promotion_started() -> None:
    """``shouldVerifyTargetGroup`` (blue-green): the active Service is on the new pods and
    they are not stable yet, but post-promotion analysis has started: verified before it, so
    no check now."""
    plan = bg_plan(3, preview_service="")
    status = bg_status(plan, active=H2, preview="", stable=H1, counts=(6, 3, 3, 3))
    view = aws("active", NOT_YET)
    args = (rs(H1, 3), rs(H2, 3))
    ctx = ctx_of(plan, status, *args, active_service_hash=H2, target_groups=view)
    aws_verify_target_groups(ctx, "active", H2)
    assert ctx.targets_verified is False  # without a post-promotion run: checked
    started = replace(status.blue_green, post_promotion_run=RunStatus("foo-post", "Running"))
    status = replace(status, blue_green=started)
    ctx = ctx_of(plan, status, *args, active_service_hash=H2, target_groups=view)
    aws_verify_target_groups(ctx, "active", H2)
    assert ctx.targets_verified is None
    assert ctx.actions == []


def test_aws_verify_target_groups_needs_a_service() -> None:
    ctx = promoted_alb_ctx()
    aws_verify_target_groups(ctx, "", H2)
    assert ctx.targets_verified is None
    assert ctx.actions == []


@pytest.mark.parametrize(("ping_pong", "expect"), [("ping", ("ping", H1)), ("pong", ("pong", H3))])
def test_stable_service_now_with_ping_pong(ping_pong: str, expect: tuple[str, str]) -> None:
    plan = make_plan(replicas=10, ping_service="ping", pong_service="pong", **TR)
    status = make_status(plan, stable_ping_pong=ping_pong)
    ctx = ctx_of(plan, status, rs(H1, 10), ping_service_hash=H1, pong_service_hash=H3)
    assert stable_service_now(ctx) == expect


def test_stable_service_now_sees_this_reconciles_switch() -> None:
    plan = make_plan(replicas=10, **TR)
    ctx = ctx_of(plan, make_status(plan), rs(H1, 10), stable_service_hash=H3)
    assert stable_service_now(ctx) == ("stable-svc", H3)
    ctx.services["stable"] = H1
    assert stable_service_now(ctx) == ("stable-svc", H1)


# --------------------------------------------------------------------------------------------
# ensureSVCTargets, reconcilePingAndPongService, reconcileStableAndCanaryService
# --------------------------------------------------------------------------------------------


def selectors(ctx: Context) -> list[tuple[str, str]]:
    return [(a.role, a.hash) for a in ctx.actions if isinstance(a, SetServiceSelector)]


def services_ctx(
    *, canary: tuple[int, int] = (2, 2), canary_svc: str = H1, routed: bool = False, **kw: Any
) -> Context:
    """A basic canary at setWeight 20 (10 replicas): the canary Service selects
    ``canary_svc``, the stable one H1; the new ReplicaSet is ``canary`` (replicas,
    available)."""
    fields = {"canary_service": "canary-svc", "stable_service": "stable-svc"}
    if routed:
        fields["traffic_routing"] = True
    plan = make_plan(replicas=10, steps=(SetWeight(20), Pause()), **fields)
    status = make_status(plan, index=0, **kw)
    replicas, available = canary
    return ctx_of(
        plan,
        status,
        rs(H1, 10),
        rs(H2, replicas, available),
        canary_service_hash=canary_svc,
        stable_service_hash=H1,
    )


@pytest.mark.parametrize(
    ("canary", "canary_svc", "switched"),
    [
        ((2, 1), H1, True),  # managed already: one available pod is enough
        ((2, 0), H1, False),  # none available
        ((2, 1), "", False),  # adopting a Service: the ReplicaSet must be fully available
        ((2, 2), "", True),
        ((2, 2), H2, False),  # already there
    ],
)
def test_canary_service_switch(canary: tuple[int, int], canary_svc: str, switched: bool) -> None:
    """``ensureSVCTargets``: a Service with a rollouts selector switches once the ReplicaSet
    is partially available; one without (being adopted) once it is fully available."""
    ctx = services_ctx(canary=canary, canary_svc=canary_svc)
    reconcile_services(ctx)
    assert selectors(ctx) == ([("canary", H2)] if switched else [])
    assert ctx.services.get("canary") == (H2 if switched else None)


def test_stable_service_follows_the_stable_replica_set() -> None:
    """Both Services switch in one reconcile, each its own write."""
    plan = make_plan(replicas=10, canary_service="canary-svc", stable_service="stable-svc")
    ctx = ctx_of(
        plan,
        make_status(plan),
        rs(H1, 10),
        rs(H2, 2),
        canary_service_hash=H1,
        stable_service_hash=H3,
    )
    reconcile_services(ctx)
    assert selectors(ctx) == [("stable", H1), ("canary", H2)]
    assert stable_service_now(ctx) == ("stable-svc", H1)


@pytest.mark.parametrize(("available", "switched"), [(5, True), (0, False)])
def test_stable_service_switch_checks_availability(available: int, switched: bool) -> None:
    """The stable Service, already managed, switches to a stable ReplicaSet with at least one
    available pod (none: it stays)."""
    plan = make_plan(replicas=10, canary_service="canary-svc", stable_service="stable-svc")
    ctx = ctx_of(
        plan,
        make_status(plan),
        rs(H1, 10, available),
        rs(H2, 0),
        canary_service_hash=H1,
        stable_service_hash=H3,
    )
    reconcile_services(ctx)
    assert selectors(ctx) == ([("stable", H1)] if switched else [])


def test_aborted_without_routing_points_the_canary_service_at_stable() -> None:
    """Aborted, no traffic routing: the canary Service goes back to the stable ReplicaSet."""
    ctx = services_ctx(canary_svc=H2, abort=True)
    reconcile_services(ctx)
    assert selectors(ctx) == [("canary", H1)]


@pytest.mark.parametrize(("available", "switched"), [(5, True), (0, False)])
def test_aborted_without_routing_checks_the_stable_availability(
    available: int, switched: bool
) -> None:
    """That switch back is an ordinary ``ensureSVCTargets``: one available stable pod is
    enough, none is not."""
    plan = make_plan(replicas=10, steps=(SetWeight(20),), canary_service="canary-svc")
    status = make_status(plan, index=0, abort=True)
    ctx = ctx_of(plan, status, rs(H1, 10, available), rs(H2, 2), canary_service_hash=H2)
    reconcile_services(ctx)
    assert selectors(ctx) == ([("canary", H1)] if switched else [])


def test_aborted_with_routing_leaves_the_canary_service_to_the_router_stage() -> None:
    """With traffic routing the abort's switch of the canary Service happens in
    ``reconcileTrafficRouting`` (without the availability check); here it goes to the
    canary as usual (already there: nothing)."""
    ctx = services_ctx(canary_svc=H2, abort=True, routed=True)
    reconcile_services(ctx)
    assert selectors(ctx) == []
    reconcile_traffic_routing(ctx)
    assert selectors(ctx) == [("canary", H1)]


def test_aborted_with_routing_switches_even_an_unavailable_stable() -> None:
    plan = make_plan(replicas=10, steps=(SetWeight(20),), **TR)
    status = make_status(plan, index=0, abort=True)
    ctx = ctx_of(plan, status, rs(H1, 10, 0), rs(H2, 2), canary_service_hash=H2)
    reconcile_traffic_routing(ctx)
    assert selectors(ctx) == [("canary", H1)]


def test_a_switch_and_its_undo_in_one_reconcile_write_nothing() -> None:
    """Argo edits its cached Service: canary -> new, then back -> stable within one reconcile
    nets out; only a selector that differs from the one seen is written."""
    ctx = services_ctx(canary=(2, 2), canary_svc=H1, routed=True, abort=True)
    reconcile_services(ctx)
    assert selectors(ctx) == [("canary", H2)]
    reconcile_traffic_routing(ctx)
    assert selectors(ctx) == []
    assert ctx.services["canary"] == H1


def test_dynamic_rollback_leaves_the_canary_service() -> None:
    """``IsDynamicallyRollingBackToStable``: the canary Service keeps the previous canary
    until the router has moved off it."""
    ctx = rolling_back_ctx()
    ctx.obs = replace(ctx.obs, canary_service_hash=H3, stable_service_hash=H2)
    reconcile_services(ctx)
    assert selectors(ctx) == []


@pytest.mark.parametrize(
    ("side", "seen", "expect"),
    [
        ("ping", {}, [("pong", H2)]),
        ("pong", {}, [("ping", H2)]),
        ("", {}, [("ping", H2)]),
        ("ping", {"pong_service_hash": H2}, []),
        ("pong", {"ping_service_hash": H2}, []),
    ],
)
def test_ping_pong_canary_side(side: str, seen: dict[str, str], expect: list[Any]) -> None:
    """``reconcilePingAndPongService``: the side that is not stable selects the new
    ReplicaSet, at once (no availability check)."""
    plan = make_plan(
        replicas=10,
        steps=(SetWeight(20),),
        traffic_routing=True,
        ping_service="ping",
        pong_service="pong",
    )
    status = make_status(plan, index=0, stable_ping_pong=side)
    ctx = ctx_of(plan, status, rs(H1, 10), rs(H2, 2, 0), **seen)
    reconcile_services(ctx)
    assert selectors(ctx) == expect


def test_ping_pong_untouched_once_fully_promoted() -> None:
    plan = make_plan(replicas=10, traffic_routing=True, ping_service="ping", pong_service="pong")
    status = make_status(plan, stable=H2, stable_ping_pong="ping")
    ctx = ctx_of(plan, status, rs(H2, 10))
    reconcile_services(ctx)
    assert selectors(ctx) == []


def test_dynamic_rollback_keeps_routing_the_previous_canary() -> None:
    """``reconcileTrafficRouting`` while dynamically rolling back: the router keeps sending
    the canary share (the recorded 10, not 0) to the previous canary's hash until the stable
    is whole."""
    ctx = rolling_back_ctx(available=9)
    reconcile_traffic_routing(ctx)
    assert [a for a in ctx.actions if isinstance(a, UpdateTrafficHash)] == [
        UpdateTrafficHash(H3, H2, ())
    ]
    assert [a for a in ctx.actions if isinstance(a, SetTrafficWeight)] == [
        SetTrafficWeight(10, 90, ())
    ]


def test_managed_routes_kept_in_the_middle_of_an_update() -> None:
    """Managed routes are removed only on promotion, abort, or without canary pods; at an
    ordinary step they stay."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause()), managed_routes=("h",), **TR)
    ctx = ctx_of(plan, make_status(plan, index=1), rs(H1, 10), rs(H2, 1))
    reconcile_traffic_routing(ctx)
    assert not [a for a in ctx.actions if isinstance(a, RemoveManagedRoutes)]
    assert [a for a in ctx.actions if isinstance(a, SetTrafficWeight)] == [
        SetTrafficWeight(10, 90, ())
    ]


@pytest.mark.parametrize(("dynamic", "switched"), [(True, False), (False, True)])
def test_abort_with_routing_moves_the_canary_service_unless_weight_remains(
    dynamic: bool, switched: bool
) -> None:
    """Aborted with traffic routing: the canary Service goes back to the stable once the
    canary's weight is 0, or at once without dynamicStableScale; a dynamic abort still
    routing 50 to the canary leaves it."""
    ctx = abort_ctx(stable_available=5, canary_available=5, abort=True, current=50, dynamic=dynamic)
    reconcile_traffic_routing(ctx)
    assert selectors(ctx) == ([("canary", H1)] if switched else [])


def removed_routes(ctx: Context) -> bool:
    return any(isinstance(a, RemoveManagedRoutes) for a in ctx.actions)


@pytest.mark.parametrize(
    ("kw", "canary_available"),
    [({"abort": True}, 1), ({"promote_full": True}, 1), ({}, 0)],
    ids=["aborted", "promote full", "no canary pods"],
)
def test_managed_routes_removed(kw: dict[str, Any], canary_available: int) -> None:
    """``reconcileTrafficRouting`` removes the managed routes when aborted, on a full
    promotion, and while the canary has no available pod."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause()), managed_routes=("h",), **TR)
    status = make_status(plan, index=1, **kw)
    ctx = ctx_of(plan, status, rs(H1, 10), rs(H2, 1, canary_available))
    reconcile_traffic_routing(ctx)
    assert removed_routes(ctx)


@pytest.mark.parametrize(("dynamic", "weight"), [(True, 66), (False, 30)])
def test_promote_full_weight(dynamic: bool, weight: int) -> None:
    """A full promotion: with dynamicStableScale the canary's share follows its available
    pods (floor(100 * 2 / 3) = 66); without, the recorded weight is kept."""
    plan = make_plan(replicas=3, steps=(SetWeight(10), Pause()), dynamic_stable_scale=dynamic, **TR)
    recorded = TrafficWeights(
        WeightDestination(30, H2, "canary-svc"), WeightDestination(70, H1, "stable-svc")
    )
    status = make_status(plan, index=1, promote_full=True, canary_weights=recorded)
    ctx = ctx_of(plan, status, rs(H1, 3), rs(H2, 3, 2))
    reconcile_traffic_routing(ctx)
    assert [a for a in ctx.actions if isinstance(a, SetTrafficWeight)] == [
        SetTrafficWeight(weight, 100 - weight, ())
    ]


def test_no_weight_event_when_only_verified_differs() -> None:
    """``calculateWeightStatus`` compares the weights without ``verified``: recorded
    weights that were verified are not "updated"."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause()), **TR)
    recorded = replace(weights(10), verified=True)
    status = make_status(plan, index=1, canary_weights=recorded)
    ctx = ctx_of(plan, status, rs(H1, 10), rs(H2, 1))
    reconcile_traffic_routing(ctx)
    assert not [a for a in ctx.actions if isinstance(a, EmitEvent)]
    assert ctx.new_weights == weights(10)


MIRROR = SetMirrorRoute("m", ({"method": {"exact": "GET"}},), 30)


@pytest.mark.parametrize(("revision", "written"), [(2, True), (1, False)])
def test_mirror_route_step_reaches_the_router_after_the_first_revision(
    revision: int, written: bool
) -> None:
    """A setMirrorRoute step is handed to the router with its name, match and percentage,
    but not for the first revision (``c.rollout.Status.CurrentStepIndex`` with revision 1
    is the initial deploy)."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), MIRROR, Pause()), **TR)
    ctx = ctx_of(plan, make_status(plan, index=1), rs(H1, 10), rs(H2, 1, revision=revision))
    reconcile_traffic_routing(ctx)
    mirrors = [a for a in ctx.actions if isinstance(a, SetTrafficMirrorRoute)]
    assert mirrors == ([SetTrafficMirrorRoute("m", MIRROR.match, 30)] if written else [])


def test_first_step_weight_is_zero_while_the_canary_scales() -> None:
    """Still scaling at the first setWeight step: the previous setWeight is none, so 0."""
    plan = make_plan(replicas=10, steps=(SetWeight(20), Pause()), **TR)
    ctx = ctx_of(plan, make_status(plan, index=0), rs(H1, 10), rs(H2, 1))
    reconcile_traffic_routing(ctx)
    assert [a for a in ctx.actions if isinstance(a, SetTrafficWeight)] == [
        SetTrafficWeight(0, 100, ())
    ]


@pytest.mark.parametrize(
    "recorded",
    [
        TrafficWeights(
            WeightDestination(10, "0ld", "canary-svc"), WeightDestination(90, "0ld", "stable-svc")
        ),
        TrafficWeights(
            WeightDestination(10, H2, "old-canary"), WeightDestination(90, H1, "old-stable")
        ),
        weights(10, *EX_WEIGHTS),
    ],
    ids=["hashes", "services", "additional"],
)
def test_recorded_weights_differing_in_any_field_are_updated(recorded: TrafficWeights) -> None:
    """The same weights to other hashes, other Services or without the recorded additional
    destinations are an update: written afresh, with the event."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause()), **TR)
    status = make_status(plan, index=1, canary_weights=recorded)
    ctx = ctx_of(plan, status, rs(H1, 10), rs(H2, 1))
    reconcile_traffic_routing(ctx)
    assert ctx.new_weights == weights(10)
    assert [a.reason for a in ctx.actions if isinstance(a, EmitEvent)] == ["TrafficWeightUpdated"]


@pytest.mark.parametrize(("balancer_weight", "verified"), [(10, True), (20, False)])
def test_recorded_weights_written_again_are_verified_afresh(
    balancer_weight: int, verified: bool
) -> None:
    """The recorded weights written again still get this reconcile's ``VerifyWeight`` answer."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause()), **TR)
    status = make_status(plan, index=0, alb=True, canary_weights=weights(10))
    ctx = ctx_of(plan, status, rs(H1, 10), rs(H2, 1), alb=alb(balancer_weight))
    reconcile_traffic_routing(ctx)
    assert ctx.new_weights == replace(weights(10), verified=verified)
    assert "TrafficWeightUpdated" not in [a.reason for a in ctx.actions if isinstance(a, EmitEvent)]


def test_weight_event_lists_new_experiment_destinations() -> None:
    """An experiment's destinations added beside an unchanged canary weight: the event names
    only them."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), EX), **TR)
    status = make_status(
        plan, index=1, canary_weights=weights(10), current_experiment=RunStatus("ex", "Running")
    )
    view = ExperimentView("ex", H2, 1, "Running", weights=EX_WEIGHTS)
    ctx = ctx_of(plan, status, rs(H1, 10), rs(H2, 1), experiments=(view,))
    reconcile_traffic_routing(ctx)
    assert [a.message for a in ctx.actions if isinstance(a, EmitEvent)] == [
        f"Traffic weight updated additional: [{{10 foo-baseline {H3}}}]"
    ]
