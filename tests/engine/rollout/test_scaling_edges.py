"""ReplicaSet writes of one reconcile (rollout/replicaset.go, rollout/canary.go), pinned where
the mutation run of ``engine/rollout/scaling.py`` asked: the abort scale-down delay, the
scale-down deadline annotation, ``isReplicaSetReferenced``, ``scaleDownDelayHelper`` and the
ALB gate of ``canProceedWithScaleDownAnnotation``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_aws_target_groups import NOT_YET, READY, aws
from test_steps_world import H1, H2, H3, NOW, make_plan, make_status, rs

from canarysim.engine.model import (
    AnnotateReplicaSet,
    BlueGreen,
    BlueGreenStatus,
    DeleteReplicaSet,
    EmitEvent,
    Observation,
    PauseCondition,
    ReplicaSetView,
    ScaleReplicaSet,
    SetWeight,
    TrafficWeights,
    WeightDestination,
)
from canarysim.engine.rollout.context import Context
from canarysim.engine.rollout.scaling import (
    RESYNC_PERIOD,
    _add_deadline,
    _reconcile_new,
    _reconcile_others,
    abort_scale_down_delay,
    is_referenced,
    next_deadline,
    reconcile_canary_replica_sets,
    reconcile_revision_history,
    scale,
    should_delay_abort_scale_down,
)

H4, H5 = "5c8d7b9f4", "4b7c6d8f5"


def _ctx(*rss: ReplicaSetView, obs: dict[str, Any] | None = None, **kw: Any) -> Context:
    plan = make_plan(**kw.pop("plan", {}))
    status = make_status(plan, **kw)
    views = tuple(replace(r, rollout_replicas=plan.replicas) for r in rss)
    return Context(plan, status, Observation(now=NOW, replica_sets=views, **(obs or {})))


# ---- GetAbortScaleDownDelaySecondsOrDefault ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expect"),
    [(None, 30.0), (0.0, None), (5.0, 5.0), (1.0, 1.0)],
    ids=["unset: 30 s", "explicit 0: never", "explicit 5", "explicit 1"],
)
def test_abort_scale_down_delay(value: float | None, expect: float | None) -> None:
    for plan in (
        {"traffic_routing": True, "abort_scale_down_delay_seconds": value},
        {"blue_green": BlueGreen("active"), "abort_scale_down_delay_seconds": value},
    ):
        assert abort_scale_down_delay(_ctx(rs(H1, 10), plan=plan)) == expect


# ---- addScaleDownDelay ----------------------------------------------------------------------


def test_add_deadline_rounds_down_to_the_second() -> None:
    ctx = _ctx(rs(H1, 10))
    _add_deadline(ctx, rs(H1, 10), 30.5)
    assert ctx.actions == [AnnotateReplicaSet(H1, NOW + 30)]


def test_a_zero_delay_removes_a_deadline_and_adds_none() -> None:
    """``addScaleDownDelay`` with 0: a deadline already there is removed (a switch from a
    routed to a basic canary); without one, nothing is written."""
    ctx = _ctx(rs(H1, 10))
    _add_deadline(ctx, rs(H1, 10, deadline=NOW + 5), 0.0)
    _add_deadline(ctx, rs(H2, 10), 0.0)
    assert ctx.actions == [AnnotateReplicaSet(H1, None)]


# ---- isReplicaSetReferenced -------------------------------------------------------------------


def _bg_ctx(**obs: Any) -> Context:
    return _ctx(
        rs(H1, 3),
        rs(H2, 3),
        rs(H3, 3),
        obs=obs,
        stable=H1,
        current=H2,
        blue_green=BlueGreenStatus(active_selector=H3, preview_selector=H4),
        plan={"blue_green": BlueGreen("active", "preview")},
    )


@pytest.mark.parametrize(
    ("h", "expect"),
    [(H1, True), (H2, True), (H3, True), (H4, True), (H5, True), ("0a0a0a0a", False)],
    ids=["stable", "current", "active selector", "preview selector", "a Service", "none"],
)
def test_blue_green_references(h: str, expect: bool) -> None:
    ctx = _bg_ctx(active_service_hash=H5, preview_service_hash=H5)
    assert is_referenced(ctx, rs(h, 3)) is expect


def test_blue_green_services_read_only_when_named() -> None:
    """The active and preview Services count only when the strategy names them."""
    ctx = _bg_ctx(active_service_hash=H5, preview_service_hash="6f6f6f6f")
    assert is_referenced(ctx, rs(H5, 3))
    assert is_referenced(ctx, rs("6f6f6f6f", 3))
    ctx.plan = replace(ctx.plan, blue_green=BlueGreen("active"))
    assert not is_referenced(ctx, rs("6f6f6f6f", 3))
    assert is_referenced(ctx, rs(H5, 3))
    ctx.plan = replace(ctx.plan, blue_green=BlueGreen("", "preview"))
    assert not is_referenced(ctx, rs(H5, 3))


def _weights(canary: str, stable: str) -> TrafficWeights:
    return TrafficWeights(WeightDestination(20, canary), WeightDestination(80, stable))


@pytest.mark.parametrize(
    ("h", "expect"),
    [(H1, True), (H2, True), (H3, True), (H4, True), (H5, True), ("0a0a0a0a", False)],
    ids=["stable", "current", "canary weight", "stable weight", "DestinationRule", "none"],
)
def test_canary_references(h: str, expect: bool) -> None:
    ctx = _ctx(
        rs(H1, 3),
        obs={"destination_rule_hashes": (H5,)},
        stable=H1,
        current=H2,
        canary_weights=_weights(H3, H4),
        plan={"traffic_routing": True},
    )
    assert is_referenced(ctx, rs(h, 3)) is expect


def test_canary_services_read_only_when_named() -> None:
    obs = {"canary_service_hash": H3, "stable_service_hash": H4}
    named = _ctx(rs(H1, 3), obs=obs, plan={"canary_service": "c", "stable_service": "s"}, stable=H1)
    assert is_referenced(named, rs(H3, 3)) and is_referenced(named, rs(H4, 3))
    unnamed = _ctx(rs(H1, 3), obs=obs, stable=H1)
    assert not is_referenced(unnamed, rs(H3, 3)) and not is_referenced(unnamed, rs(H4, 3))


# ---- scaleDownOldReplicaSetsForCanary / scaleDownDelayHelper ----------------------------------


def _promoted(*olds: ReplicaSetView, **plan: Any) -> Context:
    """A fully promoted routed canary at H1 (3 replicas, all up) and older stables."""
    return _ctx(
        rs(H1, 3, revision=9, created=9.0),
        *olds,
        stable=H1,
        plan={"replicas": 3, "pod_template_hash": H1, "traffic_routing": True, **plan},
    )


def test_revision_limit_annotates_that_many_and_scales_the_rest_to_zero() -> None:
    """``scaleDownDelayRevisionLimit: 2`` with three old stables (newest first by revision):
    two get a deadline and keep their size, the third goes to 0 at once."""
    ctx = _promoted(
        rs(H2, 1, revision=2, created=2.0),
        rs(H3, 1, revision=3, created=3.0),
        rs(H4, 1, revision=4, created=4.0),
        scale_down_delay_revision_limit=2,
        scale_down_delay_seconds=60.0,
    )
    assert _reconcile_others(ctx)
    assert ctx.actions[:2] == [AnnotateReplicaSet(H4, NOW + 60), AnnotateReplicaSet(H3, NOW + 60)]
    assert ctx.actions[2] == ScaleReplicaSet(H2, 0, 3)


def test_revision_limit_one_counts_an_existing_deadline() -> None:
    """Limit 1: a ReplicaSet already carrying a deadline uses the one slot, so the older one
    without a deadline is scaled to 0 rather than annotated."""
    ctx = _promoted(
        rs(H2, 1, revision=2, created=2.0),
        rs(H3, 1, revision=3, created=3.0, deadline=NOW + 100),
        scale_down_delay_revision_limit=1,
    )
    assert _reconcile_others(ctx)
    assert ctx.actions[0] == ScaleReplicaSet(H2, 0, 3)
    assert not any(isinstance(a, AnnotateReplicaSet) for a in ctx.actions)


def test_a_deadline_reached_this_instant_scales_down() -> None:
    """A deadline equal to now is not "after now" (``GetTimeRemainingBeforeScaleDownDeadline``
    returns none remaining): scale to 0."""
    ctx = _promoted(rs(H2, 1, revision=2, created=2.0, deadline=NOW))
    assert _reconcile_others(ctx)
    assert ctx.actions[0] == ScaleReplicaSet(H2, 0, 3)


def test_a_deadline_in_the_future_keeps_the_size() -> None:
    ctx = _promoted(rs(H2, 1, revision=2, created=2.0, deadline=NOW + 1))
    assert _reconcile_others(ctx) is False
    assert ctx.actions == []


# ---- canProceedWithScaleDownAnnotation (an ALB canary) -----------------------------------------


def _alb(old: ReplicaSetView, registered: tuple[tuple[str, int], ...] = NOT_YET) -> Context:
    """A promoted ALB canary at H2 (3 of 3 up), maxUnavailable 1, an older ReplicaSet ``old``,
    and a stable target group that does not yet hold every endpoint."""
    plan = make_plan(
        replicas=3,
        max_unavailable=1,
        traffic_routing=True,
        alb=True,
        canary_service="canary",
        stable_service="stable",
    )
    status = make_status(plan, stable=H2)
    views = (replace(old, rollout_replicas=3), rs(H2, 3, rollout_replicas=3))
    obs = Observation(
        now=NOW, replica_sets=views, stable_service_hash=H2, target_groups=aws("stable", registered)
    )
    return Context(plan, status, obs)


def _checked(ctx: Context) -> bool:
    return any(isinstance(a, EmitEvent) and a.reason.startswith("TargetGroup") for a in ctx.actions)


def test_alb_an_old_replica_set_of_one_pod_waits_for_the_target_groups() -> None:
    ctx = _alb(rs(H1, 1))
    assert not _reconcile_others(ctx)
    assert _checked(ctx)
    assert not any(isinstance(a, AnnotateReplicaSet | ScaleReplicaSet) for a in ctx.actions)


def test_alb_verified_target_groups_let_the_deadline_be_written() -> None:
    ctx = _alb(rs(H1, 1), READY)
    _reconcile_others(ctx)
    assert _checked(ctx)
    assert AnnotateReplicaSet(H1, NOW + 30) in ctx.actions


def test_alb_every_old_one_annotated_needs_no_check() -> None:
    """The deadline was written after a verification: no AWS call, and once it has passed the
    old ReplicaSet goes to 0 even though the target group is behind now."""
    ctx = _alb(rs(H1, 1, deadline=NOW - 1))
    assert _reconcile_others(ctx)
    assert not _checked(ctx)
    assert ctx.actions[0] == ScaleReplicaSet(H1, 0, 3)


def test_alb_an_old_replica_set_shrunk_to_nothing_needs_no_check() -> None:
    """``cleanupUnhealthyReplicas`` took the old ReplicaSet (2 pods, none available) to 0:
    nothing is left to scale down, so the target groups are not asked."""
    ctx = _alb(rs(H1, 2, 0))
    _reconcile_others(ctx)
    assert ctx.actions[0] == ScaleReplicaSet(H1, 0, 3)
    assert not _checked(ctx)


# ---- cleanupUnhealthyReplicas and the scale-down budget (a basic canary) -----------------------


def _basic(*olds: ReplicaSetView, **plan: Any) -> Context:
    """A basic canary fully at H2 (4 replicas, all up) with older ReplicaSets ``olds``; the
    stable H1 is already at 0."""
    return _ctx(
        rs(H1, 0, created=1.0),
        rs(H2, 4, created=2.0),
        *olds,
        stable=H1,
        plan={"replicas": 4, "max_surge": 1, "max_unavailable": 1, **plan},
    )


def test_cleanup_shrinks_an_old_replica_set_to_its_available_pods_and_counts_it() -> None:
    """An old ReplicaSet of 3 with 1 available goes to 1; with the budget then spent
    (5 available, 4 - 1 must stay: 2) the last pod goes too, and the reconcile reports a scale."""
    ctx = _basic(rs(H3, 3, 1, created=3.0))
    assert _reconcile_others(ctx)
    scales = [a for a in ctx.actions if isinstance(a, ScaleReplicaSet)]
    assert scales == [ScaleReplicaSet(H3, 1, 4), ScaleReplicaSet(H3, 0, 4)]


def test_cleanup_alone_counts_as_scaled_once_the_loop_is_reached() -> None:
    """Routed and not fully promoted, an old ReplicaSet still referenced by the status: the
    clean-up shrinks it and nothing else is scaled, yet the reconcile reports a scale
    (``totalScaledDown`` includes the clean-up)."""
    ctx = _ctx(
        rs(H1, 4, created=1.0),
        rs(H2, 1, created=2.0),
        rs(H3, 2, 1, created=3.0),
        stable=H1,
        current=H3,
        plan={"replicas": 4, "max_surge": 1, "max_unavailable": 1, "traffic_routing": True},
    )
    assert _reconcile_others(ctx)
    assert [a for a in ctx.actions if isinstance(a, ScaleReplicaSet)] == [ScaleReplicaSet(H3, 1, 4)]


def test_more_available_than_desired_stops_the_scale_down() -> None:
    """An old ReplicaSet scaled to 1 whose 2 pods are still available: Argo's clean-up errors
    and nothing more is scaled this reconcile (the older one's shrink stands)."""
    ctx = _basic(rs(H3, 2, 1, created=3.0), rs("4a4a4a4a", 1, 2, created=4.0, revision=4))
    assert not _reconcile_others(ctx)
    assert [a for a in ctx.actions if isinstance(a, ScaleReplicaSet)] == [ScaleReplicaSet(H3, 1, 4)]


def test_the_budget_uses_the_fenceposts_of_both_bounds() -> None:
    """maxSurge 0 with maxUnavailable 10 % of 5 (0): ``resolveFenceposts`` makes
    maxUnavailable 1, so one old pod may go (5 available, 5 - 1 must stay)."""
    ctx = _ctx(
        rs(H1, 0, created=1.0),
        rs(H2, 4, created=2.0),
        rs(H3, 1, created=3.0),
        stable=H1,
        plan={"replicas": 5, "max_surge": 0, "max_unavailable": "10%"},
    )
    assert _reconcile_others(ctx)
    assert ctx.actions[0] == ScaleReplicaSet(H3, 0, 5)


def test_alb_no_budget_no_target_group_check() -> None:
    """``maxScaleDown <= 0`` returns before ``canProceedWithScaleDownAnnotation``: 3 available
    of 3 with maxUnavailable 0 leaves nothing to scale down, and AWS is not asked."""
    ctx = _alb(rs(H1, 1))
    ctx.plan = replace(ctx.plan, max_unavailable=0)
    ctx.obs = replace(ctx.obs, replica_sets=(rs(H1, 1, rollout_replicas=3), rs(H2, 3, 2)))
    assert not _reconcile_others(ctx)
    assert not _checked(ctx)


def test_an_old_replica_set_already_at_zero_is_left_out() -> None:
    """``FilterActiveReplicaSets``: an old ReplicaSet scaled to 0 whose pod is still
    available is not cleaned up (no error), and the next one is scaled down."""
    ctx = _basic(rs(H3, 0, 1, created=3.0), rs("4a4a4a4a", 1, created=4.0, revision=4))
    assert _reconcile_others(ctx)
    assert ctx.actions[0] == ScaleReplicaSet("4a4a4a4a", 0, 4)


# ---- found by the run on the final code -----------------------------------------------------

TR = {"traffic_routing": True, "canary_service": "canary", "stable_service": "stable"}


def _events(ctx: Context) -> list[str]:
    return [a.message for a in ctx.actions if isinstance(a, EmitEvent)]


@pytest.mark.parametrize(
    ("start", "to", "said"),
    [
        (1, 3, "Scaled up ReplicaSet foo-{h} (revision 2) from 1 to 3"),
        (3, 1, "Scaled down ReplicaSet foo-{h} (revision 2) from 3 to 1"),
    ],
)
def test_scale_names_the_direction_the_replica_set_and_the_sizes(
    start: int, to: int, said: str
) -> None:
    """``scaleReplicaSetAndRecordEvent``: the ``ScalingReplicaSet`` event's wording."""
    ctx = _ctx(rs(H1, 4), rs(H2, start), stable=H1)
    assert scale(ctx, ctx.obs.replica_sets[1], to)
    assert _events(ctx) == [said.format(h=H2)]


@pytest.mark.parametrize(
    ("plan", "aborted", "expect"),
    [
        ({**TR}, True, True),
        ({**TR}, False, False),
        ({}, True, False),  # a basic canary never delays
        ({**TR, "abort_scale_down_delay_seconds": 0}, True, False),  # explicit 0: never
        ({**TR, "dynamic_stable_scale": True}, True, False),  # dynamic, no explicit delay
        ({**TR, "dynamic_stable_scale": True, "abort_scale_down_delay_seconds": 1}, True, True),
        ({**TR, "dynamic_stable_scale": True, "abort_scale_down_delay_seconds": 30}, True, True),
    ],
    ids=[
        "routed",
        "not aborted",
        "basic",
        "explicit 0",
        "dynamic",
        "dynamic, 1 s",
        "dynamic, 30 s",
    ],
)
def test_should_delay_scale_down_on_abort(
    plan: dict[str, Any], aborted: bool, expect: bool
) -> None:
    """``shouldDelayScaleDownOnAbort`` (rollout/replicaset.go)."""
    ctx = _ctx(rs(H1, 4), rs(H2, 1), stable=H1, abort=aborted, plan=plan)
    assert should_delay_abort_scale_down(ctx) is expect


def test_an_inconclusive_pause_halts_scaling() -> None:
    """``haltProgress``: an ``InconclusiveAnalysisRun`` pause condition stops every scale."""
    pause = (PauseCondition("InconclusiveAnalysisRun", NOW - 5),)
    ctx = _ctx(
        rs(H1, 4),
        rs(H2, 0),
        stable=H1,
        pause=pause,
        plan={"replicas": 4, "steps": (SetWeight(50),)},
    )
    assert not reconcile_canary_replica_sets(ctx)
    assert ctx.actions == []


def test_a_scaled_stable_ends_the_stage_before_the_new_one_is_scaled() -> None:
    """Basic canary at setWeight 50 of 10 (maxSurge 10, maxUnavailable 5): the arithmetic
    wants 5 and 5; the stable's scale (10 to 5) ends the stage, and the new ReplicaSet's
    growth (0 to 5) waits for the next reconcile."""
    ctx = _ctx(
        rs(H1, 10),
        rs(H2, 0),
        stable=H1,
        plan={"replicas": 10, "max_surge": 10, "max_unavailable": 5, "steps": (SetWeight(50),)},
    )
    assert reconcile_canary_replica_sets(ctx)
    assert [a for a in ctx.actions if isinstance(a, ScaleReplicaSet)] == [
        ScaleReplicaSet(H1, 5, 10)
    ]


@pytest.mark.parametrize(
    ("canary_weight", "canary", "stable"),
    [(20, 2, 8), (50, 0, 5)],
    ids=["the router still at 20 %", "the router at 50 %"],
)
def test_dynamic_stable_scale_follows_the_weights_persisted_before_this_reconcile(
    canary_weight: int, canary: int, stable: int
) -> None:
    """``reconcileCanaryStableReplicaSet`` sizes the stable by ``status.canary.weights`` as
    read, not by the step (setWeight 50 of 10): with the router still at 20 % the stable
    keeps 8 pods. The stable's scale ends the stage: the new ReplicaSet, short of its count
    too, waits for the next reconcile."""
    weights = TrafficWeights(
        WeightDestination(canary_weight, H2, "canary"),
        WeightDestination(100 - canary_weight, H1, "stable"),
    )
    ctx = _ctx(
        rs(H1, 10),
        rs(H2, canary),
        stable=H1,
        canary_weights=weights,
        plan={**TR, "replicas": 10, "dynamic_stable_scale": True, "steps": (SetWeight(50),)},
    )
    assert reconcile_canary_replica_sets(ctx)
    assert [a for a in ctx.actions if isinstance(a, ScaleReplicaSet)] == [
        ScaleReplicaSet(H1, stable, 10)
    ]


@pytest.mark.parametrize("who", [H1, H2])
def test_deadlines_of_the_stable_and_the_new_replica_set_are_removed(who: str) -> None:
    """``RemoveScaleDownDeadlines``: neither the new nor the stable ReplicaSet keeps a
    scale-down deadline while the rollout is not delaying an abort."""
    views = [rs(H1, 4), rs(H2, 1)]
    views = [replace(v, scale_down_deadline=NOW + 30) if v.hash == who else v for v in views]
    ctx = _ctx(*views, stable=H1, plan={"replicas": 4, "steps": (SetWeight(25),)})
    reconcile_canary_replica_sets(ctx)
    assert AnnotateReplicaSet(who, None) in ctx.actions


@pytest.mark.parametrize(("weights", "canary"), [((50, 50), 2), (None, 0)])
def test_aborted_dynamic_scale_sizes_the_canary_by_the_weights_written(
    weights: tuple[int, int] | None, canary: int
) -> None:
    """Aborted with dynamicStableScale (no explicit delay: no hold), the canary follows the
    weights this reconcile wrote (``newStatus.canary.weights``), not the step."""
    ctx = _ctx(
        rs(H1, 2, 2),
        rs(H2, 1),
        stable=H1,
        abort=True,
        plan={**TR, "replicas": 4, "dynamic_stable_scale": True, "steps": (SetWeight(50),)},
    )
    ctx.new_weights = (
        None
        if weights is None
        else TrafficWeights(
            WeightDestination(weights[0], H2, "canary"), WeightDestination(weights[1], H1, "stable")
        )
    )
    _reconcile_new(ctx)
    assert [a for a in ctx.actions if isinstance(a, ScaleReplicaSet)] == [
        ScaleReplicaSet(H2, canary, 4)
    ]


def test_an_abort_deadline_reached_this_instant_scales_the_canary_down() -> None:
    """After an abort the canary is held until its deadline; a deadline of exactly now is no
    longer in the future: the canary goes to 0."""
    ctx = _ctx(
        rs(H1, 10),
        replace(rs(H2, 3), scale_down_deadline=NOW),
        stable=H1,
        abort=True,
        plan={**TR, "replicas": 10, "steps": (SetWeight(30),)},
    )
    assert _reconcile_new(ctx)
    assert ScaleReplicaSet(H2, 0, 10) in ctx.actions


@pytest.mark.parametrize("deadline", [NOW + 30, None])
def test_an_abort_hold_lets_older_replica_sets_scale_down_in_the_same_reconcile(
    deadline: float | None,
) -> None:
    """The held canary is not a scale: the stage goes on to the older ReplicaSets."""
    ctx = _ctx(
        rs(H3, 2, created=0.5),
        rs(H1, 10, created=1.0),
        replace(rs(H2, 3, created=2.0), scale_down_deadline=deadline),
        stable=H1,
        abort=True,
        plan={**TR, "replicas": 10, "max_unavailable": 2, "steps": (SetWeight(30),)},
    )
    reconcile_canary_replica_sets(ctx)
    assert ScaleReplicaSet(H3, 0, 10) in ctx.actions


def test_cleanup_leaves_a_healthy_old_replica_set_with_a_stale_annotation() -> None:
    """``cleanupUnhealthyReplicas`` skips a ReplicaSet whose pods are all available: no write
    for it, even when its desired-replicas annotation is stale (it stays referenced)."""
    ctx = _ctx(
        rs(H1, 4, created=1.0),
        rs(H2, 1, created=2.0),
        stable=H1,
        current=H3,
        plan={**TR, "replicas": 4, "max_surge": 1, "max_unavailable": 1},
    )
    old = replace(rs(H3, 2, 2, created=3.0), rollout_replicas=3)
    ctx.obs = replace(ctx.obs, replica_sets=(*ctx.obs.replica_sets, old))
    ctx.other_rss = [old]
    _reconcile_others(ctx)
    assert [a for a in ctx.actions if isinstance(a, ScaleReplicaSet) and a.hash == H3] == []


def test_a_referenced_old_replica_set_is_skipped_not_the_end() -> None:
    """Routed: the newest old ReplicaSet is still referenced (the status's current hash), so
    it is skipped and the next older one, unreferenced and past its deadline, goes to 0."""
    ctx = _ctx(
        rs(H1, 4, created=1.0),
        rs(H2, 1, created=2.0),
        replace(rs(H4, 1, created=0.5, revision=1), scale_down_deadline=NOW - 1),
        rs(H3, 1, created=3.0, revision=4),
        stable=H1,
        current=H3,
        plan={**TR, "replicas": 4, "max_surge": 1, "max_unavailable": 2},
    )
    assert _reconcile_others(ctx)
    assert ScaleReplicaSet(H4, 0, 4) in ctx.actions


def _intermediate(*olds: ReplicaSetView) -> Context:
    """A routed canary mid-update at H2 (one pod, not yet available) over the stable H1
    (4 replicas, 3 available), maxUnavailable 0, with intermediate ReplicaSets ``olds``
    (neither stable nor canary, no deadline)."""
    return _ctx(
        rs(H1, 4, 3, revision=1, created=1.0),
        rs(H2, 1, 0, revision=9, created=9.0),
        *olds,
        stable=H1,
        plan={"replicas": 4, "max_unavailable": 0, "traffic_routing": True},
    )


def test_routed_intermediate_scale_down_stops_when_the_budget_is_spent() -> None:
    """3 + 1 + 1 available, 4 must stay: one pod may go. The newest intermediate (revision 4)
    goes to 0 and spends it; the older one keeps its pod until a later reconcile."""
    ctx = _intermediate(rs(H3, 1, revision=3, created=3.0), rs(H4, 1, revision=4, created=4.0))
    assert _reconcile_others(ctx) is True
    assert [a for a in ctx.actions if isinstance(a, ScaleReplicaSet)] == [ScaleReplicaSet(H4, 0, 4)]


def test_a_referenced_old_replica_set_is_skipped_and_the_next_one_scaled() -> None:
    """The status's canary weight still names the intermediate revision 4: it keeps its pod,
    and the older revision 3 is scaled down in its place."""
    ctx = _intermediate(rs(H3, 1, revision=3, created=3.0), rs(H4, 1, revision=4, created=4.0))
    ctx.status = replace(ctx.status, canary_weights=_weights(H4, H1))
    assert _reconcile_others(ctx) is True
    assert [a for a in ctx.actions if isinstance(a, ScaleReplicaSet)] == [ScaleReplicaSet(H3, 0, 4)]


def test_revision_history_keeps_a_replica_set_whose_pods_are_not_gone() -> None:
    """``reconcileRevisionHistoryLimit`` deletes only ReplicaSets at 0 with no pods left."""
    ctx = _ctx(
        rs(H1, 4, created=3.0),
        rs(H3, 0, status_replicas=1, created=1.0),
        rs(H4, 0, status_replicas=0, created=2.0),
        stable=H1,
        plan={"replicas": 4, "pod_template_hash": H1, "revision_history_limit": 0},
    )
    reconcile_revision_history(ctx)
    assert ctx.actions == [DeleteReplicaSet(H4)]


def test_a_one_pod_replica_set_deadline_is_a_timer() -> None:
    ctx = _ctx(rs(H1, 4), replace(rs(H2, 1), scale_down_deadline=NOW + 7), stable=H1)
    assert next_deadline(ctx) == NOW + 7


def test_next_deadline_is_the_earliest_on_a_replica_set_still_up() -> None:
    """A deadline counts while its ReplicaSet has a pod, however few; one scaled to 0 has
    nothing left to scale down."""
    ctx = _ctx(rs(H1, 4), rs(H3, 1, deadline=NOW + 20), rs(H4, 0, deadline=NOW + 5))
    assert next_deadline(ctx) == NOW + 20
    ctx = _ctx(rs(H1, 4), rs(H4, 0, deadline=NOW + 5))
    assert next_deadline(ctx) is None


def test_an_old_replica_set_cleaned_to_zero_is_passed_over() -> None:
    """The newest old ReplicaSet (revision 4) has no pod available: the clean-up takes it to 0,
    and the scale-down goes on to the older one (5 available, 3 must stay: 2 may go)."""
    ctx = _basic(rs(H3, 1, revision=3, created=3.0), rs(H4, 2, 0, revision=4, created=4.0))
    assert _reconcile_others(ctx) is True
    scales = [a for a in ctx.actions if isinstance(a, ScaleReplicaSet)]
    assert scales == [ScaleReplicaSet(H4, 0, 4), ScaleReplicaSet(H3, 0, 4)]


def test_the_canary_follows_the_weights_written_this_reconcile() -> None:
    """Aborted under dynamicStableScale (no abort hold): the canary is sized from the
    weights of this reconcile, and keeps its 5 pods while half the traffic is still on it."""
    half = TrafficWeights(WeightDestination(50, H2), WeightDestination(50, H1))
    plan = {"traffic_routing": True, "dynamic_stable_scale": True, "steps": (SetWeight(50),)}
    ctx = _ctx(rs(H1, 10), rs(H2, 5), stable=H1, abort=True, canary_weights=half, plan=plan)
    assert _reconcile_new(ctx) is False
    assert ctx.actions == []
    ctx.new_weights = TrafficWeights(WeightDestination(0, H2), WeightDestination(100, H1))
    assert _reconcile_new(ctx) is True
    assert ctx.actions[0] == ScaleReplicaSet(H2, 0, 10)


# ---- reconcileNewReplicaSet: the abort hold ----------------------------------------------------


def _aborted(deadline: float | None, stable_available: int = 10, **plan: Any) -> Context:
    """A routed canary aborted at 50 %: the canary H2 still has 5 pods, the stable H1 10."""
    plan = {"traffic_routing": True, "steps": (SetWeight(50),), **plan}
    return _ctx(
        rs(H1, 10, stable_available), rs(H2, 5, deadline=deadline), stable=H1, abort=True, plan=plan
    )


@pytest.mark.parametrize(
    ("deadline", "scaled", "size"),
    [
        (NOW + 1, False, 5),
        (NOW + RESYNC_PERIOD - 1, False, 5),
        (NOW + RESYNC_PERIOD, True, 0),
        (NOW, True, 0),
    ],
    ids=[
        "a second ahead: held",
        "just inside a resync period: held",
        "a resync period ahead: not held",
        "reached this instant: down",
    ],
)
def test_the_abort_hold_ends_at_the_deadline_or_beyond_a_resync(
    deadline: float, scaled: bool, size: int
) -> None:
    """``reconcileNewReplicaSet`` keeps the canary only while the deadline is after now and
    closer than the resync period; a deadline further ahead holds nothing (Argo scales the
    canary to its aborted size, here 0, at once)."""
    ctx = _aborted(deadline)
    assert _reconcile_new(ctx) is scaled
    sizes = [a.replicas for a in ctx.actions if isinstance(a, ScaleReplicaSet) and a.hash == H2]
    assert sizes == ([size] if scaled else [])


def test_the_abort_hold_annotates_once_the_stable_is_whole() -> None:
    """No deadline yet: the canary keeps its pods and reports no scale; the deadline
    (30 s by default) is written only when every stable pod is available."""
    ctx = _aborted(None, stable_available=9)
    assert _reconcile_new(ctx) is False
    assert ctx.actions == []
    ctx = _aborted(None)
    assert _reconcile_new(ctx) is False
    assert ctx.actions == [AnnotateReplicaSet(H2, NOW + 30)]


def test_the_resync_period_is_the_simulated_controllers() -> None:
    from canarysim.sim.controller.loop import RESYNC_PERIOD as CONTROLLER_RESYNC

    assert RESYNC_PERIOD == CONTROLLER_RESYNC


def test_a_scale_records_its_direction_sizes_and_revision() -> None:
    """``scaleReplicaSetAndRecordEvent``: "Scaled up/down ReplicaSet <name> (revision <n>)
    from <old> to <new>"; True only when the size changed."""
    ctx = _ctx(rs(H1, 4))
    assert scale(ctx, rs(H2, 1, rollout_replicas=10), 3) is True
    assert scale(ctx, rs(H1, 4, rollout_replicas=10), 2) is True
    assert scale(ctx, rs(H1, 4, rollout_replicas=10), 4) is False
    messages = [a.message for a in ctx.actions if isinstance(a, EmitEvent)]
    assert messages == [
        "Scaled up ReplicaSet foo-7f94d8b6c (revision 2) from 1 to 3",
        "Scaled down ReplicaSet foo-6d8f9c7b5 (revision 1) from 4 to 2",
    ]


def test_revision_history_deletes_only_replica_sets_with_no_pods_at_all() -> None:
    """``reconcileRevisionHistoryLimit`` with limit 0: of the old ReplicaSets beyond it, one
    scaled to 0 whose pod is still terminating and one scaled up whose pod does not exist yet
    are kept; only the one with neither is deleted."""
    ctx = _ctx(
        rs(H1, 4),
        rs(H3, 0, status_replicas=1, created=3.0),
        rs(H4, 1, 0, status_replicas=0, created=4.0),
        rs(H5, 0, created=5.0),
        stable=H1,
        plan={"replicas": 4, "revision_history_limit": 0},
    )
    reconcile_revision_history(ctx)
    assert ctx.actions == [DeleteReplicaSet(H5)]
