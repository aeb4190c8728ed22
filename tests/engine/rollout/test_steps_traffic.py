"""Replays of Argo's traffic-routed controller tests (upstream rollout/trafficrouting_test.go,
and the traffic-routed cases of rollout/canary_test.go).

The Go tests mock the router and assert the weight handed to ``SetWeight``; here that is the
``SetTrafficWeight`` action (canary, stable). Routers that only differ in how they write the
weight (SMI, the generic mock) are all "traffic routing" to the engine.
"""

from __future__ import annotations

from test_steps_world import (
    H1,
    H2,
    H3,
    NOW,
    events,
    make_plan,
    make_status,
    of_type,
    reconcile,
    router_weights,
    rs,
    scales,
)

from canarysim.engine.model import (
    AnnotateReplicaSet,
    Pause,
    PauseCondition,
    RemoveManagedRoutes,
    SetReplicaSetRevision,
    SetServiceSelector,
    SetWeight,
    TrafficWeights,
    UpdateTrafficHash,
    WeightDestination,
)

TR = {"traffic_routing": True, "canary_service": "canary", "stable_service": "stable"}


def weights(canary: int, canary_hash: str, stable_hash: str) -> TrafficWeights:
    return TrafficWeights(
        WeightDestination(canary, canary_hash, "canary"),
        WeightDestination(100 - canary, stable_hash, "stable"),
    )


def test_use_desired_weight_at_pause_after_set_weight() -> None:
    """TestRolloutUseDesiredWeight: paused at step 1 after setWeight 10, canary 1/1."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause()), **TR)
    paused = (PauseCondition("CanaryPauseStep", NOW - 5),)
    d = reconcile(plan, make_status(plan, index=1, pause=paused), rs(H1, 10), rs(H2, 1))
    assert router_weights(d) == [(10, 90)]
    assert scales(d) == []


def test_use_previous_set_weight_while_canary_scales() -> None:
    """TestRolloutUsePreviousSetWeight: at setWeight 20 with 1 of 2 canary pods -> router keeps
    10 while the canary grows to 2."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), SetWeight(20)), **TR)
    d = reconcile(
        plan,
        make_status(plan, index=1),
        rs(H1, 10),
        rs(H2, 1),
        canary_service_hash=H2,
        stable_service_hash=H1,
    )
    assert router_weights(d) == [(10, 90)]
    assert scales(d) == [(H2, 2)]
    assert d.status.current_step_index == 1


def test_use_desired_weight_100_at_end_and_promote() -> None:
    """TestRolloutUseDesiredWeight100: index == len(steps), canary 10/10 -> SetWeight(100), and
    by the algorithm the same reconcile switches stableRS."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), Pause()), **TR)
    d = reconcile(plan, make_status(plan, index=2), rs(H1, 10), rs(H2, 10))
    assert router_weights(d) == [(100, 0)]
    assert d.status.stable_rs == H2
    assert d.status.canary_weights == weights(100, H2, H1)


def test_set_weight_to_zero_when_fully_rolled_out() -> None:
    """TestRolloutSetWeightToZeroWhenFullyRolledOut: RemoveManagedRoutes, then SetWeight(0)."""
    plan = make_plan(
        replicas=10, pod_template_hash=H1, steps=(SetWeight(10),), managed_routes=("hdr",), **TR
    )
    d = reconcile(plan, make_status(plan, index=1, stable=H1), rs(H1, 10))
    assert RemoveManagedRoutes() in d.actions
    assert router_weights(d) == [(0, 100)]
    routed = [a for a in d.actions if isinstance(a, RemoveManagedRoutes | UpdateTrafficHash)]
    assert isinstance(routed[0], RemoveManagedRoutes)


def test_dynamic_weight_on_promote_full() -> None:
    """TestRolloutUseDynamicWeightOnPromoteFull: 5 of 10 canary pods available ->
    dynamicStableScale: weight 100*5/10 = 50. Without it the recorded weight (5) would be kept,
    but the stable (5 available) cannot carry 95 % of 10 pods, so the router is left alone
    (``checkReplicasAvailable``; the Go mock only checks the value if it is called)."""
    base = make_plan(replicas=10, steps=(SetWeight(5), SetWeight(25)), **TR)
    for dynamic, expected in ((True, [(50, 50)]), (False, [])):
        plan = (
            base
            if not dynamic
            else make_plan(
                replicas=10, steps=(SetWeight(5), SetWeight(25)), dynamic_stable_scale=True, **TR
            )
        )
        status = make_status(plan, index=1, promote_full=True, canary_weights=weights(5, H2, H1))
        d = reconcile(plan, status, rs(H1, 5), rs(H2, 10, 5))
        assert router_weights(d) == expected, dynamic


def test_old_stable_gets_scale_down_deadline() -> None:
    """TestCanaryWithTrafficRoutingAddScaleDownDelay: just promoted; the old stable is annotated
    now + 30 s and keeps its pod."""
    plan = make_plan(replicas=1, max_surge=1, max_unavailable=1, steps=(SetWeight(10),), **TR)
    status = make_status(plan, index=1, stable=H2, canary_weights=weights(0, H2, H2))
    d = reconcile(
        plan, status, rs(H1, 1), rs(H2, 1), canary_service_hash=H2, stable_service_hash=H2
    )
    assert of_type(d, AnnotateReplicaSet) == [AnnotateReplicaSet(H1, NOW + 30)]
    assert scales(d) == []


def test_scale_down_delay_revision_limit() -> None:
    """TestCanaryWithTrafficRoutingScaleDownLimit: limit 1 -> rev 1 goes to 0 at once and
    loses its deadline; rev 2 keeps its pod until its deadline."""
    plan = make_plan(
        replicas=1,
        pod_template_hash=H3,
        max_surge=1,
        max_unavailable=1,
        steps=(SetWeight(10),),
        scale_down_delay_revision_limit=1,
        **TR,
    )
    status = make_status(plan, index=1, stable=H3)
    d = reconcile(
        plan,
        status,
        rs(H1, 1, deadline=NOW + 10),
        rs(H2, 1, deadline=NOW + 10),
        rs(H3, 1),
        canary_service_hash=H3,
        stable_service_hash=H3,
    )
    assert scales(d) == [(H1, 0)]
    assert AnnotateReplicaSet(H1, None) in d.actions
    assert AnnotateReplicaSet(H2, None) not in d.actions


def test_interrupted_update_keeps_referenced_rs() -> None:
    """TestCanaryDontScaleDownOldRsDuringInterruptedUpdate: V2 is still in the recorded
    weights, so it is not scaled down while V3 has no available pod."""
    plan = make_plan(replicas=5, pod_template_hash=H3, steps=(SetWeight(100), Pause()), **TR)
    status = make_status(plan, index=1, canary_weights=weights(100, H2, H1))
    d = reconcile(
        plan,
        status,
        rs(H1, 5),
        rs(H2, 5),
        rs(H3, 5, 0),
        canary_service_hash=H2,
        stable_service_hash=H1,
    )
    assert scales(d) == []


def test_interrupted_update_scales_down_unreferenced_rs() -> None:
    """TestCanaryScaleDownOldRsDuringInterruptedUpdate: V3 5/5, no weights -> V2 5 -> 0."""
    plan = make_plan(replicas=5, pod_template_hash=H3, steps=(SetWeight(100), Pause()), **TR)
    d = reconcile(
        plan,
        make_status(plan, index=1),
        rs(H1, 5),
        rs(H2, 5),
        rs(H3, 5),
        canary_service_hash=H3,
        stable_service_hash=H1,
    )
    assert scales(d) == [(H2, 0)]


def test_dynamic_abort_steps_weight_down_through_set_weights() -> None:
    """TestDynamicScalingDecreaseWeightAccordingToStepWeightsAvailabilityWhenAborted: stable
    3/5 available, canary 4/4 at weight 100 -> SetWeight(50); one ReplicaSet written."""
    plan = make_plan(
        replicas=5,
        max_surge=1,
        max_unavailable=1,
        steps=(SetWeight(50), Pause()),
        dynamic_stable_scale=True,
        **TR,
    )
    status = make_status(
        plan, index=1, abort=True, aborted_at=NOW - 60, canary_weights=weights(100, H2, H1)
    )
    d = reconcile(plan, status, rs(H1, 5, 3), rs(H2, 4), canary_service_hash=H2)
    assert router_weights(d) == [(50, 50)]
    assert len(scales(d)) == 1


def test_dynamic_abort_follows_stable_availability() -> None:
    """TestDynamicScalingDecreaseWeightAccordingToStableAvailabilityWhenAborted: no setWeight
    to fall back to, stable 1/5 available -> weight 100 - 100*1/5 = 80."""
    plan = make_plan(
        replicas=5,
        max_surge=1,
        max_unavailable=1,
        steps=(Pause(),),
        dynamic_stable_scale=True,
        **TR,
    )
    status = make_status(
        plan, index=0, abort=True, aborted_at=NOW - 60, canary_weights=weights(100, H2, H1)
    )
    d = reconcile(plan, status, rs(H1, 5, 1), rs(H2, 4), canary_service_hash=H2)
    assert router_weights(d) == [(80, 20)]


def test_dynamic_abort_reaches_zero_and_resets_canary_service() -> None:
    """...StableAvailabilityWhenAbortedAndResetService: stable 5/5, canary 0/0, weight 20 ->
    SetWeight(0) and the canary Service points at the stable ReplicaSet."""
    plan = make_plan(
        replicas=5,
        max_surge=1,
        max_unavailable=1,
        steps=(SetWeight(50), Pause()),
        dynamic_stable_scale=True,
        **TR,
    )
    status = make_status(
        plan, index=1, abort=True, aborted_at=NOW - 60, canary_weights=weights(20, H2, H1)
    )
    d = reconcile(
        plan, status, rs(H1, 5), rs(H2, 0), canary_service_hash=H2, stable_service_hash=H1
    )
    assert router_weights(d) == [(0, 100)]
    assert SetServiceSelector("canary", H1) in d.actions


def test_dynamic_abort_never_increases_weight() -> None:
    """TestDynamicScalingDontIncreaseWeightWhenAborted: stable 4/5, canary 0, weight 0: the
    canary Service goes back to stable (asserted upstream); the weight stays 0 - the router is
    not even written, as the stable cannot carry 100 % yet (the Go mock only checks the value
    if it is called)."""
    plan = make_plan(
        replicas=5,
        max_surge=1,
        max_unavailable=1,
        steps=(SetWeight(50), Pause()),
        dynamic_stable_scale=True,
        **TR,
    )
    status = make_status(
        plan, index=1, abort=True, aborted_at=NOW - 60, canary_weights=weights(0, H2, H1)
    )
    d = reconcile(
        plan, status, rs(H1, 5, 4), rs(H2, 0), canary_service_hash=H2, stable_service_hash=H1
    )
    assert router_weights(d) == []
    assert d.status.canary_weights == weights(0, H2, H1)
    assert SetServiceSelector("canary", H1) in d.actions


def test_new_canary_supersede_does_not_overload_stable() -> None:
    """TestDynamicStableScaleNewCanarySupersedeShouldNotOverloadStable: V3 just created, the
    stable (1/1) cannot take 100 %: no router call at all; V3 scales up."""
    plan = make_plan(
        replicas=10,
        pod_template_hash=H3,
        steps=(SetWeight(90), Pause()),
        dynamic_stable_scale=True,
        **TR,
    )
    status = make_status(plan, index=0, canary_weights=weights(90, H2, H1))
    d = reconcile(
        plan,
        status,
        rs(H1, 1),
        rs(H2, 9),
        rs(H3, 0),
        canary_service_hash=H2,
        stable_service_hash=H1,
    )
    assert router_weights(d) == []
    assert of_type(d, UpdateTrafficHash) == []
    assert [h for h, n in scales(d) if n > 0] == [H3]


def test_dont_weight_to_zero_when_dynamically_rolling_back_to_stable() -> None:
    """TestDontWeightToZeroWhenDynamicallyRollingBackToStable: back to the stable template
    while 90 % still go to the canary: the weight is not dropped (the stable, 1/10, cannot carry
    more), the stable takes revision 3 and scales to 10."""
    plan = make_plan(
        replicas=10,
        pod_template_hash=H1,
        max_unavailable=1,
        steps=(SetWeight(90), Pause()),
        dynamic_stable_scale=True,
        **TR,
    )
    status = make_status(plan, index=1, stable=H1, canary_weights=weights(10, H2, H1))
    d = reconcile(
        plan, status, rs(H1, 1), rs(H2, 9), canary_service_hash=H2, stable_service_hash=H1
    )
    assert of_type(d, SetReplicaSetRevision) == [SetReplicaSetRevision(H1, 3)]
    assert all(w == (10, 90) for w in router_weights(d))
    assert scales(d) == [(H1, 10)]


def test_weight_update_event_wording() -> None:
    """``TrafficWeightUpdated``: "Traffic weight updated from 10 to 20" once the canary can
    carry the new step."""
    plan = make_plan(replicas=10, steps=(SetWeight(10), SetWeight(20)), **TR)
    status = make_status(plan, index=1, canary_weights=weights(10, H2, H1))
    d = reconcile(
        plan, status, rs(H1, 10), rs(H2, 2), canary_service_hash=H2, stable_service_hash=H1
    )
    assert router_weights(d) == [(20, 80)]
    assert ("TrafficWeightUpdated", "Traffic weight updated from 10 to 20") in events(d)
    assert d.status.current_step_index == 2


def test_header_route_step_applies_then_promotion_removes_managed_routes() -> None:
    """setHeaderRoute is written during traffic routing while at the step (revision > 1) and
    completes at once; full promotion removes every managed route."""
    from canarysim.engine.model import SetHeaderRoute, SetTrafficHeaderRoute

    match = ({"headerName": "x-canary", "headerValue": {"exact": "yes"}},)
    steps = (SetWeight(10), SetHeaderRoute("hdr", match), Pause())
    plan = make_plan(replicas=10, steps=steps, managed_routes=("hdr",), **TR)
    d = reconcile(plan, make_status(plan, index=1), rs(H1, 10), rs(H2, 1), canary_service_hash=H2)
    assert SetTrafficHeaderRoute("hdr", match) in d.actions
    assert d.status.current_step_index == 2
    assert ("RolloutStepCompleted", "Rollout step 2/3 completed (setHeaderRoute: hdr)") in events(d)
    done = make_status(plan, index=3, stable=H2)
    d = reconcile(
        plan, done, rs(H1, 10), rs(H2, 10), canary_service_hash=H2, stable_service_hash=H2
    )
    assert RemoveManagedRoutes() in d.actions
