"""The reconcile context's small facts (utils/rollout/rolloututil.go ``CanaryStepString``,
utils/replicaset/canary.go ``GetCurrentSetWeight`` and ``AtDesiredReplicaCountsForCanary``),
pinned where the mutation run of ``engine/rollout/context.py`` asked."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from test_steps_world import H1, H2, NOW, make_plan, make_status, reconcile, rs, scales

from canarysim.engine.model import (
    Analysis,
    CompoundStep,
    Experiment,
    Observation,
    Pause,
    ReplicaSetView,
    RunStatus,
    SetCanaryScale,
    SetHeaderRoute,
    SetMirrorRoute,
    SetWeight,
    Step,
    TrafficWeights,
    WeightDestination,
)
from canarysim.engine.rollout.context import Context, step_mapping, step_string


@pytest.mark.parametrize(
    ("step", "text"),
    [
        (Pause(seconds=30.0), "pause: 30"),
        (Pause(seconds=0.0), "pause: 0"),
        (Pause(seconds=1.5), "pause: 1.5"),
        (Pause(seconds=30.0, raw="30s"), "pause: 30s"),
        (SetCanaryScale(weight=30), "setCanaryScale{weight: 30}"),
        (SetCanaryScale(match_traffic_weight=True), "setCanaryScale{matchTrafficWeight: true}"),
        (SetCanaryScale(replicas=2), "setCanaryScale{replicas: 2}"),
        (SetHeaderRoute("h"), "setHeaderRoute: h"),
        (SetMirrorRoute("m"), "setMirrorRoute: m"),
    ],
)
def test_step_string(step: Step, text: str) -> None:
    """A pause built without its manifest text prints its seconds as Go prints an int."""
    assert step_string(step) == text


def _ctx(*rss: ReplicaSetView, index: int | None = 0, **kw: Any) -> Context:
    plan = make_plan(**kw.pop("plan", {}))
    status = make_status(plan, index=index, **kw)
    views = tuple(replace(r, rollout_replicas=plan.replicas) for r in rss)
    return Context(plan, status, Observation(now=NOW, replica_sets=views))


@pytest.mark.parametrize(
    ("index", "abort", "expect"),
    [(0, False, 0), (1, False, 20), (2, False, 20), (3, False, 100), (2, True, 0)],
    ids=["before any setWeight", "at one", "after one", "past the last step", "aborted"],
)
def test_current_set_weight(index: int, abort: bool, expect: int) -> None:
    steps = (Pause(), SetWeight(20), Pause())
    assert _ctx(index=index, abort=abort, plan={"steps": steps}).current_set_weight() == expect


def _at_desired(*rss: ReplicaSetView, weights: TrafficWeights | None = None, **kw: Any) -> bool:
    """10 replicas at the 20 % step (canary H2 wants 2, stable H1 wants 10)."""
    plan = {"replicas": 10, "steps": (SetWeight(20),), **kw.pop("plan", {})}
    return _ctx(*rss, stable=H1, plan=plan, **kw).at_desired_replica_counts(weights)


def test_at_desired_needs_the_new_replica_set() -> None:
    assert not _at_desired(rs(H1, 10))


def test_at_desired_needs_the_stable_replica_set() -> None:
    assert _at_desired(rs(H2, 2), rs(H1, 10), plan={"traffic_routing": True})
    assert not _at_desired(rs(H2, 2), plan={"traffic_routing": True})


def test_at_desired_needs_the_stables_pods_created() -> None:
    """``allDesiredAreCreated``: spec and status replicas both at the desired count."""
    routed = {"traffic_routing": True}
    assert not _at_desired(rs(H2, 2), rs(H1, 10, status_replicas=9), plan=routed)
    assert not _at_desired(rs(H2, 2), rs(H1, 9, status_replicas=10), plan=routed)


def test_at_desired_skips_the_stable_only_with_dynamic_stable_scale() -> None:
    assert _at_desired(
        rs(H2, 2), rs(H1, 4), plan={"traffic_routing": True, "dynamic_stable_scale": True}
    )
    assert not _at_desired(rs(H2, 2), rs(H1, 4), plan={"traffic_routing": True})


def test_at_desired_reads_the_weights_it_is_given() -> None:
    """Aborted under dynamicStableScale the canary keeps the pods for the traffic it still
    gets: with 50 % still on it, 5 canary pods are the desired count, without weights 0."""
    plan = {"traffic_routing": True, "dynamic_stable_scale": True}
    weights = TrafficWeights(WeightDestination(50, H2), WeightDestination(50, H1))
    assert _at_desired(rs(H2, 5), rs(H1, 10), weights=weights, abort=True, plan=plan)
    assert not _at_desired(rs(H2, 5), rs(H1, 10), abort=True, plan=plan)


# --------------------------------------------------------------------------------------------
# setCanaryScale through a reconcile (the steps reach the replica arithmetic in manifest form)
# --------------------------------------------------------------------------------------------

TR = {"traffic_routing": True, "canary_service": "canary", "stable_service": "stable"}


@pytest.mark.parametrize(
    ("steps", "index", "canary"),
    [
        ((SetCanaryScale(weight=30), Pause()), 0, 3),
        ((SetCanaryScale(replicas=4), Pause()), 0, 4),
        # back to the traffic weight (20 %) after an explicit scale of 50 %
        (
            (
                SetCanaryScale(weight=50),
                SetWeight(20),
                SetCanaryScale(match_traffic_weight=True),
                Pause(),
            ),
            2,
            2,
        ),
    ],
    ids=["weight", "replicas", "matchTrafficWeight"],
)
def test_set_canary_scale_sizes_the_canary(steps: tuple[Any, ...], index: int, canary: int) -> None:
    """``GetCanaryReplicasOrWeight``: the last ``setCanaryScale`` up to the current step sizes
    the canary (10 replicas) until one says ``matchTrafficWeight``."""
    plan = make_plan(replicas=10, max_surge=10, steps=steps, **TR)
    status = make_status(plan, index=index, counts=(10, 0, 10, 10))
    d = reconcile(plan, status, rs(H1, 10), rs(H2, 0))
    assert (H2, canary) in scales(d)


def test_a_promoted_oversized_replica_set_is_its_own_stable() -> None:
    """Fully promoted (the new ReplicaSet is the stable one), Argo hands the new ReplicaSet
    in as the stable too: 8 pods, 1 available, for 3 replicas with maxUnavailable 1 shrinks to
    2 (the unavailable budget holds one pod), not to 3 as with no stable at all."""
    plan = make_plan(
        replicas=3, max_surge=0, max_unavailable=1, pod_template_hash=H2, steps=(SetWeight(20),)
    )
    status = make_status(plan, stable=H2, index=1, counts=(8, 8, 1, 1))
    d = reconcile(plan, status, rs(H2, 8, 1))
    assert scales(d) == [(H2, 2)]


def _desired(plan: Any, status: Any, *rss: ReplicaSetView) -> tuple[int, int]:
    views = tuple(replace(r, rollout_replicas=plan.replicas) for r in rss)
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=views))
    return ctx.desired_counts(None)


@pytest.mark.parametrize(("min_pods", "canary"), [(None, 1), (2, 2)])
def test_min_pods_per_replica_set_reaches_the_arithmetic(min_pods: int | None, canary: int) -> None:
    """``minPodsPerReplicaSet``: setWeight 5 of 10 replicas needs 1 pod, at least 2 with it."""
    plan = make_plan(
        replicas=10, steps=(SetWeight(5), Pause()), min_pods_per_replica_set=min_pods, **TR
    )
    assert _desired(plan, make_status(plan, index=0), rs(H1, 10), rs(H2, 0)) == (canary, 10)


@pytest.mark.parametrize(("delay", "canary"), [(None, 0), (0, 3), (10, 0)])
def test_abort_keeps_an_explicit_canary_scale_only_without_a_scale_down_delay(
    delay: float | None, canary: int
) -> None:
    """Aborted, a ``setCanaryScale`` of 3 still holds with ``abortScaleDownDelaySeconds: 0``
    (the canary is never scaled down); with a delay (30 s by default) the canary goes to 0."""
    plan = make_plan(
        replicas=10,
        steps=(SetCanaryScale(replicas=3), Pause()),
        abort_scale_down_delay_seconds=delay,
        **TR,
    )
    status = make_status(plan, index=0, abort=True)
    assert _desired(plan, status, rs(H1, 10), rs(H2, 3)) == (canary, 10)


@pytest.mark.parametrize(("max_weight", "canary"), [(100, 5), (200, 3)])
def test_max_traffic_weight_reaches_the_arithmetic(max_weight: int, canary: int) -> None:
    """``maxTrafficWeight``: setWeight 50 of 200 is a quarter: 3 of 10 pods (rounded up)."""
    plan = make_plan(replicas=10, steps=(SetWeight(50), Pause()), max_weight=max_weight, **TR)
    assert _desired(plan, make_status(plan, index=0), rs(H1, 10), rs(H2, 0)) == (canary, 10)


def test_a_status_naming_runs_that_are_gone_finds_none() -> None:
    """``GetCurrentExperiment`` / ``FilterCurrentRolloutAnalysisRuns``: a name in the status
    with no such object observed (deleted) leaves the current experiment and runs unset."""
    plan = make_plan(replicas=10, steps=(SetWeight(5),))
    status = make_status(
        plan,
        index=0,
        current_experiment=RunStatus("gone-ex", "Running"),
        current_step_analysis_run=RunStatus("gone-step", "Running"),
        current_background_analysis_run=RunStatus("gone-bg", "Running"),
    )
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=(rs(H1, 10), rs(H2, 1))))
    assert (ctx.current_ex, ctx.current_step_ar, ctx.current_background_ar) == (None, None, None)


@pytest.mark.parametrize(
    ("step", "mapping"),
    [
        (SetWeight(20), {"setWeight": 20}),
        (SetCanaryScale(replicas=2), {"setCanaryScale": {"replicas": 2}}),
        (SetCanaryScale(weight=30), {"setCanaryScale": {"weight": 30}}),
        (
            SetCanaryScale(match_traffic_weight=True),
            {"setCanaryScale": {"matchTrafficWeight": True}},
        ),
        (Pause(), {}),
        (Pause(seconds=30.0), {}),
        (Analysis(), {}),
        (Experiment(), {}),
        (SetHeaderRoute("h"), {}),
        (SetMirrorRoute("m"), {}),
        (CompoundStep((SetWeight(20), Pause())), {"setWeight": 20}),
        (
            CompoundStep((Pause(), SetCanaryScale(replicas=1))),
            {"setCanaryScale": {"replicas": 1}},
        ),
    ],
)
def test_step_mapping(step: Step, mapping: dict[str, Any]) -> None:
    """The manifest form the replica arithmetic reads: the ``setWeight`` and
    ``setCanaryScale`` fields only, under the manifest's names (the arithmetic reads no other
    field; other steps keep their position as an empty mapping); a compound step holds the
    fields of all its parts."""
    assert step_mapping(step) == mapping


def test_the_resolved_fenceposts_follow_the_plan() -> None:
    """maxSurge/maxUnavailable are resolved once per plan: a plan with another maxSurge (or
    the first one again) is resolved afresh, not served the last plan's pod counts."""
    plan = make_plan(
        replicas=10, max_surge=0, max_unavailable=1, pod_template_hash=H2, steps=(SetWeight(50),)
    )
    status = make_status(plan, stable=H1, index=0)
    assert _desired(plan, status, rs(H1, 10), rs(H2, 0)) == (0, 9)
    surging = replace(plan, max_surge="100%")
    assert _desired(surging, status, rs(H1, 10), rs(H2, 0)) == (5, 9)
    assert _desired(plan, status, rs(H1, 10), rs(H2, 0)) == (0, 9)


def _weights(canary: int) -> TrafficWeights:
    return TrafficWeights(WeightDestination(canary, H2), WeightDestination(100 - canary, H1))


def test_desired_counts_within_a_reconcile_follow_the_router_weights() -> None:
    """One context asked for several router weights: with dynamicStableScale the stable keeps
    the pods for the traffic the router still sends it (90 % of it needs 9 of 10 pods, more
    than the 8 of setWeight 20; 50 % needs fewer), so each weight is answered for itself, not
    with the first one's counts; without it the weights do not enter the arithmetic and every
    one gets the counts of none."""
    steps = (SetWeight(20), Pause())
    plan = make_plan(replicas=10, steps=steps, dynamic_stable_scale=True, **TR)
    status = make_status(plan, stable=H1, index=0)
    views = (rs(H1, 10), rs(H2, 2))
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=views))
    assert ctx.desired_counts(_weights(10)) == (2, 9)
    assert ctx.desired_counts(_weights(50)) == (2, 8)
    assert ctx.desired_counts(None) == (2, 8)
    assert ctx.desired_counts(_weights(10)) == (2, 9)
    plain = replace(plan, dynamic_stable_scale=False)
    ctx = Context(plain, status, Observation(now=NOW, replica_sets=views))
    assert ctx.desired_counts(_weights(10)) == ctx.desired_counts(None) == (2, 10)


def test_desired_counts_follow_the_status_and_views_as_they_change_within_a_reconcile() -> None:
    """The status and the new/stable views may be replaced during one reconcile
    (syncReplicaSetRevision): each replacement is answered for itself, not with the counts
    of setWeight 20 worked out before it (past the last step, or the new ReplicaSet as
    stable, the canary is the whole rollout)."""
    plan = make_plan(replicas=10, steps=(SetWeight(20), Pause()), **TR)
    status = make_status(plan, stable=H1, index=0)
    views = (rs(H1, 10), rs(H2, 2))
    ctx = Context(plan, status, Observation(now=NOW, replica_sets=views))
    assert ctx.desired_counts(None) == (2, 10)
    ctx.status = make_status(plan, stable=H1, index=2)
    assert ctx.desired_counts(None) == (10, 10)
    for role in ("new_rs", "stable_rs"):
        ctx = Context(plan, status, Observation(now=NOW, replica_sets=views))
        assert ctx.desired_counts(None) == (2, 10)
        other = ctx.stable_rs if role == "new_rs" else ctx.new_rs
        setattr(ctx, role, other)
        assert ctx.desired_counts(None) == (10, 10)


def test_max_traffic_weight_must_be_positive() -> None:
    """``maxTrafficWeight`` 0 is refused by name; 1 is the smallest usable (setWeight 1 of it
    is the whole rollout)."""
    plan = make_plan(replicas=10, steps=(SetWeight(1), Pause()), max_weight=1, **TR)
    assert _desired(plan, make_status(plan, index=0), rs(H1, 10), rs(H2, 0)) == (10, 10)
    zero = replace(plan, max_weight=0)
    with pytest.raises(ValueError, match=r"^maxTrafficWeight must be positive, got 0$"):
        _desired(zero, make_status(plan, index=0), rs(H1, 10), rs(H2, 0))


def test_an_aborted_dynamic_canary_keeps_the_pods_the_stable_cannot_serve_yet() -> None:
    """Aborted with dynamicStableScale: the stable has 9 of 10 pods available, the canary 5, so
    the canary keeps the last setWeight whose pods are fewer (10 %: 1 pod), not 0."""
    steps = (SetWeight(10), SetWeight(50))
    plan = make_plan(replicas=10, steps=steps, dynamic_stable_scale=True, **TR)
    status = make_status(plan, stable=H1, index=0, abort=True)
    assert _desired(plan, status, rs(H1, 9, 9), rs(H2, 5, 5)) == (1, 9)


def test_without_a_stable_replica_set_the_canary_gets_the_max_traffic_weight() -> None:
    """No stable ReplicaSet: the weight is ``maxTrafficWeight`` (200 of 200), all 10 pods."""
    plan = make_plan(replicas=10, steps=(SetWeight(50), Pause()), max_weight=200, **TR)
    assert _desired(plan, make_status(plan, stable=H1, index=0), rs(H2, 0)) == (10, 10)


def test_a_basic_canary_that_is_its_own_stable_is_not_counted_twice() -> None:
    """The status's stable is the new ReplicaSet (5 of 10 pods): it grows to all 10 within
    the surge, with no stable of its own to keep."""
    plan = make_plan(replicas=10, steps=(SetWeight(50), Pause()))
    assert _desired(plan, make_status(plan, stable=H2, index=0), rs(H2, 5)) == (10, 0)


def test_the_other_replica_sets_are_oldest_first() -> None:
    """Two ReplicaSets besides new and stable, listed newest first: the context keeps them by
    creation time."""
    older, newer = rs("h-old", 1, created=NOW - 20), rs("h-mid", 1, created=NOW - 10)
    ctx = _ctx(rs(H1, 10), rs(H2, 0), newer, older)
    assert [o.hash for o in ctx.other_rss] == ["h-old", "h-mid"]
